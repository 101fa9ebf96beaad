"""Where callers give up: daily rollups written off the hot path, read by the analytics page.

A hop never writes analytics. Once a session is over for good (it reached its end, it was
continued in a later session, or it was dropped or went idle and its resume window has
passed, so it can no longer be continued), the sweep adds it to daily rollups: sessions per
day, menu, status, language, gateway and network; and for every screen it entered, a
histogram of the seconds spent there and how the caller's stay there ended. The page sums a
few thousand rollup rows, however long the history; medians come from the per-second
histograms (exact to the second, and the same SQL on SQLite and PostgreSQL). The rollups
hold no personal data, so they outlive the retention purge.

Every screen a session reached has one outcome, so that for every screen
reached = answered + ended there + left there + in progress:
- answered: the caller went on from it (the last time they were there);
- ended: the menu ended the session there (a thank-you or closing screen);
- left: the caller hung up there or let the session time out;
- in progress: the session is not over yet (read live from the sessions, not the rollups).
A session that was continued after a redial leaves its last screen to the session that
continued it, so one journey reaches each screen once.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Table, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ussd import metrics
from ussd.extensions import db
from ussd.menu.engine import RESUME_NODE
from ussd.models import (
    DailySessions,
    DailyVisits,
    DailyWaits,
    MenuVersion,
    UssdSession,
    utcnow,
)

SESSIONS = UssdSession.__table__
GAVE_UP = ("dropped", "timed_out")
# How a session's stay on its last screen ended (every earlier screen was answered).
ENDED, LEFT, CONTINUED, IN_PROGRESS = "ended", "left", "continued", "in progress"


def last_outcome(status: str) -> str:
    """How the last screen of a session that is over ended, from the session's status."""
    if status in GAVE_UP:
        return LEFT
    if status == "superseded":  # continued in a later session, which counts that screen
        return CONTINUED
    return ENDED


def visits_from_trail(
    trail: list[list[Any]], seconds_total: float, last: str
) -> list[dict[str, Any]]:
    """Per screen of one session: seconds spent there, and one outcome: answered (the caller
    went on from it the last time they were there), or for the last screen `last` (left,
    ended, in progress; a screen the session was continued from is left out)."""
    stays: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    entries = [(str(node), int(ms)) for node, ms in trail if node != RESUME_NODE]
    end_ms = max(int(seconds_total * 1000), entries[-1][1] if entries else 0)
    for index, (node, ms) in enumerate(entries):
        following = entries[index + 1][1] if index + 1 < len(entries) else end_ms
        stay = stays.get(node)
        if stay is None:
            stay = stays[node] = {"node": node, "ms": 0}
            order.append(node)
        stay["ms"] += max(0, following - ms)
    final = entries[-1][0] if entries else None
    return [
        {
            "node": s["node"][:64],
            "seconds": s["ms"] // 1000,
            "answered": s["node"] != final,
            "left": s["node"] == final and last == LEFT,
            "in_progress": s["node"] == final and last == IN_PROGRESS,
        }
        for s in (stays[n] for n in order)
        if not (s["node"] == final and last == CONTINUED)
    ]


def add_to(table: Table, counts: Counter[tuple[Any, ...]], key: list[str], value: str) -> None:
    """counts {key values: n} -> INSERT ... ON CONFLICT (key) DO UPDATE SET value += n."""
    if not counts:
        return
    rows = [dict(zip(key, k, strict=True)) | {value: n} for k, n in counts.items()]
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    upsert = statement.on_conflict_do_update(
        index_elements=key, set_={value: table.c[value] + statement.excluded[value]}
    )
    db.session.execute(upsert, rows)  # one statement, executed for every row


SESSION_KEY = ["day", "menu_id", "status", "lang", "gateway", "network"]
VISIT_KEY = ["day", "menu_id", "node", "seconds", "answered", "left"]
WAIT_KEY = ["day", "menu_id", "wait_seconds"]


def add_wait(created_at: datetime, menu_id: int | None, wait_seconds: int) -> None:
    """Count one acceptance by an agent (called once per hand-off, on its first acceptance)."""
    add_to(
        DailyWaits.__table__,
        Counter({(created_at.date(), menu_id or 0, wait_seconds): 1}),
        WAIT_KEY,
        "accepted",
    )


