"""The lint: each rule, with the node and the language it names."""

import json
from importlib import resources

import pytest

from ussd.menu.document import parse_menu
from ussd.menu.gsm import Budget
from ussd.menu.lint import has_errors, lint

DEMO = json.loads(resources.files("ussd.menu").joinpath("demo_menu.json").read_text("utf-8"))
BUDGETS = {"africastalking": Budget(), "nalo": Budget(cap=120)}


def menu(*nodes, languages=("en", "fr"), start="q", **top):
    return parse_menu(
        {
            "format": 1,
            "name": "T",
            "languages": list(languages),
            "start": start,
            "nodes": list(nodes),
            **top,
        }
    )


def q(node_id="q", next_id="bye", **extra):
    return {
        "id": node_id,
        "kind": "menu",
        "key": node_id,
        "text": {"en": "Q?", "fr": "Q ?"},
        "options": [{"label": {"en": "A", "fr": "A"}, "value": "a", "next": next_id}],
        **extra,
    }


BYE = {"id": "bye", "kind": "end", "text": {"en": "Bye", "fr": "Salut"}}

RULES = [
    # document, severity, node, language, message fragment
    (menu(q(), BYE, start="nope"), "error", None, None, "start node 'nope' does not exist"),
    (menu(q(next_id="ghost"), BYE), "error", "q", None, "option 1 leads to a missing node 'ghost'"),
    (
        menu(q(), BYE, {"id": "lost", "kind": "end", "text": {"en": "x", "fr": "x"}}),
        "warning",
        "lost",
        None,
        "no path from the start node reaches this node",
    ),
    (
        menu({**q(), "options": [{"label": {"en": "A", "fr": "A"}, "value": "a"}]}, BYE),
        "error",
        "q",
        None,
        "option 1 leads nowhere",
    ),
    (
        menu({"id": "q", "kind": "input", "key": "k", "text": {"en": "N?", "fr": "N ?"}}),
        "error",
        "q",
        None,
        "the answer leads nowhere",
    ),
    (menu({"id": "q", "kind": "branch", "rules": []}), "error", "q", None, "no default node"),
    (menu(q(next_id="q")), "warning", "q", None, "no path from here reaches a final screen"),
    (menu({**q(), "text": {"en": "Q?"}}, BYE), "warning", "q", "fr", "text is not translated"),
    (
        menu(q(), {"id": "bye", "kind": "end", "text": {"en": "Bye"}}),
        "warning",
        "bye",
        "fr",
        "text is not translated; callers will see the en text",
    ),
    (
        menu(q(), BYE, languages=("en", "wo")),
        "warning",
        None,
        "wo",
        "system messages have no wo translation",
    ),
    (
        menu(
            {
                **q(),
                "options": [
                    {"label": {"en": "A", "fr": "A"}, "value": "a", "next": "bye", "language": "de"}
                ],
            },
            BYE,
        ),
        "error",
        "q",
        None,
        "switches to 'de', which is not a menu language",
    ),
    (
        menu({**q(), "text": {"en": "Q?", "fr": "Où êtes-vous ?"}}, BYE),
        "warning",
        "q",
        "fr",
        "ê forces UCS-2",
    ),
    (
        menu({**q(), "text": {"en": "x" * 170, "fr": "x"}}, BYE),
        "warning",
        "q",
        "en",
        "on nalo: it will be shown on 2 pages",
    ),
    (
        menu(
            {
                "id": "q",
                "kind": "input",
                "key": "n",
                "text": {"en": "N?", "fr": "N ?"},
                "validation": {"type": "number", "min": 5, "max": 1},
                "next": "bye",
            },
            BYE,
        ),
        "error",
        "q",
        None,
        "the minimum is greater than the maximum",
    ),
    (
        menu(
            {
                "id": "q",
                "kind": "input",
                "key": "n",
                "text": {"en": "N?", "fr": "N ?"},
                "validation": {"type": "number"},
                "next": "bye",
            },
            BYE,
        ),
        "warning",
        "q",
        None,
        "0 means Back",
    ),
    (
        menu(
            {
                "id": "q",
                "kind": "branch",
                "rules": [{"when": {"on": "answer.age", "op": "exists"}, "next": "bye"}],
                "default": "bye",
            },
            BYE,
        ),
        "warning",
        "q",
        None,
        "tests answer 'age', which no node asks",
    ),
    (
        menu(q(next_id="q2"), q("q2"), BYE, {**q("again"), "key": "q"}),
        "warning",
        "again",
        None,
        "no path from the start node",
    ),
    (
        menu(
            q(next_id="a"),
            *(
                {
                    "id": this,
                    "kind": "branch",
                    "rules": [
                        {"when": {"on": "language", "op": "equals", "value": "fr"}, "next": that}
                    ],
                    "default": "bye",
                }
                for this, that in (("a", "b"), ("b", "c"), ("c", "a"))
            ),
            BYE,
        ),
        "error",
        "a",
        None,
        "branches lead round in a loop (a → b → c → a)",
    ),
    (
        menu(q(), BYE, messages={"fr": {"err_min": "Au moins {minimum}"}}),
        "warning",
        None,
        "fr",
        "the message err_min shows {minimum} as typed: it can only fill in {min}",
    ),
    (
        menu(q(), BYE, messages={"en": {"ended": "Bye {name}"}}),
        "warning",
        None,
        "en",
        "the message ended shows {name} as typed: it has nothing to fill in",
    ),
]


