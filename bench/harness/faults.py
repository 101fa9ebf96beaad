"""Faults injected while the load runs: a worker killed, the database away for a while."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import threading
import time

from bench.harness.instance import sqlalchemy_uri
from bench.harness.server import Server


def kill_a_worker(server: Server, rng: random.Random | None = None) -> int | None:
    """SIGKILL one of the server's workers (gunicorn starts another); its pid."""
    workers = sorted(server.workers())
    if not workers:
        return None
    pid = (rng or random.Random()).choice(workers)
    os.kill(pid, signal.SIGKILL)
    return pid


def database_outage(kind: str, url: str, seconds: float) -> threading.Thread:
    """Make the database unavailable for `seconds`, in the background; returns once it is
    (the thread ends when it is back). SQLite: another process holds the write lock;
    PostgreSQL: connections are refused and the app's cut."""
    began = threading.Event()

    def sqlite_lock() -> None:
        path = url.removeprefix("sqlite:///")
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")  # every writer now waits (busy timeout 10 s)
        began.set()
        time.sleep(seconds)
        conn.execute("COMMIT")
        conn.close()

    def postgres_away() -> None:
        from sqlalchemy import create_engine, text

        name = url.rsplit("/", 1)[1]
        admin = create_engine(
            sqlalchemy_uri(url.rsplit("/", 1)[0] + "/postgres"),
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
            began.set()
            time.sleep(seconds)
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
        admin.dispose()

    thread = threading.Thread(
        target=sqlite_lock if kind == "sqlite" else postgres_away, daemon=True
    )
    thread.start()
    began.wait(30)
    return thread
