"""Contract tests of Infobip USSD (issue 16, item 2): JSON at
/ussd/infobip/session/<sessionId>/start|response|end, JSON `{ussdMenu, shouldClose, …}` back.

Each sample in tests/contract/samples names its source in samples/README.md; the
documents themselves are cited in docs/gateways.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from ussd.gateways import GATEWAYS, BadRequest, Turn
from ussd.gateways.infobip import OPERATIONS
from ussd.menu.engine import Screen

SAMPLES = Path(__file__).parent / "samples"
bare = Flask(__name__)
METHOD = {"start": "POST", "response": "POST", "end": "PUT"}


def sample(name: str) -> dict[str, Any]:
    return dict(json.loads((SAMPLES / name).read_text()))


def call(operation: str, body: dict[str, Any] | bytes, session: str = "infobip-1") -> Turn:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    path = f"/ussd/infobip/session/{session}/{operation}"
    with bare.test_request_context(
        path, method=METHOD.get(operation, "POST"), data=data, content_type="application/json"
    ):
        from flask import request

        return GATEWAYS["infobip"].parse(request)


def render(screen: Screen, turn: Turn | None = None) -> dict[str, Any]:
    with bare.app_context():
        response = GATEWAYS["infobip"].render(screen, turn)
    assert response.mimetype == "application/json"
    return dict(response.get_json())


def test_infobip_start():
    turn = call("start", sample("infobip_start.json"))
    assert turn.session_id == "infobip-1"
    assert turn.phone == "9647701234567"  # international without "+": kept, made E.164 later
    assert turn.service_code == "*123*456#"
    # `start` carries the dialled string, which is not an answer
    assert turn.new_session is True and turn.input == "" and turn.dialled == "*123*456#"
    assert not turn.cumulative and turn.end is None


def test_infobip_start_without_short_code_reads_the_dialled_text():
    # vumi: "unfortunately shortCode is not as mandatory as the Infobip documentation claims"
    body = sample("infobip_start.json")
    del body["shortCode"]
    turn = call("start", body)
    assert turn.service_code == "" and turn.dialled == "*123*456#"


def test_infobip_start_with_text_that_is_not_a_dialled_string():
    turn = call("start", {**sample("infobip_start.json"), "text": "hello there"})
    assert turn.new_session is True and turn.input == "" and turn.dialled == ""


def test_infobip_response_is_the_latest_input_not_cumulative():
    turn = call("response", sample("infobip_response.json"))
    assert turn.new_session is False and turn.input == "2" and not turn.cumulative
    assert turn.dialled == "" and turn.end is None


def test_infobip_end_records_the_session_as_released():
    turn = call("end", sample("infobip_end.json"))
    assert turn.session_id == "infobip-1" and turn.end == "release" and turn.phone == ""
    with_number = call("end", {**sample("infobip_end.json"), "msisdn": "9647701234567"})
    assert with_number.phone == "9647701234567"


def test_infobip_end_by_post_is_read_alike():
    assert OPERATIONS["end"] == ("PUT", "POST")
    path = "/ussd/infobip/session/s/end"
    with bare.test_request_context(path, method="POST", json=sample("infobip_end.json")):
        from flask import request

        assert GATEWAYS["infobip"].parse(request).end == "release"


def test_infobip_ussd_gw_id_may_be_a_number():
    turn = call("response", {**sample("infobip_response.json"), "ussdGwId": 11})
    assert turn.input == "2"


@pytest.mark.parametrize(
    ("screen", "close"),
    [
        (Screen("Where are you?\n1. Erbil", end=False), False),
        (Screen("Thank you.", end=True), True),
    ],
)
def test_infobip_reply(screen, close):
    assert render(screen) == {
        "ussdMenu": screen.text,
        "shouldClose": close,
        "responseExitCode": 200,
        "responseMessage": "",
    }


def test_infobip_end_is_acknowledged_without_a_menu():
    turn = call("end", sample("infobip_end.json"))
    assert render(Screen("", end=True), turn) == {"responseExitCode": 200, "responseMessage": ""}


def test_infobip_serves_several_countries_with_the_default_budget():
    gateway = GATEWAYS["infobip"]
    assert gateway.country is None
    assert gateway.budget.cap is None  # 182 GSM-7 / 80 UCS-2
    assert set(gateway.methods) == {"GET", "POST", "PUT"}


# -- malformed requests: a one-line reason for each -------------------------------------------

START = sample("infobip_start.json")
RESPONSE = sample("infobip_response.json")


def without(body: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != name}


MALFORMED: list[tuple[str, dict[str, Any] | bytes, str]] = [
    ("start", without(START, "msisdn"), "missing field msisdn"),
    ("start", without(START, "text"), "missing field text"),
    ("response", without(RESPONSE, "text"), "missing field text"),
    ("response", without(RESPONSE, "msisdn"), "missing field msisdn"),
    ("start", {**START, "msisdn": "abc"}, "not a phone number"),
    ("start", {**START, "text": 12}, "text must be a string"),
    ("response", {**RESPONSE, "text": ["2"]}, "text must be a string"),
    ("start", {**START, "shortCode": {"a": 1}}, "shortCode must be a string"),
    ("start", {**START, "language": 3.5}, "language must be a string"),
    ("start", {**START, "imsi": True}, "imsi must be a string"),
    ("response", {**RESPONSE, "text": "2\x00"}, "control character"),
    ("response", {**RESPONSE, "text": "9" * 1001}, "too long"),
    ("end", {"reason": "ok", "exitCode": "zero"}, "exitCode must be a whole number"),
    ("end", {"reason": 7}, "reason must be a string"),
    ("end", {"msisdn": "x"}, "not a phone number"),
    ("start", b"", "empty body"),
    ("start", b"\xff\xfe{}", "not valid UTF-8"),
    ("response", b"{not json", "not valid JSON"),
    ("response", b"[1, 2]", "must be a JSON object"),
]


@pytest.mark.parametrize(("operation", "body", "reason"), MALFORMED)
def test_malformed_infobip_request_has_a_reason(operation, body, reason):
    with pytest.raises(BadRequest) as info:
        call(operation, body)
    assert reason in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/ussd/infobip", "Infobip calls /ussd/infobip/session/"),
        ("/ussd/infobip/session/s-1/restart", "unknown operation restart"),
        ("/ussd/infobip/session/s-1/", "unknown operation"),
        ("/ussd/infobip/session//start", "session id in the path is empty"),
        ("/ussd/infobip/session/a%01b/start", "control character"),
        ("/ussd/infobip/session/" + "x" * 201 + "/start", "too long"),
    ],
)
def test_malformed_infobip_path_has_a_reason(path, reason):
    with bare.test_request_context(path, method="POST", json=START):
        from flask import request

        with pytest.raises(BadRequest) as info:
            GATEWAYS["infobip"].parse(request)
    assert reason in str(info.value) and "\n" not in str(info.value)
