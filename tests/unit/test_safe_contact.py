"""Safe contact (issue 15, item 7) as data tables: the menu's safe-window hours as a document
gives them (ussd/menu/safe_contact.py, ussd/menu/document.py), and what a task carries
(ussd/handoff/safe_contact.py, ussd/handoff/outbox.py)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ussd.handoff.outbox import task_attributes
from ussd.handoff.safe_contact import (
    caller_timezone,
    implied_callback,
    local_time,
    safe_contact_attributes,
)
from ussd.menu.document import MenuFormatError, parse_menu
from ussd.menu.engine import Answer, State
from ussd.menu.lint import lint
from ussd.menu.safe_contact import DEFAULT_CALLBACK_WINDOWS, canonical_window, is_inside

DEMO = json.loads(Path("ussd/menu/demo_menu.json").read_text("utf-8"))
NIGHT_EVENING = {"evening": ("20:00", "07:00")}


def _with_windows(windows):
    doc = copy.deepcopy(DEMO)
    doc["callback_windows"] = windows
    return doc


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, DEFAULT_CALLBACK_WINDOWS),
        ({}, DEFAULT_CALLBACK_WINDOWS),
        (
            {"evening": ["20:00", "07:00"]},  # crosses midnight
            {**DEFAULT_CALLBACK_WINDOWS, **NIGHT_EVENING},
        ),
        (
            {"morning": ["06:30", "10:00"], "afternoon": ["13:00", "24:00"]},
            {
                **DEFAULT_CALLBACK_WINDOWS,
                "morning": ("06:30", "10:00"),
                "afternoon": ("13:00", "24:00"),
            },
        ),
    ],
)
def test_windows_read(given, expected):
    doc = copy.deepcopy(DEMO) if given is None else _with_windows(given)
    menu = parse_menu(doc)
    assert dict(menu.callback_windows) == expected
    assert parse_menu(menu.to_dict()) == menu


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ([["08:00", "12:00"]], "callback_windows: an object"),
        ({"night": ["22:00", "06:00"]}, "callback_windows.night: not a window"),
        ({"any": ["08:00", "12:00"]}, "callback_windows.any: not a window"),
        ({"morning": ["8:00", "12:00"]}, "callback_windows.morning: two times"),
        ({"morning": ["08:00"]}, "callback_windows.morning: two times"),
        ({"morning": "08:00-12:00"}, "callback_windows.morning: two times"),
        ({"morning": ["08:00", "12:60"]}, "callback_windows.morning: two times"),
        ({"morning": ["24:00", "06:00"]}, "callback_windows.morning: two times"),
        ({"evening": [17, 20]}, "callback_windows.evening: two times"),
        ({"evening": ["17:00", "17:00"]}, "callback_windows.evening: the window starts and"),
        ({"evening": ["00:00", "24:00"]}, "callback_windows.evening: the window starts and"),
    ],
)
def test_windows_refused_with_the_field_named(given, problem):
    with pytest.raises(MenuFormatError) as caught:
        parse_menu(_with_windows(given))
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems


def test_default_windows_are_not_written_out():
    """The demo's document stays exactly as shipped (DESIGN §4)."""
    assert "callback_windows" not in parse_menu(DEMO).to_dict()
    same = parse_menu(_with_windows({"morning": ["08:00", "12:00"]}))
    assert "callback_windows" not in same.to_dict()


@pytest.mark.parametrize(
    ("time", "hours", "inside"),
    [
        ("08:00", ("08:00", "12:00"), True),
        ("11:59", ("08:00", "12:00"), True),
        ("12:00", ("08:00", "12:00"), False),
        ("07:59", ("08:00", "12:00"), False),
        ("23:30", ("20:00", "07:00"), True),
        ("00:00", ("20:00", "07:00"), True),
        ("06:59", ("20:00", "07:00"), True),
        ("07:00", ("20:00", "07:00"), False),
        ("12:00", ("20:00", "07:00"), False),
        ("23:59", ("13:00", "24:00"), True),
    ],
)
def test_is_inside(time, hours, inside):
    assert is_inside(time, hours) is inside


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("morning", "morning"),
        (" Evening ", "evening"),
        ("ANY", "any"),
        ("none", "none"),
        ("night", None),
        ("", None),
        (None, None),
    ],
)
def test_canonical_window(value, canonical):
    assert canonical_window(value) == canonical


@pytest.mark.parametrize(
    ("phone", "zone"),
    [
        ("+221771234567", "Africa/Dakar"),
        ("+233244123456", "Africa/Accra"),
        ("+254700000000", "Africa/Nairobi"),
        ("+12015550123", "America/New_York"),
        # several zones: the first listed
        ("+243812345678", "Africa/Kinshasa"),
        # a range phonenumbers does not know, in a country with one zone: that zone
        ("+221601234567", "Africa/Dakar"),
        ("+233123456789", "Africa/Accra"),
        # a range it does not know in a country with many zones: no guess
        ("+15555555555", None),
        ("+80012345678", None),  # international freephone: no country
        ("771234567", None),  # not E.164
        ("+22507012345", None),  # too short to be a number
        ("", None),
    ],
)
def test_caller_timezone(phone, zone):
    assert caller_timezone(phone) == zone


