"""What must be true after a run, read from the database and the server's log: one hand-off
per finished session, warm-up and measured sessions apart, every task delivered once."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.harness.instance import sqlalchemy_uri
from bench.harness.load import Phase

# ------------------------------------------------------------------------------------------
# After a benchmark run


def session_checks(database_url: str, run_id: str) -> dict[str, Any]:
    """Sessions and hand-offs of the run's sessions (warm-up and measured: ids RUN_ID-*)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlalchemy_uri(database_url))
    like = f"{run_id}-%"
    with engine.connect() as conn:

        def one(sql: str) -> int:
            return int(conn.execute(text(sql), {"like": like}).scalar() or 0)

        statuses: dict[str, int] = dict(
            conn.execute(
                text(
                    "SELECT status, COUNT(*) FROM ussd_sessions WHERE external_id LIKE :like "
                    "GROUP BY status"
                ),
                {"like": like},
            ).all()
        )
        handoff_statuses: dict[str, int] = dict(
            conn.execute(
                text(
                    "SELECT h.status, COUNT(*) FROM handoffs h JOIN ussd_sessions s "
                    "ON s.id = h.session_id WHERE s.external_id LIKE :like GROUP BY h.status"
                ),
                {"like": like},
            ).all()
        )
        errors = conn.execute(
            text(
                "SELECT h.last_error, COUNT(*) FROM handoffs h JOIN ussd_sessions s "
                "ON s.id = h.session_id WHERE s.external_id LIKE :like "
                "GROUP BY h.last_error ORDER BY COUNT(*) DESC"
            ),
            {"like": like},
        ).all()
        result = {
            "sessions": sum(statuses.values()),
            "sessions_by_status": statuses,
            "completed": statuses.get("completed", 0),
            "handoffs": one(
                "SELECT COUNT(*) FROM handoffs h JOIN ussd_sessions s ON s.id = h.session_id "
                "WHERE s.external_id LIKE :like"
            ),
            "completed_without_handoff": one(
                "SELECT COUNT(*) FROM ussd_sessions s LEFT JOIN handoffs h "
                "ON h.session_id = s.id WHERE s.external_id LIKE :like "
                "AND s.status = 'completed' AND h.id IS NULL"
            ),
            "handoffs_of_unfinished_sessions": one(
                "SELECT COUNT(*) FROM handoffs h JOIN ussd_sessions s ON s.id = h.session_id "
                "WHERE s.external_id LIKE :like AND s.status <> 'completed'"
            ),
            "handoffs_by_status": handoff_statuses,
            "handoff_attempts": one(
                "SELECT COALESCE(SUM(h.attempts), 0) FROM handoffs h JOIN ussd_sessions s "
                "ON s.id = h.session_id WHERE s.external_id LIKE :like"
            ),
            "handoff_last_errors": [[str(e)[:120], int(n)] for e, n in errors[:5]],
            "table_sessions": int(
                conn.execute(text("SELECT COUNT(*) FROM ussd_sessions")).scalar() or 0
            ),
        }
    engine.dispose()
    return result


