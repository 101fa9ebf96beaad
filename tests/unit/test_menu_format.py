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
