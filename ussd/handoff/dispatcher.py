"""Deliver the hand-off outbox to TaskRouter: exactly one task per finished session.

A claim is a lease: the row is marked `delivering` with an owner token and an expiry well
beyond the HTTP timeout, so a worker killed mid-delivery only delays its row until the
lease runs out. Claims are atomic across processes and hosts: `FOR UPDATE SKIP LOCKED` on
PostgreSQL, one conditional UPDATE per row on SQLite. Every attempt after the first looks
the task up by `ussd_session_id` before creating it, so an attempt that reached Twilio but
was never recorded (a timeout, a killed worker) is not made twice.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import aliased

from ussd import housekeeping, metrics
from ussd.extensions import db
from ussd.handoff.taskrouter import DeliveryError, Gone, Refused, TaskRouter, missing_settings
from ussd.models import Handoff, utcnow

log = logging.getLogger("ussd.handoff.dispatcher")
HANDOFFS = Handoff.__table__
CLOSED_TASK = ("completed", "canceled", "deleted")


@dataclass
class DeliveryReport:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    waiting: int = 0  # pending but not sent (Twilio not configured)
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"claimed {self.claimed}, delivered {self.delivered}, to retry {self.retried}, "
            f"failed {self.failed}"
        )
        if self.waiting:
            text += f", waiting {self.waiting}"
        return text


def backoff(attempts: int, base: float = 5.0, cap: float = 600.0) -> float:
    """Seconds before the next attempt: exponential, capped, with jitter (0.5x to 1.5x)."""
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return delay * (0.5 + random.random())  # noqa: S311 - jitter, not security


def router() -> TaskRouter | None:
    config = current_app.config
    if missing_settings(config):
        return None
    cached = current_app.extensions.get("ussd_taskrouter")
    if cached is None:
        cached = TaskRouter.from_config(config)
        current_app.extensions["ussd_taskrouter"] = cached
    return cached  # type: ignore[no-any-return]


def _due(now: datetime) -> Any:
    target = aliased(Handoff)
    target_has_task = exists().where(target.id == Handoff.target_id, target.task_sid.is_not(None))
    return and_(
        or_(
            and_(Handoff.status == "pending", Handoff.next_attempt_at <= now),
            and_(Handoff.status == "delivering", Handoff.lease_expires_at < now),
        ),
        or_(Handoff.kind == "create", target_has_task),
    )


def claim(limit: int, now: datetime | None = None) -> list[tuple[int, str]]:
    """Claim up to `limit` due hand-offs; return (id, lease owner) for each."""
    return claim_batch(limit, now)[0]


def claim_batch(limit: int, now: datetime | None = None) -> tuple[list[tuple[int, str]], bool]:
    """Claim up to `limit` due hand-offs: (claimed (id, owner) pairs, whether more may be due).

    A batch can come back short because another dispatcher won some rows; only a short
    list of *candidates* means nothing more is due.
    """
    now = now or utcnow()
    return claim_leases(Handoff, _due(now), limit, now)


def claim_leases(
    model: Any, due: Any, limit: int, now: datetime
) -> tuple[list[tuple[int, str]], bool]:
    """Claim up to `limit` rows of an outbox table (`model`: Handoff or OutboxMessage, with
    the same lease columns) that meet `due`, oldest due first."""
    owner = secrets.token_hex(8)
    lease = timedelta(seconds=float(current_app.config.get("DISPATCH_LEASE_SECONDS", 60)))
    values = {
        "status": "delivering",
        "lease_owner": owner,
        "lease_expires_at": now + lease,
        "attempts": model.attempts + 1,
        "updated_at": now,
    }
    order = (model.next_attempt_at, model.id)
    if db.engine.dialect.name == "postgresql":
        ids = db.session.scalars(
            select(model.id)
            .where(due)
            .order_by(*order)
            .limit(limit)
            .with_for_update(skip_locked=True, of=model)
        ).all()
        if ids:
            db.session.execute(update(model).where(model.id.in_(ids)).values(**values))
        db.session.commit()
        return [(i, owner) for i in ids], len(ids) == limit
    candidates = db.session.scalars(select(model.id).where(due).order_by(*order).limit(limit)).all()
    claimed = []
    for row_id in candidates:
        # The due condition is repeated in the UPDATE: of two racing claimers, one wins.
        result = db.session.execute(update(model).where(model.id == row_id, due).values(**values))
        if result.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append((row_id, owner))
        db.session.commit()
    return claimed, len(candidates) == limit


def merged_attributes(target: Handoff) -> tuple[dict[str, Any], list[int]]:
    """The target's task attributes with every repeat request merged in, and those rows' ids."""
    attributes: dict[str, Any] = json.loads(target.attributes)
    repeats = db.session.scalars(
        select(Handoff)
        .where(Handoff.target_id == target.id, Handoff.kind == "update", Handoff.status != "failed")
        .order_by(Handoff.id)
    ).all()
    if repeats:
        updates = []
        for row in repeats:
            later = json.loads(row.attributes)
            updates.append(
                {key: later.get(key) for key in ("submitted_at", "ussd_session_id", "answers")}
            )
            if later.get("callback") == "Yes":
                attributes["callback"] = "Yes"
        attributes["updates"] = updates
    return attributes, [row.id for row in repeats]


def _finish(handoff_id: int, owner: str, **values: Any) -> bool:
    return finish_lease(Handoff, handoff_id, owner, **values)


def finish_lease(model: Any, row_id: int, owner: str, **values: Any) -> bool:
    """Record the outcome, unless the lease was lost meanwhile (then the new owner decides)."""
    values.setdefault("updated_at", utcnow())
    result = db.session.execute(
        update(model)
        .where(model.id == row_id, model.lease_owner == owner, model.status == "delivering")
        .values(lease_owner="", lease_expires_at=None, **values)
    )
    db.session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def deliver(taskrouter: TaskRouter, handoff_id: int, owner: str, report: DeliveryReport) -> bool:
    """Deliver one claimed hand-off. False when Twilio failed in a way worth retrying (the
    caller then stops the pass: the next hand-off would most likely fail the same way)."""
    row = db.session.get(Handoff, handoff_id, populate_existing=True)
    if row is None or row.lease_owner != owner:
        return True
    try:
        if row.kind == "update":
            _deliver_update(taskrouter, row, owner, report)
        else:
            _deliver_create(taskrouter, row, owner, report)
    except Refused as exc:
        if _finish(handoff_id, owner, status="failed", last_error=exc.reason):
            _tell_webhooks(handoff_id, exc.brief)
        log.error("hand-off %s failed: %s", handoff_id, exc.brief)
        report.failed += 1
        metrics.handoff_delivery(row.kind, "failed")
        return True
    except DeliveryError as exc:
        delay = backoff(row.attempts, float(current_app.config.get("DISPATCH_BACKOFF_BASE", 5.0)))
        _finish(
            handoff_id,
            owner,
            status="pending",
            last_error=exc.reason,
            next_attempt_at=utcnow() + timedelta(seconds=delay),
        )
        log.warning("hand-off %s will be retried in %.0f s: %s", handoff_id, delay, exc.brief)
        report.retried += 1
        metrics.handoff_delivery(row.kind, "retried")
        return False
    return True


def _tell_webhooks(handoff_id: int, reason: str) -> None:
    """`handoff.failed` for the endpoints that want it (the reason without Twilio's wording,
    which could quote the answers)."""
    from ussd.handoff.webhooks import queue_handoff_failed  # it imports this module

    row = db.session.get(Handoff, handoff_id, populate_existing=True)
    if row is not None:
        queue_handoff_failed(row, reason)
        db.session.commit()


def _deliver_create(
    taskrouter: TaskRouter, row: Handoff, owner: str, report: DeliveryReport
) -> None:
    attributes, merged_ids = merged_attributes(row)
    session_id = str(attributes.get("ussd_session_id") or "")
    db.session.commit()  # no transaction stays open while Twilio is called
    task_sid = taskrouter.find_task(session_id) if row.attempts > 1 and session_id else None
    if task_sid is None:
        task_sid = taskrouter.create_task(attributes)
    now = utcnow()
    if _finish(
        row.id,
        owner,
        status="delivered",
        task_sid=task_sid,
        delivered_at=now,
        last_error="",
        task_status="created",
    ):
        if merged_ids:  # repeat requests that were folded into the new task
            db.session.execute(
                update(Handoff)
                .where(Handoff.id.in_(merged_ids), Handoff.status == "pending")
                .values(
                    status="delivered",
                    task_sid=task_sid,
                    delivered_at=now,
                    updated_at=now,
                    last_error="",
                )
            )
            db.session.commit()
        report.delivered += 1
        metrics.handoff_delivery("create", "delivered")
        log.info("hand-off %s delivered as task %s", row.id, task_sid)


def _deliver_update(
    taskrouter: TaskRouter, row: Handoff, owner: str, report: DeliveryReport
) -> None:
    target = db.session.get(Handoff, row.target_id) if row.target_id else None
    if target is None or target.status == "failed" or target.task_status in CLOSED_TASK:
        _make_standalone(row, owner, "the earlier task is closed: a new task will be made")
        return
    attributes, _ = merged_attributes(target)
    task_sid = str(target.task_sid)
    db.session.commit()
    try:
        taskrouter.update_task(task_sid, attributes)
    except Gone as exc:
        _make_standalone(row, owner, exc.reason)
        return
    if _finish(
        row.id, owner, status="delivered", task_sid=task_sid, delivered_at=utcnow(), last_error=""
    ):
        report.delivered += 1
        metrics.handoff_delivery("update", "delivered")
        log.info("hand-off %s added to task %s", row.id, task_sid)


def _make_standalone(row: Handoff, owner: str, why: str) -> None:
    """A repeat request whose first task can no longer take it becomes a task of its own."""
    _finish(
        row.id,
        owner,
        status="pending",
        kind="create",
        target_id=None,
        next_attempt_at=utcnow(),
        last_error=why[:480],
    )


def waiting_reason() -> str | None:
    """Why hand-offs cannot be sent now, or None when Twilio is configured."""
    missing = missing_settings(current_app.config)
    return f"waiting: Twilio is not configured ({', '.join(missing)})" if missing else None


def dispatch_due(
    limit: int = 50, now: datetime | None = None, background: bool = False
) -> DeliveryReport:
    """Deliver every hand-off that is due (used by the background thread and the CLI)."""
    report = DeliveryReport()
    taskrouter = router()
    if taskrouter is None:
        reason = waiting_reason() or ""
        report.notes.append(reason)
        if background:  # queue_handoff already recorded why; nothing to do until configured
            return report
        db.session.execute(
            update(Handoff)
            .where(Handoff.status == "pending", Handoff.last_error != reason)
            .values(last_error=reason)
        )
        db.session.commit()
        report.waiting = (
            db.session.scalar(
                select(db.func.count()).select_from(Handoff).where(Handoff.status == "pending")
            )
            or 0
        )
        if report.waiting:
            log.warning("%d hand-off(s) %s", report.waiting, reason)
        return report
    while True:
        batch, more = claim_batch(limit, now)
        report.claimed += len(batch)
        for index, (handoff_id, owner) in enumerate(batch):
            if not deliver(taskrouter, handoff_id, owner, report):
                _release(batch[index + 1 :])
                return report
        if not more:
            return report


def _release(claims: list[tuple[int, str]]) -> None:
    """Give back claimed hand-offs that were not attempted (Twilio just failed)."""
    for handoff_id, owner in claims:
        _finish(handoff_id, owner, status="pending", attempts=Handoff.attempts - 1)


class Dispatcher:
    """Background delivery in a server process: woken by new hand-offs, else polls."""

    def __init__(self, app: Flask):
        self.app = app
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.last_run = 0.0  # monotonic time of the last completed pass (for readiness)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._last_housekeeping = 0.0
        # While Twilio fails every delivery (down, unreachable, rate-limiting) the process
        # pauses delivering: hand-offs wait as pending instead of costing an attempt each.
        self.failures = 0
        self.paused_until = 0.0

    def start(self) -> None:
        with self._lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self._loop, name="ussd-dispatcher", daemon=True
                )
                self.thread.start()

    def notify(self) -> None:
        self.wake.set()

    def _after_pass(self, report: DeliveryReport) -> None:
        if report.retried and not report.delivered:
            self.failures += 1
            pause = min(300.0, 5.0 * 2 ** (self.failures - 1))
            self.paused_until = time.monotonic() + pause
            log.warning("Twilio failed every delivery of this pass: pausing %.0f s", pause)
        elif report.delivered:
            self.failures = 0
            self.paused_until = 0.0

    def _send_messages(self, kinds: tuple[str, ...] | None = None) -> None:
        """The general outbox (task updates, webhooks, asynchronous screens): its kinds
        fail independently of task creation, so they are not held by its pause."""
        from ussd.handoff.deliveries import dispatch_due as send_due

        send_due(kinds=kinds)

    def _send_screens(self) -> None:
        """Screens of asynchronous gateways first: a caller is waiting for each, and a
        slow Twilio or webhook endpoint must not make one arrive too late."""
        from ussd.handoff.gateway_screens import KIND

        self._send_messages((KIND,))

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def _loop(self) -> None:
        interval = float(self.app.config.get("DISPATCH_INTERVAL_SECONDS", 5))
        while not self._stopping.is_set():
            self.wake.wait(timeout=interval)
            self.wake.clear()
            if self._stopping.is_set():
                return
            try:
                with self.app.app_context():
                    self._send_screens()
                    if time.monotonic() >= self.paused_until:
                        self._after_pass(dispatch_due(background=True))
                    self._send_messages()
                    if time.monotonic() - self._last_housekeeping > 30:
                        self._last_housekeeping = time.monotonic()
                        housekeeping.run()
            except Exception as exc:  # noqa: BLE001 - the thread must outlive any failure
                log.error("dispatcher pass failed: %s", type(exc).__name__)
                metrics.internal_error("dispatcher")
                time.sleep(min(interval, 5))
            finally:
                self.last_run = time.monotonic()


def notify_dispatcher(messages: bool = False) -> None:
    """Wake this process's dispatcher for a new hand-off (pointless until Twilio is set) or,
    with `messages`, deliveries of the general outbox that need no Twilio (webhooks, an
    asynchronous gateway's screens). A wake that has nothing to send still costs the hop:
    the dispatcher's thread takes the interpreter's lock from the one answering callers.
    A server without gunicorn's worker hook (ussd/server.py) starts it here."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    ensure_running(app)
    dispatcher = app.extensions.get("ussd_dispatcher")
    if dispatcher is not None and (messages or not missing_settings(app.config)):
        dispatcher.notify()


def ensure_running(app: Flask) -> None:
    """Start this process's dispatcher if it is not running (it is off in tests and CLIs)."""
    dispatcher = app.extensions.get("ussd_dispatcher")
    if dispatcher is not None and not dispatcher.alive:
        dispatcher.start()


def register(app: Flask) -> None:
    """Give a serving process its dispatcher. It is started in each server process when
    that process starts serving (ussd/server.py), never by CLI commands or tests."""
    if app.testing or not app.config.get("DISPATCHER_ENABLED", True):
        return
    app.extensions["ussd_dispatcher"] = Dispatcher(app)
