"""Every statement of the hot path, as named functions over one hop's transaction.

The statements are built once with SQLAlchemy Core on the tables of ussd/models.py and
compiled once per database (ussd/sessions/store.py says why they are run by the driver).
The service calls these functions by name; nothing else in a hop writes SQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, update

from ussd.connections.client import Endpoint
from ussd.extensions import db
from ussd.handoff import webhooks
from ussd.handoff.deliveries import Queued, insert_once_statement, message_row
from ussd.models import (
    Connection,
    Handoff,
    OutboxMessage,
    Reply,
    ReplyGuard,
    UssdSession,
    utcnow,
)
from ussd.sessions.store import Prepared, Record, Transaction

SESSIONS = UssdSession.__table__
HANDOFFS = Handoff.__table__
OUTBOX = OutboxMessage.__table__
# No operator keeps a USSD session open this long (they drop them after 30-180 s): the
# sessions a redial may continue are looked for among those started this recently.
LONGEST_SESSION = timedelta(hours=1)
RESUMABLE = ("active", "dropped", "timed_out")
OPEN_TASK_STATUSES = ("pending", "delivering", "delivered")
CLOSED_TASKS = ("completed", "canceled", "deleted")

_KEY = and_(
    SESSIONS.c.gateway == bindparam("k_gateway"), SESSIONS.c.external_id == bindparam("k_external")
)
_BY_ID = SESSIONS.c.id == bindparam("k_id")


def _set(*names: str) -> dict[str, Any]:
    return {name: bindparam(name, type_=SESSIONS.c[name].type) for name in names}


def _all_columns(table: Any) -> dict[str, Any]:
    return {c.name: bindparam(c.name, type_=c.type) for c in table.columns if c.name != "id"}


_LOAD_SESSION = select(SESSIONS).where(_KEY)
_LOAD_SESSION_OR_EARLIER = (
    select(SESSIONS)
    .where(
        or_(
            _KEY,
            and_(
                SESSIONS.c.phone_hash == bindparam("k_hash"),
                SESSIONS.c.started_at >= bindparam("k_started"),  # the index's range
                SESSIONS.c.updated_at >= bindparam("k_since"),
                # equalities, not IN: an IN list is re-rendered at every execution
                or_(*(SESSIONS.c.status == status for status in RESUMABLE)),
                SESSIONS.c.is_simulation.is_(False),
            ),
        )
    )
    .order_by(SESSIONS.c.updated_at.desc())
    .limit(4)
)
_LOAD_BY_ID = select(SESSIONS).where(_BY_ID)
_INSERT_SESSION = insert(SESSIONS).values(_all_columns(SESSIONS)).returning(SESSIONS.c.id)
HOP_COLUMNS = (
    "state",
    "status",
    "lang",
    "version",
    "last_request",
    "last_screen",
    "last_end",
    "seen_text",
    "trail",
    "current_node",
    "hops",
    "updated_at",
    "ended_at",
    "menu_version_id",
)
# Optimistic: a hop writes only over the version it read, so a gateway's copy of the same
# request racing it cannot advance the session twice.
_SAVE_HOP = (
    update(SESSIONS)
    .where(_BY_ID, SESSIONS.c.version == bindparam("k_version"))
    .values(_set(*HOP_COLUMNS))
)
_TIME_OUT = (
    update(SESSIONS)
    .where(_BY_ID, SESSIONS.c.version == bindparam("k_version"))
    .values(_set("status", "ended_at", "version"))
)
_SET_SCREEN = update(SESSIONS).where(_BY_ID).values(_set("last_screen", "last_end"))
_SUPERSEDE = update(SESSIONS).where(_BY_ID).values(_set("status", "ended_at"))
_RETIRE = update(SESSIONS).where(_BY_ID).values(_set("external_id", "status"))
_END_FOR_LIMIT = (
    update(SESSIONS).where(_BY_ID).values(_set("status", "end_reason", "last_screen", "last_end"))
)
_RECENT_SESSIONS = (
    select(func.count())
    .select_from(SESSIONS)
    .where(
        SESSIONS.c.phone_hash == bindparam("k_hash"),
        SESSIONS.c.started_at >= bindparam("k_since"),
        SESSIONS.c.is_simulation.is_(False),
    )
)
_RECENT_TASKS = (
    select(func.count())
    .select_from(HANDOFFS)
    .where(
        HANDOFFS.c.phone_hash == bindparam("k_hash"),
        HANDOFFS.c.created_at >= bindparam("k_since"),
        HANDOFFS.c.kind == "create",
    )
)
_OPEN_HANDOFF = (
    select(HANDOFFS.c.id)
    .where(
        HANDOFFS.c.phone_hash == bindparam("k_hash"),
        HANDOFFS.c.kind == "create",
        HANDOFFS.c.created_at >= bindparam("k_since"),
        or_(*(HANDOFFS.c.status == s for s in OPEN_TASK_STATUSES)),
        and_(*(HANDOFFS.c.task_status != s for s in CLOSED_TASKS)),
    )
    .order_by(HANDOFFS.c.id.desc())
    .limit(1)
)
_INSERT_HANDOFF = insert(HANDOFFS).values(_all_columns(HANDOFFS))
REPLIES = Reply.__table__
GUARDS = ReplyGuard.__table__
# A caller is offered at most this many replies on one dial: the newest.
REPLIES_OFFERED = 5
_WAITING_REPLIES = (
    select(REPLIES)
    .where(REPLIES.c.phone_hash == bindparam("k_hash"), REPLIES.c.status == "waiting")
    .order_by(REPLIES.c.id.desc())
    .limit(REPLIES_OFFERED)
)
# By number and a lower bound on the id, not an IN list: a prepared statement has a fixed
# number of parameters. The few rows above the bound are filtered by the caller.
_REPLIES_FROM = select(REPLIES).where(
    REPLIES.c.phone_hash == bindparam("k_hash"), REPLIES.c.id >= bindparam("k_from")
)
_MARK_READ = (
    update(REPLIES)
    .where(REPLIES.c.id == bindparam("k_id"), REPLIES.c.status == "waiting")
    .values(status="read", read_at=bindparam("read_at", type_=REPLIES.c.read_at.type))
)
_GUARD = select(GUARDS).where(GUARDS.c.phone_hash == bindparam("k_hash"))
_DROP_GUARD = GUARDS.delete().where(GUARDS.c.phone_hash == bindparam("k_hash"))
_INSERT_GUARD = insert(GUARDS).values(
    {c.name: bindparam(c.name, type_=c.type) for c in GUARDS.columns}
)
_GUARD_TRIES = (
    update(GUARDS)
    .where(GUARDS.c.phone_hash == bindparam("k_hash"))
    .values(
        wrong_tries=bindparam("wrong_tries", type_=GUARDS.c.wrong_tries.type),
        locked_until=bindparam("locked_until", type_=GUARDS.c.locked_until.type),
        updated_at=bindparam("updated_at", type_=GUARDS.c.updated_at.type),
    )
)


def _sessions(tx: Transaction, name: str, statement: Any) -> Prepared:
    """A statement whose rows are whole sessions (read back through the column types)."""
    return tx.store.prepare(name, statement, SESSIONS)


def _plain(tx: Transaction, name: str, statement: Any) -> Prepared:
    return tx.store.prepare(name, statement)


# -- reading sessions ---------------------------------------------------------------------------


def find_session(tx: Transaction, gateway: str, external_id: str) -> Record | None:
    found = tx.rows(
        _sessions(tx, "load_session", _LOAD_SESSION),
        {"k_gateway": gateway, "k_external": external_id},
    )
    return found[0] if found else None


def find_session_and_recent(
    tx: Transaction, gateway: str, external_id: str, phone_hash: str, since: datetime
) -> tuple[Record | None, list[Record]]:
    """In one read: the session under this key, and the caller's other sessions that are
    still open or dropped and were active after `since` (newest first)."""
    rows = tx.rows(
        _sessions(tx, "load_session_or_earlier", _LOAD_SESSION_OR_EARLIER),
        {
            "k_gateway": gateway,
            "k_external": external_id,
            "k_hash": phone_hash,
            "k_since": since,
            "k_started": since - LONGEST_SESSION,
        },
    )
    row = next((r for r in rows if r.gateway == gateway and r.external_id == external_id), None)
    return row, [r for r in rows if r is not row]


def find_session_by_id(tx: Transaction, session_id: int) -> Record:
    return tx.rows(_sessions(tx, "load_by_id", _LOAD_BY_ID), {"k_id": session_id})[0]


def count_recent_sessions(tx: Transaction, phone_hash: str, since: datetime) -> int:
    return tx.scalar(
        _plain(tx, "recent_sessions", _RECENT_SESSIONS), {"k_hash": phone_hash, "k_since": since}
    )


# -- writing sessions ---------------------------------------------------------------------------


def insert_session(tx: Transaction, values: dict[str, Any]) -> int:
    """Insert a new session and return its id; raises tx.store.integrity_error when the
    same first request created it meanwhile."""
    return tx.insert(_plain(tx, "insert_session", _INSERT_SESSION), values)


def save_hop(tx: Transaction, row: Record, values: dict[str, Any]) -> bool:
    """Write a hop's result over the version of `row` it read; False when another copy
    of the request got there first."""
    changed = tx.execute(
        _plain(tx, "save_hop", _SAVE_HOP),
        {**values, "k_id": row.id, "k_version": row.version, "version": row.version + 1},
    )
    return changed == 1


def time_out(tx: Transaction, row: Record, now: datetime) -> None:
    tx.execute(
        _plain(tx, "time_out", _TIME_OUT),
        {
            "k_id": row.id,
            "k_version": row.version,
            "status": "timed_out",
            "ended_at": now,
            "version": row.version + 1,
        },
    )


def store_screen(tx: Transaction, session_id: int, text: str, end: bool) -> None:
    """Replace the screen remembered for a repeated request (the one actually sent)."""
    tx.execute(
        _plain(tx, "set_screen", _SET_SCREEN),
        {"k_id": session_id, "last_screen": text, "last_end": end},
    )


def supersede(tx: Transaction, session_id: int, now: datetime) -> None:
    """An earlier session the caller was just offered to continue steps aside."""
    tx.execute(
        _plain(tx, "supersede", _SUPERSEDE),
        {"k_id": session_id, "status": "superseded", "ended_at": now},
    )


def retire(tx: Transaction, row: Record, status: str) -> None:
    """Free a session key the gateway reuses for a new dial (the row keeps its data)."""
    tx.execute(
        _plain(tx, "retire", _RETIRE),
        {"k_id": row.id, "status": status, "external_id": f"{row.external_id}~{row.id}"[:100]},
    )


def end_for_limit(tx: Transaction, session_id: int, text: str) -> None:
    tx.execute(
        _plain(tx, "end_for_limit", _END_FOR_LIMIT),
        {
            "k_id": session_id,
            "status": "ended",
            "end_reason": "task limit",
            "last_screen": text,
            "last_end": True,
        },
    )


# -- the outbox ---------------------------------------------------------------------------------


def open_handoff_for(tx: Transaction, phone_hash: str, since: datetime) -> int | None:
    """The caller's latest hand-off made after `since` whose task is still open, if any."""
    found = tx.scalar_or_none(
        _plain(tx, "open_handoff", _OPEN_HANDOFF), {"k_hash": phone_hash, "k_since": since}
    )
    return int(found) if found is not None else None


