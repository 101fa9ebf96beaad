"""Properties of mapped gateways (ussd/gateways/mapped.py): any definition data is read or
refused with each problem as one "field: reason" line, never another error; and the
adapter a definition builds reads any body into a sound Turn or refuses it in one line,
as every built-in adapter does (tests/property/test_gateway_properties.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, request
from hypothesis import given
from hypothesis import strategies as st

from tests.property.test_gateway_properties import check_turn
from ussd.gateways.base import BadRequest
from ussd.gateways.mapped import (
    DefinitionError,
    MappedGateway,
    definition_to_dict,
    parse_definition,
)
from ussd.menu.engine import Screen

EXAMPLES = Path(__file__).parents[2] / "docs" / "mapped-gateways"
DEFINITIONS = {
    name: parse_definition(json.loads((EXAMPLES / f"{name}.json").read_text("utf-8")))
    for name in ("africastalking", "arkesel")
}
bare = Flask(__name__)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(["GET", "POST", "form", "json", "query", "text", "CON ", "true", "token"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
KEYS = {
    "": ["name", "title", "request", "reply", "screen_characters"],
    "request": [
        "method",
        "body",
        "session_id",
        "phone",
        "input",
        "cumulative",
        "new_session",
        "network",
        "service_code",
        "country",
    ],
    "reply": [
        "format",
        "continue_prefix",
        "end_prefix",
        "content_type",
        "text_field",
        "continue_field",
        "continue_value",
        "end_value",
        "echo",
    ],
}


@st.composite
def definition_data(draw: Any) -> Any:
    """An example definition with some of its fields replaced, removed or added."""
    base = definition_to_dict(draw(st.sampled_from(sorted(DEFINITIONS.values(), key=str))))
    for _ in range(draw(st.integers(0, 4))):
        where = draw(st.sampled_from(sorted(KEYS)))
        target = base if where == "" else base.get(where)
        if not isinstance(target, dict):
            continue
        key = draw(st.sampled_from(KEYS[where]) | st.text(max_size=8))
        if draw(st.booleans()):
            target[key] = draw(values)
        else:
            target.pop(key, None)
    return draw(st.one_of(st.just(base), values)) if draw(st.integers(0, 9)) == 0 else base


@given(definition_data())
def test_any_definition_is_read_or_refused_field_by_field(data):
    try:
        definition = parse_definition(data)
    except DefinitionError as refused:
        assert refused.problems
        for problem in refused.problems:
            field, _, reason = problem.partition(": ")
            assert field and reason and "\n" not in problem and len(problem) < 300
        return
    assert parse_definition(definition_to_dict(definition)) == definition
    assert MappedGateway(definition).name == f"mapped:{definition.name}"


bodies = st.one_of(
    st.binary(max_size=200),
    st.dictionaries(
        st.sampled_from(
            [
                "sessionId",
                "phoneNumber",
                "text",
                "sessionID",
                "userID",
                "msisdn",
                "newSession",
                "userData",
                "network",
                "networkCode",
                "serviceCode",
            ]
        ),
        values,
        max_size=8,
    ),
)


@given(st.sampled_from(sorted(DEFINITIONS)), bodies, st.booleans())
def test_any_body_is_read_soundly_or_refused_in_one_line(name, body, as_form):
    gateway = MappedGateway(DEFINITIONS[name])
    if isinstance(body, dict):
        if as_form:
            data = urlencode({k: str(v) for k, v in body.items()}).encode()
            content_type = "application/x-www-form-urlencoded"
        else:
            data, content_type = json.dumps(body).encode(), "application/json"
    else:
        data, content_type = body, "application/octet-stream"
    with bare.test_request_context("/", method="POST", data=data, content_type=content_type):
        try:
            turn = gateway.parse(request)
        except BadRequest as refused:
            reason = str(refused)
            assert reason and "\n" not in reason and "\r" not in reason and len(reason) < 300
            return
    check_turn(turn)
    with bare.app_context():
        reply = gateway.render(Screen("Hi", end=True), turn)
    assert reply.status_code == 200
