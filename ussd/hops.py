"""Answer one gateway request: load the session, run the engine, store the result, reply.

A hop costs one read (the session row, together with any resumable earlier session of the
same caller on a first request) and one write (an insert or a conditional update; a
hand-off, when the menu finishes, is queued in the same transaction). A gateway that
repeats a request gets the same screen back and the session advances once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Row, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from . import engine
from .dispatch import notify_dispatcher
from .engine import CompiledMenu, Context, Result, Screen, State
from .extensions import db
from .gateways.base import Gateway, Turn
from .gsm import Budget
from .handoff import open_handoff_for, queue_handoff
from .menus import cache, normalize_code
from .models import UssdSession, utcnow
from .phones import normalize, phone_hash
from .strings import system_message

log = logging.getLogger("ussd.hops")
SESSIONS = UssdSession.__table__
OVER = ("dropped", "timed_out", "superseded")  # statuses of sessions that cannot go on
RESUMABLE = ("active", "dropped", "timed_out")


@dataclass
class Trace:
    """What is known about the hop so far: used to word an apology if it fails."""

    lang: str | None = None
    menu: CompiledMenu | None = None
    phone_hash: str = ""
    notes: dict[str, Any] = field(default_factory=dict)


def request_fingerprint(turn: Turn) -> str:
    key = turn.request_key if turn.request_key is not None else "in:" + turn.input
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:40]


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
    phone = normalize(turn.phone, config.get("DEFAULT_PHONE_REGION") or None)
    trace.phone_hash = phone_hash(phone, config["SECRET_KEY"])
    if turn.end:
        record_gateway_end(gateway.name, turn.session_id, turn.end)
        return Screen("", end=True)

    may_start = turn.new_session is not False
    window = int(config.get("RESUME_WINDOW_MINUTES", 10))
    row, earlier = _load(
        gateway.name,
        turn.session_id,
        trace.phone_hash if may_start and window > 0 and not simulation else None,
        now - timedelta(minutes=window),
    )
    fingerprint = request_fingerprint(turn)
    if row is not None and turn.new_session and turn.reused_id:
        if not _is_repeat(row, turn, fingerprint, now):
            # A new dial under a session key the gateway reuses (Nalo without SESSIONID):
            # the old session steps aside, and may be offered to continue.
            _retire(row)
            if window > 0 and not simulation and row.updated_at >= now - timedelta(minutes=window):
                earlier = row if _resumable(row) else earlier
            row = None
    hop = _Hop(turn, gateway, phone, trace, now, fingerprint, simulation, queue_task)
    if row is None:
        if turn.new_session is False:
            log.info(
                "continuation for an unknown session on %s (caller %s)",
                gateway.name,
                trace.phone_hash,
            )
            return Screen(system_message({}, "en", "ended"), end=True)
        return hop.start(earlier, version_id)
    return hop.go_on(row)


def _load(
    gateway: str, external_id: str, resume_hash: str | None, since: datetime
) -> tuple[Row[Any] | None, Row[Any] | None]:
    """The session row and, on a first request, the caller's resumable earlier session."""
    this = and_(SESSIONS.c.gateway == gateway, SESSIONS.c.external_id == external_id)
    if resume_hash is None:
        return db.session.execute(select(SESSIONS).where(this)).first(), None
    earlier_cond = and_(
        SESSIONS.c.phone_hash == resume_hash,
        SESSIONS.c.updated_at >= since,
        SESSIONS.c.status.in_(RESUMABLE),
        SESSIONS.c.is_simulation.is_(False),
    )
    rows = db.session.execute(
        select(SESSIONS)
        .where(or_(this, earlier_cond))
        .order_by(SESSIONS.c.updated_at.desc())
        .limit(4)
    ).all()
    row = next((r for r in rows if r.gateway == gateway and r.external_id == external_id), None)
    earlier = next((r for r in rows if r is not row and _resumable(r)), None)
    return row, earlier


def _resumable(row: Row[Any]) -> bool:
    """An unfinished session with at least one answer, which a redial may continue."""
    if row.last_end or row.status not in RESUMABLE:
        return False
    state = _effective_state(row)
    return state is not None and bool(state.answers) and not state.finished


def _effective_state(row: Row[Any]) -> State | None:
    try:
        state = State.from_json(row.state)
    except (ValueError, KeyError, TypeError):
        return None
    if state.node == engine.RESUME_NODE:  # dropped again while being offered to continue
        return state.resume
    return state


