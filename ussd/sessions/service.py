"""Answer one gateway request: load the session, run the engine, store the result, reply.

A hop costs one read (the session row, together with any resumable earlier session of the
same caller on a first request) and one write (an insert or a conditional update; a
hand-off, when the menu finishes, is queued in the same transaction). A gateway that
repeats a request gets the same screen back and the session advances once.
"""

from __future__ import annotations

import json
import logging
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, bindparam, func, insert, or_, select, update

from ussd.extensions import db
from ussd.gateways.base import Gateway, Turn
from ussd.handoff.dispatcher import notify_dispatcher
from ussd.handoff.outbox import open_handoff_for, queue_handoff
from ussd.menu import engine
from ussd.menu.engine import CompiledMenu, Context, Result, Screen, State, compact_json
from ussd.menu.gsm import Budget
from ussd.menu.texts import system_message
from ussd.models import Handoff, UssdSession, utcnow
from ussd.privacy.phones import keyed_hash, normalize, phone_hash, phone_key
from ussd.publishing import cache, normalize_code
from ussd.sessions.store import Prepared, Record, Transaction, transaction

log = logging.getLogger("ussd.sessions.service")
SESSIONS = UssdSession.__table__
HANDOFFS = Handoff.__table__
# No operator keeps a USSD session open this long (they drop them after 30-180 s): the
# sessions a redial may continue are looked for among those started this recently.
LONGEST_SESSION = timedelta(hours=1)
OVER = ("dropped", "timed_out", "superseded")  # statuses of sessions that cannot go on
RESUMABLE = ("active", "dropped", "timed_out")


@dataclass
class Trace:
    """What is known about the hop so far: used to word an apology if it fails."""

    lang: str | None = None
    menu: CompiledMenu | None = None
    phone_hash: str = ""
    notes: dict[str, Any] = field(default_factory=dict)


def request_fingerprint(turn: Turn, secret: str) -> str:
    """What identifies a request, to answer a gateway's retry alike: a keyed hash, as the
    input it covers is the caller's answer (with AT, every answer so far)."""
    key = turn.request_key if turn.request_key is not None else "in:" + turn.input
    return keyed_hash(key, secret)


def screen_budget(gateway: Gateway) -> Budget:
    caps = current_app.config.get("USSD_SCREEN_CAPS_PARSED", {})
    cap = caps.get(gateway.name)
    if cap:
        return Budget(gateway.budget.gsm7, gateway.budget.ucs2, min(cap, gateway.budget.cap or cap))
    return gateway.budget


def apology(trace: Trace) -> Screen:
    lang = trace.lang or "en"
    if trace.menu is not None:
        return Screen(trace.menu.message(lang, "apology"), end=True)
    return Screen(system_message({}, lang, "apology"), end=True)


def log_failure(where: str, exc: BaseException, trace: Trace) -> None:
    """Log an internal error without its message (which could quote a number or an answer)."""
    frames = traceback.extract_tb(exc.__traceback__)[-6:]
    where_ = " <- ".join(
        f"{f.name}@{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in reversed(frames)
    )
    log.error(
        "internal error in %s: %s at %s (caller %s)",
        where,
        type(exc).__name__,
        where_,
        trace.phone_hash or "unknown",
    )