DAKAR = "+221771234567"
WINDOWS = {**DEFAULT_CALLBACK_WINDOWS, **NIGHT_EVENING}


@pytest.mark.parametrize(
    ("answers", "phone", "expected"),
    [
        (
            {"callback_window": "morning"},
            DAKAR,
            {
                "callback_window": "morning",
                "callback_hours": {"from": "08:00", "to": "12:00"},
                "caller_timezone": "Africa/Dakar",
            },
        ),
        (
            {"callback_window": "evening"},
            DAKAR,
            {
                "callback_window": "evening",
                "callback_hours": {"from": "20:00", "to": "07:00"},
                "caller_timezone": "Africa/Dakar",
            },
        ),
        (
            {"callback_window": "any"},
            DAKAR,
            {"callback_window": "any", "caller_timezone": "Africa/Dakar"},
        ),
        (
            {"callback_window": "none"},
            DAKAR,
            {"callback_window": "none", "caller_timezone": "Africa/Dakar"},
        ),
        (
            {"callback_window": "afternoon"},
            "771234567",  # not E.164: no zone
            {"callback_window": "afternoon", "callback_hours": {"from": "12:00", "to": "17:00"}},
        ),
        ({"callback_window": "weekend"}, DAKAR, {}),
        ({"callback": "Yes"}, DAKAR, {}),
    ],
)
def test_safe_contact_attributes(answers, phone, expected):
    assert safe_contact_attributes(answers, phone, WINDOWS) == expected


@pytest.mark.parametrize(
    ("answers", "callback"),
    [
        ({"callback_window": "morning"}, "Yes"),
        ({"callback_window": "any"}, "Yes"),
        ({"callback_window": "none"}, "No"),
        ({"callback_window": "later"}, None),
        ({}, None),
    ],
)
def test_implied_callback(answers, callback):
    assert implied_callback(answers) == callback


def _attributes(answers, phone=DAKAR, windows=None):
    state = State(
        node="thanks", lang="en", answers=tuple(Answer(k, v, v) for k, v in answers.items())
    )
    return task_attributes(
        external_id="ATUid_1",
        phone=phone,
        service_code="*123#",
        state=state,
        menu_name="Protection hotline",
        menu_version=1,
        submitted_at=datetime(2026, 11, 30, 12, tzinfo=UTC),
        callback_windows=windows,
    )


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # the demo's own question wins: nothing is added
        (
            {"language": "English", "callback": "Yes"},
            {"callback": "Yes"},
        ),
        (
            {"language": "English", "callback_window": "evening"},
            {
                "callback": "Yes",
                "callback_window": "evening",
                "callback_hours": {"from": "20:00", "to": "07:00"},
                "caller_timezone": "Africa/Dakar",
            },
        ),
        (
            {"language": "French", "callback_window": "none"},
            {"callback": "No", "callback_window": "none", "caller_timezone": "Africa/Dakar"},
        ),
        (
            {"callback": "No", "callback_window": "morning"},
            {
                "callback": "No",
                "callback_window": "morning",
                "callback_hours": {"from": "08:00", "to": "12:00"},
                "caller_timezone": "Africa/Dakar",
            },
        ),
    ],
)
def test_task_attributes_carry_the_safe_window(answers, expected):
    attributes = _attributes(answers, windows=WINDOWS)
    safe = ("callback", "callback_window", "callback_hours", "caller_timezone")
    assert {k: attributes[k] for k in safe if k in attributes} == expected


def test_task_attributes_default_hours_when_the_menu_gives_none():
    attributes = _attributes({"callback_window": "evening"})
    assert attributes["callback_hours"] == {"from": "17:00", "to": "20:00"}


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Africa/Dakar", "12:00"),
        ("Asia/Dhaka", "18:00"),
        ("America/New_York", "07:00"),
        ("Not/AZone", None),
        ("../etc", None),
        (None, None),
    ],
)
def test_local_time(zone, expected):
    assert local_time(zone, datetime(2026, 11, 30, 12, tzinfo=UTC)) == expected


def _window_question(kind: str = "menu", values=("morning", "none")):
    node: dict[str, Any] = {
        "id": "when",
        "kind": kind,
        "key": "callback_window",
        "text": {"en": "When?"},
    }
    if kind == "menu":
        node["options"] = [{"label": {"en": v}, "value": v} for v in values]
    node["next"] = "thanks"
    return {
        "name": "Safe line",
        "languages": ["en"],
        "start": "when",
        "nodes": [node, {"id": "thanks", "kind": "handoff", "text": {"en": "Thank you."}}],
    }


@pytest.mark.parametrize(
    ("document", "warnings"),
    [
        (_window_question(), []),
        (_window_question(values=("Morning", "ANY", "none")), []),  # read without case
        (
            _window_question(values=("morning", "weekend", "night")),
            [
                "the value(s) weekend, night are not safe windows Flex knows (morning, "
                "afternoon, evening, any, none): agents are not warned before calling"
            ],
        ),
        (
            _window_question(kind="input"),
            [
                "the answer key callback_window is the safe window for a call back: ask it "
                "with a menu whose options store morning, afternoon, evening, any, none"
            ],
        ),
    ],
)
def test_lint_of_a_safe_window_question(document, warnings):
    problems = lint(parse_menu(document))
    assert [str(p.text) for p in problems if p.node == "when"] == warnings
