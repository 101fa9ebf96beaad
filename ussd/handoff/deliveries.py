"""The general outbox: every delivery other than a task's creation, each exactly once.

A message is queued in the transaction that decides it (a reply read, a submission, a
screen of an asynchronous gateway) under a `dedupe_key`, so queueing the same event twice
stores it once. Each kind has a sender, a small class in the module that knows the
wire format (ussd/handoff/senders.py lists them). Claims are leases, as for hand-offs
(ussd/handoff/dispatcher.py): a worker killed mid-send only delays its message until the
lease runs out. Messages that share an `ordering_key` go out one after another: a later
one is not due while an earlier one is pending or being sent, so an endpoint that is down
for a day gets its events in order.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import and_, exists, insert, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from ussd import metrics
from ussd.extensions import db
from ussd.handoff.dispatcher import DeliveryReport, backoff, claim_leases, finish_lease
from ussd.handoff.taskrouter import DeliveryError, Gone, Refused
from ussd.models import OutboxMessage, utcnow

log = logging.getLogger("ussd.handoff.deliveries")
UNSETTLED = ("pending", "delivering")


class Sender(Protocol):
    """Sends one kind of message. `send` returns a short result for the delivery log
    ("HTTP 200 in 120 ms"), raises DeliveryError to retry later, Refused to give up, and
    Gone when there is nothing left to deliver to (not an error: the message is settled)."""

    kind: str

    def waiting_reason(self) -> str | None:
        """Why nothing of this kind can be sent now (not configured), or None."""

    def send(self, payload: Mapping[str, Any]) -> str: ...


@dataclass(frozen=True)
class Queued:
    kind: str
    dedupe_key: str
    payload: Mapping[str, Any]
    ordering_key: str = ""
    reference: str = ""
    expires_at: datetime | None = None


def message_row(message: Queued, now: datetime) -> dict[str, Any]:
    """The outbox row of a message: every column, for an INSERT in the caller's transaction."""
    return {
        "kind": message.kind,
        "dedupe_key": message.dedupe_key[:160],
        "ordering_key": message.ordering_key[:80],
        "reference": message.reference[:64],
        "payload": json.dumps(message.payload, ensure_ascii=False, separators=(",", ":")),
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "expires_at": message.expires_at,
        "lease_expires_at": None,
        "lease_owner": "",
        "last_error": "",
        "result": "",
        "created_at": now,
        "updated_at": now,
        "delivered_at": None,
    }


def insert_once_statement(dialect: str) -> Any:
    """INSERT that stores nothing when the dedupe key is already queued."""
    table = OutboxMessage.__table__
    if dialect == "postgresql":
        return pg_insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
    if dialect == "sqlite":
        return sqlite_insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return insert(table)


def enqueue(message: Queued, now: datetime | None = None) -> bool:
    """Queue a message in the current session's transaction (the caller commits). True when
    it was new, False when its dedupe key was already queued."""
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT that may do nothing
    statement = insert_once_statement(db.engine.dialect.name).returning(OutboxMessage.id)
    result = db.session.execute(statement, message_row(message, now or utcnow()))
    return result.first() is not None


def _due(now: datetime) -> Any:
    earlier = aliased(OutboxMessage)
    blocked = exists().where(
        earlier.ordering_key == OutboxMessage.ordering_key,
        earlier.id < OutboxMessage.id,
        earlier.status.in_(UNSETTLED),
    )
    return and_(
        or_(
            and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
            and_(OutboxMessage.status == "delivering", OutboxMessage.lease_expires_at < now),
        ),
        or_(OutboxMessage.ordering_key == "", ~blocked),
    )


def claim_batch(
    limit: int, kinds: list[str], now: datetime | None = None
) -> tuple[list[tuple[int, str]], bool]:
    """Claim up to `limit` due messages of `kinds`: (claimed (id, owner) pairs, more due?)."""
    now = now or utcnow()
    return claim_leases(OutboxMessage, and_(_due(now), OutboxMessage.kind.in_(kinds)), limit, now)


def _finish(message_id: int, owner: str, **values: Any) -> bool:
    return finish_lease(OutboxMessage, message_id, owner, **values)


def senders() -> dict[str, Sender]:
    """This app's senders by kind, made from its configuration."""
    from ussd.handoff.senders import all_senders

    return {sender.kind: sender for sender in all_senders(current_app.config)}


def deliver(message_id: int, owner: str, report: DeliveryReport) -> bool:
    """Send one claimed message. False when it is to be retried."""
    row = db.session.get(OutboxMessage, message_id, populate_existing=True)
    if row is None or row.lease_owner != owner:
        return True
    sender = senders().get(row.kind)
    now = utcnow()
    if sender is None:
        _finish(message_id, owner, status="failed", last_error=f"no sender for {row.kind}")
        report.failed += 1
        metrics.delivery(row.kind, "failed")
        return True
    if row.expires_at is not None and row.expires_at <= now:
        _finish(message_id, owner, status="failed", last_error="expired before it could be sent")
        report.failed += 1
        metrics.delivery(row.kind, "failed")
        return True
    payload = json.loads(row.payload)
    attempts = row.attempts
    kind = row.kind
    db.session.commit()  # no transaction stays open while the other side is called
    try:
        result = sender.send(payload)
    except Gone as exc:
        _finish(
            message_id, owner, status="delivered", delivered_at=utcnow(), result=exc.reason[:200]
        )
        report.delivered += 1
        metrics.delivery(kind, "delivered")
        return True
    except Refused as exc:
        _finish(message_id, owner, status="failed", last_error=exc.reason)
        log.error("%s message %s failed: %s", row.kind, message_id, exc.brief)
        report.failed += 1
        metrics.delivery(kind, "failed")
        return True
    except DeliveryError as exc:
        delay = backoff(attempts, float(current_app.config.get("DISPATCH_BACKOFF_BASE", 5.0)))
        _finish(
            message_id,
            owner,
            status="pending",
            last_error=exc.reason,
            next_attempt_at=utcnow() + timedelta(seconds=delay),
        )
        log.warning(
            "%s message %s will be retried in %.0f s: %s", row.kind, message_id, delay, exc.brief
        )
        report.retried += 1
        metrics.delivery(kind, "retried")
        return False
    if _finish(
        message_id,
        owner,
        status="delivered",
        delivered_at=utcnow(),
        last_error="",
        result=(result or "")[:200],
    ):
        report.delivered += 1
        metrics.delivery(kind, "delivered")
    return True


def dispatch_due(
    limit: int = 50, now: datetime | None = None, kinds: Collection[str] | None = None
) -> DeliveryReport:
    """Send every due message whose kind can be sent now (of `kinds` only, when given). A
    message sent can make the next of its ordering key due, so claim again until a claim
    comes back empty. A failure delays its own message (and those queued behind it on the
    same key), not the others: one webhook endpoint that is down must not hold another's
    events."""
    report = DeliveryReport()
    ready = []
    for kind, sender in senders().items():
        if kinds is not None and kind not in kinds:
            continue
        reason = sender.waiting_reason()
        if reason:
            report.notes.append(f"{kind}: {reason}")
        else:
            ready.append(kind)
    while ready:
        batch, _ = claim_batch(limit, ready, now)
        if not batch:
            break
        report.claimed += len(batch)
        for message_id, owner in batch:
            deliver(message_id, owner, report)
    return report


def retry(message_id: int) -> bool:
    """Queue a failed message again (a coordinator's *resend*); the caller commits."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "failed")
        .values(status="pending", next_attempt_at=utcnow(), expires_at=None, updated_at=utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
