"""The definition of a mapped gateway (ussd/gateways/mapped.py): every incomplete or
ambiguous definition is refused with its field named, and a definition reads requests and
writes replies as it says. Pure: no application, no database."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from ussd.gateways.base import BadRequest
from ussd.gateways.mapped import (
    DefinitionError,
    MappedGateway,
    definition_to_dict,
    example_exchange,
    parse_definition,
)
from ussd.menu.engine import Screen

EXAMPLES = Path(__file__).parents[2] / "docs" / "mapped-gateways"
AT = json.loads((EXAMPLES / "africastalking.json").read_text("utf-8"))
ARKESEL = json.loads((EXAMPLES / "arkesel.json").read_text("utf-8"))
GONE = object()  # the key is left out
bare = Flask(__name__)


def changed(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """`base` with changes at dotted paths given as request__input=... (GONE removes)."""
    data = copy.deepcopy(base)
    for path, value in changes.items():
        *parents, key = path.split("__")
        target = data
        for parent in parents:
            target = target[parent]
        if value is GONE:
            target.pop(key, None)
        else:
            target[key] = value
    return data


# (the definition, the problem it must be refused with: its field first)
REFUSED = [
    (changed(ARKESEL, name=GONE), "name: required"),
    (changed(ARKESEL, name="Arkesel"), "name: 1 to 13 lower-case letters"),
    (changed(ARKESEL, name="a-very-long-name"), "name: 1 to 13"),
    (changed(ARKESEL, name="-ark"), "name: 1 to 13"),
    (changed(ARKESEL, name="import"), "name: import is reserved"),
    (changed(ARKESEL, title=""), "title: required"),
    (changed(ARKESEL, title=7), "title: must be a string"),
    (changed(ARKESEL, title="x" * 61), "title: too long (61 > 60 characters)"),
    (changed(ARKESEL, request=GONE), "request: required"),
    (changed(ARKESEL, request=[]), "request: must be an object"),
    (changed(ARKESEL, request__method=GONE), "request.method: required: GET or POST"),
    (changed(ARKESEL, request__method="PUT"), "request.method: must be GET or POST"),
    (changed(ARKESEL, request__body=GONE), "request.body: required: form or json"),
    (changed(ARKESEL, request__body="xml"), "request.body: must be form or json"),
    (changed(ARKESEL, request__method="GET"), "request.body: a GET request has no body"),
    (changed(ARKESEL, request__session_id=GONE), "request.session_id: required"),
    (changed(ARKESEL, request__phone=""), "request.phone: required"),
    (changed(ARKESEL, request__input=None), "request.input: required"),
    (changed(ARKESEL, request__input=["a"]), "request.input: must be a string"),
    (changed(ARKESEL, request__input=" userData"), "request.input: a field name has no spaces"),
    (changed(ARKESEL, request__input="x" * 65), "request.input: too long"),
    (changed(ARKESEL, request__input="a\nb"), "request.input: contains a control character"),
    (
        changed(ARKESEL, request__input="sessionID"),
        "request.input: same field as request.session_id",
    ),
    (changed(AT, request__network="text"), "request.network: same field as request.input"),
    (
        changed(ARKESEL, request__new_session__field="msisdn"),
        "request.new_session.field: same field as request.phone",
    ),
    (
        changed(AT, request__method="GET", request__body=GONE, request__service_code="token"),
        "request.service_code: token is the webhook secret's query parameter",
    ),
    (changed(ARKESEL, request__cumulative="yes"), "request.cumulative: must be true or false"),
    (changed(ARKESEL, request__new_session=True), "request.new_session: must be an object"),
    (
        changed(ARKESEL, request__new_session__field=GONE),
        "request.new_session.field: required",
    ),
    (
        changed(ARKESEL, request__new_session__new_values=[]),
        "request.new_session.new_values: required: at least one value",
    ),
    (
        changed(ARKESEL, request__new_session__new_values="true"),
        "request.new_session.new_values: must be a list",
    ),
    (
        changed(ARKESEL, request__new_session__new_values=[None]),
        "request.new_session.new_values: each value must be",
    ),
    (
        changed(ARKESEL, request__new_session__new_values=[" "]),
        "request.new_session.new_values: a value may not be empty",
    ),
    (
        changed(ARKESEL, request__new_session__continue_values=["false", " TRUE"]),
        'request.new_session.continue_values: " TRUE" also means a new session',
    ),
    (changed(ARKESEL, request__new_session__when="x"), "request.new_session.when: unknown field"),
    (changed(ARKESEL, request__country="Ghana"), "request.country: too long"),
    (changed(ARKESEL, request__country="ZZ"), "request.country: a two-letter country code"),
    (changed(ARKESEL, request__sessionid="x"), "request.sessionid: unknown field"),
    (changed(ARKESEL, reply=GONE), "reply: required"),
    (changed(ARKESEL, reply="json"), "reply: must be an object"),
    (changed(ARKESEL, reply__format=GONE), "reply.format: required: text or json"),
    (changed(ARKESEL, reply__format="xml"), "reply.format: must be text or json"),
    (changed(ARKESEL, reply__text_field=GONE), "reply.text_field: required"),
    (changed(ARKESEL, reply__continue_field=""), "reply.continue_field: required"),
    (
        changed(ARKESEL, reply__continue_field="message"),
        "reply.continue_field: same field as reply.text_field",
    ),
    (
        changed(ARKESEL, reply__continue_value=GONE),
        "reply.continue_value: required for a JSON reply",
    ),
    (changed(ARKESEL, reply__end_value=None), "reply.end_value: required for a JSON reply"),
    (changed(ARKESEL, reply__end_value=True), "reply.end_value: same as reply.continue_value"),
    (changed(ARKESEL, reply__end_value=[0]), "reply.end_value: must be true, false, a number"),
    (changed(ARKESEL, reply__echo=["userID"]), "reply.echo: must be an object"),
    (
        changed(ARKESEL, reply__echo={"message": "userID"}),
        "reply.echo.message: same field as reply.text_field",
    ),
    (changed(ARKESEL, reply__echo={"userID": 1}), "reply.echo.userID: the name of a request field"),
    (changed(ARKESEL, reply__continue_prefix="CON "), "reply.continue_prefix: unknown field"),
    (changed(AT, reply__end_prefix="CON "), "reply.end_prefix: same as reply.continue_prefix"),
    (changed(AT, reply__end_prefix=None, reply__continue_prefix=None), "reply.end_prefix: same as"),
    (changed(AT, reply__end_prefix="E" * 21), "reply.end_prefix: a string of at most 20"),
    (changed(AT, reply__content_type="text plain"), "reply.content_type: a media type"),
    (changed(AT, reply__echo={"a": "text"}), "reply.echo: only a JSON reply echoes"),
    (changed(AT, reply__text_field="x"), "reply.text_field: unknown field"),
    (changed(AT, screen_characters=39), "screen_characters: a whole number from 40 to 182"),
    (changed(AT, screen_characters=183), "screen_characters: a whole number from 40 to 182"),
    (changed(AT, screen_characters=True), "screen_characters: a whole number"),
    (changed(AT, screen_characters="120"), "screen_characters: a whole number"),
    (changed(AT, flavour="x"), "definition.flavour: unknown field"),
    ([AT], "definition: must be an object"),
]


@pytest.mark.parametrize(("data", "problem"), REFUSED)
def test_an_incomplete_or_ambiguous_definition_names_its_field(data, problem):
    with pytest.raises(DefinitionError) as refused:
        parse_definition(data, frozenset({"GH", "SN", "KE"}))
    assert any(p.startswith(problem) for p in refused.value.problems), refused.value.problems


def test_every_problem_is_named_at_once():
    data = changed(ARKESEL, name="", request__input="", reply__end_value=True)
    with pytest.raises(DefinitionError) as refused:
        parse_definition(data)
    assert [p.split(":")[0] for p in refused.value.problems] == [
        "name",
        "request.input",
        "reply.end_value",
    ]


ACCEPTED = [
    AT,
    ARKESEL,
    changed(AT, request__method="GET", request__body="query"),
    changed(AT, request__method="GET", request__body=GONE),
    changed(AT, reply__continue_prefix="", reply__end_prefix="END:"),
    changed(AT, screen_characters=120, request__network=GONE, request__service_code=GONE),
    changed(ARKESEL, request__new_session__continue_values=GONE, reply__echo=GONE),
    changed(ARKESEL, reply__continue_value="request", reply__end_value="end"),
    changed(ARKESEL, reply__continue_value=1, reply__end_value=0),
    changed(ARKESEL, request__cumulative=True),
]


@pytest.mark.parametrize("data", ACCEPTED)
def test_a_definition_reads_back_as_it_was_written(data):
    definition = parse_definition(data)
    assert parse_definition(definition_to_dict(definition)) == definition


@pytest.mark.parametrize("data", [AT, ARKESEL])
def test_the_shipped_examples_export_exactly_as_written(data):
    assert definition_to_dict(parse_definition(data)) == data


def parse(data: dict[str, Any], body: bytes | str, content_type: str, method: str = "POST"):
    gateway = MappedGateway(parse_definition(data))
    raw = body.encode() if isinstance(body, str) else body
    if method == "GET":
        context = bare.test_request_context(f"/x?{raw.decode()}", method="GET")
    else:
        context = bare.test_request_context(
            "/x", method="POST", data=raw, content_type=content_type
        )
    with context:
        from flask import request

        return gateway, gateway.parse(request)


FORM = "application/x-www-form-urlencoded"
# (definition, body, content type, what the Turn says: new_session, input, request_key, dialled)
TURNS = [
    (AT, "sessionId=s&phoneNumber=%2B254711&text=", FORM, (True, "", "", "")),
    (AT, "sessionId=s&phoneNumber=%2B254711&text=1%2A2", FORM, (None, "1*2", "1*2", "")),
    (
        ARKESEL,
        json.dumps(
            {
                "sessionID": "s",
                "userID": "u",
                "msisdn": "0244123456",
                "newSession": True,
                "userData": "*920*1#",
            }
        ),
        "application/json",
        (True, "", None, "*920*1#"),
    ),
    (
        ARKESEL,
        json.dumps(
            {
                "sessionID": "s",
                "userID": "u",
                "msisdn": "0244123456",
                "newSession": "FALSE ",
                "userData": "2",
            }
        ),
        "application/json",
        (False, "2", None, ""),
    ),
    (
        changed(ARKESEL, request__new_session={"field": "type", "new_values": ["1"]}),
        json.dumps({"sessionID": 42, "userID": "u", "msisdn": 233244123456, "type": 1}),
        "application/json",
        (True, "", None, ""),
    ),
    (
        changed(ARKESEL, request__new_session={"field": "type", "new_values": ["1"]}),
        json.dumps(
            {"sessionID": 42, "userID": "u", "msisdn": "0244123456", "type": 2, "userData": "3"}
        ),
        "application/json",
        (False, "3", None, ""),
    ),
    (
        changed(ARKESEL, request__new_session=None),
        json.dumps({"sessionID": "s", "userID": "u", "msisdn": "0244123456", "userData": "3"}),
        "application/json",
        (None, "3", None, ""),
    ),
]


@pytest.mark.parametrize(("data", "body", "content_type", "expected"), TURNS)
def test_a_request_is_read_as_the_definition_says(data, body, content_type, expected):
    _, turn = parse(data, body, content_type)
    assert (turn.new_session, turn.input, turn.request_key, turn.dialled) == expected
    assert turn.cumulative is data["request"]["cumulative"]


def test_a_local_number_takes_the_definitions_country():
    body = json.dumps(
        {"sessionID": "s", "userID": "u", "msisdn": " 0244123456 ", "newSession": True}
    )
    gateway, turn = parse(ARKESEL, body, "application/json")
    assert turn.phone == "+233244123456"
    assert gateway.name == "mapped:arkesel" and gateway.country == "GH"
    with bare.app_context():
        reply = gateway.render(Screen("Hi", end=False), turn)
    # echoed as read (without the spaces), numbers stay numbers
    assert reply.get_json() == {
        "sessionID": "s",
        "userID": "u",
        "msisdn": "0244123456",
        "message": "Hi",
        "continueSession": True,
    }


def test_an_echoed_number_stays_a_number():
    data = changed(ARKESEL, request__new_session={"field": "type", "new_values": ["1"]})
    body = json.dumps({"sessionID": 42, "userID": 7, "msisdn": "0244123456", "type": 1})
    gateway, turn = parse(data, body, "application/json")
    with bare.app_context():
        reply = gateway.render(Screen("Bye", end=True), turn)
    assert reply.get_json() == {
        "sessionID": "42",
        "userID": 7,
        "msisdn": "0244123456",
        "message": "Bye",
        "continueSession": False,
    }


def test_a_get_definition_reads_the_query_string_without_the_token():
    data = changed(AT, request__method="GET", request__body=GONE)
    _, turn = parse(data, "sessionId=s&phoneNumber=%2B254711&text=1&token=secret", "", "GET")
    assert (turn.session_id, turn.input) == ("s", "1")
    data = changed(data, request__input="token")
    with pytest.raises(DefinitionError):
        parse_definition(data)


@pytest.mark.parametrize(
    ("screen", "body"),
    [
        (Screen("Where?\n1. Dakar", end=False), "> Where?\n1. Dakar"),
        (Screen("Bye", end=True), "# Bye"),
    ],
)
def test_a_text_reply_has_the_definitions_prefixes_and_type(screen, body):
    data = changed(
        AT, reply__continue_prefix="> ", reply__end_prefix="# ", reply__content_type="text/x-ussd"
    )
    gateway = MappedGateway(parse_definition(data))
    with bare.app_context():
        response = gateway.render(screen, None)
    assert response.mimetype == "text/x-ussd"
    assert response.get_data(as_text=True) == body


def test_a_flag_value_outside_both_lists_is_refused():
    body = json.dumps(
        {"sessionID": "s", "userID": "u", "msisdn": "0244123456", "newSession": "perhaps"}
    )
    with pytest.raises(BadRequest, match="field newSession must be one of true, false"):
        parse(ARKESEL, body, "application/json")


@pytest.mark.parametrize(
    "data", [AT, ARKESEL, changed(AT, request__method="GET", request__body=GONE)]
)
def test_the_example_shown_to_the_admin_is_read_by_the_definition(data):
    shown = example_exchange(parse_definition(data), "/ussd/mapped/x?token=<TOKEN>")
    assert shown.request.startswith(("POST /ussd/mapped/x?token=<TOKEN>", "GET /ussd/mapped/x?"))
    assert "Welcome / Bienvenue" in shown.reply_continue
    assert "Thank you." in shown.reply_end