def phase_checks(
    database_url: str, run_id: str, warmup: Phase, measured: Phase, warmed: bool
) -> dict[str, Any]:
    """Count the run's stored sessions per phase and make sure the phases never met: no
    session outside both, no number (by its keyed hash) used by a session of each, no
    number used twice. `ok` is False when they did, or when a phase that ran stored no
    session (the check would then prove nothing)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlalchemy_uri(database_url))
    params = {"run": f"{run_id}-%", "warm": warmup.like, "measured": measured.like}
    with engine.connect() as conn:

        def one(sql: str) -> int:
            return int(conn.execute(text(sql), params).scalar() or 0)

        found = {
            "warmup_sessions": one(
                "SELECT COUNT(*) FROM ussd_sessions WHERE external_id LIKE :warm"
            ),
            "measured_sessions": one(
                "SELECT COUNT(*) FROM ussd_sessions WHERE external_id LIKE :measured"
            ),
            "other_sessions": one(
                "SELECT COUNT(*) FROM ussd_sessions WHERE external_id LIKE :run "
                "AND external_id NOT LIKE :warm AND external_id NOT LIKE :measured"
            ),
            "numbers_in_both": one(
                "SELECT COUNT(DISTINCT m.phone_hash) FROM ussd_sessions m "
                "JOIN ussd_sessions w ON w.phone_hash = m.phone_hash "
                "WHERE m.external_id LIKE :measured AND w.external_id LIKE :warm"
            ),
            "numbers_used_twice": one(
                "SELECT COUNT(*) FROM (SELECT phone_hash FROM ussd_sessions "
                "WHERE external_id LIKE :run GROUP BY phone_hash HAVING COUNT(*) > 1) t"
            ),
        }
    engine.dispose()
    ok = (
        found["measured_sessions"] > 0
        and (found["warmup_sessions"] > 0 or not warmed)
        and found["other_sessions"] == 0
        and found["numbers_in_both"] == 0
        and found["numbers_used_twice"] == 0
    )
    return {
        **found,
        "warmup": {"ids": warmup.like, "numbers": f"+{warmup.phone_prefix}…"},
        "measured": {"ids": measured.like, "numbers": f"+{measured.phone_prefix}…"},
        "ok": ok,
    }


# ------------------------------------------------------------------------------------------
# The server's log


LOG_PATTERNS = {
    "error_lines": re.compile(r"\bERROR\b|\bCRITICAL\b"),
    "internal_errors": re.compile(r"internal error in"),
    "tracebacks": re.compile(r"^Traceback"),
    "database_locked": re.compile(r"database is locked", re.I),
    "worker_timeouts": re.compile(r"WORKER TIMEOUT"),
    "worker_boots": re.compile(r"Booting worker"),
    "handoff_retries_logged": re.compile(r"will be retried"),
    "dispatcher_failures": re.compile(r"dispatcher pass failed"),
}
SAMPLED = ("error_lines", "tracebacks", "worker_timeouts")


def scan_log(path: Path) -> dict[str, Any]:
    counts = dict.fromkeys(LOG_PATTERNS, 0)
    samples: list[str] = []
    with contextlib.suppress(OSError):
        for line in path.read_text(errors="replace").splitlines():
            for name, pattern in LOG_PATTERNS.items():
                if pattern.search(line):
                    counts[name] += 1
                    if name in SAMPLED and len(samples) < 5:
                        samples.append(line[:200])
    return {**counts, "samples": samples}


# ------------------------------------------------------------------------------------------
# After a soak: every finished session delivered to (fake) Twilio exactly once


def delivery_checks(
    database_url: str,
    finished: Mapping[str, Mapping[str, str]],
    tasks: Mapping[str, Mapping[str, Any]],
    tasks_per_session: Mapping[str, int],
    wait: float,
) -> dict[str, Any]:
    """Once the outbox has drained (at most `wait` seconds): each session a caller finished
    (`finished`: session id -> its answers) is completed with one delivered hand-off and one
    task (`tasks`: sid -> attributes) carrying those answers; every stored state parses."""
    from sqlalchemy import create_engine, text

    from ussd.menu.engine import State

    engine = create_engine(sqlalchemy_uri(database_url))
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
    for session, answers in finished.items():
        found = rows.get(session)
        if found is None or found[1] != "completed" or found[3] != 1 or found[4] != "delivered":
            problems.append(f"{session}: database says {found[1:] if found else 'nothing'}")
            continue
        if tasks_per_session.get(session, 0) != 1:
            problems.append(f"{session}: {tasks_per_session.get(session, 0)} task(s) in Twilio")
            continue
        attributes = next(a for a in tasks.values() if a["ussd_session_id"] == session)
        if {k: attributes[k] for k in answers} != answers:
            problems.append(f"{session}: the task's answers differ from the caller's")
    return {
        "sessions_in_db": len(sessions),
        "completed_in_db": sum(1 for r in sessions if r[1] == "completed"),
        "tasks_created": len(tasks),
        "tasks_made_twice": sum(1 for n in tasks_per_session.values() if n > 1),
        "undelivered": waiting,
        "corrupted_states": corrupted,
        "problems": problems,
    }
