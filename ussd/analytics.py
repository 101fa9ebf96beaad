"""Where callers give up: node visits written off the hot path, and aggregate SQL over them.

A hop never writes analytics. When a session is over (it ended, the gateway dropped it, or
it stayed idle past SESSION_TIMEOUT_SECONDS) the sweep turns its trail (the screens it
entered, with times) into one `node_visits` row per screen; the analytics page then reads
only aggregates: GROUP BY over covering indexes, with medians taken from per-second
histograms (exact to the second, and the same SQL on SQLite and PostgreSQL).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, insert, or_, select, update

from .engine import RESUME_NODE
from .extensions import db
from .models import Handoff, Housekeeping, MenuVersion, NodeVisit, UssdSession, utcnow

SESSIONS = UssdSession.__table__
OVER = ("dropped", "timed_out", "superseded", "completed", "ended")
GAVE_UP = ("dropped", "timed_out")


def visits_from_trail(
    trail: list[list[Any]], seconds_total: float, gave_up: bool
) -> list[dict[str, Any]]:
    """Per screen of one session: seconds spent there, whether the caller moved on, left."""
    stays: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    entries = [(str(node), int(ms)) for node, ms in trail if node != RESUME_NODE]
    end_ms = max(int(seconds_total * 1000), entries[-1][1] if entries else 0)
    for index, (node, ms) in enumerate(entries):
        following = entries[index + 1][1] if index + 1 < len(entries) else end_ms
        stay = stays.get(node)
        if stay is None:
            stay = stays[node] = {"node": node, "ms": 0, "answered": False, "left": False}
            order.append(node)
        stay["ms"] += max(0, following - ms)
        if index + 1 < len(entries):
            stay["answered"] = True
    if entries and gave_up:
        stays[entries[-1][0]]["left"] = True
    return [
        {
            "node": s["node"][:64],
            "seconds": s["ms"] // 1000,
            "answered": s["answered"],
            "left": s["left"],
        }
        for s in (stays[n] for n in order)
    ]


def _claim(name: str, every: timedelta, now: datetime) -> bool:
    """Run a periodic job at most every `every`, once across all processes and hosts."""
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


def sweep(limit: int = 2000, now: datetime | None = None, force: bool = False) -> int:
    """Write node visits for sessions that are over; mark idle ones timed out.

    Runs at most every 30 s across all processes unless `force`. Returns sessions swept.
    """
    now = now or utcnow()
    if not force and not _claim("sweep", timedelta(seconds=30), now):
        return 0
    idle_before = now - timedelta(
        seconds=int(current_app.config.get("SESSION_TIMEOUT_SECONDS", 180))
    )
    swept = 0
    while True:
        rows = db.session.execute(
            select(
                SESSIONS.c.id,
                SESSIONS.c.trail,
                SESSIONS.c.status,
                SESSIONS.c.last_end,
                SESSIONS.c.started_at,
                SESSIONS.c.updated_at,
                SESSIONS.c.menu_version_id,
                SESSIONS.c.is_simulation,
            )
            .where(
                SESSIONS.c.analysed.is_(False),
                or_(
                    SESSIONS.c.last_end.is_(True),
                    SESSIONS.c.status.in_(OVER[:3]),
                    SESSIONS.c.updated_at < idle_before,
                ),
            )
            .order_by(SESSIONS.c.id)
            .limit(limit)
        ).all()
        if not rows:
            return swept
        version_ids = {r.menu_version_id for r in rows if r.menu_version_id}
        menu_of = (
            dict(
                db.session.execute(
                    select(MenuVersion.id, MenuVersion.menu_id).where(
                        MenuVersion.id.in_(version_ids)
                    )
                ).all()
            )
            if version_ids
            else {}
        )
        visits: list[dict[str, Any]] = []
        timed_out: list[int] = []
        for row in rows:
            status = row.status
            if status == "active" and not row.last_end and row.updated_at < idle_before:
                status = "timed_out"
                timed_out.append(row.id)
            if row.is_simulation:
                continue
            try:
                trail = json.loads(row.trail)
            except ValueError:
                trail = []
            seconds = (row.updated_at - row.started_at).total_seconds()
            for visit in visits_from_trail(trail, seconds, status in GAVE_UP):
                visit.update(
                    session_id=row.id,
                    menu_id=menu_of.get(row.menu_version_id),
                    started_at=row.started_at,
                )
                visits.append(visit)
        if visits:
            db.session.execute(insert(NodeVisit.__table__), visits)
        ids = [r.id for r in rows]
        db.session.execute(update(SESSIONS).where(SESSIONS.c.id.in_(ids)).values(analysed=True))
        if timed_out:
            db.session.execute(
                update(SESSIONS)
                .where(SESSIONS.c.id.in_(timed_out), SESSIONS.c.status == "active")
                .values(status="timed_out", ended_at=now)
            )
        db.session.commit()
        swept += len(rows)
        if len(rows) < limit:
            return swept


# -- the figures ------------------------------------------------------------------------------


def median_of(histogram: dict[int, int]) -> float | None:
    """The median of values given as {value: count} (the lower median for even counts)."""
    total = sum(histogram.values())
    if not total:
        return None
    middle = (total + 1) // 2
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= middle:
            return float(value)
    return None  # pragma: no cover


@dataclass
class Tally:
    sessions: int = 0
    completed: int = 0

    @property
    def rate(self) -> float | None:
        return self.completed / self.sessions if self.sessions else None


@dataclass
class NodeStats:
    node: str
    reached: int = 0
    answered: int = 0
    left: int = 0
    seconds: dict[int, int] = field(default_factory=dict)

    @property
    def median_seconds(self) -> float | None:
        return median_of(self.seconds)


@dataclass
class Report:
    start: date
    end: date
    total: Tally
    days: list[tuple[date, Tally]]
    by_language: dict[str, Tally]
    by_gateway: dict[str, Tally]
    by_network: dict[str, Tally]
    nodes: list[NodeStats]
    accepted: int
    median_wait_seconds: float | None
    pending_sweep: int


def _versions_of(menu_id: int) -> Any:
    return select(MenuVersion.id).where(MenuVersion.menu_id == menu_id)


def report(
    start: date, end: date, menu_id: int | None = None, node_order: list[str] | None = None
) -> Report:
    """Figures for sessions started from `start` to `end` (both included, UTC days)."""
    begin = datetime(start.year, start.month, start.day)
    stop = datetime(end.year, end.month, end.day) + timedelta(days=1)
    in_range = and_(
        SESSIONS.c.started_at >= begin,
        SESSIONS.c.started_at < stop,
        SESSIONS.c.is_simulation.is_(False),
        SESSIONS.c.status != "superseded",
    )
    if menu_id is not None:
        in_range = and_(in_range, SESSIONS.c.menu_version_id.in_(_versions_of(menu_id)))
    day = func.date(SESSIONS.c.started_at)
    groups = db.session.execute(
        select(
            day,
            SESSIONS.c.status,
            SESSIONS.c.lang,
            SESSIONS.c.gateway,
            SESSIONS.c.network,
            func.count(),
        )
        .where(in_range)
        .group_by(day, SESSIONS.c.status, SESSIONS.c.lang, SESSIONS.c.gateway, SESSIONS.c.network)
    ).all()
    total = Tally()
    days: dict[date, Tally] = defaultdict(Tally)
    languages: dict[str, Tally] = defaultdict(Tally)
    gateways: dict[str, Tally] = defaultdict(Tally)
    networks: dict[str, Tally] = defaultdict(Tally)
    for raw_day, status, lang, gateway, network, count in groups:
        done = count if status == "completed" else 0
        day_value = raw_day if isinstance(raw_day, date) else date.fromisoformat(str(raw_day))
        for tally in (
            total,
            days[day_value],
            languages[lang or "?"],
            gateways[gateway or "?"],
            networks[network or "?"],
        ):
            tally.sessions += count
            tally.completed += done
    every_day = []
    current = start
    while current <= end:
        every_day.append((current, days.get(current, Tally())))
        current += timedelta(days=1)

    visit_range = and_(NodeVisit.started_at >= begin, NodeVisit.started_at < stop)
    if menu_id is not None:
        visit_range = and_(visit_range, NodeVisit.menu_id == menu_id)
    nodes: dict[str, NodeStats] = {}
    for node, seconds, answered, left, count in db.session.execute(
        select(NodeVisit.node, NodeVisit.seconds, NodeVisit.answered, NodeVisit.left, func.count())
        .where(visit_range)
        .group_by(NodeVisit.node, NodeVisit.seconds, NodeVisit.answered, NodeVisit.left)
    ).all():
        stats = nodes.setdefault(node, NodeStats(node))
        stats.reached += count
        stats.answered += count if answered else 0
        stats.left += count if left else 0
        stats.seconds[seconds] = stats.seconds.get(seconds, 0) + count
    rank = {node: i for i, node in enumerate(node_order or [])}
    ordered = sorted(nodes.values(), key=lambda s: (rank.get(s.node, len(rank)), -s.reached))

    handoff_range = and_(
        Handoff.created_at >= begin, Handoff.created_at < stop, Handoff.wait_seconds.is_not(None)
    )
    if menu_id is not None:
        handoff_range = and_(
            handoff_range,
            Handoff.session_id.in_(
                select(SESSIONS.c.id).where(SESSIONS.c.menu_version_id.in_(_versions_of(menu_id)))
            ),
        )
    waits = dict(
        db.session.execute(
            select(Handoff.wait_seconds, func.count())
            .where(handoff_range)
            .group_by(Handoff.wait_seconds)
        ).all()
    )
    pending = (
        db.session.scalar(
            select(func.count()).select_from(SESSIONS).where(SESSIONS.c.analysed.is_(False))
        )
        or 0
    )
    return Report(
        start=start,
        end=end,
        total=total,
        days=every_day,
        by_language=dict(languages),
        by_gateway=dict(gateways),
        by_network=dict(networks),
        nodes=ordered,
        accepted=sum(waits.values()),
        median_wait_seconds=median_of(waits),
        pending_sweep=pending,
    )
