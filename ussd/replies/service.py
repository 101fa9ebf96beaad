"""Writing and listing replies: the rules both the Flex API and the editor follow.

A reply belongs to a hand-off (the request it answers; a repeat request folded into a task
answers through that task's first request). It waits on this server, encrypted at rest
when keys are set, until the caller dials again (ussd/sessions/replies.py). Its length is
bounded by what the caller's gateway can show in a few screens, in the encoding the text
needs (GSM-7 or UCS-2).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from ussd.extensions import db
from ussd.gateways import screen_budget
from ussd.handoff.deliveries import Queued, enqueue
from ussd.handoff.outbox import iso_utc
from ussd.handoff.sms_notice import queue_notice
from ussd.mapped_gateways import all_gateways
from ussd.menu.gsm import DEFAULT_BUDGET, Budget, is_gsm7
from ussd.models import CannedReply, Handoff, Reply, User, UssdSession, utcnow
from ussd.privacy.retention import audit

MAX_SCREENS = 3
# Each page of a reply also shows "98. More" / "0. Back" or the choices after it; the text
# gets what is left of the screen.
NAVIGATION_ROOM = {"gsm7": 30, "ucs2": 30}
# Control, format, surrogate and private-use characters are refused, but for line breaks and
# the zero-width (non-)joiners that Bengali, Arabic and Persian spelling needs.
REFUSED_CATEGORIES = ("Cc", "Cf", "Cs", "Co")
KEPT = frozenset("\n\u200c\u200d")


class ReplyRefused(ValueError):
    """Why a reply was not stored, in words for the agent (HTTP `status`)."""

    def __init__(self, reason: str, status: int = 400):
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Limits:
    screens: int
    screen: dict[str, int]  # characters of reply text a screen holds, per encoding

    def most(self, encoding: str) -> int:
        return self.screens * self.screen[encoding]

    def to_dict(self) -> dict[str, Any]:
        return {"screens": self.screens, "screen": dict(self.screen)}


def encoding_of(text: str) -> str:
    return "gsm7" if is_gsm7(text) else "ucs2"


def length_in(text: str, encoding: str) -> int:
    """Characters as the network counts them: GSM-7 extension characters take two, UCS-2
    counts UTF-16 code units (an emoji takes two)."""
    if encoding == "gsm7":
        return Budget().measure(text).used
    return len(text.encode("utf-16-le")) // 2


def limits_for(handoff: Handoff) -> Limits:
    """How long a reply to this caller may be: a few screens of their gateway."""
    session = handoff.session
    gateway = all_gateways().get(session.gateway) if session is not None else None
    budget = screen_budget(gateway) if gateway is not None else DEFAULT_BUDGET
    gsm7 = min(budget.gsm7, budget.cap) if budget.cap else budget.gsm7
    ucs2 = min(budget.ucs2, budget.cap) if budget.cap else budget.ucs2
    return Limits(
        MAX_SCREENS,
        {
            "gsm7": gsm7 - NAVIGATION_ROOM["gsm7"],
            "ucs2": ucs2 - NAVIGATION_ROOM["ucs2"],
        },
    )


def checked_text(raw: Any, limits: Limits) -> str:
    """The reply as it will be stored, or ReplyRefused saying what is wrong."""
    if not isinstance(raw, str):
        raise ReplyRefused("the reply must be text")
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n")).strip()
    if not text:
        raise ReplyRefused("the reply is empty")
    if any(unicodedata.category(ch) in REFUSED_CATEGORIES and ch not in KEPT for ch in text):
        raise ReplyRefused("the reply holds control characters")
    encoding = encoding_of(text)
    used, most = length_in(text, encoding), limits.most(encoding)
    if used > most:
        name = "GSM-7" if encoding == "gsm7" else "UCS-2"
        raise ReplyRefused(
            f"the reply is too long: {used} characters ({name}), at most {most} "
            f"({limits.screens} screens)"
        )
    return text


def handoff_for_task(task_sid: Any) -> Handoff:
    """The request a task answers, or ReplyRefused 404 (not a task of ours, or erased)."""
    if not isinstance(task_sid, str) or not task_sid.startswith("WT") or len(task_sid) != 34:
        raise ReplyRefused("no such task", 404)
    found = db.session.scalars(
        select(Handoff)
        .where(Handoff.task_sid == task_sid)
        .order_by((Handoff.kind != "create"), Handoff.id)
        .limit(1)
    ).first()
    if found is None or found.session is None:
        raise ReplyRefused("no such task", 404)
    return found


def sent_in_last_hour(by: str, now: datetime) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Reply)
            .where(Reply.by == by, Reply.created_at >= now - timedelta(hours=1))
        )
        or 0
    )


def create_reply(handoff: Handoff, raw_text: Any, by: str, user: User | None = None) -> Reply:
    """Store a reply for the caller of `handoff` and tell its Flex task one is waiting."""
    if handoff.kind == "update" and handoff.target_id:  # folded into an earlier task
        target = db.session.get(Handoff, handoff.target_id)
        handoff = target if target is not None else handoff
    text = checked_text(raw_text, limits_for(handoff))
    now = utcnow()
    most = int(current_app.config.get("MAX_REPLIES_PER_AGENT_PER_HOUR", 60) or 0)
    if most and sent_in_last_hour(by, now) >= most:
        raise ReplyRefused(f"at most {most} replies an hour: try again later", 429)
    session = db.session.get(UssdSession, handoff.session_id)
    reply = Reply(
        handoff_id=handoff.id,
        phone_hash=handoff.phone_hash,
        task_sid=handoff.task_sid,
        text=text,
        lang=(session.lang if session is not None else "")[:12],
        status="waiting",
        by=by[:120],
        created_at=now,
    )
    db.session.add(reply)
    db.session.flush()
    enqueue(
        Queued(
            "task_update",
            f"reply-waiting:{reply.id}",
            {"handoff_id": handoff.id, "attributes": {"reply_status": "waiting"}},
            ordering_key=f"handoff:{handoff.id}",
            reference=f"reply:{reply.id}",
        ),
        now,
    )
    if session is not None:  # off unless the operator turned it on (ussd/handoff/sms_notice.py)
        queue_notice(reply.id, session.phone, now, current_app.config)
    audit("reply", f"reply {reply.id} to request {handoff.id} ({len(text)} characters)", user)
    db.session.commit()
    from ussd.handoff.dispatcher import notify_dispatcher

    notify_dispatcher(messages=True)
    return reply


def replies_of(handoff: Handoff) -> list[Reply]:
    """The replies to a request, newest first (those to the task it was folded into too)."""
    ids = [handoff.id] + ([handoff.target_id] if handoff.target_id else [])
    return list(
        db.session.scalars(
            select(Reply).where(Reply.handoff_id.in_(ids)).order_by(Reply.id.desc())
        ).all()
    )


def reply_view(reply: Reply) -> dict[str, Any]:
    return {
        "id": reply.id,
        "text": reply.text,
        "status": reply.status,
        "created_at": iso_utc(reply.created_at),
        "read_at": iso_utc(reply.read_at) if reply.read_at else None,
        "by": reply.by,
    }


def caller_language(handoff: Handoff) -> str:
    session = db.session.get(UssdSession, handoff.session_id)
    return session.lang if session is not None and session.lang else "en"


def canned_for(lang: str) -> list[dict[str, Any]]:
    """Canned replies in the caller's language (none written in it: those in English)."""
    return canned_in_language(lang)[1]


def canned_in_language(lang: str) -> tuple[str, list[dict[str, Any]]]:
    """The canned replies `canned_for` offers, and the language they are written in."""
    for language in dict.fromkeys((lang, "en")):
        rows = db.session.scalars(
            select(CannedReply).where(CannedReply.lang == language).order_by(CannedReply.title)
        ).all()
        if rows:
            return language, [{"id": c.id, "title": c.title, "text": c.text} for c in rows]
    return lang, []


def reply_status(handoff: Handoff) -> str:
    """`none`, `waiting` (one or more unread) or `read` (every reply read), for lists."""
    statuses = {r.status for r in replies_of(handoff)}
    if not statuses:
        return "none"
    return "waiting" if "waiting" in statuses else "read"