def count_recent_tasks(tx: Transaction, phone_hash: str, since: datetime) -> int:
    return tx.scalar(
        _plain(tx, "recent_tasks", _RECENT_TASKS), {"k_hash": phone_hash, "k_since": since}
    )


def insert_handoff(tx: Transaction, values: dict[str, Any]) -> None:
    tx.execute(_plain(tx, "insert_handoff", _INSERT_HANDOFF), values)


def queue_message(tx: Transaction, message: Queued, now: datetime) -> bool:
    """Queue a general outbox message (an asynchronous gateway's screen) in the hop's
    transaction; False when its dedupe key was already queued (a repeated request)."""
    statement = _queue_statement(tx.store.engine.dialect.name)
    return tx.execute(_plain(tx, "queue_message", statement), message_row(message, now)) == 1


@lru_cache(maxsize=4)
def _queue_statement(dialect: str) -> Any:
    return insert_once_statement(dialect).values(_all_columns(OutboxMessage.__table__))


_MESSAGE_QUEUED = select(OUTBOX.c.id).where(OUTBOX.c.dedupe_key == bindparam("k_key")).limit(1)


def message_queued(tx: Transaction, dedupe_key: str) -> bool:
    """Is a message with this dedupe key queued (or sent) already?"""
    found = tx.scalar_or_none(_plain(tx, "message_queued", _MESSAGE_QUEUED), {"k_key": dedupe_key})
    return found is not None


