"""The "Protection hotline" template (issue 15, item 8) as data tables: lint-clean and within
budget on every gateway of the registry, in the languages a coordinator may choose, asking
the safe window with its canonical values and an optional 4-digit PIN."""

from __future__ import annotations

import pytest

from ussd.gateways import GATEWAYS
from ussd.menu.document import parse_menu
from ussd.menu.engine import CompiledMenu, Context, State, start, step
from ussd.menu.lint import lint
from ussd.menu.safe_contact import WINDOW_VALUES
from ussd.menu.templates.protection_hotline import protection_hotline
from ussd.menu.validators import validate

LANGUAGE_CHOICES = [["en", "fr"], ["fr", "en"], ["en"], ["fr"], ["sw", "en"]]


@pytest.mark.parametrize("gateway", sorted(GATEWAYS))
@pytest.mark.parametrize("languages", LANGUAGE_CHOICES, ids=",".join)
def test_lint_clean_on_every_gateway(gateway, languages):
    doc = parse_menu(protection_hotline("Protection hotline", languages))
    problems = lint(doc, {gateway: GATEWAYS[gateway].budget})
    assert [(p.severity, p.node, p.language, str(p.text)) for p in problems] == []


@pytest.mark.parametrize(
    ("languages", "start", "first_screen_options"),
    [
        (["en", "fr"], "language", [("English", "English", "en"), ("Francais", "French", "fr")]),
        (["fr", "en"], "language", [("Francais", "French", "fr"), ("English", "English", "en")]),
        (["en"], "need", None),  # one language: nothing to choose
        (["sw", "en"], "language", [("Kiswahili", "Swahili", "sw"), ("English", "English", "en")]),
    ],
)
def test_first_screen_offers_the_menus_languages(languages, start, first_screen_options):
    doc = parse_menu(protection_hotline("Line", languages))
    assert doc.start == start
    assert doc.languages == tuple(languages) and doc.default_language == languages[0]
    if first_screen_options is not None:
        options = doc.nodes["language"].options
        assert [(o.label[languages[0]], o.value, o.language) for o in options] == (
            first_screen_options
        )


def test_safe_window_values_are_the_canonical_ones():
    doc = parse_menu(protection_hotline("Line", ["en", "fr"]))
    [node] = [n for n in doc.nodes.values() if n.key == "callback_window"]
    assert tuple(o.value for o in node.options) == WINDOW_VALUES


@pytest.mark.parametrize(
    ("typed", "accepted"),
    [
        ("4826", True),
        ("0000", True),
        ("482", False),
        ("48261", False),
        ("48 26", False),
        ("abcd", False),
        ("４８２６", False),  # full-width digits: not what a keypad sends
    ],
)
def test_the_pin_takes_exactly_four_digits(typed, accepted):
    doc = parse_menu(protection_hotline("Line", ["en", "fr"]))
    [node] = [n for n in doc.nodes.values() if n.key == "reply_pin"]
    assert node.validation is not None
    assert isinstance(validate(typed, node.validation), str) is accepted


def _walk(languages, entries):
    menu = CompiledMenu(parse_menu(protection_hotline("Line", languages)))
    context = Context(gateway="africastalking", phone="+221771234567")
    result = start(menu, context)
    screens = [result.screen.text]
    state: State = result.state
    for entry in entries:
        result = step(menu, state, entry, context)
        state = result.state
        screens.append(result.screen.text)
    return screens, result


@pytest.mark.parametrize(
    ("entries", "answers", "last_words"),
    [
        (
            ["2", "3", "5", "2"],
            {
                "language": "French",
                "support_type": "Shelter",
                "callback_window": "none",
                "protect_replies": "No",
            },
            "composez à nouveau ce code",
        ),
        (
            ["1", "1", "3", "1", "12a4", "4826"],
            {
                "language": "English",
                "support_type": "Protection",
                "callback_window": "evening",
                "protect_replies": "Yes",
                "reply_pin": "4826",
            },
            "dial this code again",
        ),
    ],
)
def test_walks_to_the_hand_off(entries, answers, last_words):
    screens, result = _walk(["en", "fr"], entries)
    assert result.event == "handoff"
    assert {a.key: a.value for a in result.state.answers} == answers
    assert last_words in screens[-1]


def test_a_wrong_pin_is_asked_again_with_the_reason():
    screens, _ = _walk(["en", "fr"], ["1", "1", "3", "1", "12a4"])
    assert screens[-1].startswith("Please type exactly 4 digits.")
    assert "Choose a 4-digit PIN" in screens[-1]


def test_three_wrong_pins_go_back_to_the_choice():
    screens, result = _walk(["en", "fr"], ["1", "1", "3", "1", "1", "12", "123"])
    assert result.state.node == "protect_replies"
    assert "Protect our replies with a PIN?" in screens[-1]
