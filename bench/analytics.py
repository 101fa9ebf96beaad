"""Time the analytics page's queries on a large generated history.

    .venv/bin/python bench/analytics.py --sessions 1000000                # SQLite
    .venv/bin/python bench/analytics.py --sessions 1000000 --database postgresql

Builds a fresh database (a temporary SQLite file, or the PostgreSQL database `bench_analytics`,
dropped and recreated) and bulk-loads N finished sessions spread over the last 90 days, as
the hops leave them: ~65 % completed with a hand-off (80 % of those accepted by an agent
after 0-30 min), the rest given up on one of the demo menu's screens; a real trail of the
screens entered; two gateways, four networks, two languages. Then runs the real sweep that
folds them into the daily rollups (timed: it is the background cost), and the analytics
report the page calls, for 90, 30 and 7 days, three times each, printing the median.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NODES = ["language", "location", "support_type", "callback", "thanks"]
CHUNK = 20_000


def generate(count: int, seed: int = 7) -> tuple[list[tuple], list[tuple], Counter]:
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
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        raw.driver_connection.autocommit = True
        raw.cursor().execute("VACUUM ANALYZE")
        raw.close()
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/bench_analytics"
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ussd-analytics-"))
    if args.database == "sqlite":
        url = f"sqlite:///{workdir / 'analytics.sqlite3'}"
    else:
        url = args.database_url
        name = url.rsplit("/", 1)[1]
        if name in ("test", "postgres"):
            raise SystemExit("refusing to use that database")
        for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", url.rsplit("/", 1)[0] + "/postgres", "-qc", sql], check=True)  # noqa: S603,S607
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "USSD_WEBHOOK_TOKEN": "x"}
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "init-db"],
        cwd=ROOT,  # noqa: S603
        env=env,
        check=True,
        capture_output=True,
    )
    os.environ.update(env)

    from sqlalchemy import text

    from app import create_app
    from ussd.analytics import WAIT_KEY, add_to, report, sweep
    from ussd.extensions import db
    from ussd.models import DailyWaits

    app = create_app()
    started = time.perf_counter()
    sessions, handoffs, waits = generate(args.sessions)
    generated = time.perf_counter() - started
    with app.app_context():
        load(db.engine, sessions, handoffs)
        loaded = time.perf_counter() - started - generated
        t0 = time.perf_counter()
        swept = sweep(limit=5000, force=True)
        sweep_seconds = time.perf_counter() - t0
        add_to(DailyWaits.__table__, waits, WAIT_KEY, "accepted")
        db.session.commit()
        analyse(db.engine)
        rollups = {
            t: db.session.scalar(text(f"SELECT COUNT(*) FROM {t}"))  # noqa: S608
            for t in ("daily_sessions", "daily_visits", "daily_waits")
        }
    print(
        f"{args.database}: {len(sessions):,} sessions, {len(handoffs):,} hand-offs "
        f"(generated in {generated:.0f} s, loaded in {loaded:.0f} s); the sweep folded "
        f"{swept:,} sessions into the rollups in {sweep_seconds:.1f} s "
        f"({swept / sweep_seconds:,.0f} sessions/s); rollup rows: "
        + ", ".join(f"{t} {n:,}" for t, n in rollups.items())
    )
    today = date.today()
    with app.app_context():
        for days in (90, 30, 7):
            timings = []
            for _ in range(3):
                t0 = time.perf_counter()
                figures = report(
                    today - timedelta(days=days - 1), today, menu_id=1, node_order=NODES
                )
                timings.append(time.perf_counter() - t0)
                db.session.rollback()
            median = statistics.median(timings) * 1000
            print(
                f"  report over {days:>2} days: median {median:,.1f} ms"
                f" (runs: {', '.join(f'{t * 1000:,.1f}' for t in timings)} ms); "
                f"{figures.total.sessions:,} sessions, completion "
                f"{figures.total.rate:.1%}, median wait {figures.median_wait_seconds} s"
            )


if __name__ == "__main__":
    main()
