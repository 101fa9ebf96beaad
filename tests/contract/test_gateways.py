"""Contract tests: each provider's documented payloads -> Turn, and Screen -> its wire format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask

from ussd.gateways import GATEWAYS, BadRequest, Turn
from ussd.menu.engine import Screen

SAMPLES = Path(__file__).parent / "samples"
bare = Flask(__name__)


def parse(gateway: str, body: bytes | str, content_type: str = "application/json") -> Turn:
    data = body.encode() if isinstance(body, str) else body
    with bare.test_request_context(
        f"/ussd/{gateway}", method="POST", data=data, content_type=content_type
    ):
        from flask import request

        return GATEWAYS[gateway].parse(request)


def sample(name: str) -> str:
    return (SAMPLES / name).read_text().strip()


def sample_json(name: str) -> dict:
    return json.loads(sample(name))


FORM = "application/x-www-form-urlencoded"

# -- Africa's Talking -------------------------------------------------------------------------


def test_africastalking_first_request():
    turn = parse("africastalking", sample("africastalking_first.txt"), FORM)
    assert turn.session_id == "ATUid_7c898d72eb11f723ed8ea05ef232f279"
    assert turn.phone == "+254739495441"
    assert turn.service_code == "*384*44135#"
    assert turn.network == "99999"
    assert turn.new_session is True and turn.input == "" and turn.cumulative


def test_africastalking_later_request_is_cumulative():
    body = sample("africastalking_first.txt").replace("text=", "text=1%2A2%2AFatou+%2A+Diop")
    turn = parse("africastalking", body, FORM)
    assert turn.input == "1*2*Fatou * Diop"
    assert turn.new_session is None  # AT does not say; an unknown id starts a session
    assert turn.request_key == turn.input


@pytest.mark.parametrize(
    ("screen", "body"),
    [
        (Screen("Where are you?\n1. Dakar", end=False), "CON Where are you?\n1. Dakar"),
        (Screen("Thank you.", end=True), "END Thank you."),
    ],
)
def test_africastalking_reply(screen, body):
    with bare.app_context():
        response = GATEWAYS["africastalking"].render(screen, None)
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == body


def test_africastalking_event():
    with bare.test_request_context(
        "/", method="POST", data=sample("africastalking_event.txt"), content_type=FORM
    ):
        from flask import request

        session_id, status, duration = GATEWAYS["africastalking"].parse_event(request)  # type: ignore[attr-defined]
    assert (session_id, status, duration) == (
        "ATUid_7c898d72eb11f723ed8ea05ef232f279",
        "incomplete",
        12345,
    )


# -- Hubtel -----------------------------------------------------------------------------------


def test_hubtel_initiation():
    turn = parse("hubtel", sample("hubtel_initiation.json"))
    assert turn.session_id == "3c796dac28174f739de4262d08409c51"
    assert turn.phone == "233200585542"
    assert turn.new_session is True and turn.input == ""
    assert turn.dialled == "*713#" and turn.service_code == "713"
    assert turn.network == "vodafone" and turn.request_key == "seq:1"


def test_hubtel_response_with_string_sequence_and_lower_case_type():
    data = sample_json("hubtel_response.json")
    data["Type"] = "response"
    turn = parse("hubtel", json.dumps(data))
    assert turn.new_session is False and turn.input == "2" and turn.request_key == "seq:2"


def test_hubtel_release():
    turn = parse("hubtel", sample("hubtel_release.json"))
    assert turn.end == "release" and turn.new_session is False


@pytest.mark.parametrize(
    ("screen", "expected"),
    [
        (Screen("Menu\n1. A", end=False), {"Type": "Response", "Message": "Menu\n1. A"}),
        (Screen("Bye", end=True), {"Type": "Release", "Message": "Bye"}),
    ],
)
def test_hubtel_reply(screen, expected):
    with bare.app_context():
        response = GATEWAYS["hubtel"].render(screen, None)
    body = response.get_json()
    assert response.mimetype == "application/json"
    assert {k: body[k] for k in expected} == expected
    assert body["ClientState"] == ""


# -- Nalo -------------------------------------------------------------------------------------


def test_nalo_first_request_carries_dialled_code():
    turn = parse("nalo", sample("nalo_first.json"))
    assert turn.session_id == "16590115252429751"
    assert turn.new_session is True and turn.dialled == "*920*12#" and turn.input == ""
    assert turn.network == "MTN"


def test_nalo_legacy_payload_without_sessionid_keys_on_a_hash_of_the_number():
    turn = parse("nalo", sample("nalo_legacy_continue.json"))
    assert turn.session_id.startswith("msisdn:") and len(turn.session_id) == 7 + 32
    assert "244123456" not in turn.session_id  # session ids are stored and sent in clear
    assert parse("nalo", sample("nalo_legacy_continue.json")).session_id == turn.session_id
    other = sample("nalo_legacy_continue.json").replace("233244123456", "233244123457")
    assert parse("nalo", other).session_id != turn.session_id
    assert turn.input == "3" and turn.new_session is False


def test_nalo_accepts_string_booleans():
    data = sample_json("nalo_continue.json")
    data["MSGTYPE"] = "false"
    assert parse("nalo", json.dumps(data)).new_session is False


def test_nalo_reply_echoes_userid_and_msisdn():
    turn = parse("nalo", sample("nalo_continue.json"))
    with bare.app_context():
        body = GATEWAYS["nalo"].render(Screen("Bye", end=True), turn).get_json()
    assert body == {"USERID": "NALOTest", "MSISDN": "233244123456", "MSG": "Bye", "MSGTYPE": False}


def test_nalo_budget_is_120():
    assert GATEWAYS["nalo"].budget.cap == 120


# -- Arkesel ----------------------------------------------------------------------------------


def test_arkesel_requests_and_reply():
    first = parse("arkesel", sample("arkesel_first.json"))
    assert first.new_session is True and first.dialled == "*928*10#"
    later = parse("arkesel", sample("arkesel_continue.json"))
    assert later.new_session is False and later.input == "1"
    with bare.app_context():
        body = GATEWAYS["arkesel"].render(Screen("Q\n1. A", end=False), later).get_json()
    assert body == {
        "sessionID": "8b1a4a6f3c2e4d5f",
        "userID": "ARK_USER_1",
        "msisdn": "233244123456",
        "message": "Q\n1. A",
        "continueSession": True,
    }


# -- generic JSON -----------------------------------------------------------------------------


def test_json_request_and_reply():
    turn = parse("json", sample("json_first.json"))
    assert turn.new_session is True and turn.request_key == "seq:1"
    with bare.app_context():
        body = GATEWAYS["json"].render(Screen("Bye", end=True), turn).get_json()
    assert body == {"text": "Bye", "end": True}


# -- malformed requests: a one-line reason for each -------------------------------------------

MALFORMED = [
    ("africastalking", "sessionId=x&serviceCode=1&text=", FORM, "missing field phoneNumber"),
    ("africastalking", "phoneNumber=%2B2547&serviceCode=1&text=", FORM, "missing field sessionId"),
    ("africastalking", "sessionId=x&phoneNumber=abc&text=", FORM, "is not a phone number"),
    ("africastalking", "sessionId=x&phoneNumber=1&text=%FF", FORM, "not valid UTF-8"),
    ("africastalking", "sessionId=x&phoneNumber=1&text=a%00b", FORM, "control character"),
    ("africastalking", "sessionId=x&sessionId=y&phoneNumber=1", FORM, "given twice"),
    ("hubtel", "{", "application/json", "not valid JSON"),
    ("hubtel", "[]", "application/json", "must be a JSON object"),
    ("hubtel", b"\xff\xfe{}", "application/json", "not valid UTF-8"),
    (
        "hubtel",
        '{"Type":"Hello","SessionId":"s","Mobile":"1"}',
        "application/json",
        "field Type must be",
    ),
    (
        "hubtel",
        '{"Type":"Response","SessionId":"s","Mobile":"1","Sequence":"x"}',
        "application/json",
        "Sequence must be a whole number",
    ),
    (
        "hubtel",
        '{"Type":"Response","SessionId":5,"Mobile":"1"}',
        "application/json",
        "field SessionId must be a string",
    ),
    (
        "hubtel",
        '{"Type":"Response","SessionId":"s","Mobile":"1","Message":"\\ud800"}',
        "application/json",
        "control character",
    ),
    (
        "nalo",
        '{"USERID":"u","MSISDN":"233","MSGTYPE":"maybe"}',
        "application/json",
        "MSGTYPE must be true or false",
    ),
    (
        "nalo",
        '{"USERID":"u","MSISDN":"233","MSGTYPE":true,"USERDATA":"1"}',
        "application/json",
        "must be the dialled code",
    ),
    (
        "nalo",
        '{"MSISDN":"233","MSGTYPE":false,"USERDATA":"1"}',
        "application/json",
        "missing field USERID",
    ),
    (
        "arkesel",
        '{"sessionID":"s","userID":"u","msisdn":"233","newSession":1}',
        "application/json",
        "newSession must be true or false",
    ),
    (
        "json",
        '{"session_id":"s","phone":"+221","new_session":true,"sessionId":"x"}',
        "application/json",
        "unknown field(s): sessionId",
    ),
    (
        "json",
        '{"session_id":"s","phone":"+221","new_session":false,"seq":-1}',
        "application/json",
        "seq must be a whole number",
    ),
    (
        "json",
        '{"session_id":"s","phone":"+221","new_session":false,"input":"' + "9" * 1001 + '"}',
        "application/json",
        "field input is too long",
    ),
]


@pytest.mark.parametrize(("gateway", "body", "content_type", "reason"), MALFORMED)
def test_malformed_request_has_a_reason(gateway, body, content_type, reason):
    with pytest.raises(BadRequest) as info:
        parse(gateway, body, content_type)
    assert reason in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_provider_fields_are_ignored():
    # Providers add fields over time (Hubtel added Platform); refusing them would cut callers off.
    data = sample_json("hubtel_initiation.json")
    data["ExtraData"] = {"x": 1}
    assert parse("hubtel", json.dumps(data)).session_id == data["SessionId"]


# -- the caller's number: national providers place local numbers in their country (issue 14) --


@pytest.mark.parametrize(
    ("gateway", "sample_name", "field"),
    [
        ("arkesel", "arkesel_first.json", "msisdn"),  # Arkesel's own sample sends 0244000000
        ("hubtel", "hubtel_initiation.json", "Mobile"),
        ("nalo", "nalo_first.json", "MSISDN"),
    ],
)
def test_national_provider_gives_a_local_number_in_e164(gateway, sample_name, field):
    data = sample_json(sample_name)
    data[field] = "0244000000"
    turn = parse(gateway, json.dumps(data))
    assert turn.phone == "+233244000000"
    assert GATEWAYS[gateway].country == "GH"
    if gateway != "hubtel":  # the number is echoed back to the gateway as it sent it
        with bare.app_context():
            body = GATEWAYS[gateway].render(Screen("Bye", end=True), turn).get_json()
        assert "0244000000" in body.values()


def test_national_provider_keeps_an_international_number_as_sent():
    assert parse("hubtel", sample("hubtel_initiation.json")).phone == "233200585542"


@pytest.mark.parametrize("gateway", ["africastalking", "json"])
def test_multi_country_providers_have_no_country(gateway):
    assert GATEWAYS[gateway].country is None
    body = (
        "sessionId=x&phoneNumber=0244000000&serviceCode=1&text="
        if gateway == "africastalking"
        else '{"session_id":"s","phone":"0244000000","new_session":true}'
    )
    turn = parse(gateway, body, FORM if gateway == "africastalking" else "application/json")
    assert turn.phone == "0244000000"  # only DEFAULT_PHONE_REGION can place it
