"""Submissions (who asked for what), analytics (where callers give up), privacy (erasure)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from flask import Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, and_, func, select
from werkzeug.wrappers import Response as WerkzeugResponse

from editor import bp, charts, role_required
from editor.forms import CONTROL, ConfirmForm, EraseForm, language_label
from ussd.analytics import report, sweep
from ussd.extensions import db
from ussd.menu.document import parse_menu
from ussd.models import AuditEvent, Handoff, Menu, MenuVersion, User, UssdSession, utcnow
from ussd.privacy.phones import mask
from ussd.privacy.retention import audit, count_for_phone, erase_phone, purge

PAGE_SIZE = 50
SMALL: dict[str, Any] = {"width": 330, "label_width": 110}  # charts in a third of the page
STATES = ("pending", "delivering", "delivered", "failed")


def _day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _clean(value: str) -> str:
    """A filter value from the query string; one with control characters matches nothing."""
    return "" if CONTROL.search(value) else value[:100]


def _filters() -> dict[str, Any]:
    today = utcnow().date()
    start = _day(request.args.get("start"), today - timedelta(days=29))
    end = _day(request.args.get("end"), max(today, start))
    if end < start:  # given the wrong way round
        start, end = end, start
    return {
        "start": start,
        "end": end,
        "location": _clean(request.args.get("location", "")),
        "support_type": _clean(request.args.get("support_type", "")),
        "status": request.args.get("status", "") if request.args.get("status") in STATES else "",
    }


def _query(filters: dict[str, Any]) -> Select[Handoff, str, str]:
    begin = datetime.combine(filters["start"], datetime.min.time())
    stop = datetime.combine(filters["end"] + timedelta(days=1), datetime.min.time())
    conditions = [Handoff.created_at >= begin, Handoff.created_at < stop]
    for name in ("location", "support_type", "status"):
        if filters[name]:
            conditions.append(getattr(Handoff, name) == filters[name])
    return (
        select(Handoff, UssdSession.gateway, UssdSession.network)
        .join(UssdSession, UssdSession.id == Handoff.session_id)
        .where(and_(*conditions))
        .order_by(Handoff.created_at.desc(), Handoff.id.desc())
    )


def _shown_phone(attributes: dict[str, Any], whole: bool) -> str:
    number = str(attributes.get("from") or "")
    return number if whole else mask(number)


def _row(handoff: Handoff, gateway: str, network: str, whole_numbers: bool) -> dict[str, Any]:
    """A submission as shown; numbers are masked unless `whole_numbers` (admins)."""
    try:
        attributes = json.loads(handoff.attributes)
    except ValueError:
        attributes = {}
    return {
        "handoff": handoff,
        "phone": _shown_phone(attributes, whole_numbers),
        "answers": attributes.get("answers") or [],
        "language": handoff.language,
        "gateway": gateway,
        "network": network,
        "menu": attributes.get("menu", ""),
        "menu_version": attributes.get("menu_version", ""),
        "session": attributes.get("ussd_session_id", ""),
    }


def _distinct(column: Any) -> list[str]:
    return [v for v in db.session.scalars(select(column).distinct().order_by(column)) if v]


@bp.get("/submissions")
@role_required("viewer")
def submissions() -> str:
    filters = _filters()
    page = max(1, request.args.get("page", 1, type=int))
    query = _query(filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    found = db.session.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "editor/submissions.html",
        rows=[_row(h, g, n, current_user.can("admin")) for h, g, n in found],
        filters=filters,
        total=total or 0,
        page=page,
        pages=max(1, -(-(total or 0) // PAGE_SIZE)),
        locations=_distinct(Handoff.location),
        support_types=_distinct(Handoff.support_type),
        states=STATES,
        confirm=ConfirmForm(),
        args={k: v for k, v in request.args.items() if k != "page"},
    )


def _safe_cell(value: Any) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: caller input must not."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


CSV_COLUMNS = [
    "submitted_at",
    "handoff_state",
    "task_sid",
    "task_status",
    "accepted_at",
    "wait_seconds",
    "phone",
    "language",
    "location",
    "support_type",
    "callback",
    "answers",
    "menu",
    "menu_version",
    "gateway",
    "network",
    "ussd_session_id",
]


@bp.get("/submissions.csv")
@role_required("viewer")
def submissions_csv() -> Response:
    filters = _filters()
    query = _query(filters)
    # callers' answers leave the system here: who took which, and when, is kept
    shown = ", ".join(f"{k}={v}" for k, v in filters.items() if v not in (None, ""))
    audit("export", f"submissions CSV ({shown})", current_user)
    db.session.commit()
    # read while the session is open (the commit expired the user; rows stream later)
    whole_numbers = current_user.can("admin")

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        yield buffer.getvalue()
        for handoff, gateway, network in db.session.execute(query.execution_options(yield_per=500)):
            row = _row(handoff, gateway, network, whole_numbers)
            buffer.seek(0)
            buffer.truncate()
            answers = "; ".join(f"{a.get('key')}={a.get('value')}" for a in row["answers"])
            writer.writerow(
                [
                    _safe_cell(v)
                    for v in (
                        handoff.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        handoff.status,
                        handoff.task_sid or "",
                        handoff.task_status,
                        handoff.accepted_at.strftime("%Y-%m-%dT%H:%M:%SZ")
                        if handoff.accepted_at
                        else "",
                        handoff.wait_seconds if handoff.wait_seconds is not None else "",
                        row["phone"],
                        handoff.language,
                        handoff.location,
                        handoff.support_type,
                        handoff.callback,
                        answers,
                        row["menu"],
                        row["menu_version"],
                        gateway,
                        network,
                        row["session"],
                    )
                ]
            )
            yield buffer.getvalue()

    name = f"submissions-{filters['start']}-{filters['end']}.csv"
    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/submissions/<int:handoff_id>/retry")
@role_required("editor")
def submission_retry(handoff_id: int) -> WerkzeugResponse:
    handoff = db.get_or_404(Handoff, handoff_id)
    if ConfirmForm().validate_on_submit():
        if handoff.status == "failed":
            handoff.status = "pending"
            handoff.next_attempt_at = utcnow()
            audit("retry", f"hand-off {handoff.id} queued again", current_user)
            db.session.commit()
            from ussd.handoff.dispatcher import notify_dispatcher

            notify_dispatcher()
            flash(_("The hand-off is queued again and is sent within seconds."), "info")
        else:
            flash(_("Only a failed hand-off can be retried."), "error")
    return redirect(request.referrer or url_for("editor.submissions"))


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
    filters = _filters()
    menus = db.session.scalars(select(Menu).order_by(Menu.name)).all()
    menu_id = request.args.get("menu", type=int)
    if menu_id is None and len(menus) == 1:
        menu_id = menus[0].id
    sweep(limit=5000, force=True)  # the last sessions' visits, so the page is up to date
    figures = report(filters["start"], filters["end"], menu_id, _node_order(menu_id))

    def tally_bars(tallies: dict[str, Any], label=str) -> list[charts.Bar]:  # type: ignore[no-untyped-def]
        return [charts.Bar(label(k), t.sessions, t.completed) for k, t in _by_size(tallies)]

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
            tally_bars(figures.by_language, language_label), _("Sessions by language"), **SMALL
        ),
        by_gateway=charts.bars(tally_bars(figures.by_gateway), _("Sessions by gateway"), **SMALL),
        by_network=charts.bars(tally_bars(figures.by_network), _("Sessions by network"), **SMALL),
        sorted_language=_by_size(figures.by_language),
        sorted_gateway=_by_size(figures.by_gateway),
        sorted_network=_by_size(figures.by_network),
        dropoff=charts.bars(
            [charts.Bar(n.node, n.reached, n.left) for n in figures.nodes],
            _("Callers who reached each screen, and who left there"),
        ),
        language_label=language_label,
    )


def _by_size(tallies: dict[str, Any]) -> list[tuple[str, Any]]:
    return sorted(tallies.items(), key=lambda kv: (-kv[1].sessions, kv[0]))


@bp.route("/privacy", methods=["GET", "POST"])
@role_required("admin")
def privacy() -> str | WerkzeugResponse:
    form = EraseForm()
    found = None
    if form.validate_on_submit():
        phone = form.phone.data or ""
        if form.erase.data:
            deleted = erase_phone(phone, current_user)
            flash(
                _(
                    "Erased: %(what)s. The audit log records that an erasure happened, not whose.",
                    what=str(deleted),
                ),
                "info",
            )
            return redirect(url_for("editor.privacy"))
        found = count_for_phone(phone)
    events = db.session.execute(
        select(AuditEvent, User.email)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .order_by(AuditEvent.at.desc())
        .limit(50)
    ).all()
    return render_template(
        "editor/privacy.html",
        form=form,
        found=found,
        events=events,
        purge_form=ConfirmForm(prefix="purge"),
    )


@bp.post("/privacy/purge")
@role_required("admin")
def privacy_purge() -> WerkzeugResponse:
    if ConfirmForm(prefix="purge").validate_on_submit():
        deleted = purge(user=current_user)
        flash(_("Purged: %(what)s.", what=str(deleted)), "info")
    return redirect(url_for("editor.privacy"))
