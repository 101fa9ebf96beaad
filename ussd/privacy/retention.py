"""Keeping personal data no longer than needed: retention purge, erasure, key rotation.

Everything about a caller hangs off their sessions (hand-offs, node visits, task events and
replies cascade), so deleting sessions deletes all of it; a caller's reply PIN (a keyed
hash) goes with their number or when unused for the retention window. The audit log
records that a purge or an erasure happened and how much went, never whose.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Text, delete, func, select, type_coerce, update

from ussd.extensions import db
from ussd.models import (
    AuditEvent,
    CannedReply,
    Handoff,
    MenuVersion,
    OutboxMessage,
    Reply,
    ReplyGuard,
    User,
    UssdSession,
    WebhookEndpoint,
    utcnow,
)
from ussd.privacy import crypto
from ussd.privacy.phones import international, phone_hash, phone_key, stored_forms

log = logging.getLogger("ussd.privacy.retention")
BATCH = 2000  # rows per delete: SQLite is not locked for long, PostgreSQL not bloated


@dataclass
class Deleted:
    sessions: int = 0
    handoffs: int = 0

    def __str__(self) -> str:
        return f"{self.sessions} session(s), {self.handoffs} hand-off(s)"


def audit(action: str, detail: str, user: User | None = None) -> None:
    db.session.add(
        AuditEvent(action=action, detail=detail[:300], user_id=user.id if user else None)
    )


def _delete_sessions(where: Any) -> Deleted:
    deleted = Deleted()
    while True:
        ids = db.session.scalars(select(UssdSession.id).where(where).limit(BATCH)).all()
        if not ids:
            return deleted
        deleted.handoffs += (
            db.session.scalar(
                select(func.count()).select_from(Handoff).where(Handoff.session_id.in_(ids))
            )
            or 0
        )
        # hand-offs, node visits and task events go with their session (ON DELETE CASCADE)
        db.session.execute(delete(UssdSession).where(UssdSession.id.in_(ids)))
        db.session.commit()
        deleted.sessions += len(ids)


def purge(
    days: int | None = None, now: datetime | None = None, user: User | None = None
) -> Deleted:
    """Delete sessions (and all that hangs off them) started more than `days` ago."""
    days = int(current_app.config.get("RETENTION_DAYS", 90)) if days is None else days
    if days <= 0:
        return Deleted()
    cutoff = (now or utcnow()) - timedelta(days=days)
    deleted = _delete_sessions(UssdSession.started_at < cutoff)
    db.session.execute(delete(ReplyGuard).where(ReplyGuard.updated_at < cutoff))
    # deliveries carry answers (webhooks) and screens (asynchronous gateways) too
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.created_at < cutoff))
    # simulator previews nobody runs any more
    used = select(UssdSession.menu_version_id).where(UssdSession.menu_version_id.is_not(None))
    db.session.execute(
        delete(MenuVersion).where(
            MenuVersion.number.is_(None),
            MenuVersion.published_at < cutoff,
            MenuVersion.id.not_in(used),
        )
    )
    audit("purge", f"retention {days} days: deleted {deleted}", user)
    db.session.commit()
    if deleted.sessions:
        log.info("purge: deleted %s older than %d days", deleted, days)
    return deleted


def erasure_number(raw_phone: str) -> str:
    """The number an erasure request is about, in E.164: read with DEFAULT_PHONE_REGION
    when it has no country code, refused (UnreadableNumber) when it cannot be read, so a
    request is never answered with a false "nothing stored"."""
    return international(raw_phone, current_app.config.get("DEFAULT_PHONE_REGION") or None)


def _hashes(number: str) -> list[str]:
    """The keyed hashes rows of this number may be stored under (E.164, and the local forms
    kept as sent when the country was not known at the time)."""
    secret = phone_key(current_app.config)
    return [phone_hash(form, secret) for form in stored_forms(number)]


def erase_phone(raw_phone: str, user: User | None = None) -> Deleted:
    """Delete everything about one phone number (a data subject's request). Raises
    UnreadableNumber for a number that cannot be read as one international number."""
    hashes = _hashes(erasure_number(raw_phone))
    deleted = _delete_sessions(UssdSession.phone_hash.in_(hashes))
    orphans = db.session.execute(delete(Handoff).where(Handoff.phone_hash.in_(hashes)))
    deleted.handoffs += orphans.rowcount or 0  # type: ignore[attr-defined]
    db.session.execute(delete(Reply).where(Reply.phone_hash.in_(hashes)))
    db.session.execute(delete(ReplyGuard).where(ReplyGuard.phone_hash.in_(hashes)))
    audit("erasure", f"erased on request: {deleted}", user)
    db.session.commit()
    log.info("an erasure was carried out (%s)", deleted)
    return deleted


def count_for_phone(raw_phone: str) -> int:
    """How many sessions are stored for a number (UnreadableNumber as for erase_phone)."""
    hashes = _hashes(erasure_number(raw_phone))
    return (
        db.session.scalar(
            select(func.count()).select_from(UssdSession).where(UssdSession.phone_hash.in_(hashes))
        )
        or 0
    )


def rotate_keys(user: User | None = None) -> int:
    """Re-encrypt every protected value with the newest key (or encrypt plain ones)."""
    if not crypto.enabled():
        raise crypto.CryptoError("set ENCRYPTION_KEYS first")
    sessions = UssdSession.__table__
    handoffs = Handoff.__table__
    rewritten = 0
    for table, columns in (
        (sessions, ("phone", "state", "seen_text", "last_screen")),
        (handoffs, ("attributes",)),
        (Reply.__table__, ("text",)),
        (CannedReply.__table__, ("text",)),
        (OutboxMessage.__table__, ("payload",)),
        (WebhookEndpoint.__table__, ("secret",)),
    ):
        last_id = 0
        while True:
            # Read the raw stored text (no decryption by the column type) to rotate it as is.
            raw = [table.c.id] + [type_coerce(table.c[c], Text).label(c) for c in columns]
            rows = db.session.execute(
                select(*raw).where(table.c.id > last_id).order_by(table.c.id).limit(BATCH)
            ).all()
            if not rows:
                break
            for row in rows:
                # seal() leaves values that are already sealed as they are
                values = {c: crypto.rotate(getattr(row, c) or "") for c in columns}
                db.session.execute(update(table).where(table.c.id == row.id).values(**values))
            db.session.commit()
            rewritten += len(rows)
            last_id = rows[-1].id
    audit("key rotation", f"re-encrypted {rewritten} row(s)", user)
    db.session.commit()
    return rewritten
