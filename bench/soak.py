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
import os
import random
import signal
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import run as harness  # noqa: E402
from bench.fake_twilio import FakeTaskRouter  # noqa: E402

THANKS = "END Thank you. Your request has been received."
MERCI = "END Merci. Votre demande a bien été reçue."
VALUES = {
    "language": {"1": "English", "2": "French"},
    "location": {"1": "Dakar", "2": "Touba", "3": "Thies"},
    "support_type": {"1": "Shelter", "2": "Legal", "3": "Food and clothing"},
    "callback": {"1": "Yes", "2": "No"},
}


@dataclass
class Tally:
    hops: int = 0
    sessions_started: int = 0
    finished: dict[str, dict[str, str]] = field(default_factory=dict)  # session -> answers
    apologies: int = 0  # a final "sorry" screen (the database was away)
    retries: int = 0
    http_500: int = 0
    gave_up: int = 0  # a hop still failing after every retry
    bad_replies: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)


async def hop(port: int, token: str, body: str, timeout: float = 15.0) -> tuple[int, str]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        data = body.encode()
        writer.write(
            f"POST /ussd/africastalking HTTP/1.1\r\nHost: soak\r\nX-USSD-Token: {token}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(data)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + data
        )
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    if not head:
        raise ConnectionError("empty reply")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and int(value) != len(payload):
            # the worker died mid-reply (SIGKILL): a gateway sees a broken connection
            raise ConnectionError("truncated reply")
    return int(head.split(b" ", 2)[1]), payload.decode("utf-8", "replace")


async def caller(
    port: int,
    token: str,
    tally: Tally,
    stop: asyncio.Event,
    phones: itertools.count,
    rng: random.Random,
) -> None:
    while not stop.is_set():
        session = f"soak-{uuid.uuid4().hex[:16]}"
        phone = f"+22177{next(phones):07d}"
        inputs = [rng.choice("12"), rng.choice("123"), rng.choice("123"), rng.choice("12")]
        tally.sessions_started += 1
        for n in range(5):
            body = urlencode(
                {
                    "sessionId": session,
                    "phoneNumber": phone,
                    "serviceCode": "*123*456#",
                    "networkCode": "60801",
                    "text": "*".join(inputs[:n]),
                }
            )
            reply = None
            for attempt in range(8):  # a gateway sends the same request again
                started = time.monotonic()
                try:
                    status, text = await hop(port, token, body)
                except (TimeoutError, OSError, ConnectionError, ValueError, IndexError):
                    tally.retries += 1
                    await asyncio.sleep(0.2 * (attempt + 1))
                    continue
                tally.latencies.append(time.monotonic() - started)
                if status == 500:
                    tally.http_500 += 1
                if status >= 500:
                    tally.retries += 1
                    await asyncio.sleep(0.2 * (attempt + 1))
                    continue
                reply = (status, text)
                break
            tally.hops += 1
            if reply is None:
                tally.gave_up += 1
                break
            status, text = reply
            last = n == 4
            if status == 200 and text.startswith("END") and not last:
                if "Sorry" in text or "Désolé" in text:
                    tally.apologies += 1  # the database was away: the caller must redial
                else:
                    tally.bad_replies.append(f"{session} hop {n}: {text[:60]!r}")
                break
            if status != 200 or (not last and not text.startswith("CON")):
                tally.bad_replies.append(f"{session} hop {n}: {status} {text[:60]!r}")
                break
            if last:
                if text in (THANKS, MERCI):
                    tally.finished[session] = {
                        key: VALUES[key][inputs[i]] for i, key in enumerate(VALUES)
                    }
                elif "Sorry" in text or "Désolé" in text:
                    tally.apologies += 1
                else:
                    tally.bad_replies.append(f"{session} last hop: {text[:60]!r}")


