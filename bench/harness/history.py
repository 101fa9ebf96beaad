"""A large synthetic history of finished sessions and hand-offs for the analytics page's
queries (bench/analytics.py), bulk-loaded straight into the tables.

N sessions spread over the last 90 days, as the hops leave them: ~65 % completed with a
hand-off (80 % of those accepted by an agent after 0-30 min), the rest given up on one of
the demo menu's screens; a real trail of the screens entered; two gateways, four networks,
two languages.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

NODES = ["language", "location", "support_type", "callback", "thanks"]
CHUNK = 20_000


def generate(count: int, seed: int = 7) -> tuple[list[tuple], list[tuple], Counter]:
    """(session rows, hand-off rows, the acceptance waits the daily rollup needs)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    now = datetime.now(UTC).replace(tzinfo=None)
    sessions, handoffs = [], []
    waits: Counter = Counter()
    for n in range(1, count + 1):
        started = now - timedelta(seconds=rng.randrange(3600, 90 * 86400))
        completed = rng.random() < 0.65
        reached = 5 if completed else rng.choice([1, 2, 2, 3, 3, 4])
        lang = "fr" if rng.random() < 0.6 else "en"
        status = "completed" if completed else rng.choice(["dropped", "timed_out", "timed_out"])
        gateway = "africastalking" if rng.random() < 0.7 else "hubtel"
        network = rng.choice(["60801", "60802", "60803", "mtn"])
        trail, ms = [], 0
        for node in NODES[:reached]:
            trail.append([node, ms])
            ms += rng.randint(1, 25) * 1000
        duration = timedelta(milliseconds=ms)
        sessions.append(
            (
                n,
                gateway,
                f"gen-{n}",
                f"+22176{n:07d}",
                f"{n:032x}",
                "*123*456#",
                network,
                1,
                "{}",
                status,
                lang,
                1,
                "",
                "",
                completed,
                "",
                json.dumps(trail, separators=(",", ":")),
                NODES[reached - 1],
                reached,
                False,
                False,
                "",
                started,
                started + duration,
                started + duration,
            )
        )
        if completed:
            waited = rng.randint(0, 1800) if rng.random() < 0.8 else None
            created = started + duration
            handoffs.append(
                (
                    n,
                    n,
                    "create",
                    "delivered",
                    "{}",
                    f"{n:032x}",
                    lang,
                    "Dakar",
                    "Shelter",
                    "Yes",
                    1,
                    created,
                    "",
                    "",
                    f"WT{n:032x}",
                    "accepted" if waited is not None else "created",
                    created,
                    created,
                    created,
                    created + timedelta(seconds=waited) if waited else None,
                    waited,
                )
            )
            if waited is not None:  # what the acceptance events add to the rollup
                waits[(created.date(), 1, waited)] += 1
    return sessions, handoffs, waits


SESSION_COLUMNS = (
    "id, gateway, external_id, phone, phone_hash, service_code, network, "
    "menu_version_id, state, status, lang, version, last_request, last_screen, "
    "last_end, seen_text, trail, current_node, hops, is_simulation, analysed, "
    "end_reason, started_at, updated_at, ended_at"
)
HANDOFF_COLUMNS = (
    "id, session_id, kind, status, attributes, phone_hash, language, location, "
    "support_type, callback, attempts, next_attempt_at, lease_owner, last_error, "
    "task_sid, task_status, created_at, updated_at, delivered_at, accepted_at, "
    "wait_seconds"
)


def load(engine: Any, sessions: list[tuple], handoffs: list[tuple]) -> None:
    """COPY on PostgreSQL, executemany in chunks on SQLite."""
    tables = (("ussd_sessions", SESSION_COLUMNS, sessions), ("handoffs", HANDOFF_COLUMNS, handoffs))
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table, columns, data in tables:
            if engine.dialect.name == "postgresql":
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in columns.split(","))
                sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
                for start in range(0, len(data), CHUNK):
                    cursor.executemany(sql, data[start : start + CHUNK])
            raw.commit()
    finally:
        raw.close()


def analyse(engine: Any) -> None:
    """Fresh planner statistics, as autovacuum would have them."""
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        raw.driver_connection.autocommit = True
        raw.cursor().execute("VACUUM ANALYZE")
        raw.close()
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
