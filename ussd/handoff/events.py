"""POST /flex/events: TaskRouter's event callback, signed by Twilio (pinned, DESIGN §5).

Records what happens to our tasks (created, accepted by an agent, completed, canceled) so
coordinators can see how long callers wait, and so a repeat request is merged only into a
task that is still open. Unsigned or forged requests get 403 (a one-line text reason) and
change nothing; every event accepted, whether recorded, a repeat or about another app's task,
is acknowledged as Twilio's TaskRouter Events reference asks: 204 No Content with
`Content-Type: application/json` (https://www.twilio.com/docs/taskrouter/api/event/reference).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, request
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from twilio.request_validator import RequestValidator, get_signature_algorithm

from ussd.analytics import add_wait
from ussd.extensions import db
from ussd.handoff.taskrouter import auth_tokens
from ussd.models import Handoff, MenuVersion, TaskEvent, UssdSession, utcnow
from ussd.responses import plain

bp = Blueprint("flex", __name__, url_prefix="/flex")
log = logging.getLogger("ussd.handoff.events")

# event type -> the task status it sets (None: recorded only)
TASK_STATUS = {
    "task.created": "created",
    "reservation.accepted": "accepted",
    "task.wrapup": "wrapping",
    "task.completed": "completed",
    "task.canceled": "canceled",
    "task.deleted": "deleted",
}


def public_url() -> str:
    """The URL Twilio signed: PUBLIC_URL's scheme and host if set (behind a proxy that
    rewrites them), else the request's own (ProxyFix applies X-Forwarded-* when trusted)."""
    base = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    query = request.query_string.decode("latin-1")
    path = request.path + (f"?{query}" if query else "")
    return f"{base}{path}" if base else request.url


def _occurred(raw: str) -> datetime:
    try:
        stamp = float(raw)
    except (TypeError, ValueError):
        return utcnow()
    if stamp > 1e11:  # milliseconds
        stamp /= 1000
    return datetime.fromtimestamp(stamp, UTC)


@bp.post("/events")
def events() -> Response:
    tokens = auth_tokens(current_app.config)
    signature = request.headers.get("X-Twilio-Signature", "")
    if not tokens:
        return plain(403, "TWILIO_AUTH_TOKEN is not configured")
    if not signature:
        return plain(403, "missing X-Twilio-Signature")
    algorithm = get_signature_algorithm(request.headers.get("X-Twilio-Webhooks-Signature-Settings"))
    url = public_url()
    # every token tried (new and old while rotating)
    valid = [
        RequestValidator(token).validate(url, request.form, signature, algorithm)
        for token in tokens
    ]
    if not any(valid):
        log.warning("rejected a TaskRouter event with an invalid signature")
        return plain(403, "invalid X-Twilio-Signature")
    record(request.form)
    return acknowledged()


def acknowledged() -> Response:
    """204 with no body; the content type is the one TaskRouter's reference asks for (Flask's
    default would be text/html)."""
    return Response(status=204, mimetype="application/json")


def _menu_of(session_id: int) -> int | None:
    return db.session.scalar(
        select(MenuVersion.menu_id)
        .join(UssdSession, UssdSession.menu_version_id == MenuVersion.id)
        .where(UssdSession.id == session_id)
    )


def record(form: Any) -> None:
    event_type = form.get("EventType", "")
    task_sid = form.get("TaskSid") or (
        form.get("ResourceSid") if form.get("ResourceType") == "Task" else ""
    )
    if not task_sid or not (
        event_type.startswith("task.") or event_type.startswith("reservation.")
    ):
        return
    handoff = db.session.scalar(
        select(Handoff).where(Handoff.task_sid == task_sid, Handoff.kind == "create").limit(1)
    )
    if handoff is None:
        return  # not one of ours (voice, chat, another app)
    occurred = _occurred(form.get("Timestamp", ""))
    event_sid = form.get("Sid") or form.get("EventSid") or None
    db.session.add(
        TaskEvent(
            handoff_id=handoff.id,
            task_sid=task_sid,
            event_type=event_type[:40],
            event_sid=event_sid,
            occurred_at=occurred,
        )
    )
    try:
        db.session.flush()
    except IntegrityError:  # TaskRouter delivered the same event twice
        db.session.rollback()
        return
    status = TASK_STATUS.get(event_type)
    if status:
        values: dict[str, Any] = {"task_status": status, "updated_at": utcnow()}
        if status == "accepted":
            values["accepted_at"] = occurred
        if status in ("completed", "canceled", "deleted"):
            values["closed_at"] = occurred
        query = update(Handoff).where(Handoff.id == handoff.id)
        wait = None
        if status == "accepted":  # keep the first acceptance (a task may be transferred)
            query = query.where(Handoff.accepted_at.is_(None))
            wait = max(0, int((occurred - handoff.created_at).total_seconds()))
            values["wait_seconds"] = wait
        changed = db.session.execute(query.values(**values))
        if wait is not None and changed.rowcount == 1:  # type: ignore[attr-defined]
            add_wait(handoff.created_at, _menu_of(handoff.session_id), wait)
    db.session.commit()
