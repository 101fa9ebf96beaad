"""The menu JSON format: what parses, what is refused (with the path), and round trips."""

import json
from importlib import resources

import pytest

from ussd.menu.document import MenuFormatError, menu_to_dict, parse_menu

DEMO = json.loads(resources.files("ussd.menu").joinpath("demo_menu.json").read_text("utf-8"))


def doc(*nodes, **top):
    base = {
        "format": 1,
        "name": "T",
        "languages": ["en"],
        "start": "a",
        "nodes": list(nodes) or [{"id": "a", "kind": "end", "text": {"en": "x"}}],
    }
    base.update(top)
    return base


def end(node_id="a", **extra):
    return {"id": node_id, "kind": "end", "text": {"en": "Bye"}, **extra}


REFUSED = [
    ([], "the document must be a JSON object"),
    (doc(format=2), "format: expected 1"),
    (doc(languages=[]), "languages: a non-empty list"),
    (doc(languages=["English"]), "languages: a non-empty list"),
    (doc(default_language="fr"), "default_language: 'fr' is not in languages"),
    (doc(start=""), "menu.start: required"),
    (doc(nodes=[]), "nodes: a non-empty list"),
    (doc(colour="red"), "menu: unknown field(s) colour"),
    (doc(end(), end()), "node a: the id is used twice"),
    (doc({"id": "1a", "kind": "end"}), "nodes[0].id: letters, digits"),
    (doc({"id": "a", "kind": "carousel"}), "node a: kind must be one of"),
    (doc({"id": "a", "kind": "menu", "text": {"en": "Q"}, "options": []}), "node a.key: required"),
    (
        doc({"id": "a", "kind": "menu", "key": "k", "options": []}),
        "node a.options: a non-empty list",
    ),
    (
        doc({"id": "a", "kind": "menu", "key": "k", "options": [{"label": {"en": "x"}}]}),
        "node a option 1.value: required",
    ),
    (
        doc(
            {
                "id": "a",
                "kind": "menu",
                "key": "k",
                "options": [{"label": {"en": "x"}, "value": str(i)} for i in range(98)],
            }
        ),
        "node a.options: at most 97 options",
    ),
    (
        doc({"id": "a", "kind": "input", "key": "k", "validation": {"type": "email"}}),
        "node a.validation.type: one of text, number",
    ),
    (
        doc(
            {
                "id": "a",
                "kind": "input",
                "key": "k",
                "validation": {"type": "pattern", "pattern": "("},
            }
        ),
        "node a.validation.pattern: not a pattern we can match safely (missing ): (",
    ),
    (
        doc(
            {
                "id": "a",
                "kind": "input",
                "key": "k",
                "validation": {"type": "pattern", "pattern": r"(a)\1"},
            }
        ),
        "backreferences and lookarounds are not supported",
    ),
    (doc({"id": "a", "kind": "input", "key": "k", "attempts": 0}), "node a.attempts: a whole"),
    (
        doc({"id": "a", "kind": "branch", "rules": [{"when": {"on": "weather"}, "next": "a"}]}),
        "node a rule 1.on: answer.<key> or one of",
    ),
    (
        doc(
            {
                "id": "a",
                "kind": "branch",
                "rules": [{"when": {"on": "network", "op": "in", "value": "x"}, "next": "a"}],
            }
        ),
        "value: a list of texts for in",
    ),
    (doc({"id": "a", "kind": "end", "text": {"en": 3}}), "node a.text: an object of"),
    (doc({"id": "a", "kind": "end", "options": []}), "node a: unknown field(s) options"),
]


@pytest.mark.parametrize(("data", "problem"), REFUSED)
def test_refused_with_reason(data, problem):
    with pytest.raises(MenuFormatError) as info:
        parse_menu(data)
    assert any(problem in p for p in info.value.problems), info.value.problems


def test_every_problem_is_reported_at_once():
    with pytest.raises(MenuFormatError) as info:
        parse_menu(doc({"id": "a", "kind": "menu"}, {"id": "b", "kind": "nope"}, colour=1))
    assert len(info.value.problems) >= 3


def test_demo_round_trips():
    parsed = parse_menu(DEMO)
    assert parse_menu(menu_to_dict(parsed)) == parsed
    assert parsed.nodes["language"].options[1].language == "fr"


def test_text_shorthand_for_all_languages():
    parsed = parse_menu(doc({"id": "a", "kind": "end", "text": "Bye"}, languages=["en", "fr"]))
    assert parsed.nodes["a"].text == {"*": "Bye"}


def test_validation_settings_describe_every_field_of_validation():
    from dataclasses import fields

    from ussd.menu.document import VALIDATION_SETTINGS, Validation

    assert [s.name for s in VALIDATION_SETTINGS] == [f.name for f in fields(Validation)]
    assert all(
        s.default == f.default for s, f in zip(VALIDATION_SETTINGS, fields(Validation), strict=True)
    )


def ask(**validation):
    return doc({"id": "a", "kind": "input", "key": "k", "text": "?", "validation": validation})


@pytest.mark.parametrize(
    ("validation", "problem"),
    [
        ({"type": None}, "node a.validation.type: one of text, number, phone, date, pattern"),
        ({"min_length": -1}, "node a.validation.min_length: a whole number from 0 to 500"),
        ({"max_length": 501}, "node a.validation.max_length: a whole number from 0 to 500"),
        ({"max_length": True}, "node a.validation.max_length: a whole number from 0 to 500"),
        ({"min": 10**16}, "node a.validation.min: a number between -10^15 and 10^15"),
        ({"max": float("nan")}, "node a.validation.max: a number between -10^15 and 10^15"),
        ({"max": "9"}, "node a.validation.max: a number between -10^15 and 10^15"),
        ({"type": "pattern"}, "node a.validation.pattern: required for type pattern"),
        ({"region": "sn"}, "node a.validation.region: a two-letter country code such as SN"),
        ({"date_format": "D/M/Y"}, "node a.validation.date_format: one of DD/MM/YYYY, MM/DD"),
        ({"colour": "red"}, "node a.validation: unknown field(s) colour"),
    ],
)
def test_each_validation_setting_says_what_it_takes(validation, problem):
    with pytest.raises(MenuFormatError) as info:
        parse_menu(ask(**validation))
    assert [p for p in info.value.problems if problem in p], info.value.problems


def test_every_validation_setting_round_trips_and_defaults_are_left_out():
    every = {
        "type": "number",
        "min_length": 0,
        "max_length": 12,
        "min": -2.5,
        "max": 10**15,
        "integer": False,
        "pattern": "[0-9]+",
        "region": "SN",
        "date_format": "YYYY-MM-DD",
        "not_future": True,
    }
    parsed = parse_menu(ask(**every))
    assert menu_to_dict(parsed)["nodes"][0]["validation"] == every
    assert parse_menu(menu_to_dict(parsed)) == parsed
    defaults = parse_menu(ask(integer=1, not_future=0, date_format="DD/MM/YYYY"))
    assert menu_to_dict(defaults)["nodes"][0]["validation"] == {"type": "text"}
