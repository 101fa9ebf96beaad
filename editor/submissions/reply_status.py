"""The reply status of requests, for the submissions list, its filter and its CSV: `none`,
`waiting` (a reply the caller has not read yet) or `read` (every reply read), the rule of
ussd.replies.service.reply_status, read for many requests in one statement. A request
folded into an earlier task shares that task's replies."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, exists, select

from ussd.extensions import db
from ussd.models import Handoff, Reply

REPLY_STATUSES = ("none", "waiting", "read")


def replies_by_request(handoffs: Iterable[Handoff] | None = None) -> dict[int, set[str]]:
    """The statuses of the replies of each request (of `handoffs`, or of every request)."""
    query = select(Reply.handoff_id, Reply.status).distinct()
    if handoffs is not None:
        ids = {i for h in handoffs for i in (h.id, h.target_id) if i}
        if not ids:
            return {}
        query = query.where(Reply.handoff_id.in_(ids))
    found: dict[int, set[str]] = {}
    for handoff_id, status in db.session.execute(query):
        found.setdefault(handoff_id, set()).add(status)
    return found


def status_of(handoff: Handoff, found: dict[int, set[str]]) -> str:
    statuses = found.get(handoff.id, set()) | found.get(handoff.target_id or 0, set())
    if not statuses:
        return "none"
    return "waiting" if "waiting" in statuses else "read"


def reply_condition(wanted: str) -> Any:
    """The requests whose reply status is `wanted`, as a condition on Handoff."""

    def any_reply(*more: Any) -> Any:
        return exists().where(Reply.handoff_id.in_([Handoff.id, Handoff.target_id]), *more)

    waiting = any_reply(Reply.status == "waiting")
    if wanted == "waiting":
        return waiting
    if wanted == "read":
        return and_(any_reply(), ~waiting)
    return ~any_reply()
