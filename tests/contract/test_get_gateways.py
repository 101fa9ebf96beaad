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


# -- Safaricom --------------------------------------------------------------------------------


def test_safaricom_first_request():
    turn = get("safaricom", sample("safaricom_first.txt"))
    assert turn.session_id == "session-id"
    assert turn.phone == "254722000000"  # international without "+": kept, made E.164 later
    assert turn.service_code == "*167#"
    assert turn.new_session is True and turn.input == "" and turn.cumulative
    assert turn.request_key == ""


def test_safaricom_later_request_is_cumulative():
    turn = get("safaricom", sample("safaricom_continue.txt"))
    assert turn.input == "7*1*a" and turn.cumulative
    assert turn.new_session is None  # Safaricom does not say; an unknown id starts a session
    assert turn.request_key == turn.input


def test_safaricom_leading_star_and_a_dialled_dest_are_read_alike():
    turn = get("safaricom", sample("safaricom_leading_star.txt"))
    assert turn.input == "7*a*b*c" and turn.service_code == "*120*123#"


def test_safaricom_answer_containing_a_star_is_kept_in_the_cumulative_text():
    turn = get("safaricom", sample("safaricom_continue.txt").replace("%2Aa", "%2AFatou+%2A+Diop"))
    assert turn.input == "7*1*Fatou * Diop"


@pytest.mark.parametrize(
    ("screen", "body"),
    [
        (Screen("Where are you?\n1. Nairobi", end=False), "CON Where are you?\n1. Nairobi"),
        (Screen("Thank you.", end=True), "END Thank you."),
    ],
)
def test_safaricom_reply(screen, body):
    response = render("safaricom", screen)
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == body


def test_safaricom_places_a_local_number_in_kenya():
    turn = get("safaricom", sample("safaricom_first.txt").replace("254722000000", "0722000000"))
    assert turn.phone == "+254722000000"
    assert GATEWAYS["safaricom"].country == "KE"


def test_safaricom_budget_is_160_and_it_sends_get():
    assert GATEWAYS["safaricom"].budget.cap == 160
    assert GATEWAYS["safaricom"].methods == ("GET",)


SAFARICOM_OK = sample("safaricom_continue.txt")

MALFORMED_SAFARICOM = [
    ("safaricom", without(SAFARICOM_OK, "ORIG"), "missing field ORIG"),
    ("safaricom", without(SAFARICOM_OK, "DEST"), "missing field DEST"),
    ("safaricom", without(SAFARICOM_OK, "SESSION_ID"), "missing field SESSION_ID"),
    ("safaricom", without(SAFARICOM_OK, "USSD_PARAMS"), "missing field USSD_PARAMS"),
    ("safaricom", SAFARICOM_OK.replace("SESSION_ID=session-id", "SESSION_ID="), "is empty"),
    ("safaricom", SAFARICOM_OK.replace("DEST=167", "DEST=%2A%23"), "DEST is empty"),
    ("safaricom", SAFARICOM_OK.replace("ORIG=254722000000", "ORIG=x"), "not a phone number"),
    ("safaricom", SAFARICOM_OK.replace("%2Aa", "%2A%C3%28"), "not valid UTF-8"),
    ("safaricom", SAFARICOM_OK.replace("%2Aa", "%2A%0A"), "control character"),
    ("safaricom", SAFARICOM_OK + "&ORIG=1", "given twice"),
    ("safaricom", SAFARICOM_OK.replace("%2Aa", "%2A" + "1" * 1001), "too long"),
]


@pytest.mark.parametrize(("gateway", "query", "reason"), MALFORMED_SAFARICOM)
def test_malformed_safaricom_request_has_a_reason(gateway, query, reason):
    with pytest.raises(BadRequest) as info:
        get(gateway, query)
    assert reason in str(info.value)
    assert "\n" not in str(info.value)
