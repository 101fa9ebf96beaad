"""Periodic jobs run by every server process's dispatcher thread, each at most once per
period across all processes and hosts: the analytics sweep and the daily retention purge."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from ussd.extensions import db
from ussd.models import Housekeeping, utcnow

SWEEP_EVERY = timedelta(seconds=30)
PURGE_EVERY = timedelta(hours=24)


def take_turn(name: str, every: timedelta, now: datetime) -> bool:
    """True for the one process that may run job `name` now (it last ran `every` ago or
    more); the claim is a row of the housekeeping table, so it holds across hosts."""
    row = db.session.get(Housekeeping, name)
    if row is None:
        db.session.add(Housekeeping(name=name, ran_at=now))
        try:
            db.session.commit()
        except Exception:  # noqa: BLE001 - another process inserted it first
            db.session.rollback()
            return False
        return True
    result = db.session.execute(
        update(Housekeeping)
        .where(Housekeeping.name == name, Housekeeping.ran_at <= now - every)
        .values(ran_at=now)
    )
    db.session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def run(now: datetime | None = None) -> None:
    """The jobs that are due: the analytics sweep, and the purge once a day (unless
    retention is off)."""
    from ussd.analytics import sweep
    from ussd.privacy.retention import purge

    now = now or utcnow()
    if take_turn("sweep", SWEEP_EVERY, now):
        sweep(now=now)
    if int(current_app.config.get("RETENTION_DAYS", 90)) > 0 and take_turn(
        "purge", PURGE_EVERY, now
    ):
        purge(now=now)
