"""Replies waiting for a caller, offered before the menu on their next dial (DESIGN §5b). Pure.

A caller with unread replies is first asked "You have a reply from … 1. Read 2. Menu". Reading
may need the PIN the caller chose (checked by the session layer, which alone knows its hash),
shows each reply paged within the screen budget (newest first), and ends with "1. Next reply"
when another waits, "Menu" and "End". Like the engine, this module only decides: what to show,
and what the session layer must do (mark a reply read, check a PIN, leave for the menu or end).
Its state travels in `State.inbox`, so a gateway's retry and a dropped call behave as for any
screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from ussd.menu.engine import (
    BACK,
    HOME,
    MORE,
    CompiledMenu,
    Context,
    Screen,
    State,
    fit_final,
    paginate,
)
from ussd.menu.texts import fill

INBOX_NODE = "__replies__"
OFFER, PIN, READING = "offer", "pin", "reading"
PIN_TRIES = 3  # wrong PINs before reading locks (the lock itself is the session layer's)


@dataclass(frozen=True)
class Inbox:
    """Where the caller is among their replies."""

    replies: tuple[int, ...]  # waiting replies, newest first
    stage: str = OFFER
    index: int = 0  # the reply being read
    page: int = 0
    pin: bool = False  # a PIN guards reading
    unlocked: bool = False  # the PIN was given in this session
    organisation: str = ""

    def to_tuple(self) -> tuple[object, ...]:
        return (
            list(self.replies),
            self.stage,
            self.index,
            self.page,
            int(self.pin),
            int(self.unlocked),
            self.organisation,
        )

    @classmethod
    def of(cls, state: State) -> Inbox:
        replies, stage, index, page, pin, unlocked, organisation = state.inbox
        return cls(
            tuple(int(r) for r in replies),
            str(stage),
            int(index),
            int(page),
            bool(pin),
            bool(unlocked),
            str(organisation),
        )

    @property
    def current(self) -> int:
        return self.replies[self.index]


@dataclass(frozen=True)
class Step:
    """What a hop in the inbox decided. `state` and `screen` are None when the caller leaves
    (`leave` is then "menu" or "end"); `mark_read` names a reply shown for the first time;
    `pin` is the PIN typed, for the session layer to check (then `pin_checked`)."""

    state: State | None
    screen: Screen | None
    leave: str = ""
    mark_read: int | None = None
    pin: str | None = None


def offer(
    menu: CompiledMenu,
    replies: tuple[int, ...],
    lang: str,
    ctx: Context,
    *,
    pin: bool,
    organisation: str = "",
    resume: State | None = None,
) -> tuple[State, Screen]:
    """The first screen of a dial with replies waiting. `resume` is an earlier unfinished
    session, offered after the replies as it would have been without them."""
    inbox = Inbox(tuple(replies), pin=pin, organisation=organisation)
    state = State(node=INBOX_NODE, lang=lang, resume=resume, inbox=inbox.to_tuple())
    return state, _offer_screen(menu, state, inbox, ctx)


def step(
    menu: CompiledMenu, state: State, entry: str, ctx: Context, texts: Mapping[int, str]
) -> Step:
    """Apply one input in the inbox. `texts` holds the waiting replies' texts by id (a reply
    missing from it was withdrawn, erased or purged meanwhile: it is skipped)."""
    inbox = Inbox.of(state)
    entry = entry.strip()
    if entry == HOME:
        return Step(None, None, leave="menu")
    if inbox.stage == OFFER:
        if entry == "1":
            if inbox.pin and not inbox.unlocked:
                moved = replace(inbox, stage=PIN)
                return _stay(state, moved, _pin_screen(menu, state.lang, ctx, ""))
            return _read(menu, state, replace(inbox, stage=READING, index=0, page=0), ctx, texts)
        if entry == "2":
            return Step(None, None, leave="menu")
        notice = menu.message(state.lang, "invalid_option")
        return _stay(state, inbox, _offer_screen(menu, state, inbox, ctx, notice))
    if inbox.stage == PIN:
        if entry == BACK:
            moved = replace(inbox, stage=OFFER)
            return _stay(state, moved, _offer_screen(menu, state, moved, ctx))
        return Step(state, None, pin=entry)
    # reading
    pages = _reply_pages(menu, state.lang, inbox, ctx, texts)
    last = len(pages) - 1
    if entry == MORE and inbox.page < last:
        return _read(menu, state, replace(inbox, page=inbox.page + 1), ctx, texts)
    if entry == BACK and inbox.page > 0:
        return _read(menu, state, replace(inbox, page=inbox.page - 1), ctx, texts)
    if inbox.page == last:
        choices = _after_choices(inbox)
        choice = choices.get(entry)
        if choice == "next_reply":
            moved = replace(inbox, index=inbox.index + 1, page=0)
            return _read(menu, state, moved, ctx, texts)
        if choice == "menu":
            return Step(None, None, leave="menu")
        if choice == "end":
            return Step(None, None, leave="end")
    # a choice that is not one: the choices again under the notice, the reply unrepeated
    lines = [menu.message(state.lang, "invalid_option")]
    if inbox.page == last:
        names = _after_choices(inbox).items()
        lines += [f"{n}. {menu.message(state.lang, name)}" for n, name in names]
        return _stay(state, inbox, Screen(fit_final("\n".join(lines), ctx.budget), end=False))
    return _read(menu, state, inbox, ctx, texts, again=True)


def pin_checked(
    menu: CompiledMenu,
    state: State,
    ctx: Context,
    texts: Mapping[int, str],
    *,
    right: bool,
    locked: bool,
) -> Step:
    """Go on after the session layer checked a PIN: read, ask again, or say reading is
    locked (the caller can still go to the menu)."""
    inbox = Inbox.of(state)
    if locked:
        text = "\n".join(
            [
                menu.message(state.lang, "pin_locked"),
                f"1. {menu.message(state.lang, 'menu')}",
                f"2. {menu.message(state.lang, 'end')}",
            ]
        )
        # the screen the caller answers is a reading screen with no reply left
        moved = replace(inbox, stage=READING, index=len(inbox.replies), page=0)
        return _stay(state, moved, Screen(fit_final(text, ctx.budget), end=False))
    if not right:
        notice = menu.message(state.lang, "pin_wrong")
        return _stay(state, inbox, _pin_screen(menu, state.lang, ctx, notice))
    moved = replace(inbox, stage=READING, index=0, page=0, unlocked=True)
    return _read(menu, state, moved, ctx, texts)


# -- screens ------------------------------------------------------------------------------------


def _stay(state: State, inbox: Inbox, screen: Screen) -> Step:
    return Step(replace(state, inbox=inbox.to_tuple()), screen)


def _offer_screen(
    menu: CompiledMenu, state: State, inbox: Inbox, ctx: Context, notice: str = ""
) -> Screen:
    lang = state.lang
    if inbox.organisation:
        header = fill(menu.message(lang, "reply_offer"), {"organisation": inbox.organisation})
    else:
        header = menu.message(lang, "reply_offer_plain")
    lines = [f"1. {menu.message(lang, 'read')}", f"2. {menu.message(lang, 'menu')}"]
    text = "\n".join(([notice] if notice else []) + [header, *lines])
    return Screen(fit_final(text, ctx.budget), end=False)


def _pin_screen(menu: CompiledMenu, lang: str, ctx: Context, notice: str) -> Screen:
    lines = [notice] if notice else []
    lines += [menu.message(lang, "pin_prompt"), f"{BACK}. {menu.message(lang, 'back')}"]
    return Screen(fit_final("\n".join(lines), ctx.budget), end=False)


def _after_choices(inbox: Inbox) -> dict[str, str]:
    names = (["next_reply"] if inbox.index + 1 < len(inbox.replies) else []) + ["menu", "end"]
    return {str(n): name for n, name in enumerate(names, start=1)}


def _reply_pages(
    menu: CompiledMenu, lang: str, inbox: Inbox, ctx: Context, texts: Mapping[int, str]
) -> tuple[str, ...]:
    if inbox.index >= len(inbox.replies):  # locked, or every reply gone
        return ("",)
    body = texts.get(inbox.current, "")
    lines = [f"{n}. {menu.message(lang, name)}" for n, name in _after_choices(inbox).items()]
    return paginate(
        body,
        lines,
        ctx.budget,
        more=f"{MORE}. {menu.message(lang, 'more')}",
        back=f"{BACK}. {menu.message(lang, 'back')}",
    )


def _read(
    menu: CompiledMenu,
    state: State,
    inbox: Inbox,
    ctx: Context,
    texts: Mapping[int, str],
    again: bool = False,
) -> Step:
    """Show `inbox`'s current page, skipping replies that are no longer there; the first
    page of a reply marks it read."""
    while inbox.index < len(inbox.replies) and inbox.current not in texts:
        inbox = replace(inbox, index=inbox.index + 1, page=0)
    if inbox.index >= len(inbox.replies):
        return Step(None, None, leave="menu")
    pages = _reply_pages(menu, state.lang, inbox, ctx, texts)
    page = min(inbox.page, len(pages) - 1)
    step_ = _stay(state, replace(inbox, page=page), Screen(pages[page], end=False))
    first_sight = page == 0 and not again
    return replace(step_, mark_read=inbox.current if first_sight else None)