@pytest.mark.parametrize(("document", "severity", "node", "language", "fragment"), RULES)
def test_rule(document, severity, node, language, fragment):
    problems = lint(document, BUDGETS)
    matching = [p for p in problems if fragment in p.message]
    assert matching, [str(p) for p in problems]
    problem = matching[0]
    assert (problem.severity, problem.node, problem.language) == (severity, node, language)


def test_demo_has_no_errors_but_names_its_ucs2_texts_with_suggestions():
    problems = lint(parse_menu(DEMO), BUDGETS)
    assert not has_errors(problems)
    suggestions = {(p.node, p.language): p.suggestion for p in problems if p.suggestion}
    assert suggestions[("thanks", "fr")] == "Merci. Votre demande a bien été recue."
    assert suggestions[("support_type", "fr")] == "Nourriture et vetements"


def test_errors_come_first():
    problems = lint(menu(q(next_id="ghost"), BYE, {"id": "x", "kind": "end", "text": "x"}), BUDGETS)
    severities = [p.severity for p in problems]
    assert severities == sorted(severities, key=lambda s: s != "error")


def test_braces_that_are_not_placeholders_pass():
    document = menu(q(), BYE, messages={"en": {"err_number": "A number, e.g. {42} or {"}})
    assert not [p for p in lint(document, BUDGETS) if "as typed" in p.message]


def _pin_menu(pin_node, done_text="Thank you."):
    return menu(
        pin_node,
        {"id": "bye", "kind": "handoff", "text": {"en": done_text}},
        languages=("en",),
        start="pin",
    )


def _pin(validation, kind="input"):
    node = {"id": "pin", "kind": kind, "key": "reply_pin", "text": {"en": "Choose a PIN"}}
    if kind == "input":
        node |= {"validation": validation, "next": "bye"}
    else:
        node |= {"options": [{"label": {"en": "1234"}, "value": "1234", "next": "bye"}]}
    return node


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (_pin_menu(_pin({"type": "pattern", "pattern": "[0-9]{4}"})), None),
        (_pin_menu(_pin({"type": "pattern", "pattern": r"\d{4}"})), None),
        (_pin_menu(_pin({"type": "pattern", "pattern": "[0-9]{4,6}"})), "exactly 4 digits"),
        (_pin_menu(_pin({"type": "text"})), "exactly 4 digits"),
        (_pin_menu(_pin({"type": "number", "min": 0, "max": 9999})), "exactly 4 digits"),
        (_pin_menu(_pin(None, kind="menu")), "exactly 4 digits"),
        (
            _pin_menu(_pin({"type": "pattern", "pattern": "[0-9]{4}"}), "Your PIN is {reply_pin}"),
            "never shown",
        ),
    ],
)
def test_the_reply_pin_is_four_digits_and_never_shown(document, problem):
    errors = [str(p) for p in lint(document) if p.severity == "error"]
    found = [e for e in errors if "reply_pin" in e]
    if problem is None:
        assert found == []
    else:
        assert found and problem in found[0], errors