def answer(
    turn: Turn,
    gateway: Gateway,
    trace: Trace | None = None,
    simulation: bool = False,
    queue_task: bool = True,
    version_id: int | None = None,
) -> Screen:
    """The screen to send back for `turn`. Raises only on internal errors.

    `version_id` runs a given version instead of the one live for the service code (the
    editor's simulator runs drafts this way); `simulation` keeps the session out of
    resume offers, de-duplication and analytics, and `queue_task` says whether it may
    still queue a Flex task.
    """
    trace = trace or Trace()
    config = current_app.config
    now = utcnow()
    if turn.end:
        record_gateway_end(gateway.name, turn.session_id, turn.end)
        return Screen("", end=True)

    window = int(config.get("RESUME_WINDOW_MINUTES", 10))
    fingerprint = request_fingerprint(turn, phone_key(config))
    with transaction() as tx:
        key = {"k_gateway": gateway.name, "k_external": turn.session_id}
        row = earlier = None
        probed = turn.new_session is not True  # a later hop, or the gateway does not say (AT)
        if probed:
            found = tx.rows(_prepared(tx, "LOAD_SESSION"), key)
            row = found[0] if found else None
        if row is not None:
            # the number as stored at the first hop: parsing and hashing it again was 5 %
            # of a hop (each worker's cache sees only some of a session's hops)
            phone, trace.phone_hash = row.phone, row.phone_hash
        else:
            phone = normalize(turn.phone, config.get("DEFAULT_PHONE_REGION") or None)
            trace.phone_hash = phone_hash(phone, phone_key(config))
            resume = window > 0 and not simulation
            # maybe a first request: look for the session (unless just probed) and, when
            # resume is on, for an earlier one of the caller
            if turn.new_session is not False and (resume or not probed):
                row, earlier = _load(
                    tx,
                    key,
                    trace.phone_hash if resume else None,
                    now - timedelta(minutes=window),
                )
        if row is not None and turn.new_session and turn.reused_id:
            if not _is_repeat(row, turn, fingerprint, now):
                # A new dial under a session key the gateway reuses (Nalo without SESSIONID):
                # the old session steps aside, and may be offered to continue.
                status = "superseded" if not row.last_end else row.status
                tx.execute(
                    _prepared(tx, "RETIRE"),
                    {
                        "k_id": row.id,
                        "status": status,
                        "external_id": f"{row.external_id}~{row.id}"[:100],
                    },
                )
                recent = row.updated_at >= now - timedelta(minutes=window)
                if window > 0 and not simulation and recent:
                    earlier = row if _resumable(row) else earlier
                row = None
        hop = _Hop(tx, turn, gateway, phone, trace, now, fingerprint, simulation, queue_task)
        if row is None:
            if turn.new_session is False:
                log.info(
                    "continuation for an unknown session on %s (caller %s)",
                    gateway.name,
                    trace.phone_hash,
                )
                return Screen(system_message({}, "en", "ended"), end=True)
            screen = hop.start(earlier, version_id)
        else:
            screen = hop.go_on(row)
    if hop.queued:
        notify_dispatcher()
    return screen


