"""Submissions: who asked for what (numbers masked but for admins), the CSV export, and
retrying a failed hand-off."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, and_, func, select
from werkzeug.wrappers import Response as WerkzeugResponse

from editor import bp, role_required
from editor.forms import ConfirmForm
from editor.submissions.filters import REPLIES, STATES, read_filters
from editor.submissions.reply_status import replies_by_request, reply_condition, status_of
from ussd.extensions import db
from ussd.handoff.safe_contact import caller_timezone, local_time
from ussd.menu.safe_contact import DO_NOT_CALL, canonical_window, hours_problem, is_inside
from ussd.models import Handoff, UssdSession, utcnow
from ussd.privacy.phones import mask
from ussd.privacy.retention import audit

PAGE_SIZE = 50


def _query(filters: dict[str, Any]) -> Select[Handoff, str, str]:
    begin = datetime.combine(filters["start"], datetime.min.time())
    stop = datetime.combine(filters["end"] + timedelta(days=1), datetime.min.time())
    conditions = [Handoff.created_at >= begin, Handoff.created_at < stop]
    for name in ("location", "support_type", "status"):
        if filters[name]:
            conditions.append(getattr(Handoff, name) == filters[name])
    if filters["reply"]:
        conditions.append(reply_condition(filters["reply"]))
    return (
        select(Handoff, UssdSession.gateway, UssdSession.network)
        .join(UssdSession, UssdSession.id == Handoff.session_id)
        .where(and_(*conditions))
        .order_by(Handoff.created_at.desc(), Handoff.id.desc())
    )


def _shown_phone(attributes: dict[str, Any], whole: bool) -> str:
    """The caller's number (masked unless `whole`), E.164 or, failing that, as it came."""
    number = str(attributes.get("from") or attributes.get("from_unverified") or "")
    return number if whole else mask(number)


# The safe windows a caller may choose (ussd/menu/safe_contact.py), named for coordinators.
WINDOW_NAMES = {
    "morning": _l("Morning"),
    "afternoon": _l("Afternoon"),
    "evening": _l("Evening"),
    "any": _l("Any time"),
}


def safe_window(attributes: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    """When the caller said it is safe to call, and whether it is now where they are: the
    window, its hours, the caller's time zone and local time at `now` (aware), and
    `inside` (None when the hours or the time are not known). None for a request that
    says nothing about it."""
    window = canonical_window(str(attributes.get("callback_window") or ""))
    if window is None:
        return None
    given = attributes.get("callback_hours")
    hours = None
    if isinstance(given, dict):
        pair = [given.get("from"), given.get("to")]
        hours = None if hours_problem(pair) else (str(pair[0]), str(pair[1]))
    # requests made before the attribute existed: the zone from the number
    zone = str(attributes.get("caller_timezone") or "") or caller_timezone(
        str(attributes.get("from") or "")
    )
    local = local_time(zone, now)
    return {
        "window": window,
        "name": WINDOW_NAMES.get(window, ""),
        "do_not_call": window == DO_NOT_CALL,
        "hours": hours,
        "zone": zone,
        "local": local,
        "inside": is_inside(local, hours) if local and hours else None,
    }


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
        "safe_window": safe_window(attributes, datetime.now(UTC)),
    }


def _distinct(column: Any) -> list[str]:
    return [v for v in db.session.scalars(select(column).distinct().order_by(column)) if v]


@bp.get("/submissions")
@role_required("viewer")
def submissions() -> str:
    filters = read_filters()
    page = max(1, request.args.get("page", 1, type=int))
    query = _query(filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    found = db.session.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    replies = replies_by_request(h for h, _g, _n in found)
    return render_template(
        "editor/submissions.html",
        rows=[
            _row(h, g, n, current_user.can("admin")) | {"reply": status_of(h, replies)}
            for h, g, n in found
        ],
        filters=filters,
        total=total or 0,
        page=page,
        pages=max(1, -(-(total or 0) // PAGE_SIZE)),
        locations=_distinct(Handoff.location),
        support_types=_distinct(Handoff.support_type),
        states=STATES,
        reply_statuses=REPLIES,
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
    "reply_status",  # none, waiting or read: never a reply's text
]


@bp.get("/submissions.csv")
@role_required("viewer")
def submissions_csv() -> Response:
    filters = read_filters()
    query = _query(filters)
    # callers' answers leave the system here: who took which, and when, is kept
    shown = ", ".join(f"{k}={v}" for k, v in filters.items() if v not in (None, ""))
    audit("export", f"submissions CSV ({shown})", current_user)
    db.session.commit()
    # read while the session is open (the commit expired the user; rows stream later)
    whole_numbers = current_user.can("admin")
    replies = replies_by_request()

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
                        status_of(handoff, replies),
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
