"""What one hop does: find the caller's session, start, resume or continue it, end it.

A hop costs one read (the session row, together with any resumable earlier session of the
same caller on a first request) and one write (an insert or a conditional update; a
hand-off, when the menu finishes, is queued in the same transaction). A gateway that
repeats a request gets the same screen back and the session advances once. Every
statement is a named function of ussd/sessions/repository.py.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from flask import current_app

from ussd import metrics
from ussd.extensions import db
from ussd.gateways import screen_budget
from ussd.gateways.base import Gateway, Turn
from ussd.handoff import webhooks
from ussd.handoff.dispatcher import notify_dispatcher
from ussd.handoff.gateway_screens import screen_key, screen_message
from ussd.handoff.outbox import handoff_row
from ussd.menu import engine, inbox
from ussd.menu.engine import CompiledMenu, Context, Result, Screen, State, compact_json
from ussd.menu.texts import system_message
from ussd.models import utcnow
from ussd.privacy.phones import keyed_hash, normalize, phone_hash, phone_key
from ussd.publishing import cache, normalize_code
from ussd.sessions import replies
from ussd.sessions import repository as repo
from ussd.sessions.http_action import Requests, settle
from ussd.sessions.repository import RESUMABLE, record_gateway_end
from ussd.sessions.store import Record, Transaction, retrying, transaction

__all__ = [
    "Trace",
    "answer",
    "answer_or_apologise",
    "record_gateway_end",
    "screen_budget",
    "session_is_active",
]

log = logging.getLogger("ussd.sessions.service")
OVER = ("dropped", "timed_out", "superseded")  # statuses of sessions that cannot go on


@dataclass
class Trace:
    """What is known about the hop so far: used to word an apology if it fails."""

    lang: str | None = None
    menu: CompiledMenu | None = None
    phone_hash: str = ""
    # the input was typed at a PIN screen: whoever shows inputs (the simulator) masks it
    secret_input: bool = False
    failed: bool = False  # the caller was given the apology screen
    # the requests of http nodes made so far, reused if the hop is tried again
    requests: Requests = field(default_factory=Requests)


@dataclass(frozen=True)
class Hop:
    """The facts of one request, fixed before anything is decided."""

    turn: Turn
    gateway: Gateway
    phone: str
    phone_hash: str
    now: datetime
    fingerprint: str
    simulation: bool
    queue_task: bool
    config: Any = field(repr=False)

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


class Reply(NamedTuple):
    screen: Screen
    queued: bool = False  # a hand-off was queued: wake the dispatcher after the commit
    sent: bool = False  # an asynchronous gateway's screen was queued with the hop's write
    messages: bool = False  # other deliveries were queued (webhook events)


class Ending(NamedTuple):
    """What reaching the end of a menu changed: the screen to show instead of the engine's
    (None: the engine's), whether a hand-off was queued, and whether that screen is stored."""

    screen: Screen | None = None
    queued: bool = False
    stored: bool = False
    messages: bool = False  # webhook events were queued with the hand-off


# -- the hop ------------------------------------------------------------------------------------


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
    if turn.end:
        record_gateway_end(gateway.name, turn.session_id, turn.end)
        return Screen("", end=True)
    now = utcnow()
    # A database that cannot be reached (a restart, a failover) shows as a slower screen,
    # not a lost call: the hop is tried again until its budget runs out. A hop that failed
    # committed nothing, or committed and is then answered as the repeat it has become.
    wait = float(config.get("HOP_DATABASE_WAIT_SECONDS", 6))
    reply = retrying(
        lambda: _hop(turn, gateway, trace, config, now, simulation, queue_task, version_id),
        wait,
    )
    if reply.queued or reply.sent or reply.messages:
        notify_dispatcher(messages=reply.sent or reply.messages)
    return reply.screen


def _hop(
    turn: Turn,
    gateway: Gateway,
    trace: Trace,
    config: Mapping[str, Any],
    now: datetime,
    simulation: bool,
    queue_task: bool,
    version_id: int | None,
) -> Reply:
    """One try at the hop, in one transaction."""
    window = timedelta(minutes=int(config.get("RESUME_WINDOW_MINUTES", 10)))
    resume = window > timedelta(0) and not simulation
    secret = phone_key(config)
    with transaction() as tx:
        row, earlier, phone = _find(
            tx, turn, gateway, trace, config, now - window if resume else None
        )
        hop = Hop(
            turn=turn,
            gateway=gateway,
            phone=phone,
            phone_hash=trace.phone_hash,
            now=now,
            fingerprint=request_fingerprint(turn, secret),
            simulation=simulation,
            queue_task=queue_task,
            config=config,
        )
        if row is not None and turn.new_session and turn.reused_id and not _is_repeat(row, hop):
            # A new dial under a session key the gateway reuses (Nalo without SESSIONID):
            # the old session steps aside, and may be offered to continue.
            repo.retire(tx, row, "superseded" if not row.last_end else row.status)
            if resume and row.updated_at >= now - window and _resumable(row):
                earlier = row
            row = None
        if row is not None:
            reply = continue_session(tx, hop, row, trace)
        elif turn.new_session is False:
            log.info(
                "continuation for an unknown session on %s (caller %s)",
                gateway.name,
                trace.phone_hash,
            )
            reply = Reply(Screen(system_message({}, "en", "ended"), end=True))
        else:
            reply = start_session(tx, hop, earlier, trace, version_id)
        if _sends_screens(hop) and not reply.sent:
            # a screen decided without a write (a repeat, an ended session, no menu): a
            # repeat's screen is already queued under the same key, and stays queued once
            reply = reply._replace(sent=_queue_screen(tx, hop, reply.screen))
            tx.commit()
    return reply


def session_is_active(gateway_name: str, external_id: str) -> bool:
    """Is the gateway's session still going on (for a gateway that asks, as Infobip does)?"""
    with transaction() as tx:
        row = repo.find_session(tx, gateway_name, external_id)
    return row is not None and row.status == "active"


def answer_or_apologise(
    where: str, turn: Turn, gateway: Gateway, trace: Trace | None = None, **options: Any
) -> Screen:
    """`answer`, but an internal error gives the caller an apology in their language (the
    error is logged without its message) instead of reaching them as an HTTP error."""
    trace = trace if trace is not None else Trace()
    try:
        screen = answer(turn, gateway, trace, **options)
    except Exception as exc:  # noqa: BLE001 - the caller must get a screen, not a 500
        db.session.rollback()
        log_failure(where, exc, trace)
        metrics.internal_error("hop")
        trace.failed = True
        screen = apology(trace)
        if gateway.asynchronous and not options.get("simulation"):
            send_apology(where, turn, gateway, screen, trace)
    return fitted(screen, gateway)


def fitted(screen: Screen, gateway: Gateway) -> Screen:
    """A closing screen has no second page: shortened to this network's budget."""
    if screen.end:
        return Screen(engine.fit_final(screen.text, screen_budget(gateway)), end=True)
    return screen


def send_apology(where: str, turn: Turn, gateway: Gateway, screen: Screen, trace: Trace) -> None:
    """An asynchronous gateway's caller hears nothing unless a screen is sent: queue the
    apology on its own (nothing if the hop's screen was queued before the error)."""
    try:
        with transaction() as tx:
            message = screen_message(
                gateway, turn, fitted(screen, gateway), utcnow(), current_app.config
            )
            sent = repo.queue_message(tx, message, utcnow())
            tx.commit()
    except Exception as exc:  # noqa: BLE001 - the database itself may be what failed
        log_failure(where, exc, trace)
        return
    if sent:
        notify_dispatcher(messages=True)


def _find(
    tx: Transaction,
    turn: Turn,
    gateway: Gateway,
    trace: Trace,
    config: Mapping[str, Any],
    resume_since: datetime | None,
) -> tuple[Record | None, Record | None, str]:
    """The session this request belongs to; on a first request with resume on, the
    caller's earlier unfinished session it may offer to continue; and the caller's number
    in E.164 (its keyed hash goes to the trace)."""
    row = None
    probed = turn.new_session is not True  # a later hop, or the gateway does not say (AT)
    if probed:
        row = repo.find_session(tx, gateway.name, turn.session_id)
    if row is not None:
        # the number as stored at the first hop (each worker would parse and hash it anew)
        trace.phone_hash = row.phone_hash
        return row, None, row.phone
    phone = normalize(turn.phone, config.get("DEFAULT_PHONE_REGION") or None)
    trace.phone_hash = phone_hash(phone, phone_key(config))
    earlier = None
    if turn.new_session is False:
        pass  # a continuation of a session we do not know
    elif resume_since is not None:
        row, others = repo.find_session_and_recent(
            tx, gateway.name, turn.session_id, trace.phone_hash, resume_since
        )
        earlier = next((r for r in others if _resumable(r)), None)
    elif not probed:
        row = repo.find_session(tx, gateway.name, turn.session_id)
    return row, earlier, phone


# -- a first request ----------------------------------------------------------------------------


def start_session(
    tx: Transaction, hop: Hop, earlier: Record | None, trace: Trace, version_id: int | None
) -> Reply:
    """Start the menu dialled (or offer to continue `earlier`), and store the new session."""
    code, initial_inputs = resolve_code(hop.turn)
    version_id = version_id or cache().live_version(code)
    if version_id is None:
        # the code may hold digits the caller typed after it (*123*456*1*2#): its
        # keyed hash only, like a caller's number
        log.warning(
            "no live menu for a dialled service code (keyed hash %s)",
            keyed_hash(code, phone_key(hop.config)),
        )
        return Reply(Screen(system_message({}, "en", "unavailable"), end=True))
    menu, _, _ = cache().compiled(version_id)
    trace.menu = menu
    if _over_session_limit(tx, hop):
        log.info("caller %s reached the session limit", hop.phone_hash)
        lang = earlier.lang if earlier is not None and earlier.lang else None
        return Reply(
            Screen(menu.message(lang or menu.document.default_language, "limit_reached"), True)
        )
    ctx = hop.context(code)
    earlier_state = _effective_state(earlier) if earlier is not None else None
    # Replies waiting come first; a resume offer of the same menu follows them.
    resumable = earlier_state if earlier and earlier.menu_version_id == version_id else None
    offered = replies.offer_waiting(tx, hop, menu, ctx, resumable)
    if offered is not None:
        result = offered
        if earlier is not None and resumable is not None:
            repo.supersede(tx, earlier.id, hop.now)
    elif earlier is not None and earlier_state is not None:
        version_id = earlier.menu_version_id
        menu, _, _ = cache().compiled(version_id)
        trace.menu = menu
        result = engine.offer_resume(menu, earlier_state, ctx)
        repo.supersede(tx, earlier.id, hop.now)
    else:
        result = settle(tx, menu, engine.start(menu, ctx), ctx, trace.requests)
        for entry in initial_inputs:
            if result.state.finished:
                break
            result = engine.step(menu, result.state, entry, ctx)
            result = settle(tx, menu, result, ctx, trace.requests)
    result = replies.seal_pin(result, hop.phone_hash, hop.config)
    trace.lang = result.state.lang
    values = {
        "gateway": hop.gateway.name,
        "external_id": hop.turn.session_id,
        "phone": hop.phone,
        "phone_hash": hop.phone_hash,
        "service_code": code[:40],
        "network": hop.turn.network[:40],
        "menu_version_id": version_id,
        "state": result.state.to_json(),
        "status": _status(result, "active"),
        "lang": result.state.lang[:12],
        "analysed": False,
        "version": 1,
        "last_request": hop.fingerprint,
        "last_screen": result.screen.text,
        "last_end": result.screen.end,
        "seen_text": hop.turn.input if hop.turn.cumulative else "",
        "trail": compact_json([[result.state.node, 0]]),
        "current_node": result.state.node[:64],
        "hops": 1,
        "is_simulation": hop.simulation,
        "end_reason": "",
        "started_at": hop.now,
        "updated_at": hop.now,
        "ended_at": hop.now if result.screen.end else None,
    }
    try:
        session_id = repo.insert_session(tx, values)
        ending = finish_menu(tx, hop, result, session_id, version_id, code)
        if ending.screen is not None and not ending.stored:
            repo.store_screen(tx, session_id, ending.screen.text, ending.screen.end)
        sent = _queue_screen(tx, hop, ending.screen or result.screen)
        tx.commit()
        if not hop.simulation:
            metrics.session_started(hop.gateway.name)
    except tx.store.integrity_error:
        # The same first request arrived twice at once: the other one created the session.
        tx.rollback()
        found = repo.find_session(tx, hop.gateway.name, hop.turn.session_id)
        if found is None:
            raise
        return Reply(Screen(found.last_screen, found.last_end))
    return Reply(ending.screen or result.screen, ending.queued, sent, ending.messages)


def resolve_code(turn: Turn) -> tuple[str, list[str]]:
    """The service code dialled and any inputs dialled after it (*123*456*1*2#): the
    longest known code the dialled string starts with, else the gateway's code with every
    digit after it an answer."""
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
    if turn.cumulative and turn.input:
        return turn.service_code, turn.input.split("*")
    return turn.service_code, []


# -- a later request ----------------------------------------------------------------------------


def continue_session(tx: Transaction, hop: Hop, row: Record, trace: Trace) -> Reply:
    """Take the caller's answer to the screen they were shown, and store where it led."""
    if _is_repeat(row, hop):  # a gateway's retry: the same screen, the session unmoved
        return Reply(Screen(row.last_screen, row.last_end))
    if _sends_screens(hop) and repo.message_queued(tx, screen_key(hop.gateway, hop.turn)):
        # an older request replayed after a newer one (bdapps numbers every request):
        # answered already, so it moves nothing; its screen stays queued once
        return Reply(Screen(row.last_screen, row.last_end))
    if row.last_end or row.status in OVER:
        menu, _, _ = cache().compiled(row.menu_version_id)
        reason = "expired" if row.status == "timed_out" else "ended"
        return Reply(Screen(menu.message(_lang_of(row), reason), end=True))
    menu, _, _ = cache().compiled(row.menu_version_id)
    trace.menu = menu
    state = State.from_json(row.state)
    trace.lang = state.lang
    timeout = int(hop.config.get("SESSION_TIMEOUT_SECONDS", 180))
    if (hop.now - row.updated_at).total_seconds() > timeout:
        repo.time_out(tx, row, hop.now)
        expired = Screen(menu.message(state.lang, "expired"), end=True)
        sent = _queue_screen(tx, hop, expired)
        tx.commit()
        return Reply(expired, sent=sent)

    entry: str | None = hop.turn.input
    seen_text = row.seen_text
    if hop.turn.cumulative:
        entry = new_input(hop.turn.input, seen_text)
        seen_text = hop.turn.input
    if entry is None:  # an older request replayed, or out of order: repeat where we are
        return Reply(Screen(row.last_screen, row.last_end))

    ctx = hop.context(row.service_code)
    version_id = row.menu_version_id
    replied = False  # a reply was read: its Flex task is told through the outbox
    trace.secret_input = replies.asks_pin(menu, state)
    if state.node == inbox.INBOX_NODE:
        stepped, replied = replies.step_inbox(tx, hop, menu, state, entry, ctx)
    else:
        stepped = engine.step(menu, state, entry, ctx)
    result = settle(tx, menu, stepped, ctx, trace.requests)
    result = replies.seal_pin(result, hop.phone_hash, hop.config)
    if result.event == "restart":  # "start over" after a resume offer: the live menu
        version_id = cache().live_version(row.service_code) or version_id
        menu, _, _ = cache().compiled(version_id)
        result = settle(tx, menu, engine.start(menu, ctx), ctx, trace.requests)
    trace.lang = result.state.lang
    saved = repo.save_hop(
        tx,
        row,
        {
            "state": result.state.to_json(),
            "status": _status(result, row.status),
            "lang": result.state.lang[:12],
            "last_request": hop.fingerprint,
            "last_screen": result.screen.text,
            "last_end": result.screen.end,
            "seen_text": seen_text,
            "trail": _extend_trail(row, result.state.node, hop.now),
            "current_node": result.state.node[:64],
            "hops": row.hops + 1,
            "updated_at": hop.now,
            "ended_at": hop.now if result.screen.end else row.ended_at,
            "menu_version_id": version_id,
        },
    )
    if not saved:  # a copy of this request won the race: answer what it answered
        tx.rollback()
        fresh = repo.find_session_by_id(tx, row.id)
        return Reply(Screen(fresh.last_screen, fresh.last_end))
    ending = finish_menu(tx, hop, result, row.id, version_id, row.service_code)
    if ending.screen is not None and not ending.stored:
        repo.store_screen(tx, row.id, ending.screen.text, ending.screen.end)
    sent = _queue_screen(tx, hop, ending.screen or result.screen)
    tx.commit()
    return Reply(
        ending.screen or result.screen, ending.queued or replied, sent, ending.messages
    )


def new_input(text: str, seen_text: str) -> str | None:
    """The newest answer in a cumulative `text` (AT: every input so far joined by "*"):
    the suffix after what was already seen, since an answer may itself contain "*".
    None when `text` does not extend what was seen (an old request replayed)."""
    if not seen_text:
        return text
    if text.startswith(seen_text + "*"):
        return text[len(seen_text) + 1 :]
    return None


def _extend_trail(row: Record, node: str, now: datetime) -> str:
    """The session's path through the menu for the drop-off analytics: [[node, ms], ...]."""
    if node == row.current_node:
        return str(row.trail)
    elapsed = int((now - row.started_at).total_seconds() * 1000)
    trail = str(row.trail)
    return f"{trail[:-1]}{',' if len(trail) > 2 else ''}{compact_json([node, elapsed])}]"


# -- the end of a menu --------------------------------------------------------------------------


def finish_menu(
    tx: Transaction, hop: Hop, result: Result, session_id: int, version_id: int, code: str
) -> Ending:
    """Queue the Flex hand-off when the menu reached one (same transaction).

    A caller whose earlier task is still open gets no second task: the request is queued
    as an update of that task, and the caller is told it is already queued. A caller over
    the daily task limit gets no task and is told so.
    """
    if result.event != "handoff" or (hop.simulation and not hop.queue_task):
        return Ending()
    menu, number, name = cache().compiled(version_id)
    hours = float(hop.config.get("CALLBACK_DEDUP_HOURS", 24))
    target = None
    if hours > 0 and not hop.simulation:
        target = repo.open_handoff_for(tx, hop.phone_hash, hop.now - timedelta(hours=hours))
    if target is None and _over_task_limit(tx, hop):
        log.info("caller %s reached the task limit", hop.phone_hash)
        screen = Screen(menu.message(result.state.lang, "limit_reached"), end=True)
        repo.end_for_limit(tx, session_id, screen.text)
        return Ending(screen, queued=False, stored=True)
    handoff = handoff_row(
        session_id=session_id,
        external_id=hop.turn.session_id,
        phone=hop.phone,
        phone_hash=hop.phone_hash,
        service_code=_display_code(code),
        state=replies.keep_pin(tx, hop, result.state),
        menu_name=name,
        menu_version=number,
        submitted_at=hop.now,
        target_id=target,
        simulation=hop.simulation,
        callback_windows=menu.document.callback_windows,
        insights=menu.document.insights,
    )
    repo.insert_handoff(tx, handoff)
    messages = False
    if not hop.simulation:  # a coordinator's test walk is not a submission to pass on
        messages = _queue_submission_webhooks(tx, hop, session_id, handoff) > 0
    if target is None:
        return Ending(queued=True, messages=messages)
    screen = Screen(menu.message(result.state.lang, "already_queued"), end=True)
    return Ending(screen, True, messages=messages)


def _queue_submission_webhooks(
    tx: Transaction, hop: Hop, session_id: int, handoff: Mapping[str, Any]
) -> int:
    """`submission.created` for every webhook endpoint that wants it, with the hand-off;
    how many were queued."""
    attributes = json.loads(handoff["attributes"])
    return repo.queue_webhook_event(
        tx,
        "submission.created",
        webhooks.submission_data(attributes),
        webhooks.submission_event_id(session_id),
        hop.now,
        phone=hop.phone,
    )


# -- limits -------------------------------------------------------------------------------------


def _over_session_limit(tx: Transaction, hop: Hop) -> bool:
    return _over_limit(hop, "MAX_SESSIONS_PER_PHONE_PER_HOUR", 1, repo.count_recent_sessions, tx)


def _over_task_limit(tx: Transaction, hop: Hop) -> bool:
    return _over_limit(hop, "MAX_TASKS_PER_PHONE_PER_DAY", 24, repo.count_recent_tasks, tx)


def _over_limit(
    hop: Hop,
    setting: str,
    hours: int,
    count: Callable[[Transaction, str, datetime], int],
    tx: Transaction,
) -> bool:
    """Has this caller reached the limit `setting` (0: none) over the last `hours`?
    Simulated sessions have no limits."""
    limit = int(hop.config.get(setting, 0) or 0)
    if not limit or hop.simulation:
        return False
    return count(tx, hop.phone_hash, hop.now - timedelta(hours=hours)) >= limit


# -- helpers ------------------------------------------------------------------------------------


def request_fingerprint(turn: Turn, secret: str) -> str:
    """What identifies a request, to answer a gateway's retry alike: a keyed hash, as the
    input it covers is the caller's answer (with AT, every answer so far)."""
    key = turn.request_key if turn.request_key is not None else "in:" + turn.input
    return keyed_hash(key, secret)


def _sends_screens(hop: Hop) -> bool:
    """Does this hop's screen go to the caller in a request of our own (bdapps)?"""
    return hop.gateway.asynchronous and not hop.simulation


def _queue_screen(tx: Transaction, hop: Hop, screen: Screen) -> bool:
    """Queue an asynchronous gateway's screen in the hop's transaction; True when queued
    now (False for other gateways, and for a repeated request, queued the first time)."""
    if not _sends_screens(hop):
        return False
    message = screen_message(
        hop.gateway, hop.turn, fitted(screen, hop.gateway), hop.now, hop.config
    )
    return repo.queue_message(tx, message, hop.now)


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


def _is_repeat(row: Record, hop: Hop) -> bool:
    """Is this request a copy of the one the session last answered?

    A request that carries its own identity (AT's cumulative text, Hubtel's Sequence, a
    JSON "seq") is a repeat exactly when that identity is the same; for gateways that send
    none (Nalo, Arkesel) the same input within DUPLICATE_WINDOW_SECONDS is taken as a retry.
    """
    if row.last_request != hop.fingerprint:
        return False
    if hop.turn.request_key is not None:
        return True
    window = float(hop.config.get("DUPLICATE_WINDOW_SECONDS", 2.0))
    return (hop.now - row.updated_at).total_seconds() <= window


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
