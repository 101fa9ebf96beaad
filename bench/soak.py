"""Soak and fault test: many callers for minutes while workers die, the database goes away
and Twilio misbehaves; afterwards nothing may be lost, doubled or corrupted.

    .venv/bin/python bench/soak.py                                   # SQLite, 200 callers, 3 min
    .venv/bin/python bench/soak.py --database postgresql             # PostgreSQL
    .venv/bin/python bench/soak.py --short                           # ~30 s (CI)

gunicorn (gunicorn.conf.py, several workers) serves a fresh instance whose TaskRouter is a
local stand-in (bench/fake_twilio.py). Callers play whole demo-menu sessions as Africa's
Talking sends them and, like a gateway, send a request again when the connection breaks or
the answer is a 5xx. During the run the stand-in answers 429, then 503, then holds its
answers past the client's timeout (the task being made all the same); a worker is killed
with SIGKILL twice; the database is unavailable for a few seconds (SQLite: another process
holds the write lock; PostgreSQL: connections are refused and the app's are cut). When
the callers stop, Twilio recovers and the hand-offs drain. Then it checks: no HTTP 500
reached a caller; every session a caller finished is completed in the database with
exactly one hand-off, delivered as exactly one task carrying the caller's answers; no task
was made twice; every stored session state still parses. Exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.callers import Tally, gateway_caller  # noqa: E402
from bench.harness.checks import delivery_checks, scan_log  # noqa: E402
from bench.harness.common import APP_SPEC, RESULTS  # noqa: E402
from bench.harness.faults import database_outage, kill_a_worker  # noqa: E402
from bench.harness.instance import Instance  # noqa: E402
from bench.harness.server import Server, stop_all  # noqa: E402
from bench.harness.twilio import FakeTaskRouter, fake_router_env  # noqa: E402

# When each fault starts, as a share of the run.
PLAN = [
    (0.15, "twilio 429"),
    (0.25, "twilio 503"),
    (0.30, "kill a worker"),
    (0.35, "twilio timeouts"),
    (0.45, "twilio ok"),
    (0.55, "database away 5 s"),
    (0.70, "kill a worker"),
]
TWILIO_FAULTS = {
    "twilio 429": "429",
    "twilio 503": "503",
    "twilio timeouts": "timeout",
    "twilio ok": "ok",
}


async def faults(
    server: Server,
    fake: FakeTaskRouter,
    kind: str,
    url: str,
    duration: float,
    events: list[str],
) -> None:
    started = time.monotonic()
    for at, what in PLAN:
        await asyncio.sleep(max(0.0, started + at * duration - time.monotonic()))
        events.append(f"{time.monotonic() - started:6.1f} s  {what}")
        if what.startswith("twilio"):
            fake.fault = TWILIO_FAULTS[what]
        elif what == "kill a worker":
            kill_a_worker(server)
        elif what.startswith("database away"):
            database_outage(kind, url, 5.0)


async def load(
    server: Server,
    token: str,
    fake: FakeTaskRouter,
    kind: str,
    url: str,
    callers: int,
    duration: float,
    events: list[str],
) -> Tally:
    tally = Tally()
    stop = asyncio.Event()
    phones = itertools.count(1)
    rng = random.Random(7)  # noqa: S311 - test data
    tasks = [
        asyncio.create_task(gateway_caller(server.port, token, tally, stop, phones, rng))
        for _ in range(callers)
    ]
    fault_task = asyncio.create_task(faults(server, fake, kind, url, duration, events))
    await asyncio.sleep(duration)
    stop.set()
    await asyncio.gather(*tasks)
    fault_task.cancel()
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/soak")
    parser.add_argument("--callers", type=int, default=200)
    parser.add_argument("--duration", type=float, default=180)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--short", action="store_true", help="40 callers for 30 s (CI)")
    args = parser.parse_args()
    if args.short:
        args.callers, args.duration = 40, 30

    instance = Instance.create(args.database, args.database_url, name="soak")
    url = instance.database_url
    fake = FakeTaskRouter(hold_seconds=3.0).start()
    env = instance.env
    env.update(
        fake_router_env(fake),
        TWILIO_HTTP_TIMEOUT="1.5",
        DISPATCH_LEASE_SECONDS="8",
        DISPATCH_INTERVAL_SECONDS="1",
        WEB_CONCURRENCY=str(args.workers),
        MAX_SESSIONS_PER_PHONE_PER_HOUR="0",
        MAX_TASKS_PER_PHONE_PER_DAY="0",
    )
    failed = True
    try:
        instance.init_db()
        log_path = instance.tmp / "gunicorn.log"
        server = Server(APP_SPEC, env, log_path, None, args.workers)
        server.start()
        events: list[str] = []
        print(
            f"soak: {args.database}, {args.callers} callers for {args.duration:.0f} s, "
            f"{args.workers} workers",
            flush=True,
        )
        try:
            started = time.monotonic()
            tally = asyncio.run(
                load(
                    server,
                    env["USSD_WEBHOOK_TOKEN"],
                    fake,
                    args.database,
                    url,
                    args.callers,
                    args.duration,
                    events,
                )
            )
            elapsed = time.monotonic() - started
            fake.fault = "ok"
            result = delivery_checks(url, tally.finished, fake.tasks, fake.by_session, wait=120)
        finally:
            server.stop()
            fake.stop()
        ok = report(args, tally, elapsed, result, events, fake, scan_log(log_path))
        failed = not ok
    finally:
        stop_all()
        instance.close(failed)
    return 0 if ok else 1


def report(
    args: argparse.Namespace,
    tally: Tally,
    elapsed: float,
    result: dict[str, Any],
    events: list[str],
    fake: FakeTaskRouter,
    log: dict[str, Any],
) -> bool:
    """Print the run and its checks, write them to bench/results; True when all passed."""
    p99 = tally.p99_ms()
    print("\n".join(events))
    print(
        f"sessions started {tally.sessions_started}, finished by callers "
        f"{len(tally.finished)}, hops {tally.hops} ({tally.hops / elapsed:.0f}/s), p99 "
        f"{p99:.0f} ms, retried requests {tally.retries}, apologies {tally.apologies}, gave up "
        f"{tally.gave_up}, HTTP 500 {tally.http_500}, bad replies {len(tally.bad_replies)}"
    )
    print(
        f"database: {result['sessions_in_db']} sessions, {result['completed_in_db']} "
        f"completed; Twilio: {result['tasks_created']} tasks created, "
        f"{result['tasks_made_twice']} made twice, {result['undelivered']} undelivered; "
        f"{result['corrupted_states']} corrupted states; Twilio saw "
        f"{dict(fake.requests)}"
    )
    print(f"app log: {log}")
    checks = {
        "no HTTP 500 reached a caller": tally.http_500 == 0,
        "no bad reply": not tally.bad_replies,
        "no request given up": tally.gave_up == 0,
        "every finished session: completed, one hand-off, one task, right answers": not result[
            "problems"
        ],
        "one task per completed session, none twice": result["tasks_created"]
        == result["completed_in_db"]
        and result["tasks_made_twice"] == 0,
        "every hand-off delivered": result["undelivered"] == 0,
        "no corrupted session": result["corrupted_states"] == 0,
        # a 5-s outage is shorter than a hop's wait for the database (issue 14, finding 12)
        "no apology for the database outage": tally.apologies == 0,
    }
    for name, ok in checks.items():
        print(f"  {'ok    ' if ok else 'FAILED'} {name}")
    for line in (tally.bad_replies + result["problems"])[:10]:
        print(f"    {line}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"soak-{args.database}-{int(time.time())}.json").write_text(
        json.dumps(
            {
                "args": vars(args),
                "events": events,
                "tally": {
                    "sessions_started": tally.sessions_started,
                    "finished": len(tally.finished),
                    "hops": tally.hops,
                    "retries": tally.retries,
                    "apologies": tally.apologies,
                    "http_500": tally.http_500,
                    "gave_up": tally.gave_up,
                    "p99_ms": p99,
                },
                "result": {k: v for k, v in result.items() if k != "problems"},
                "twilio": dict(fake.requests),
                "checks": checks,
            },
            indent=2,
        )
    )
    return all(checks.values())


if __name__ == "__main__":
    sys.exit(main())
