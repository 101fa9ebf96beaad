"""Analytics: sessions per day, by language, gateway and network, and the screens where
callers give up, drawn as server-side charts with every number also in a table."""

from __future__ import annotations

import json
import math
from typing import Any

from flask import current_app, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from editor import bp, role_required
from editor.analytics import charts
from editor.forms import language_label
from editor.submissions.filters import read_filters
from ussd.analytics import report, sweep
from ussd.extensions import db
from ussd.menu.document import parse_menu
from ussd.models import Menu, MenuVersion

SMALL: dict[str, Any] = {"width": 330, "label_width": 110}  # charts in a third of the page


def _node_order(menu_id: int | None) -> list[str]:
    if menu_id is None:
        return []
    document = db.session.scalar(
        select(MenuVersion.document)
        .join(Menu, Menu.live_version_id == MenuVersion.id)
        .where(Menu.id == menu_id)
    )
    return list(parse_menu(json.loads(document)).nodes) if document else []


@bp.get("/analytics")
@role_required("viewer")
def analytics() -> str:
    filters = read_filters()
    menus = db.session.scalars(select(Menu).order_by(Menu.name)).all()
    menu_id = request.args.get("menu", type=int)
    if menu_id is None and len(menus) == 1:
        menu_id = menus[0].id
    sweep(limit=5000)  # the last sessions' visits, so the page is up to date
    figures = report(filters["start"], filters["end"], menu_id, _node_order(menu_id))

    def tally_bars(tallies: dict[str, Any], label=named) -> list[charts.Bar]:  # type: ignore[no-untyped-def]
        return [charts.Bar(label(k), t.sessions, t.completed) for k, t in _by_size(tallies)]

    config = current_app.config
    # a session is over once it can no longer be continued (ussd/analytics.py, sweep)
    resume_minutes = max(
        int(config.get("RESUME_WINDOW_MINUTES", 10)),
        math.ceil(int(config.get("SESSION_TIMEOUT_SECONDS", 180)) / 60),
    )

    return render_template(
        "editor/analytics.html",
        figures=figures,
        filters=filters,
        menus=menus,
        menu_id=menu_id,
        per_day=charts.columns(
            [charts.Bar(d.strftime("%d/%m"), t.sessions, t.completed) for d, t in figures.days],
            _("Sessions per day"),
        ),
        by_language=charts.bars(
            tally_bars(figures.by_language, language_named), _("Sessions by language"), **SMALL
        ),
        by_gateway=charts.bars(tally_bars(figures.by_gateway), _("Sessions by gateway"), **SMALL),
        by_network=charts.bars(tally_bars(figures.by_network), _("Sessions by network"), **SMALL),
        sorted_language=_by_size(figures.by_language),
        sorted_gateway=_by_size(figures.by_gateway),
        sorted_network=_by_size(figures.by_network),
        named=named,
        language_named=language_named,
        resume_minutes=resume_minutes,
        dropoff=charts.bars(
            [charts.Bar(n.node, n.reached, n.left) for n in figures.nodes],
            _("Callers who reached each screen, and who left there"),
        ),
    )


def named(key: str) -> str:
    """A gateway or network as the page names it ("" when the gateway did not say)."""
    return key or _("unknown")


def language_named(code: str) -> str:
    return language_label(code) if code else _("unknown")


def _by_size(tallies: dict[str, Any]) -> list[tuple[str, Any]]:
    return sorted(tallies.items(), key=lambda kv: (-kv[1].sessions, kv[0]))