def database_outage(kind: str, url: str, seconds: float) -> threading.Thread:
    """Make the database unavailable for `seconds`, in the background."""

    def sqlite_lock() -> None:
        path = url.removeprefix("sqlite:///")
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")  # every writer now waits (busy timeout 10 s)
        time.sleep(seconds)
        conn.execute("COMMIT")
        conn.close()

    def postgres_away() -> None:
        from sqlalchemy import create_engine, text

        name = url.rsplit("/", 1)[1]
        admin = create_engine(
            harness.sqlalchemy_uri(url.rsplit("/", 1)[0] + "/postgres"),
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            time.sleep(seconds)
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
        admin.dispose()

    thread = threading.Thread(
        target=sqlite_lock if kind == "sqlite" else postgres_away, daemon=True
    )
    thread.start()
    return thread


async def faults(
    server: harness.Server,
    fake: FakeTaskRouter,
    kind: str,
    url: str,
    duration: float,
    events: list[str],
) -> None:
    plan = [
        (0.15, "twilio 429"),
        (0.25, "twilio 503"),
        (0.30, "kill a worker"),
        (0.35, "twilio timeouts"),
        (0.45, "twilio ok"),
        (0.55, "database away 5 s"),
        (0.70, "kill a worker"),
    ]
    started = time.monotonic()
    for at, what in plan:
        await asyncio.sleep(max(0.0, started + at * duration - time.monotonic()))
        events.append(f"{time.monotonic() - started:6.1f} s  {what}")
        if what.startswith("twilio"):
            fake.fault = {
                "twilio 429": "429",
                "twilio 503": "503",
                "twilio timeouts": "timeout",
                "twilio ok": "ok",
            }[what]
        elif what == "kill a worker":
            workers = sorted(harness.children(server.proc.pid))  # type: ignore[union-attr]
            if workers:
                os.kill(random.choice(workers), signal.SIGKILL)  # noqa: S311
        elif what.startswith("database away"):
            database_outage(kind, url, 5.0)


async def load(
    server: harness.Server,
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
        asyncio.create_task(caller(server.port, token, tally, stop, phones, rng))
        for _ in range(callers)
    ]
    fault_task = asyncio.create_task(faults(server, fake, kind, url, duration, events))
    await asyncio.sleep(duration)
    stop.set()
    await asyncio.gather(*tasks)
    fault_task.cancel()
    return tally


def check(database_url: str, tally: Tally, fake: FakeTaskRouter, wait: float) -> dict[str, Any]:
    from sqlalchemy import create_engine, text

    from ussd.menu.engine import State

    engine = create_engine(harness.sqlalchemy_uri(database_url))
    deadline = time.monotonic() + wait
    with engine.connect() as conn:
        while True:  # the dispatchers drain the outbox once Twilio is back
            waiting = conn.execute(
                text("SELECT COUNT(*) FROM handoffs WHERE status <> 'delivered'")
            ).scalar()
            conn.commit()
            if not waiting or time.monotonic() > deadline:
                break
            time.sleep(1)
        sessions = conn.execute(
            text(
                "SELECT s.external_id, s.status, s.state, COUNT(h.id), MIN(h.status) "
                "FROM ussd_sessions s LEFT JOIN handoffs h ON h.session_id = s.id "
                "GROUP BY s.id, s.external_id, s.status, s.state"
            )
        ).all()
    engine.dispose()
    rows = {r[0]: r for r in sessions}
    corrupted = 0
    for row in sessions:
        try:
            State.from_json(row[2])
        except Exception:  # noqa: BLE001 - counted
            corrupted += 1
    problems: list[str] = []
    for session, answers in tally.finished.items():
        found = rows.get(session)
        if found is None or found[1] != "completed" or found[3] != 1 or found[4] != "delivered":
            problems.append(f"{session}: database says {found[1:] if found else 'nothing'}")
            continue
        if fake.by_session[session] != 1:
            problems.append(f"{session}: {fake.by_session[session]} task(s) in Twilio")
            continue
        attributes = next(a for a in fake.tasks.values() if a["ussd_session_id"] == session)
        if {k: attributes[k] for k in answers} != answers:
            problems.append(f"{session}: the task's answers differ from the caller's")
    completed_in_db = sum(1 for r in sessions if r[1] == "completed")
    return {
        "sessions_in_db": len(sessions),
        "completed_in_db": completed_in_db,
        "tasks_created": len(fake.tasks),
        "tasks_made_twice": sum(1 for n in fake.by_session.values() if n > 1),
        "undelivered": waiting,
        "corrupted_states": corrupted,
        "problems": problems,
    }


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
    args.env = []

    tmp = Path(tempfile.mkdtemp(prefix="ussd-soak-"))
    if args.database == "sqlite":
        url = f"sqlite:///{tmp / 'soak.sqlite3'}"
    else:
        url = args.database_url
        harness.pg_create(url)
    fake = FakeTaskRouter(hold_seconds=3.0).start()
    env = harness.base_env(args, tmp, url)
    env.update(
        TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TWILIO_AUTH_TOKEN="soak-not-a-token",  # noqa: S106
        TWILIO_WORKSPACE_SID="WS" + "0" * 32,
        TWILIO_WORKFLOW_SID="WW" + "0" * 32,
        TWILIO_TASKROUTER_URL=fake.url,
        TWILIO_HTTP_TIMEOUT="1.5",
        DISPATCH_LEASE_SECONDS="8",
        DISPATCH_INTERVAL_SECONDS="1",
        WEB_CONCURRENCY=str(args.workers),
        MAX_SESSIONS_PER_PHONE_PER_HOUR="0",
        MAX_TASKS_PER_PHONE_PER_DAY="0",
    )
    harness.flask_cmd(env, "init-db")
    server = harness.Server("app:create_app()", env, tmp / "gunicorn.log", None, args.workers)
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
        result = check(url, tally, fake, wait=120)
    finally:
        server.stop()
        fake.stop()
    log = harness.scan_log(tmp / "gunicorn.log")
    latencies = sorted(tally.latencies)
    p99 = latencies[int(0.99 * (len(latencies) - 1))] * 1000 if latencies else 0.0
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
    }
    for name, ok in checks.items():
        print(f"  {'ok    ' if ok else 'FAILED'} {name}")
    for line in (tally.bad_replies + result["problems"])[:10]:
        print(f"    {line}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"soak-{args.database}-{int(time.time())}.json").write_text(
        json.dumps(
            {
                "args": {k: v for k, v in vars(args).items() if k != "env"},
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
    if args.database == "postgresql":
        harness.pg_drop(url)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