def sweep(limit: int = 2000, now: datetime | None = None) -> int:
    """Add the sessions that are over for good to the daily rollups; close idle ones.

    Returns the number of sessions swept (ussd/housekeeping.py runs it periodically).
    """
    now = now or utcnow()
    config = current_app.config
    timeout = timedelta(seconds=int(config.get("SESSION_TIMEOUT_SECONDS", 180)))
    window = timedelta(minutes=int(config.get("RESUME_WINDOW_MINUTES", 10)))
    settled = now - max(window, timeout)  # dropped or idle: can no longer be continued
    swept = 0
    after_id = 0  # keyset pagination: each batch starts where the last one ended
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
                SESSIONS.c.lang,
                SESSIONS.c.gateway,
                SESSIONS.c.network,
            )
            .where(
                SESSIONS.c.id > after_id,
                SESSIONS.c.analysed.is_(False),
                or_(
                    SESSIONS.c.last_end.is_(True),
                    SESSIONS.c.status == "superseded",  # continued: over, whatever its age
                    SESSIONS.c.updated_at < settled,
                ),
            )
            .order_by(SESSIONS.c.id)
            .limit(limit)
        ).all()
        if not rows:
            return swept
        after_id = rows[-1].id
        ids = [r.id for r in rows]
        claimed = db.session.execute(
            update(SESSIONS)
            .where(SESSIONS.c.id.in_(ids), SESSIONS.c.analysed.is_(False))
            .values(analysed=True)
        )
        if claimed.rowcount != len(ids):  # type: ignore[attr-defined]
            db.session.rollback()  # another sweeper took some of these: look again
            after_id = ids[0] - 1
            continue
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
        sessions: Counter[tuple[Any, ...]] = Counter()
        visits: Counter[tuple[Any, ...]] = Counter()
        finished: Counter[tuple[str, str]] = Counter()  # for the operator's metrics
        idle: list[int] = []
        for row in rows:
            status = row.status
            if status == "active" and not row.last_end:
                status = "timed_out"
                idle.append(row.id)
            if row.is_simulation:
                continue
            day = row.started_at.date()
            menu_id = menu_of.get(row.menu_version_id, 0)
            finished[(row.gateway, status)] += 1
            if status != "superseded":  # continued in a later session: counted there
                sessions[(day, menu_id, status, row.lang or "", row.gateway, row.network)] += 1
            try:
                trail = json.loads(row.trail)
            except ValueError:
                trail = []
            seconds = (row.updated_at - row.started_at).total_seconds()
            for visit in visits_from_trail(trail, seconds, last_outcome(status)):
                visits[
                    (
                        day,
                        menu_id,
                        visit["node"],
                        visit["seconds"],
                        visit["answered"],
                        visit["left"],
                    )
                ] += 1
        add_to(DailySessions.__table__, sessions, SESSION_KEY, "sessions")
        add_to(DailyVisits.__table__, visits, VISIT_KEY, "visits")
        if idle:
            db.session.execute(
                update(SESSIONS)
                .where(SESSIONS.c.id.in_(idle), SESSIONS.c.status == "active")
                .values(status="timed_out", ended_at=now)
            )
        db.session.commit()
        metrics.sessions_finished(finished)
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
    """One screen: reached = answered + ended + left + in_progress."""

    node: str
    reached: int = 0
    answered: int = 0
    left: int = 0
    in_progress: int = 0
    seconds: dict[int, int] = field(default_factory=dict)  # of sessions that are over

    @property
    def ended(self) -> int:
        """Sessions the menu ended on this screen (a thank-you or closing screen)."""
        return self.reached - self.answered - self.left - self.in_progress

    @property
    def median_seconds(self) -> float | None:
        return median_of(self.seconds)


@dataclass
class Figures:
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
    in_progress: int  # sessions not over yet: on a screen now, or may still be continued