def queue_webhook_event(
    tx: Transaction,
    event_type: str,
    data: dict[str, Any],
    event_id: str,
    now: datetime,
    phone: str = "",
) -> int:
    """Queue a webhook event (ussd/handoff/webhooks.py) for every endpoint that wants it, in
    the hop's transaction: `event_id` names the event, the same however often it is queued
    (each endpoint gets it once); `phone` reaches only the endpoints that opted in to the
    caller's number. Returns how many messages were new."""
    messages = webhooks.event_messages(event_type, data, event_id, now, phone)
    return sum(queue_message(tx, message, now) for message in messages)


# -- replies waiting for the caller ---------------------------------------------------------------


def waiting_replies(tx: Transaction, phone_hash: str) -> list[Record]:
    """The caller's unread replies, newest first."""
    prepared = tx.store.prepare("waiting_replies", _WAITING_REPLIES, REPLIES)
    return tx.rows(prepared, {"k_hash": phone_hash})


def replies_from(tx: Transaction, phone_hash: str, first_id: int) -> list[Record]:
    """The caller's replies from `first_id` on (the caller keeps those it asked for)."""
    return tx.rows(
        tx.store.prepare("replies_from", _REPLIES_FROM, REPLIES),
        {"k_hash": phone_hash, "k_from": first_id},
    )


