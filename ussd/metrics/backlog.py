"""What is waiting to be delivered, read at scrape time: per kind, how many rows are not
settled yet, how old the oldest of them is, and how many were given up.

One grouped query per outbox table (hand-offs, general outbox), on the status index: the
rows read are the unsettled and failed ones, never the delivered history.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import current_app
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from ussd.extensions import db
from ussd.metrics import HANDOFF_KINDS, handoff_kind, kind_label
from ussd.models import Handoff, OutboxMessage, utcnow

log = logging.getLogger("ussd.metrics.backlog")
UNSETTLED = ("pending", "delivering")
FAILED = "failed"


class Backlog:
    """Counts and ages by kind; every known kind is present, with zeros when idle."""

    def __init__(self, kinds: list[str]):
        self.pending = dict.fromkeys(kinds, 0)
        self.failed = dict.fromkeys(kinds, 0)
        self.oldest: dict[str, datetime | None] = dict.fromkeys(kinds)

    def add(self, kind: str, status: str, count: int, oldest: datetime | None) -> None:
        for table in (self.pending, self.failed):
            table.setdefault(kind, 0)
        self.oldest.setdefault(kind, None)
        if status == FAILED:
            self.failed[kind] += count
            return
        self.pending[kind] += count
        earlier = self.oldest[kind]
        if oldest is not None and (earlier is None or oldest < earlier):
            self.oldest[kind] = oldest

    def age_seconds(self, kind: str, now: datetime) -> float:
        oldest = self.oldest.get(kind)
        return max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0


def _grouped(model: Any) -> list[Any]:
    return list(
        db.session.execute(
            select(model.kind, model.status, func.count(), func.min(model.created_at))
            .where(model.status.in_((*UNSETTLED, FAILED)))
            .group_by(model.kind, model.status)
        ).all()
    )


def read_backlog(outbox_kinds: list[str]) -> Backlog:
    backlog = Backlog([*HANDOFF_KINDS.values(), *outbox_kinds])
    for kind, status, count, oldest in _grouped(Handoff):
        backlog.add(handoff_kind(kind), status, count, oldest)
    for kind, status, count, oldest in _grouped(OutboxMessage):
        backlog.add(kind_label(kind), status, count, oldest)
    return backlog


def sender_kinds() -> list[str]:
    from ussd.handoff.senders import all_senders

    return [sender.kind for sender in all_senders(current_app.config)]


class BacklogCollector(Collector):
    """Reads the backlog when a scrape collects it (inside the scrape's request)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily(
            "ussd_database_up", "1 when the backlog could be read from the database, else 0"
        )
        try:
            backlog = read_backlog(sender_kinds())
        except Exception as exc:  # noqa: BLE001 - a scrape reports a database outage
            db.session.rollback()
            log.warning("metrics: the backlog could not be read (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        now = utcnow()
        pending = GaugeMetricFamily(
            "ussd_outbox_pending",
            "Rows waiting to be delivered (pending or being sent), by kind",
            labels=["kind"],
        )
        age = GaugeMetricFamily(
            "ussd_outbox_oldest_pending_age_seconds",
            "Age of the oldest row waiting to be delivered, by kind (0 when none)",
            labels=["kind"],
        )
        failed = GaugeMetricFamily(
            "ussd_outbox_failed",
            "Rows given up on, waiting for a coordinator's retry or resend, by kind",
            labels=["kind"],
        )
        for kind in sorted(backlog.pending):
            pending.add_metric([kind], backlog.pending[kind])
            age.add_metric([kind], backlog.age_seconds(kind, now))
            failed.add_metric([kind], backlog.failed[kind])
        yield pending
        yield age
        yield failed