# The hop's statements: built once with SQLAlchemy Core, compiled once per database and
# run by the driver (ussd/session_store.py explains why: it is most of a hop's cost).
_KEY = and_(
    SESSIONS.c.gateway == bindparam("k_gateway"), SESSIONS.c.external_id == bindparam("k_external")
)
_BY_ID = SESSIONS.c.id == bindparam("k_id")
LOAD_SESSION = select(SESSIONS).where(_KEY)
LOAD_SESSION_OR_EARLIER = (
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
LOAD_BY_ID = select(SESSIONS).where(_BY_ID)
INSERT_SESSION = (
    insert(SESSIONS)
    .values({c.name: bindparam(c.name, type_=c.type) for c in SESSIONS.columns if c.name != "id"})
    .returning(SESSIONS.c.id)
)
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


def _set(*names: str) -> dict[str, Any]:
    return {name: bindparam(name, type_=SESSIONS.c[name].type) for name in names}


UPDATE_SESSION = (
    update(SESSIONS)
    .where(_BY_ID, SESSIONS.c.version == bindparam("k_version"))
    .values(_set(*HOP_COLUMNS))
)
TIME_OUT = (
    update(SESSIONS)
    .where(_BY_ID, SESSIONS.c.version == bindparam("k_version"))
    .values(_set("status", "ended_at", "version"))
)
SET_SCREEN = update(SESSIONS).where(_BY_ID).values(_set("last_screen", "last_end"))
SUPERSEDE = update(SESSIONS).where(_BY_ID).values(_set("status", "ended_at"))
RETIRE = update(SESSIONS).where(_BY_ID).values(_set("external_id", "status"))
LIMITED = (
    update(SESSIONS).where(_BY_ID).values(_set("status", "end_reason", "last_screen", "last_end"))
)
RECENT_SESSIONS = (
    select(func.count())
    .select_from(SESSIONS)
    .where(
        SESSIONS.c.phone_hash == bindparam("k_hash"),
        SESSIONS.c.started_at >= bindparam("k_since"),
        SESSIONS.c.is_simulation.is_(False),
    )
)
RECENT_TASKS = (
    select(func.count())
    .select_from(HANDOFFS)
    .where(
        HANDOFFS.c.phone_hash == bindparam("k_hash"),
        HANDOFFS.c.created_at >= bindparam("k_since"),
        HANDOFFS.c.kind == "create",
    )
)


def _count(tx: Transaction, name: str, phone_hash: str, since: datetime) -> int:
    prepared = tx.store.prepare(name, globals()[name])
    tx.cursor.execute(prepared.sql, prepared.params({"k_hash": phone_hash, "k_since": since}))
    return int(tx.cursor.fetchone()[0])


def _prepared(tx: Transaction, name: str) -> Prepared:
    return tx.store.prepare(name, globals()[name], SESSIONS if name.startswith("LOAD") else None)


def _load(
    tx: Transaction, key: dict[str, str], resume_hash: str | None, since: datetime
) -> tuple[Record | None, Record | None]:
    """The session row and, on a first request, the caller's resumable earlier session."""
    if resume_hash is None:
        found = tx.rows(_prepared(tx, "LOAD_SESSION"), key)
        return (found[0] if found else None), None
    rows = tx.rows(
        _prepared(tx, "LOAD_SESSION_OR_EARLIER"),
        {**key, "k_hash": resume_hash, "k_since": since, "k_started": since - LONGEST_SESSION},
    )
    gateway, external_id = key["k_gateway"], key["k_external"]
    row = next((r for r in rows if r.gateway == gateway and r.external_id == external_id), None)
    earlier = next((r for r in rows if r is not row and _resumable(r)), None)
    return row, earlier


def _resumable(row: Record) -> bool:
    """An unfinished session with at least one answer, which a redial may continue."""
    if row.last_end or row.status not in RESUMABLE:
        return False
    state = _effective_state(row)
    return state is not None and bool(state.answers) and not state.finished


def _effective_state(row: Record) -> State | None:
    try:
        state = State.from_json(row.state)
    except (ValueError, KeyError, TypeError):
        return None
    if state.node == engine.RESUME_NODE:  # dropped again while being offered to continue
        return state.resume
    return state


def _is_repeat(row: Record, turn: Turn, fingerprint: str, now: datetime) -> bool:
    """Is `turn` a copy of the request the session last answered?

    A request that carries its own identity (AT's cumulative text, Hubtel's Sequence, a
    JSON "seq") is a repeat exactly when that identity is the same; for gateways that send
    none (Nalo, Arkesel) the same input within DUPLICATE_WINDOW_SECONDS is taken as a retry.
    """
    if row.last_request != fingerprint:
        return False
    if turn.request_key is not None:
        return True
    window = float(current_app.config.get("DUPLICATE_WINDOW_SECONDS", 2.0))
    return (now - row.updated_at).total_seconds() <= window


def record_gateway_end(
    gateway: str, external_id: str, reason: str, duration_ms: int | None = None
) -> bool:
    """Store that the gateway ended a session (release, timeout, AT's end notification)."""
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


class _Hop:
    def __init__(
        self,
        tx: Transaction,
        turn: Turn,
        gateway: Gateway,
        phone: str,
        trace: Trace,
        now: datetime,
        fingerprint: str,
        simulation: bool,
        queue_task: bool,
    ):
        self.tx = tx
        self.turn = turn
        self.gateway = gateway
        self.phone = phone
        self.trace = trace
        self.now = now
        self.fingerprint = fingerprint
        self.simulation = simulation
        self.queue_task = queue_task
        self.config = current_app.config
        self.queued = False
        self.limited = False

    def context(self, service_code: str) -> Context:
        return Context(
            gateway=self.gateway.name,
            phone=self.phone,
            network=self.turn.network,
            service_code=service_code,
            budget=screen_budget(self.gateway),
            default_region=self.config.get("DEFAULT_PHONE_REGION") or None,
            today=date.today(),
        )

    # -- first request ------------------------------------------------------------------------

    def resolve_code(self) -> tuple[str, list[str]]:
        """The service code dialled and any inputs dialled after it (*123*456*1*2#)."""
        turn = self.turn
        if turn.cumulative and turn.input:
            return turn.service_code, turn.input.split("*")
        if turn.dialled:
            parts = normalize_code(turn.dialled).split("*")
            known = cache().known_codes()
            for k in range(len(parts), 0, -1):
                if "*".join(parts[:k]) in known:
                    return "*".join(parts[:k]), parts[k:]
            base = normalize_code(turn.service_code).split("*") if turn.service_code else []
            if base and parts[: len(base)] == base:
                return turn.service_code, parts[len(base) :]
            return turn.service_code or turn.dialled, []
        return turn.service_code, []

    def start(self, earlier: Record | None, version_id: int | None = None) -> Screen:
        code, initial_inputs = self.resolve_code()
        version_id = version_id or cache().live_version(code)
        if version_id is None:
            # the code may hold digits the caller typed after it (*123*456*1*2#): its
            # keyed hash only, like a caller's number
            log.warning(
                "no live menu for a dialled service code (keyed hash %s)",
                keyed_hash(code, phone_key(self.config)),
            )
            return Screen(system_message({}, "en", "unavailable"), end=True)
        menu, _, _ = cache().compiled(version_id)
        self.trace.menu = menu
        limit = int(self.config.get("MAX_SESSIONS_PER_PHONE_PER_HOUR", 0) or 0)
        if (
            limit
            and not self.simulation
            and _count(
                self.tx, "RECENT_SESSIONS", self.trace.phone_hash, self.now - timedelta(hours=1)
            )
            >= limit
        ):
            log.info("caller %s reached the session limit", self.trace.phone_hash)
            lang = (
                earlier.lang
                if earlier is not None and earlier.lang
                else menu.document.default_language
            )
            return Screen(menu.message(lang, "limit_reached"), end=True)
        ctx = self.context(code)
        earlier_state = _effective_state(earlier) if earlier is not None else None
        if earlier is not None and earlier_state is not None:
            version_id = earlier.menu_version_id
            menu, _, _ = cache().compiled(version_id)
            self.trace.menu = menu
            result = engine.offer_resume(menu, earlier_state, ctx)
            self.tx.execute(
                _prepared(self.tx, "SUPERSEDE"),
                {"k_id": earlier.id, "status": "superseded", "ended_at": self.now},
            )
        else:
            result = engine.start(menu, ctx)
            for entry in initial_inputs:
                if result.state.finished:
                    break
                result = engine.step(menu, result.state, entry, ctx)
        self.trace.lang = result.state.lang
        trail = compact_json([[result.state.node, 0]])
        values = {
            "gateway": self.gateway.name,
            "external_id": self.turn.session_id,
            "phone": self.phone,
            "phone_hash": self.trace.phone_hash,
            "service_code": code[:40],
            "network": self.turn.network[:40],
            "menu_version_id": version_id,
            "state": result.state.to_json(),
            "status": _status(result, "active"),
            "lang": result.state.lang[:12],
            "analysed": False,
            "version": 1,
            "last_request": self.fingerprint,
            "last_screen": result.screen.text,
            "last_end": result.screen.end,
            "seen_text": self.turn.input if self.turn.cumulative else "",
            "trail": trail,
            "current_node": result.state.node[:64],
            "hops": 1,
            "is_simulation": self.simulation,
            "end_reason": "",
            "started_at": self.now,
            "updated_at": self.now,
            "ended_at": self.now if result.screen.end else None,
        }
        tx = self.tx
        try:
            session_id = tx.insert(_prepared(tx, "INSERT_SESSION"), values)
            replaced = self.after(result, session_id, version_id, code)
            if replaced is not None and not self.limited:
                tx.execute(
                    _prepared(tx, "SET_SCREEN"),
                    {"k_id": session_id, "last_screen": replaced.text, "last_end": replaced.end},
                )
            tx.commit()
        except tx.store.integrity_error:
            # The same first request arrived twice at once: the other one created the session.
            tx.rollback()
            self.queued = False
            found = tx.rows(
                _prepared(tx, "LOAD_SESSION"),
                {"k_gateway": self.gateway.name, "k_external": self.turn.session_id},
            )
            if not found:
                raise
            return Screen(found[0].last_screen, found[0].last_end)
        return replaced or result.screen

    # -- later requests -----------------------------------------------------------------------

    def go_on(self, row: Record) -> Screen:
        repeat = _is_repeat(row, self.turn, self.fingerprint, self.now)
        if row.last_end or row.status in OVER:
            if repeat:
                return Screen(row.last_screen, row.last_end)
            menu, _, _ = cache().compiled(row.menu_version_id)
            lang = _lang_of(row)
            reason = "expired" if row.status == "timed_out" else "ended"
            return Screen(menu.message(lang, reason), end=True)
        if repeat:
            return Screen(row.last_screen, row.last_end)
        menu, _, _ = cache().compiled(row.menu_version_id)
        self.trace.menu = menu
        state = State.from_json(row.state)
        self.trace.lang = state.lang
        timeout = int(self.config.get("SESSION_TIMEOUT_SECONDS", 180))
        if (self.now - row.updated_at).total_seconds() > timeout:
            self.tx.execute(
                _prepared(self.tx, "TIME_OUT"),
                {
                    "k_id": row.id,
                    "k_version": row.version,
                    "status": "timed_out",
                    "ended_at": self.now,
                    "version": row.version + 1,
                },
            )
            self.tx.commit()
            return Screen(menu.message(state.lang, "expired"), end=True)

        entry = self.turn.input
        seen_text = row.seen_text
        if self.turn.cumulative:
            text = self.turn.input
            if not seen_text:
                entry = text
            elif text.startswith(seen_text + "*"):
                entry = text[len(seen_text) + 1 :]
            else:  # an older request replayed, or out of order: repeat where we are
                return Screen(row.last_screen, row.last_end)
            seen_text = text

        ctx = self.context(row.service_code)
        version_id = row.menu_version_id
        result = engine.step(menu, state, entry, ctx)
        if result.event == "restart":  # "start over" after a resume offer: the live menu
            version_id = cache().live_version(row.service_code) or version_id
            menu, _, _ = cache().compiled(version_id)
            result = engine.start(menu, ctx)
        self.trace.lang = result.state.lang
        trail = row.trail
        if result.state.node != row.current_node:
            elapsed = int((self.now - row.started_at).total_seconds() * 1000)
            trail = (
                f"{trail[:-1]}{',' if len(trail) > 2 else ''}"
                f"{compact_json([result.state.node, elapsed])}]"
            )
        values = {
            "k_id": row.id,
            "k_version": row.version,
            "state": result.state.to_json(),
            "status": _status(result, row.status),
            "lang": result.state.lang[:12],
            "version": row.version + 1,
            "last_request": self.fingerprint,
            "last_screen": result.screen.text,
            "last_end": result.screen.end,
            "seen_text": seen_text,
            "trail": trail,
            "current_node": result.state.node[:64],
            "hops": row.hops + 1,
            "updated_at": self.now,
            "ended_at": self.now if result.screen.end else row.ended_at,
            "menu_version_id": version_id,
        }
        tx = self.tx
        if tx.execute(_prepared(tx, "UPDATE_SESSION"), values) != 1:
            # A copy of this request won the race: answer what it answered.
            tx.rollback()
            fresh = tx.rows(_prepared(tx, "LOAD_BY_ID"), {"k_id": row.id})[0]
            return Screen(fresh.last_screen, fresh.last_end)
        screen = result.screen
        replaced = self.after(result, row.id, version_id, row.service_code)
        if replaced is not None and self.limited:
            screen = replaced
        elif replaced is not None:  # a repeat request: store the screen actually sent
            screen = replaced
            tx.execute(
                _prepared(tx, "SET_SCREEN"),
                {"k_id": row.id, "last_screen": screen.text, "last_end": screen.end},
            )
        tx.commit()
        return screen

    def after(
        self, result: Result, session_id: int, version_id: int, service_code: str
    ) -> Screen | None:
        """Queue the Flex hand-off when the menu reached one (same transaction).

        A caller whose earlier task is still open gets no second task: the request is
        queued as an update of that task, and the returned screen says it is already queued.
        """
        if result.event != "handoff" or (self.simulation and not self.queue_task):
            return None
        menu, number, name = cache().compiled(version_id)
        hours = float(self.config.get("CALLBACK_DEDUP_HOURS", 24))
        target = None
        if hours > 0 and not self.simulation:
            target = open_handoff_for(
                self.tx, self.trace.phone_hash, self.now - timedelta(hours=hours)
            )
        task_limit = int(self.config.get("MAX_TASKS_PER_PHONE_PER_DAY", 0) or 0)
        if (
            target is None
            and task_limit
            and not self.simulation
            and _count(
                self.tx, "RECENT_TASKS", self.trace.phone_hash, self.now - timedelta(hours=24)
            )
            >= task_limit
        ):
            log.info("caller %s reached the task limit", self.trace.phone_hash)
            screen = Screen(menu.message(result.state.lang, "limit_reached"), end=True)
            self.tx.execute(
                _prepared(self.tx, "LIMITED"),
                {
                    "k_id": session_id,
                    "status": "ended",
                    "end_reason": "task limit",
                    "last_screen": screen.text,
                    "last_end": screen.end,
                },
            )
            self.limited = True
            return screen
        queue_handoff(
            self.tx,
            session_id=session_id,
            external_id=self.turn.session_id,
            phone=self.phone,
            phone_hash=self.trace.phone_hash,
            service_code=_display_code(service_code),
            state=result.state,
            menu_name=name,
            menu_version=number,
            submitted_at=self.now,
            target_id=target,
            simulation=self.simulation,
        )
        self.queued = True
        if target is None:
            return None
        return Screen(menu.message(result.state.lang, "already_queued"), end=True)


def _status(result: Result, current: str) -> str:
    if result.event == "handoff":
        return "completed"
    if result.event in ("end", "failed"):
        return "ended"
    return current if current in ("completed", "ended") else "active"


def _lang_of(row: Record) -> str:
    try:
        return str(json.loads(row.state).get("l", "en"))
    except ValueError:
        return "en"


def _display_code(code: str) -> str:
    normalized = normalize_code(code)
    return f"*{normalized}#" if normalized else ""