def mark_reply_read(tx: Transaction, reply_id: int, now: datetime) -> bool:
    """True when this hop is the one that read it (a retry finds it read already)."""
    prepared = _plain(tx, "mark_reply_read", _MARK_READ)
    return tx.execute(prepared, {"k_id": reply_id, "read_at": now}) == 1


def reply_guard(tx: Transaction, phone_hash: str) -> Record | None:
    found = tx.rows(tx.store.prepare("reply_guard", _GUARD, GUARDS), {"k_hash": phone_hash})
    return found[0] if found else None


def set_reply_pin(tx: Transaction, phone_hash: str, pin_hash: str, now: datetime) -> None:
    """The caller's PIN for replies from now on (a new request may change it)."""
    tx.execute(_plain(tx, "drop_reply_guard", _DROP_GUARD), {"k_hash": phone_hash})
    tx.execute(
        _plain(tx, "insert_reply_guard", _INSERT_GUARD),
        {
            "phone_hash": phone_hash,
            "pin_hash": pin_hash,
            "wrong_tries": 0,
            "locked_until": None,
            "updated_at": now,
        },
    )


def record_pin_tries(
    tx: Transaction,
    phone_hash: str,
    wrong_tries: int,
    locked_until: datetime | None,
    now: datetime,
) -> None:
    tx.execute(
        _plain(tx, "reply_guard_tries", _GUARD_TRIES),
        {
            "k_hash": phone_hash,
            "wrong_tries": wrong_tries,
            "locked_until": locked_until,
            "updated_at": now,
        },
    )


# -- an http node's connection ----------------------------------------------------------------

CONNECTIONS = Connection.__table__
_CONNECTION_BY_NAME = select(CONNECTIONS).where(CONNECTIONS.c.name == bindparam("k_name"))


def find_endpoint(tx: Transaction, name: str) -> Endpoint | None:
    """The connection `name`, read in the hop's transaction (only by a hop that reaches an
    http node)."""
    prepared = tx.store.prepare("find_connection", _CONNECTION_BY_NAME, CONNECTIONS)
    rows = tx.rows(prepared, {"k_name": name})
    if not rows:
        return None
    row = rows[0]
    return Endpoint(
        name=row.name,
        base_url=row.base_url,
        method=row.method,
        secret_header=row.secret_header,
        secret_value=row.secret_value,
        timeout_seconds=float(row.timeout_seconds),
        allow_private=bool(row.allow_private),
    )


# -- outside a hop ------------------------------------------------------------------------------


def record_gateway_end(
    gateway: str, external_id: str, reason: str, duration_ms: int | None = None
) -> bool:
    """Store that the gateway ended a session (release, timeout, AT's end notification);
    an active session it ended before its last screen counts as dropped."""
    values: dict[str, Any] = {"end_reason": reason[:40]}
    if duration_ms is not None:
        values["gateway_duration_ms"] = duration_ms
    where = and_(SESSIONS.c.gateway == gateway, SESSIONS.c.external_id == external_id)
    result = db.session.execute(update(SESSIONS).where(where).values(**values))
    if reason != "success":
        db.session.execute(
            update(SESSIONS)
            .where(where, SESSIONS.c.status == "active", SESSIONS.c.last_end.is_(False))
            .values(status="dropped", ended_at=utcnow())
        )
    db.session.commit()
    return bool(getattr(result, "rowcount", 0))
