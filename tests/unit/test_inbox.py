"""The replies a caller reads before the menu (ussd/menu/inbox.py), as data tables: what each
input in each stage shows and asks the session layer to do. Pure: no Flask, no database."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ussd.menu import inbox
from ussd.menu.document import parse_menu
from ussd.menu.engine import CompiledMenu, Context, State
from ussd.menu.gsm import Budget
from ussd.menu.inbox import Inbox
from ussd.publishing import demo_document

MENU = CompiledMenu(parse_menu(demo_document()))
CTX = Context(budget=Budget())
TEXTS = {7: "Come to the office at 10.", 5: "We have your request."}
FIRST = "Come to the office at 10.\n1. Next reply\n2. Menu\n3. End"
OFFER = "You have a reply.\n1. Read\n2. Menu"


def offered(pin: bool = False, organisation: str = "", lang: str = "en") -> State:
    state, _ = inbox.offer(MENU, (7, 5), lang, CTX, pin=pin, organisation=organisation)
    return state


def shown(step: inbox.Step) -> str:
    assert step.screen is not None
    return step.screen.text


def after(step: inbox.Step) -> State:
    assert step.state is not None
    return step.state


def at(stage: str, index: int = 0, page: int = 0, pin: bool = False) -> State:
    box = Inbox((7, 5), stage=stage, index=index, page=page, pin=pin)
    return replace(offered(pin), inbox=box.to_tuple())


@pytest.mark.parametrize(
    ("organisation", "lang", "screen"),
    [
        ("", "en", "You have a reply.\n1. Read\n2. Menu"),
        ("Hope Line", "en", "You have a reply from Hope Line.\n1. Read\n2. Menu"),
        ("Hope Line", "fr", "Vous avez une réponse de Hope Line.\n1. Lire\n2. Menu"),
        ("", "fr", "Vous avez une réponse.\n1. Lire\n2. Menu"),
    ],
)
def test_the_offer(organisation, lang, screen):
    state, shown = inbox.offer(MENU, (7,), lang, CTX, pin=False, organisation=organisation)
    assert (shown.text, shown.end) == (screen, False)
    assert state.node == inbox.INBOX_NODE and state.lang == lang


# (state, input) -> (screen or None, leave, reply marked read, PIN to check, stage after)
STEPS = [
    (
        offered(),
        "1",
        "Come to the office at 10.\n1. Next reply\n2. Menu\n3. End",
        "",
        7,
        None,
        "reading",
    ),
    (offered(), "2", None, "menu", None, None, None),
    (offered(), "00", None, "menu", None, None, None),
    (
        offered(),
        "7",
        "Invalid choice.\nYou have a reply.\n1. Read\n2. Menu",
        "",
        None,
        None,
        "offer",
    ),
    (offered(pin=True), "1", "Enter your PIN.\n0. Back", "", None, None, "pin"),
    (at("pin", pin=True), "0", "You have a reply.\n1. Read\n2. Menu", "", None, None, "offer"),
    (at("pin", pin=True), "4826", None, "", None, "4826", "pin"),
    (at("reading"), "1", "We have your request.\n1. Menu\n2. End", "", 5, None, "reading"),
    (at("reading"), "2", None, "menu", None, None, None),
    (at("reading"), "3", None, "end", None, None, None),
    (at("reading", index=1), "1", None, "menu", None, None, None),
    (at("reading", index=1), "2", None, "end", None, None, None),
    (at("reading", index=1), "3", "Invalid choice.\n1. Menu\n2. End", "", None, None, "reading"),
]


@pytest.mark.parametrize(("state", "entry", "screen", "leave", "read", "pin", "stage"), STEPS)
def test_a_step(state, entry, screen, leave, read, pin, stage):
    step = inbox.step(MENU, state, entry, CTX, TEXTS)
    assert (shown(step) if step.screen else None) == screen
    assert step.leave == leave
    assert step.mark_read == read
    assert step.pin == pin
    if stage is None:
        assert step.state is None
    else:
        assert Inbox.of(after(step)).stage == stage


@pytest.mark.parametrize(
    ("right", "locked", "screen", "read"),
    [
        (True, False, "Come to the office at 10.\n1. Next reply\n2. Menu\n3. End", 7),
        (False, False, "Wrong PIN.\nEnter your PIN.\n0. Back", None),
        (False, True, "Too many wrong PINs. Try again in an hour.\n1. Menu\n2. End", None),
    ],
)
def test_after_the_pin_is_checked(right, locked, screen, read):
    step = inbox.pin_checked(MENU, at("pin", pin=True), CTX, TEXTS, right=right, locked=locked)
    assert shown(step) == screen and step.mark_read == read


def test_after_a_lock_the_menu_is_still_there():
    locked = inbox.pin_checked(MENU, at("pin", pin=True), CTX, TEXTS, right=False, locked=True)
    assert inbox.step(MENU, after(locked), "1", CTX, TEXTS).leave == "menu"
    assert inbox.step(MENU, after(locked), "2", CTX, TEXTS).leave == "end"


def test_a_reply_withdrawn_meanwhile_is_skipped_and_none_left_goes_to_the_menu():
    step = inbox.step(MENU, offered(), "1", CTX, {5: TEXTS[5]})
    assert shown(step).startswith("We have your request.") and step.mark_read == 5
    assert inbox.step(MENU, offered(), "1", CTX, {}).leave == "menu"


def test_a_long_reply_pages_and_is_marked_read_once():
    text = " ".join(["Bring your papers and water to the office."] * 8)
    small = Context(budget=Budget(cap=120))
    step = inbox.step(MENU, offered(), "1", small, {7: text, 5: "x"})
    pages = [step]
    while "98. More" in shown(pages[-1]):
        pages.append(inbox.step(MENU, after(pages[-1]), "98", small, {7: text, 5: "x"}))
        assert len(pages) < 8
    assert len(pages) > 2
    assert [p.mark_read for p in pages] == [7] + [None] * (len(pages) - 1)
    assert all(len(shown(p)) <= 120 for p in pages)
    back = inbox.step(MENU, after(pages[-1]), "0", small, {7: text, 5: "x"})
    assert shown(back) == shown(pages[-2]) and back.mark_read is None


def test_the_inbox_survives_a_round_trip_through_storage():
    state = at("reading", index=1, page=2, pin=True)
    again = State.from_json(state.to_json())
    assert Inbox.of(again) == Inbox.of(state)
