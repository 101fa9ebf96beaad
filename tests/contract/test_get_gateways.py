"""Contract tests of the gateways that send GET (issue 16): DMARK Mobile and Safaricom.

Each sample in tests/contract/samples names its source in samples/README.md; the
documents themselves are cited in docs/gateways.md."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from ussd.gateways import GATEWAYS, BadRequest, Turn
from ussd.menu.engine import Screen

SAMPLES = Path(__file__).parent / "samples"
FORM = "application/x-www-form-urlencoded"
bare = Flask(__name__)


def sample(name: str) -> str:
    return (SAMPLES / name).read_text().strip()


def get(gateway: str, query: str) -> Turn:
    with bare.test_request_context(f"/ussd/{gateway}?{query}", method="GET"):
        from flask import request

        return GATEWAYS[gateway].parse(request)


def post(gateway: str, body: str | bytes) -> Turn:
    with bare.test_request_context(f"/ussd/{gateway}", method="POST", data=body, content_type=FORM):
        from flask import request

        return GATEWAYS[gateway].parse(request)


def render(gateway: str, screen: Screen, turn: Turn | None = None):
    with bare.app_context():
        return GATEWAYS[gateway].render(screen, turn)


# -- DMARK Mobile -----------------------------------------------------------------------------


def test_dmark_first_request_by_get():
    turn = get("dmark", sample("dmark_first.txt"))
    assert turn.session_id == "transaction-123"
    assert turn.phone == "+256775551122"
    assert turn.service_code == "*121#"
    # the first request carries the dialled string, which is not an answer
    assert turn.new_session is True and turn.input == "" and turn.dialled == "*121#"
    assert not turn.cumulative


def test_dmark_later_request_by_get():
    turn = get("dmark", sample("dmark_continue.txt"))
    assert turn.new_session is False and turn.input == "2" and turn.dialled == ""


def test_dmark_first_request_by_post_form_with_an_empty_request_string():
    turn = post("dmark", sample("dmark_post_form.txt"))
    assert turn.session_id == "1233445" and turn.service_code == "130"
    assert turn.new_session is True and turn.input == "" and turn.dialled == ""
    assert turn.phone == "256776520831"  # international without "+": kept, made E.164 later


def test_dmark_the_webhook_token_in_the_query_is_not_a_field():
    turn = get("dmark", sample("dmark_continue.txt") + "&token=secret")
    assert "secret" not in repr(turn)


@pytest.mark.parametrize(
    ("screen", "body"),
    [
        (Screen("Where are you?\n1. Kampala", end=False), {"action": "request"}),
        (Screen("Thank you.", end=True), {"action": "end"}),
    ],
)
def test_dmark_reply(screen, body):
    response = render("dmark", screen)
    assert response.mimetype == "application/json"
    assert response.get_json() == {"responseString": screen.text, **body}


def test_dmark_places_a_local_number_in_uganda():
    turn = get("dmark", sample("dmark_first.txt").replace("%2B256775551122", "0775551122"))
    assert turn.phone == "+256775551122"
    assert GATEWAYS["dmark"].country == "UG"


def test_dmark_budget_and_methods():
    assert GATEWAYS["dmark"].budget.cap is None  # 182 GSM-7 / 80 UCS-2
    assert set(GATEWAYS["dmark"].methods) == {"GET", "POST"}


# -- malformed requests: a one-line reason for each -------------------------------------------

DMARK_OK = sample("dmark_continue.txt")


def without(query: str, name: str) -> str:
    return "&".join(p for p in query.split("&") if not p.startswith(name + "="))


MALFORMED_GET = [
    ("dmark", without(DMARK_OK, "transactionId"), "missing field transactionId"),
    ("dmark", without(DMARK_OK, "msisdn"), "missing field msisdn"),
    ("dmark", without(DMARK_OK, "response"), "missing field response"),
    ("dmark", without(DMARK_OK, "ussdRequestString"), "missing field ussdRequestString"),
    ("dmark", DMARK_OK.replace("response=true", "response=maybe"), "response must be true"),
    ("dmark", DMARK_OK.replace("transactionId=transaction-123", "transactionId="), "is empty"),
    ("dmark", DMARK_OK.replace("msisdn=%2B256775551122", "msisdn=abc"), "not a phone number"),
    ("dmark", DMARK_OK.replace("ussdRequestString=2", "ussdRequestString=%FF"), "not valid UTF-8"),
    ("dmark", DMARK_OK.replace("ussdRequestString=2", "ussdRequestString=a%00"), "control"),
    ("dmark", DMARK_OK + "&msisdn=1", "given twice"),
    (
        "dmark",
        DMARK_OK.replace("ussdRequestString=2", "ussdRequestString=" + "9" * 1001),
        "too long",
    ),
]


@pytest.mark.parametrize(("gateway", "query", "reason"), MALFORMED_GET)
def test_malformed_get_request_has_a_reason(gateway, query, reason):
    with pytest.raises(BadRequest) as info:
        get(gateway, query)
    assert reason in str(info.value)
    assert "\n" not in str(info.value)


def test_dmark_malformed_post_body_has_a_reason():
    with pytest.raises(BadRequest, match="body is not valid UTF-8"):
        post("dmark", b"transactionId=\xff")
