"""Contract tests of bdapps / Applink (issue 16, item 4): a mo-ussd JSON request is read into
a Turn and acknowledged with `{"statusCode": "S1000"}`; the screen is the send API's mt-ussd
request (`mt-cont` / `mt-fin`), and the platform's answers to it are sorted into sent,
retried and refused.

Each sample in tests/contract/samples names its source in samples/README.md; the documents
themselves are cited in docs/gateways.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from ussd.gateways import GATEWAYS, BadRequest, Turn
from ussd.gateways.bdapps import WrongApplication, read_address
from ussd.handoff.gateway_screens import read_answer
from ussd.handoff.taskrouter import Refused, Retry
from ussd.menu.engine import Screen

SAMPLES = Path(__file__).parent / "samples"
APP = {"BDAPPS_APP_ID": "APP_000001", "BDAPPS_APP_PASSWORD": "password"}
bare = Flask(__name__)
bare.config.update(APP)
GATEWAY = GATEWAYS["bdapps"]


def sample(name: str) -> dict[str, Any]:
    return dict(json.loads((SAMPLES / name).read_text()))


def call(body: dict[str, Any] | bytes) -> Turn:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    with bare.test_request_context(
        "/ussd/bdapps", method="POST", data=data, content_type="application/json"
    ):
        from flask import request

        return GATEWAY.parse(request)


def test_mo_init_opens_a_session_with_what_was_dialled():
    turn = call(sample("bdapps_mo_init.json"))
    assert turn.session_id == "1330929317043" and turn.request_key == "1330933229901"
    assert turn.new_session is True and turn.input == "" and turn.dialled == "*123*456#"
    assert turn.phone == "8801812345678"  # international without "+": made E.164 later
    assert turn.echo("address") == "tel:8801812345678" and turn.echo("version") == "1.0"
    assert not turn.cumulative and turn.end is None


def test_mo_cont_carries_the_latest_answer():
    turn = call(sample("bdapps_mo_cont.json"))
    assert turn.new_session is False and turn.input == "2" and turn.dialled == ""
    assert turn.request_key == "1330933229902"


def test_a_masked_subscriber_keeps_its_session_under_the_masked_id():
    # the Ideamart page's own sample: "tel: 5C74B588F97", with a space
    turn = call(sample("bdapps_masked.json"))
    assert turn.phone == "masked:5C74B588F97"
    assert turn.echo("address") == "tel: 5C74B588F97"  # sent back exactly as it came


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("tel:8801812345678", ("8801812345678", False)),
        ("tel: 8801812345678", ("8801812345678", False)),
        ("tel:+8801812345678", ("+8801812345678", False)),
        ("tel:01812345678", ("01812345678", False)),  # a national number: Bangladeshi
        ("tel:5C74B588F97", ("masked:5C74B588F97", True)),
        ("tel:hu3b84346f0a2c", ("masked:hu3b84346f0a2c", True)),
        ("tel:" + "7" * 40, ("masked:" + "7" * 40, True)),  # digits, but no number is this long
    ],
)
def test_addresses_are_numbers_or_masked_ids(address, expected):
    assert read_address(address) == expected


def test_budget_and_country():
    assert GATEWAY.country == "BD" and GATEWAY.methods == ("POST",)
    assert GATEWAY.asynchronous is True
    assert GATEWAY.budget.cap == 160  # GSM-7 within the documents' 160; UCS-2 stays 80
    assert GATEWAY.budget.measure("ধন্যবাদ").limit == 80
    assert GATEWAY.budget.measure("Thank you").limit == 160


def test_the_webhook_only_acknowledges():
    with bare.app_context():
        response = GATEWAY.render(
            Screen("1. English", end=False), call(sample("bdapps_mo_init.json"))
        )
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == {"statusCode": "S1000", "statusDetail": "Success"}


@pytest.mark.parametrize(
    ("screen", "operation", "encoding"),
    [
        (
            Screen("1. Press One\n2. Press two\n3. Press three\n4. Exit", end=False),
            "mt-cont",
            "440",
        ),
        (Screen("Thank you.", end=True), "mt-fin", "440"),
        (Screen("ধন্যবাদ", end=True), "mt-fin", None),  # the documents define only ASCII's
    ],
)
def test_the_screen_is_the_send_apis_request(screen, operation, encoding):
    turn = call(sample("bdapps_mo_init.json"))
    body = GATEWAY.screen_body(turn, screen)
    documented = sample("bdapps_mt_cont.json")
    expected = {k: v for k, v in documented.items() if k not in ("applicationId", "password")}
    expected.update(message=screen.text, ussdOperation=operation)
    if encoding is None:
        del expected["encoding"]
    assert body == expected  # credentials are added by the sender, never stored


def test_the_application_must_be_ours():
    with pytest.raises(WrongApplication, match="not this application"):
        call({**sample("bdapps_mo_init.json"), "applicationId": "APP_999999"})
    with pytest.raises(WrongApplication, match="wrong password"):
        call({**sample("bdapps_mo_init.json"), "password": "guess"})
    assert call({**sample("bdapps_mo_init.json"), "password": "password"}).session_id


def test_an_application_id_must_be_configured():
    unconfigured = Flask(__name__)
    with unconfigured.test_request_context(
        "/ussd/bdapps", method="POST", json=sample("bdapps_mo_init.json")
    ):
        from flask import request

        with pytest.raises(WrongApplication, match="BDAPPS_APP_ID is not configured"):
            GATEWAY.parse(request)


# -- malformed requests: E1312 with a one-line reason ----------------------------------------

INIT = sample("bdapps_mo_init.json")


def without(name: str) -> dict[str, Any]:
    return {k: v for k, v in INIT.items() if k != name}


MALFORMED: list[tuple[dict[str, Any] | bytes, str]] = [
    (without("sessionId"), "missing field sessionId"),
    (without("requestId"), "missing field requestId"),
    (without("sourceAddress"), "missing field sourceAddress"),
    (without("message"), "missing field message"),
    (without("ussdOperation"), "missing field ussdOperation"),
    (without("applicationId"), "missing field applicationId"),
    ({**INIT, "ussdOperation": "mt-cont"}, "unknown ussdOperation mt-cont"),
    ({**INIT, "ussdOperation": "mo-fin"}, "unknown ussdOperation mo-fin"),
    ({**INIT, "message": 7}, "message must be a string"),
    ({**INIT, "sessionId": ["1"]}, "sessionId must be a string"),
    ({**INIT, "sessionId": ""}, "may not be empty"),
    ({**INIT, "version": {"v": 1}}, "version must be a string"),
    ({**INIT, "sourceAddress": "tel:"}, "no address after tel:"),
    ({**INIT, "sourceAddress": "tel:88 01<script>"}, "neither a number nor a masked"),
    ({**INIT, "message": "1\x00"}, "control character"),
    ({**INIT, "message": "9" * 1001}, "too long"),
    (b"\xff\xfe{}", "not valid UTF-8"),
    (b"{", "not valid JSON"),
    (b"[]", "must be a JSON object"),
]


@pytest.mark.parametrize(("body", "reason"), MALFORMED)
def test_malformed_requests_say_why(body, reason):
    with pytest.raises(BadRequest, match=reason) as raised:
        call(body)
    assert raised.value.status == 400 and "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("status", "code"), [(400, "E1312"), (401, "E1313"), (403, "E1303"), (413, "E1312")]
)
def test_refusals_are_in_the_platforms_terms(status, code):
    with bare.app_context():
        response = GATEWAY.refuse(status, "why\nand more")
    assert response.status_code == status
    assert response.get_json() == {"statusCode": code, "statusDetail": "why"}


# -- the send API's answers ---------------------------------------------------------------------


def answer(status: int, body: Any) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return response


def test_the_documented_success_is_sent():
    assert read_answer(answer(200, sample("bdapps_send_response.json")), 12) == "S1000 in 12 ms"


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        (200, {"statusCode": "E1601", "statusDetail": "An unexpected error"}, Retry),
        (200, {"statusCode": "E1603", "statusDetail": "Temporary System Error"}, Retry),
        (200, {"statusCode": "E1332", "statusDetail": "Delivery failed"}, Retry),
        (200, {"statusCode": "E1313", "statusDetail": "Authentication failure"}, Refused),
        (200, {"statusCode": "E1312", "statusDetail": "Invalid request"}, Refused),
        (200, {"statusCode": "E1383", "statusDetail": "USSD NI flow not allowed"}, Refused),
        (503, b"<html>down</html>", Retry),
        (429, b"", Retry),
        (200, b"<html>not json</html>", Refused),
        (404, {"error": "no such path"}, Refused),
    ],
)
def test_the_platforms_other_answers_are_retried_or_refused(status, body, outcome):
    with pytest.raises(outcome) as raised:
        read_answer(answer(status, body), 5)
    assert isinstance(raised.value, Retry | Refused)
    assert type(raised.value) is outcome