def report(
    start: date, end: date, menu_id: int | None = None, node_order: list[str] | None = None
) -> Figures:
    """Figures for sessions started from `start` to `end` (both included, UTC days)."""

    def scope(model: Any) -> Any:
        condition = and_(model.day >= start, model.day <= end)
        return and_(condition, model.menu_id == menu_id) if menu_id is not None else condition

    total = Tally()
    days: dict[date, Tally] = defaultdict(Tally)
    languages: dict[str, Tally] = defaultdict(Tally)
    gateways: dict[str, Tally] = defaultdict(Tally)
    networks: dict[str, Tally] = defaultdict(Tally)
    rollup = DailySessions
    for day, status, lang, gateway, network, count in db.session.execute(
        select(
            rollup.day,
            rollup.status,
            rollup.lang,
            rollup.gateway,
            rollup.network,
            func.sum(rollup.sessions),
        )
        .where(scope(rollup))
        .group_by(rollup.day, rollup.status, rollup.lang, rollup.gateway, rollup.network)
    ).all():
        done = count if status == "completed" else 0
        for tally in (
            total,
            days[day],
            languages[lang or ""],  # "": not known (the editor says so in words)
            gateways[gateway or ""],
            networks[network or ""],
        ):
            tally.sessions += count
            tally.completed += done
    every_day = []
    current = start
    while current <= end:
        every_day.append((current, days.get(current, Tally())))
        current += timedelta(days=1)

    nodes: dict[str, NodeStats] = {}
    for node, seconds, answered, left, count in db.session.execute(
        select(
            DailyVisits.node,
            DailyVisits.seconds,
            DailyVisits.answered,
            DailyVisits.left,
            func.sum(DailyVisits.visits),
        )
        .where(scope(DailyVisits))
        .group_by(DailyVisits.node, DailyVisits.seconds, DailyVisits.answered, DailyVisits.left)
    ).all():
        stats = nodes.setdefault(node, NodeStats(node))
        stats.reached += count
        stats.answered += count if answered else 0
        stats.left += count if left else 0
        stats.seconds[seconds] = stats.seconds.get(seconds, 0) + count
    in_progress = _add_in_progress(nodes, start, end, menu_id)
    rank = {node: i for i, node in enumerate(node_order or [])}
    ordered = sorted(nodes.values(), key=lambda s: (rank.get(s.node, len(rank)), -s.reached))

    waits = {
        seconds: int(count)
        for seconds, count in db.session.execute(
            select(DailyWaits.wait_seconds, func.sum(DailyWaits.accepted))
            .where(scope(DailyWaits))
            .group_by(DailyWaits.wait_seconds)
        ).all()
    }
    return Figures(
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
        in_progress=in_progress,
    )


def _add_in_progress(
    nodes: dict[str, NodeStats], start: date, end: date, menu_id: int | None
) -> int:
    """Count the sessions of the period that are not over yet (not in the rollups) into
    `nodes`: every screen they went on from as answered, the one they are on as in
    progress. Returns how many there are. They are few: a session is swept into the
    rollups once it ends, or at most a resume window after its caller's last answer."""
    query = (
        select(SESSIONS.c.trail)
        .where(
            SESSIONS.c.analysed.is_(False),
            SESSIONS.c.is_simulation.is_(False),
            SESSIONS.c.last_end.is_(False),
            SESSIONS.c.status != "superseded",
            SESSIONS.c.started_at >= datetime.combine(start, datetime.min.time()),
            SESSIONS.c.started_at < datetime.combine(end + timedelta(days=1), datetime.min.time()),
        )
        .execution_options(yield_per=1000)
    )
    if menu_id is not None:
        query = query.join(MenuVersion, MenuVersion.id == SESSIONS.c.menu_version_id).where(
            MenuVersion.menu_id == menu_id
        )
    count = 0
    for (raw,) in db.session.execute(query):
        count += 1
        try:
            trail = json.loads(raw)
        except ValueError:
            continue
        for visit in visits_from_trail(trail, 0, IN_PROGRESS):
            stats = nodes.setdefault(visit["node"], NodeStats(visit["node"]))
            stats.reached += 1
            stats.answered += visit["answered"]
            stats.in_progress += visit["in_progress"]
    return count
