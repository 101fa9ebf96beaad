"""Fill the sessions table of a benchmark instance with N realistic past sessions, fast.

    DATABASE_URL=... SECRET_KEY=... USSD_WEBHOOK_TOKEN=... python bench/prefill.py --count 1000000

Run by bench/run.py (harness.instance, as `python -m bench.harness.prefill`) against its
own temporary instance (never point it at a real one:
it plays and deletes a few template sessions first). The rows are clones of sessions
played through the real webhook in-process (so every column is what the app itself
writes): 65% completed (each with its delivered hand-off row, as Flex would have it),
25% dropped half-way, 10% timed out; spread over the last 85 days (none is recent enough
to be offered a resume or old enough to be purged, all already folded into the
analytics); each with its own session id and phone number (+22176… and +22170…, never
the +22177…/+22178… numbers the load generator dials) and so its own keyed phone hash.
Bulk-loaded with executemany on SQLite and COPY on PostgreSQL.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.harness.common import PREFILL_PHONES

TEMPLATES = {
    # name: (answers, status to give it afterwards or None)
    "tmpl-completed-en": (["1", "1", "1", "1"], None),
    "tmpl-completed-fr": (["2", "3", "2", "2"], None),
    "tmpl-dropped": (["1", "2"], "dropped"),
    "tmpl-timed-out": (["2", "1", "3"], "timed_out"),
}
# Which template each of 20 consecutive rows copies: 13 completed, 5 dropped, 2 timed out.
PATTERN = (
    ["tmpl-completed-en", "tmpl-completed-fr"] * 6
    + ["tmpl-completed-en"]
    + ["tmpl-dropped"] * 5
    + ["tmpl-timed-out"] * 2
)
SPREAD = timedelta(days=85)  # inside RETENTION_DAYS (90): the daily purge deletes none


def _play_templates(app: Any) -> None:
    client = app.test_client()
    token = app.config["USSD_WEBHOOK_TOKEN"]
    for n, (name, (answers, _)) in enumerate(TEMPLATES.items()):
        phone = f"+2217099999{n:02d}"
        for hop in range(len(answers) + 1):
            reply = client.post(
                "/ussd/africastalking",
                data={
                    "sessionId": name,
                    "phoneNumber": phone,
                    "serviceCode": "*123*456#",
                    "networkCode": "60801",
                    "text": "*".join(answers[:hop]),
                },
                headers={"X-USSD-Token": token},
            )
            body = reply.get_data(as_text=True)
            if reply.status_code != 200 or body[:4] not in ("CON ", "END "):
                raise SystemExit(f"prefill: template {name} hop {hop}: {reply.status_code}")


def _fetch(cursor: Any, sql: str) -> list[dict[str, Any]]:
    cursor.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _stamp(dialect: str, value: datetime) -> Any:
    """A naive-UTC timestamp the way the app stores it (SQLite: SQLAlchemy's text form)."""
    if dialect == "sqlite":
        return value.isoformat(" ", "microseconds")  # == strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _chunks(
    count: int,
    first_session_id: int,
    first_handoff_id: int,
    sessions: dict[str, dict[str, Any]],
    handoffs: dict[str, dict[str, Any]],
    secret: str,
    dialect: str,
    session_cols: list[str],
    handoff_cols: list[str],
    size: int = 50_000,
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """(session rows, their hand-off rows) in chunks of `size` sessions; `secret` is the
    key of the phone hashes."""
    base_mac = _phone_mac(secret)
    now = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=1)
    step = SPREAD / max(1, count)
    # Per template: its row as a list in column order, changed in place of a dict per row.
    s_pos = {c: k for k, c in enumerate(session_cols)}
    h_pos = {c: k for k, c in enumerate(handoff_cols)}
    s_base = {name: [row[c] for c in session_cols] for name, row in sessions.items()}
    h_base = {}
    for name, handoff in handoffs.items():
        fixed = dict(
            handoff,
            kind="create",
            target_id=None,
            status="delivered",
            attempts=1,
            lease_expires_at=None,
            lease_owner="",
            last_error="",
            task_status="completed",
        )
        h_base[name] = [fixed.get(c) for c in handoff_cols]
    s_id, s_ext, s_phone, s_hash = (s_pos[c] for c in ("id", "external_id", "phone", "phone_hash"))
    # Already folded into the analytics, as sessions this old would be: otherwise every
    # worker's sweep would spend the measured run catching up on a million of them.
    for row in s_base.values():
        row[s_pos["analysed"]] = True
    s_start, s_upd, s_end = (s_pos[c] for c in ("started_at", "updated_at", "ended_at"))
    h_fields = (
        "id",
        "session_id",
        "attributes",
        "phone_hash",
        "task_sid",
        "next_attempt_at",
        "created_at",
        "updated_at",
        "delivered_at",
        "accepted_at",
        "closed_at",
    )
    h_idx = [h_pos.get(c) for c in h_fields]
    hop_time = {name: timedelta(seconds=4 + 5 * row["hops"]) for name, row in sessions.items()}
    one_s, five_min, half_hour = timedelta(seconds=1), timedelta(minutes=5), timedelta(minutes=30)
    dropped = timedelta(seconds=180)
    handoff_id = first_handoff_id
    session_rows: list[tuple[Any, ...]] = []
    handoff_rows: list[tuple[Any, ...]] = []
    for i in range(count):
        name = PATTERN[i % len(PATTERN)]
        template = sessions[name]
        prefix = PREFILL_PHONES[0] if i < 10_000_000 else PREFILL_PHONES[1]
        phone = f"+{prefix}{i % 10_000_000:07d}"
        mac = base_mac.copy()
        mac.update(phone.encode())
        phone_hash = mac.hexdigest()[:32]
        started = now - step * (count - i)
        updated = started + hop_time[name]
        updated_s = _stamp(dialect, updated)
        external_id = f"ATUid_prefill_{i:09d}"
        row = s_base[name].copy()
        row[s_id] = first_session_id + i
        row[s_ext] = external_id
        row[s_phone] = phone
        row[s_hash] = phone_hash
        row[s_start] = _stamp(dialect, started)
        row[s_upd] = updated_s
        if name in ("tmpl-dropped", "tmpl-timed-out"):
            row[s_end] = _stamp(dialect, updated + dropped)
        elif template["ended_at"] is not None:
            row[s_end] = updated_s
        session_rows.append(tuple(row))
        if name in h_base:
            h = h_base[name].copy()
            closed = _stamp(dialect, updated + half_hour)
            values = (
                handoff_id,
                first_session_id + i,
                handoffs[name]["attributes"]
                .replace(template["phone"], phone)
                .replace(name, external_id),
                phone_hash,
                f"WT{i:032x}",
                updated_s,
                updated_s,
                closed,
                _stamp(dialect, updated + one_s),
                _stamp(dialect, updated + five_min),
                closed,
            )
            for k, value in zip(h_idx, values, strict=True):
                if k is not None:
                    h[k] = value
            handoff_rows.append(tuple(h))
            handoff_id += 1
        if len(session_rows) >= size:
            yield session_rows, handoff_rows
            session_rows, handoff_rows = [], []
    if session_rows:
        yield session_rows, handoff_rows


