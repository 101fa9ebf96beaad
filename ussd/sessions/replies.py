"""Replies in the hop: offered on a caller's next dial, read behind their PIN, and the PIN
itself, kept only as a keyed hash (DESIGN §5b, §4).

The pure part (what to show, what to do next) is ussd/menu/inbox.py; this module does what it
asks: looks replies up, checks a PIN, marks a reply read and queues the Flex task's update
in the hop's own transaction. A dial without replies waiting costs one indexed read more
on its first hop only.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ussd.handoff.deliveries import Queued
from ussd.handoff.outbox import iso_utc
from ussd.menu import engine, inbox
from ussd.menu.engine import Answer, CompiledMenu, Context, Result, Screen, State
from ussd.privacy.phones import keyed_hash, phone_key
from ussd.sessions import repository as repo
from ussd.sessions.store import Record, Transaction

if TYPE_CHECKING:
    from ussd.sessions.service import Hop

PIN_KEY = "reply_pin"
PIN_SHOWN = "****"  # what stands for the PIN wherever an answer is shown
SEALED = "sealed:"
LOCK = timedelta(hours=1)


def offer_waiting(
    tx: Transaction, hop: Hop, menu: CompiledMenu, ctx: Context, resume: State | None
) -> Result | None:
    """The reply offer, when the caller has replies waiting; None otherwise."""
    waiting = repo.waiting_replies(tx, hop.phone_hash)
    if not waiting:
        return None
    guard = repo.reply_guard(tx, hop.phone_hash)
    languages = menu.document.languages
    lang = waiting[0].lang if waiting[0].lang in languages else menu.document.default_language
    organisation = str(hop.config.get("ORGANISATION_NAME") or "").strip()[:30]
    state, screen = inbox.offer(
        menu,
        tuple(int(r.id) for r in waiting),
        lang,
        ctx,
        pin=bool(guard is not None and guard.pin_hash),
        organisation=organisation,
        resume=resume,
    )
    return Result(screen, state)


def step_inbox(
    tx: Transaction, hop: Hop, menu: CompiledMenu, state: State, entry: str, ctx: Context
) -> tuple[Result, bool]:
    """One input among the caller's replies: the result, and whether a delivery was queued
    (the Flex task told that a reply was read)."""
    offered = inbox.Inbox.of(state)
    rows = _replies(tx, hop.phone_hash, offered.replies)
    texts = {reply_id: row.text for reply_id, row in rows.items()}
    step = inbox.step(menu, state, entry, ctx, texts)
    if step.pin is not None:
        right, locked = _check_pin(tx, hop, step.pin)
        step = inbox.pin_checked(menu, state, ctx, texts, right=right, locked=locked)
    queued = False
    if step.mark_read is not None and step.mark_read in rows:
        queued = _mark_read(tx, hop, rows[step.mark_read])
    if step.leave == "menu":
        if state.resume is not None:
            return engine.offer_resume(menu, state.resume, ctx), queued
        return engine.start(menu, ctx, state.lang), queued
    if step.leave == "end":
        screen = Screen(menu.message(state.lang, "goodbye"), end=True)
        return Result(screen, replace(state, outcome="end"), event="end"), queued
    assert step.state is not None and step.screen is not None  # noqa: S101 - inbox's contract
    return Result(step.screen, step.state), queued


def asks_pin(menu: CompiledMenu, state: State) -> bool:
    """Is the screen in `state` asking for a PIN (the caller's reply PIN, or to read)?"""
    if state.node == inbox.INBOX_NODE:
        return bool(state.inbox) and inbox.Inbox.of(state).stage == inbox.PIN
    node = menu.document.nodes.get(state.node)
    return node is not None and node.key == PIN_KEY


def _replies(tx: Transaction, phone_hash: str, ids: tuple[int, ...]) -> dict[int, Record]:
    if not ids:
        return {}
    return {
        int(row.id): row for row in repo.replies_from(tx, phone_hash, min(ids)) if row.id in ids
    }


def _mark_read(tx: Transaction, hop: Hop, reply: Record) -> bool:
    if hop.simulation:  # a coordinator trying the menu does not read a caller's reply
        return False
    if not repo.mark_reply_read(tx, int(reply.id), hop.now):
        return False  # read already (a gateway's retry, or the caller's other session)
    attributes = {"reply_status": "read", "reply_read_at": iso_utc(hop.now)}
    repo.queue_message(
        tx,
        Queued(
            "task_update",
            f"reply-read:{reply.id}",
            {"handoff_id": int(reply.handoff_id), "attributes": attributes},
            ordering_key=f"handoff:{reply.handoff_id}",
            reference=f"reply:{reply.id}",
        ),
        hop.now,
    )
    repo.queue_webhook_event(
        tx,
        "reply.read",
        {
            "reply_id": int(reply.id),
            "task_sid": reply.task_sid,
            "read_at": iso_utc(hop.now),
            "created_at": iso_utc(reply.created_at),
        },
        f"evt_reply_read_{reply.id}",
        hop.now,
    )
    return True


def _check_pin(tx: Transaction, hop: Hop, typed: str) -> tuple[bool, bool]:
    """(right, locked): a PIN checked against the caller's, wrong tries counted, and reading
    locked for an hour after the third."""
    guard = repo.reply_guard(tx, hop.phone_hash)
    if guard is None or not guard.pin_hash:
        return True, False
    if guard.locked_until is not None and guard.locked_until > hop.now:
        return False, True
    right = hmac.compare_digest(guard.pin_hash, pin_hash(typed, hop.phone_hash, hop.config))
    if right:
        if guard.wrong_tries:
            repo.record_pin_tries(tx, hop.phone_hash, 0, None, hop.now)
        return True, False
    tries = int(guard.wrong_tries) + 1
    if tries >= inbox.PIN_TRIES:
        repo.record_pin_tries(tx, hop.phone_hash, 0, hop.now + LOCK, hop.now)
        return False, True
    repo.record_pin_tries(tx, hop.phone_hash, tries, None, hop.now)
    return False, False


def pin_hash(pin: str, phone_hash: str, config: Mapping[str, Any]) -> str:
    """The PIN's keyed hash, salted with the caller's number hash: two callers with the same
    PIN store different hashes."""
    return keyed_hash(f"reply-pin:{phone_hash}:{pin.strip()}", phone_key(config))


def seal_pin(result: Result, phone_hash: str, config: Mapping[str, Any]) -> Result:
    """The hop's result with a PIN just typed replaced by its keyed hash and a mask in its
    state: the PIN is never stored, shown (the simulator shows answers) or sent anywhere.
    The result itself when there is nothing to seal (every hop but one)."""
    answer = result.state.answer(PIN_KEY)
    if answer is None or answer.value.startswith(SEALED):
        return result
    sealed = Answer(PIN_KEY, SEALED + pin_hash(answer.value, phone_hash, config), PIN_SHOWN)
    answers = tuple(sealed if a.key == PIN_KEY else a for a in result.state.answers)
    return replace(result, state=replace(result.state, answers=answers))


def keep_pin(tx: Transaction, hop: Hop, state: State) -> State:
    """At a hand-off: the caller's PIN (if this request set one) guards their replies from
    now on, and the request goes on without it."""
    answer = state.answer(PIN_KEY)
    if answer is None:
        return state
    if answer.value.startswith(SEALED) and not hop.simulation:
        repo.set_reply_pin(tx, hop.phone_hash, answer.value[len(SEALED) :], hop.now)
    return replace(state, answers=tuple(a for a in state.answers if a.key != PIN_KEY))
