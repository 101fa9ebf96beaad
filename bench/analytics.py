"""Time the analytics page's queries on a large generated history.

    .venv/bin/python bench/analytics.py --sessions 1000000                # SQLite
    .venv/bin/python bench/analytics.py --sessions 1000000 --database postgresql

Builds a fresh database (a temporary SQLite file, or the PostgreSQL database
`bench_analytics`, dropped and recreated; either is removed afterwards) and bulk-loads N
finished sessions spread over the last 90 days (bench/harness/history.py: as the hops leave
them, ~65 % completed with a hand-off, the rest given up on one of the demo menu's
screens). Then runs the real sweep that
folds them into the daily rollups (timed: it is the background cost), and the analytics
report the page calls, for 90, 30 and 7 days, three times each, printing the median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.history import NODES, analyse, generate, load  # noqa: E402
from bench.harness.instance import Instance  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/bench_analytics"
    )
    args = parser.parse_args()

    instance = Instance.create(args.database, args.database_url, name="analytics")
    try:
        instance.init_db()
        run(args.database, instance.env, args.sessions)
    finally:
        instance.close()


def run(database: str, env: dict[str, str], count: int) -> None:
    os.environ.update(env)

    from sqlalchemy import text

    from app import create_app
    from ussd.analytics import WAIT_KEY, add_to, report, sweep
    from ussd.extensions import db
    from ussd.models import DailyWaits

    app = create_app()
    started = time.perf_counter()
    sessions, handoffs, waits = generate(count)
    generated = time.perf_counter() - started
    with app.app_context():
        load(db.engine, sessions, handoffs)
        loaded = time.perf_counter() - started - generated
        t0 = time.perf_counter()
        swept = sweep(limit=5000)
        sweep_seconds = time.perf_counter() - t0
        add_to(DailyWaits.__table__, waits, WAIT_KEY, "accepted")
        db.session.commit()
        analyse(db.engine)
        rollups = {
            t: db.session.scalar(text(f"SELECT COUNT(*) FROM {t}"))  # noqa: S608
            for t in ("daily_sessions", "daily_visits", "daily_waits")
        }
    print(
        f"{database}: {len(sessions):,} sessions, {len(handoffs):,} hand-offs "
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