def _phone_mac(secret: str) -> hmac.HMAC:
    """An HMAC keyed as the app keys phone hashes, to be copied and fed one number each (a
    copy per row is much faster than hmac.new); checked against the app's own function."""
    from ussd.privacy.phones import keyed_hash

    mac = hmac.new(
        hashlib.sha256(b"ussd-phone-hash:" + secret.encode()).digest(), digestmod=hashlib.sha256
    )
    probe = mac.copy()
    probe.update(b"+221760000000")
    if probe.hexdigest()[:32] != keyed_hash("+221760000000", secret):
        raise SystemExit("prefill: the app keys phone hashes differently now; update _phone_mac")
    return mac


def _scalar(cur: Any, sql: str) -> int:
    cur.execute(sql)
    return int(cur.fetchone()[0])


def prefill(count: int) -> dict[str, Any]:
    from app import create_app
    from ussd.extensions import db
    from ussd.privacy.phones import phone_key

    app = create_app({"DISPATCHER_ENABLED": False})
    started = time.perf_counter()
    with app.app_context():
        _play_templates(app)
        db.session.remove()
        dialect = db.engine.dialect.name
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            names = ", ".join(f"'{n}'" for n in TEMPLATES)
            srows = _fetch(cur, f"SELECT * FROM ussd_sessions WHERE external_id IN ({names})")  # noqa: S608
            sessions = {r["external_id"]: r for r in srows}
            for name, (_, status) in TEMPLATES.items():
                if status:
                    sessions[name]["status"] = status
                    sessions[name]["end_reason"] = "incomplete"
            by_id = {r["id"]: r["external_id"] for r in srows}
            ids = ", ".join(str(i) for i in by_id)
            hrows = _fetch(cur, f"SELECT * FROM handoffs WHERE session_id IN ({ids})")  # noqa: S608
            handoffs = {by_id[h["session_id"]]: h for h in hrows}
            if set(handoffs) != {n for n, (_, s) in TEMPLATES.items() if s is None}:
                raise SystemExit(f"prefill: unexpected template hand-offs {sorted(handoffs)}")
            session_cols = list(srows[0])
            handoff_cols = list(hrows[0])
            cur.execute(f"DELETE FROM handoffs WHERE session_id IN ({ids})")  # noqa: S608
            cur.execute(f"DELETE FROM ussd_sessions WHERE id IN ({ids})")  # noqa: S608
            if dialect == "sqlite":  # random-order index inserts: keep the indexes in memory
                cur.execute("PRAGMA cache_size=-1048576")
            first_session = _scalar(cur, "SELECT COALESCE(MAX(id), 0) FROM ussd_sessions") + 1
            first_handoff = _scalar(cur, "SELECT COALESCE(MAX(id), 0) FROM handoffs") + 1
            for session_rows, handoff_rows in _chunks(
                count,
                first_session,
                first_handoff,
                sessions,
                handoffs,
                phone_key(app.config),
                dialect,
                session_cols,
                handoff_cols,
            ):
                _load(raw, cur, dialect, "ussd_sessions", session_cols, session_rows)
                _load(raw, cur, dialect, "handoffs", handoff_cols, handoff_rows)
            raw.commit()
            if dialect == "postgresql":
                for table in ("ussd_sessions", "handoffs"):
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT MAX(id) FROM {table}))"
                    )
                raw.commit()
            loaded = time.perf_counter() - started
            if dialect == "postgresql":
                # What autovacuum would have done long before a table reached this size.
                pg = raw.driver_connection
                assert pg is not None  # noqa: S101 - an open connection has its driver's
                pg.autocommit = True
                pg.execute("VACUUM ANALYZE ussd_sessions")
                pg.execute("VACUUM ANALYZE handoffs")
            else:
                cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                cur.execute("PRAGMA cache_size=-2000")
            total = _scalar(cur, "SELECT COUNT(*) FROM ussd_sessions")
            total_handoffs = _scalar(cur, "SELECT COUNT(*) FROM handoffs")
        finally:
            raw.close()
        db.engine.dispose()
    return {
        "sessions": total,
        "handoffs": total_handoffs,
        "load_seconds": round(loaded, 2),
        "total_seconds": round(time.perf_counter() - started, 2),
    }


def _load(
    raw: Any,
    cur: Any,
    dialect: str,
    table: str,
    cols: list[str],
    rows: list[tuple[Any, ...]],
) -> None:
    if dialect == "postgresql":
        with raw.driver_connection.cursor() as pgcur:
            with pgcur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    marks = ", ".join("?" for _ in cols)
    cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)  # noqa: S608


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, required=True)
    args = parser.parse_args(argv)
    result = prefill(args.count)
    print(
        f"prefill: {result['sessions']} sessions and {result['handoffs']} hand-offs stored "
        f"in {result['total_seconds']} s (bulk load {result['load_seconds']} s)"
    )


if __name__ == "__main__":
    main()
