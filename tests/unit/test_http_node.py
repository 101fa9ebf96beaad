"""The http node and {key} in texts, as data tables: the engine asks for a request, the
outcome is applied, values are substituted. No Flask, no network."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ussd.menu import engine
from ussd.menu.document import MenuFormatError, menu_to_dict, parse_menu
from ussd.menu.engine import CompiledMenu, Context, HttpAction, HttpOutcome, Result, State
from ussd.menu.variables import lookup, screen_value, substitute

CTX = Context(gateway="africastalking", phone="+221771234567", today=date(2026, 11, 24))


def menu_of(nodes: list[Any]) -> CompiledMenu:
    return CompiledMenu(
        parse_menu(
            {"name": "T", "languages": ["en", "fr"], "start": nodes[0]["id"], "nodes": nodes}
        )
    )


ASK_ID = {
    "id": "ask",
    "kind": "input",
    "key": "member_id",
    "text": {"en": "Your ID?", "fr": "Votre identifiant ?"},
    "validation": {"type": "text", "max_length": 12},
    "next": "lookup",
}
LOOKUP = {
    "id": "lookup",
    "kind": "http",
    "connection": "cash",
    "path": "/status",
    "send": ["member_id"],
    "save": {"date": "payment.next.date", "amount": {"path": "payment.amount", "max_length": 8}},
    "next": {"success": "found", "failure": "not_found", "timeout": "slow"},
}
FOUND = {
    "id": "found",
    "kind": "message",
    "text": {"en": "{member_id}: next payment {date}, {amount} XOF", "fr": "Paiement : {date}"},
}
NOT_FOUND = {"id": "not_found", "kind": "end", "text": "No record for {member_id}."}
SLOW = {"id": "slow", "kind": "end", "text": "Try again later."}
CASH = menu_of([ASK_ID, LOOKUP, FOUND, NOT_FOUND, SLOW])


def to_lookup(menu: CompiledMenu = CASH, entry: str = "AB-42") -> Result:
    first = engine.start(menu, CTX)
    return engine.step(menu, first.state, entry, CTX)


def test_an_answer_leading_to_an_http_node_asks_for_the_request_with_answers_resolved():
    result = to_lookup()
    assert result.action == HttpAction(
        node="lookup",
        connection="cash",
        path="/status",
        params=(("member_id", "AB-42"),),
        send_as="json",
        phone=None,
    )
    assert result.state.node == "lookup"
    assert result.answered == "ask"


OUTCOMES = [
    # outcome, screen shown, variables kept
    (
        HttpOutcome("success", {"payment": {"next": {"date": "2026-12-05"}, "amount": 15000}}),
        "AB-42: next payment 2026-12-05, 15000 XOF",
        (("date", "2026-12-05"), ("amount", "15000")),
    ),
    (
        HttpOutcome("success", {"payment": {"next": {}, "amount": 1}}),  # a field missing
        "No record for AB-42.",
        (),
    ),
    (
        HttpOutcome("success", {"payment": {"next": {"date": ["x"]}, "amount": 1}}),
        "No record for AB-42.",
        (),
    ),
    (HttpOutcome("failure"), "No record for AB-42.", ()),
    (HttpOutcome("timeout"), "Try again later.", ()),
    (HttpOutcome("nonsense"), "No record for AB-42.", ()),
    (
        HttpOutcome(
            "success", {"payment": {"next": {"date": "{member_id}\n{{"}, "amount": "123456789"}}
        ),
        "AB-42: next payment {member_id} {{, 12345678 XOF",
        (("date", "{member_id} {{"), ("amount", "12345678")),
    ),
]


@pytest.mark.parametrize(("outcome", "screen", "variables"), OUTCOMES)
def test_an_outcome_picks_the_branch_and_stores_the_variables(outcome, screen, variables):
    asked = to_lookup()
    result = engine.complete(CASH, asked.state, outcome, CTX, answered=asked.answered)
    assert result.action is None
    assert result.screen.text == screen
    assert result.state.variables == variables
    assert result.answered == "ask"


def test_a_timeout_without_its_own_branch_takes_the_failure_branch():
    nodes = [
        ASK_ID,
        {**LOOKUP, "next": {"success": "found", "failure": "not_found"}},
        FOUND,
        NOT_FOUND,
    ]
    menu = menu_of(nodes)
    asked = to_lookup(menu)
    assert engine.complete(menu, asked.state, HttpOutcome("timeout"), CTX).screen.text == (
        "No record for AB-42."
    )


def test_variables_survive_serialisation_and_a_later_failure_drops_stale_ones():
    asked = to_lookup()
    ok = engine.complete(CASH, asked.state, OUTCOMES[0][0], CTX)
    again = State.from_json(ok.state.to_json())
    assert again == ok.state
    failed = engine.complete(
        CASH, again.__class__(**{**again.__dict__, "node": "lookup"}), HttpOutcome("failure"), CTX
    )
    assert failed.state.variables == ()
    assert "x" not in State(node="a", lang="en").to_dict()  # no variables, nothing stored


def test_the_callers_number_is_sent_only_when_the_node_says_so():
    menu = menu_of([ASK_ID, {**LOOKUP, "send_phone": True}, FOUND, NOT_FOUND, SLOW])
    sent, not_sent = to_lookup(menu).action, to_lookup().action
    assert sent is not None and sent.phone == "+221771234567"
    assert not_sent is not None and not_sent.phone is None


def test_http_nodes_chain_and_a_start_node_may_be_one():
    second = {**LOOKUP, "id": "again", "send": {"id": "member_id"}, "send_as": "query", "save": {}}
    first = {
        **LOOKUP,
        "id": "first",
        "next": {"success": "again", "failure": "not_found"},
        "send": [],
    }
    menu = menu_of([first, second, FOUND, NOT_FOUND, SLOW])
    started = engine.start(menu, CTX)
    assert started.action is not None and started.action.node == "first"
    body = {"payment": {"next": {"date": "d"}, "amount": 1}}
    chained = engine.complete(menu, started.state, HttpOutcome("success", body), CTX)
    assert chained.action is not None and chained.action.node == "again"
    assert chained.action.params == () and chained.action.send_as == "query"  # no answer yet
    shown = engine.complete(menu, chained.state, HttpOutcome("success"), CTX)
    assert shown.screen.text.startswith(": next payment d, 1 XOF")


def test_back_from_the_screen_after_a_request_returns_to_the_question():
    menu = menu_of([ASK_ID, LOOKUP, {**FOUND, "next": "slow"}, NOT_FOUND, SLOW])
    asked = to_lookup(menu)
    shown = engine.complete(menu, asked.state, OUTCOMES[0][0], CTX)
    assert shown.screen.text.endswith("XOF\n1. Continue")
    back = engine.step(menu, shown.state, "0", CTX)
    assert back.action is None
    assert back.screen.text == "Your ID?"


SUBSTITUTIONS = [
    # text, values, shown
    ("Hello {name}", {"name": "Awa"}, "Hello Awa"),
    ("Hello {name}", {}, "Hello "),
    ("{{name}} and {{", {"name": "Awa"}, "{name} and {"),
    ("e.g. {42} or { or }", {}, "e.g. {42} or { or }"),
    ("{a}{b}", {"a": "{b}", "b": "x"}, "{b}x"),  # a value is never read again
    ("{a}", {"a": "{{"}, "{{"),
]


@pytest.mark.parametrize(("text", "values", "shown"), SUBSTITUTIONS)
def test_substitution_is_plain(text, values, shown):
    assert substitute(text, values) == shown


LOOKUPS = [
    ({"a": {"b": "x"}}, "a.b", "x"),
    ({"a": [{"b": 1}]}, "a.0.b", "1"),
    ({"a": True}, "a", "true"),
    ({"a": 1.5}, "a", "1.5"),
    ({"a": None}, "a", None),
    ({"a": {"b": 1}}, "a", None),
    ({"a": [1]}, "a.1", None),
    ({"a": [1]}, "a.x", None),
    ([], "a", None),
    ("text", "a", None),
]


@pytest.mark.parametrize(("document", "path", "found"), LOOKUPS)
def test_lookup_by_dotted_path(document, path, found):
    assert lookup(document, path) == found


def test_a_value_is_put_on_one_line_and_cut_to_its_declared_length():
    assert screen_value("a\n\x00b\t c", 30) == "a b c"
    assert screen_value("x" * 50, 10) == "x" * 10


def test_answers_show_their_label_in_texts():
    nodes = [
        {
            "id": "lang",
            "kind": "menu",
            "key": "language",
            "text": "Language?",
            "options": [
                {"label": {"en": "Français", "fr": "Français"}, "value": "French", "language": "fr"}
            ],
            "next": "hi",
        },
        {
            "id": "hi",
            "kind": "end",
            "text": {"en": "You chose {language}", "fr": "Choisi : {language}"},
        },
    ]
    menu = menu_of(nodes)
    result = engine.step(menu, engine.start(menu, CTX).state, "1", CTX)
    assert result.screen.text == "Choisi : Français"


def test_a_caller_answer_with_braces_is_shown_as_typed():
    menu = menu_of(
        [{**ASK_ID, "next": "echo"}, {"id": "echo", "kind": "end", "text": "Got {member_id}"}]
    )
    result = to_lookup(menu, "{member_id}")
    assert result.screen.text == "Got {member_id}"


BAD_NODES = [
    ({**LOOKUP, "connection": "https://evil.example"}, "connection: the name of a connection"),
    ({**LOOKUP, "path": "https://evil.example/x"}, "path: a path below"),
    ({**LOOKUP, "path": "//evil.example/x"}, "path: a path below"),
    ({**LOOKUP, "path": "/a/../admin"}, "path: a path below"),
    ({**LOOKUP, "path": "/a/%2e%2e/admin"}, "path: a path below"),
    ({**LOOKUP, "path": "/a?x=1"}, "path: a path below"),
    ({**LOOKUP, "send": [1]}, "send: a list of answer keys"),
    ({**LOOKUP, "send_as": "xml"}, "send_as: one of json, query"),
    ({**LOOKUP, "send_phone": "yes"}, "send_phone: true or false"),
    ({**LOOKUP, "save": {"d": "a..b"}}, "save.d: a dotted path"),
    ({**LOOKUP, "save": {"d": {"path": "a", "max_length": 0}}}, "max_length: a whole number"),
    ({**LOOKUP, "next": "found"}, "next: an object of {success, failure, timeout}"),
    ({**LOOKUP, "next": {"sucess": "found"}}, "unknown field(s) sucess"),
    ({**LOOKUP, "text": "Hi"}, "unknown field(s) text"),
]


@pytest.mark.parametrize(("node", "fragment"), BAD_NODES)
def test_a_malformed_http_node_is_refused_with_its_reason(node, fragment):
    with pytest.raises(MenuFormatError) as caught:
        menu_of([node, FOUND, NOT_FOUND, SLOW])
    assert any(fragment in p for p in caught.value.problems), caught.value.problems


def test_an_http_node_round_trips_through_json():
    document = CASH.document
    assert parse_menu(menu_to_dict(document)) == document
    assert menu_to_dict(document)["nodes"][1] == LOOKUP


def test_editing_follows_an_http_nodes_branches():
    from ussd.menu.editing import delete_node, references, replace_node

    document = menu_to_dict(CASH.document)
    assert references(document, "slow") == [("lookup", "timeout")]
    renamed = replace_node(document, "found", {**FOUND, "id": "paid"})
    assert renamed["nodes"][1]["next"] == {
        "success": "paid",
        "failure": "not_found",
        "timeout": "slow",
    }
    deleted = delete_node(document, "slow")
    assert deleted["nodes"][1]["next"] == {"success": "found", "failure": "not_found"}
    parse_menu(deleted)  # still a document: the failure branch takes timeouts