def _is_repeat(row: Row[Any], turn: Turn, fingerprint: str, now: datetime) -> bool:
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


def _retire(row: Row[Any]) -> None:
    db.session.execute(
        update(SESSIONS)
        .where(SESSIONS.c.id == row.id)
        .values(
            external_id=f"{row.external_id}~{row.id}"[:100],
            status="superseded" if not row.last_end else row.status,
        )
    )


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
        turn: Turn,
        gateway: Gateway,
        phone: str,
        trace: Trace,
        now: datetime,
        fingerprint: str,
        simulation: bool,
        queue_task: bool,
    ):
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

    def start(self, earlier: Row[Any] | None, version_id: int | None = None) -> Screen:
        code, initial_inputs = self.resolve_code()
        version_id = version_id or cache().live_version(code)
        if version_id is None:
            log.warning("no live menu for service code %r", code)
            return Screen(system_message({}, "en", "unavailable"), end=True)
        menu, _, _ = cache().compiled(version_id)
        self.trace.menu = menu
        ctx = self.context(code)
        earlier_state = _effective_state(earlier) if earlier is not None else None
        if earlier is not None and earlier_state is not None:
            version_id = earlier.menu_version_id
            menu, _, _ = cache().compiled(version_id)
            self.trace.menu = menu
            result = engine.offer_resume(menu, earlier_state, ctx)
            db.session.execute(
                update(SESSIONS)
                .where(SESSIONS.c.id == earlier.id)
                .values(status="superseded", ended_at=self.now)
            )
        else:
            result = engine.start(menu, ctx)
            for entry in initial_inputs:
                if result.state.finished:
                    break
                result = engine.step(menu, result.state, entry, ctx)
        self.trace.lang = result.state.lang
        trail = json.dumps([[result.state.node, 0]], separators=(",", ":"))
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
        try:
            inserted = db.session.execute(insert(SESSIONS).values(**values))
            session_id = inserted.inserted_primary_key[0]
            replaced = self.after(result, session_id, version_id, code)
            if replaced is not None:
                db.session.execute(
                    update(SESSIONS)
                    .where(SESSIONS.c.id == session_id)
                    .values(last_screen=replaced.text, last_end=replaced.end)
                )
            db.session.commit()
        except IntegrityError:
            # The same first request arrived twice at once: the other one created the session.
            db.session.rollback()
            row = db.session.execute(
                select(SESSIONS).where(
                    SESSIONS.c.gateway == self.gateway.name,
                    SESSIONS.c.external_id == self.turn.session_id,
                )
            ).first()
            if row is None:
                raise
            return Screen(row.last_screen, row.last_end)
        if self.queued:
            notify_dispatcher()
        return replaced or result.screen

    # -- later requests -----------------------------------------------------------------------

    def go_on(self, row: Row[Any]) -> Screen:
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
            db.session.execute(
                update(SESSIONS)
                .where(SESSIONS.c.id == row.id, SESSIONS.c.version == row.version)
                .values(status="timed_out", ended_at=self.now, version=row.version + 1)
            )
            db.session.commit()
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
                f"{json.dumps([result.state.node, elapsed], separators=(',', ':'))}]"
            )
        values = {
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
            "menu_version_id": version_id,
        }
        if result.screen.end:
            values["ended_at"] = self.now
        changed = db.session.execute(
            update(SESSIONS)
            .where(SESSIONS.c.id == row.id, SESSIONS.c.version == row.version)
            .values(**values)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            # A copy of this request won the race: answer what it answered.
            db.session.rollback()
            fresh = db.session.execute(select(SESSIONS).where(SESSIONS.c.id == row.id)).one()
            return Screen(fresh.last_screen, fresh.last_end)
        screen = result.screen
        replaced = self.after(result, row.id, version_id, row.service_code)
        if replaced is not None:  # a repeat request: store the screen actually sent
            screen = replaced
            db.session.execute(
                update(SESSIONS)
                .where(SESSIONS.c.id == row.id)
                .values(last_screen=screen.text, last_end=screen.end)
            )
        db.session.commit()
        if self.queued:
            notify_dispatcher()
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
            target = open_handoff_for(self.trace.phone_hash, self.now - timedelta(hours=hours))
        queue_handoff(
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


def _lang_of(row: Row[Any]) -> str:
    try:
        return str(json.loads(row.state).get("l", "en"))
    except ValueError:
        return "en"


def _display_code(code: str) -> str:
    normalized = normalize_code(code)
    return f"*{normalized}#" if normalized else ""
