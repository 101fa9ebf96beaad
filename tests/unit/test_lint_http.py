"""The lint of http nodes and of {key} in texts: each rule, with its node and language."""

from __future__ import annotations

import pytest

from ussd.menu.document import parse_menu
from ussd.menu.gsm import Budget
from ussd.menu.lint import has_errors, lint, longest_shown

BUDGETS = {"africastalking": Budget(), "nalo": Budget(cap=120)}
CONNECTIONS = {"cash"}

ASK = {
    "id": "ask",
    "kind": "input",
    "key": "member_id",
    "text": "Your ID?",
    "validation": {"type": "text", "max_length": 12},
    "next": "lookup",
}
LOOKUP = {
    "id": "lookup",
    "kind": "http",
    "connection": "cash",
    "path": "/status",
    "send": ["member_id"],
    "save": {"date": {"path": "payment.date", "max_length": 10}},
    "next": {"success": "found", "failure": "none"},
}
FOUND = {"id": "found", "kind": "end", "text": "Next payment: {date}"}
NONE = {"id": "none", "kind": "end", "text": "No record for {member_id}."}


def menu(*nodes):
    return parse_menu(
        {"name": "T", "languages": ["en"], "start": nodes[0]["id"], "nodes": list(nodes)}
    )


def test_a_complete_lookup_is_clean():
    problems = lint(menu(ASK, LOOKUP, FOUND, NONE), BUDGETS, CONNECTIONS)
    assert problems == []


RULES = [
    # nodes, severity, node, fragment
    (
        (ASK, LOOKUP, FOUND),
        "error",
        "lookup",
        "the node after a failed request leads to a missing node 'none'",
    ),
    (
        (ASK, {**LOOKUP, "next": {"failure": "none"}}, FOUND, NONE),
        "error",
        "lookup",
        "a successful request leads nowhere",
    ),
    (
        (ASK, {**LOOKUP, "next": {"success": "found"}}, FOUND, NONE),
        "error",
        "lookup",
        "a failed request leads nowhere",
    ),
    (
        (
            ASK,
            {**LOOKUP, "next": {"success": "found", "failure": "none", "timeout": "gone"}},
            FOUND,
            NONE,
        ),
        "error",
        "lookup",
        "the node after a request that timed out leads to a missing node 'gone'",
    ),
    (
        (ASK, {**LOOKUP, "connection": "other"}, FOUND, NONE),
        "error",
        "lookup",
        "the connection 'other' does not exist",
    ),
    (
        (ASK, {**LOOKUP, "connection": ""}, FOUND, NONE),
        "error",
        "lookup",
        "the look-up names no connection",
    ),
    (
        (ASK, {**LOOKUP, "send": ["age"]}, FOUND, NONE),
        "warning",
        "lookup",
        "sends answer 'age', which no node asks",
    ),
    (
        (ASK, {**LOOKUP, "save": {"member_id": "a"}}, {**FOUND, "text": "x"}, NONE),
        "warning",
        "lookup",
        "the variable 'member_id' has the name of an answer key: {member_id} shows the variable",
    ),
    (
        (ASK, LOOKUP, {**FOUND, "text": "Next payment: {dat}"}, NONE),
        "error",
        "found",
        "text shows {dat}, which no node asks or stores",
    ),
    (
        (ASK, LOOKUP, FOUND, {**NONE, "text": "x" * 110 + " {member_id}"}),
        "warning",
        "none",
        "with the longest {member_id} it can show, the screen is 123/120 GSM-7 on nalo",
    ),
    (
        (ASK, {**LOOKUP, "save": {"date": {"path": "p", "max_length": 160}}}, FOUND, NONE),
        "warning",
        "found",
        "with the longest {date} it can show",
    ),
    (
        (
            ASK,
            {**LOOKUP, "next": {"success": "again", "failure": "none"}},
            {**LOOKUP, "id": "again", "next": {"success": "lookup", "failure": "none"}},
            NONE,
        ),
        "error",
        "lookup",
        "branches lead round in a loop (lookup → again → lookup)",
    ),
]


@pytest.mark.parametrize(("nodes", "severity", "node", "fragment"), RULES)
def test_rule(nodes, severity, node, fragment):
    problems = lint(menu(*nodes), BUDGETS, CONNECTIONS)
    matching = [p for p in problems if fragment in p.message]
    assert matching, [str(p) for p in problems]
    assert (matching[0].severity, matching[0].node) == (severity, node)


def test_connections_are_not_checked_when_not_known():
    problems = lint(menu(ASK, {**LOOKUP, "connection": "other"}, FOUND, NONE), BUDGETS)
    assert not has_errors(problems)


def test_literal_braces_are_no_keys():
    text = "Type {{ID}} as e.g. {42}"
    assert lint(menu({**ASK, "text": text}, LOOKUP, FOUND, NONE), BUDGETS, CONNECTIONS) == []


LONGEST = [
    ({"type": "text", "max_length": 12}, 12),
    ({"type": "text"}, 160),
    ({"type": "date"}, 10),
    ({"type": "phone"}, 20),
    ({"type": "number", "min": 1, "max": 500}, 5),
]


@pytest.mark.parametrize(("validation", "length"), LONGEST)
def test_longest_answer_per_validation(validation, length):
    doc = menu({**ASK, "validation": validation}, LOOKUP, FOUND, NONE)
    assert longest_shown(doc, "en")["member_id"] == length


def test_longest_option_label_and_variable():
    choice = {
        "id": "q",
        "kind": "menu",
        "key": "place",
        "text": "Where?",
        "options": [{"label": "Dakar", "value": "D"}, {"label": "Saint-Louis", "value": "S"}],
        "next": "ask",
    }
    doc = menu(choice, ASK, LOOKUP, FOUND, NONE)
    assert longest_shown(doc, "en") == {"place": 11, "member_id": 12, "date": 10}
