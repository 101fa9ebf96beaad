"""Dial the whole demo menu through the gateways added by issue 16, each speaking its own
wire format (GET with the token in the query, as a provider's callback URL carries it), in
both languages, and see the hand-off queued with the caller's number in E.164."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.conftest import TOKEN, rows
from tests.e2e.test_dial_demo import WALKS

WELCOME = "Welcome / Bienvenue\n1. English\n2. Français"


def dmark_hop(client, session: str, phone: str, hop: int, inputs: list[str], method: str):
    first = hop == 0
    fields = {
        "transactionId": session,
        "msisdn": phone,
        "ussdServiceCode": "*123*456#",
        "transactionTime": str(1_700_000_000 + hop),
        "ussdRequestString": "*123*456#" if first else inputs[hop - 1],
        "creationTime": str(1_700_000_000 + hop),
        "response": "false" if first else "true",
    }
    if method == "GET":
        reply = client.get(f"/ussd/dmark?{urlencode({**fields, 'token': TOKEN})}")
    else:
        reply = client.post("/ussd/dmark", data=fields, headers={"X-USSD-Token": TOKEN})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    body = reply.get_json()
    assert body["action"] in ("request", "end")
    return body["responseString"], body["action"] == "end"


def safaricom_hop(client, session: str, phone: str, hop: int, inputs: list[str]):
    fields = {
        "ORIG": phone,
        # DEST as the whole code (the older form; see docs/gateways.md on DEST=123 with
        # USSD_PARAMS=456, where the digits after DEST are taken as answers)
        "DEST": "*123*456#",
        "SESSION_ID": session,
        "USSD_PARAMS": "*".join(inputs[:hop]),
        "token": TOKEN,
    }
    reply = client.get(f"/ussd/safaricom?{urlencode(fields)}")
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert reply.mimetype == "text/plain"
    text = reply.get_data(as_text=True)
    assert text[:4] in ("CON ", "END ")
    return text[4:], text.startswith("END ")


DIALLERS: dict[str, Callable[..., tuple[str, bool]]] = {
    "safaricom-GET": safaricom_hop,
    "dmark-GET": lambda c, s, p, h, i: dmark_hop(c, s, p, h, i, "GET"),
    "dmark-POST": lambda c, s, p, h, i: dmark_hop(c, s, p, h, i, "POST"),
}
# the number as each provider sends it, and what the Flex task must carry
NUMBERS = {"dmark": ("0775551122", "+256775551122"), "safaricom": ("0722000000", "+254722000000")}
BUDGETS = {"dmark": 182, "safaricom": 160}


def dial(client, dialler: str, inputs: list[str], session: str, phone: str) -> list[Any]:
    return [
        DIALLERS[dialler](client, session, phone, hop, inputs) for hop in range(len(inputs) + 1)
    ]


@pytest.mark.parametrize("dialler", sorted(DIALLERS))
@pytest.mark.parametrize("language", ["English", "French"])
def test_dial_demo_to_handoff(app, client, dialler, language):
    gateway = dialler.split("-")[0]
    inputs, expected, thanks = WALKS[language]
    sent, e164 = NUMBERS[gateway]
    session = f"{dialler}-{language}"
    screens = dial(client, dialler, inputs, session, sent)
    assert screens[0][0] == WELCOME
    assert [ended for _, ended in screens] == [False] * len(inputs) + [True]
    assert screens[-1][0] == thanks
    for text, _ in screens:
        assert len(text) <= BUDGETS[gateway]

    handoffs = rows(app, "SELECT status, attributes FROM handoffs")
    assert len(handoffs) == 1
    attrs = json.loads(handoffs[0][1])
    assert {k: attrs[k] for k in expected} == expected
    assert attrs["from"] == e164
    assert attrs["ussd_session_id"] == session
    session_row = rows(app, "SELECT status, gateway, hops FROM ussd_sessions")[0]
    assert tuple(session_row) == ("completed", gateway, 5)


def test_dmark_retry_of_the_last_request_queues_one_handoff(app, client):
    # DMARK sends no request number: the same input within DUPLICATE_WINDOW_SECONDS is
    # taken as a retry, so the walk answers each question differently from the last
    inputs = ["1", "2", "1", "2"]
    dial(client, "dmark-GET", inputs, "twice", "0775551122")
    again = dmark_hop(client, "twice", "0775551122", 4, inputs, "GET")
    assert again == ("Thank you. Your request has been received.", True)
    assert rows(app, "SELECT COUNT(*) FROM handoffs")[0][0] == 1


def test_head_and_wrong_methods_are_refused(app, client):
    query = urlencode({"token": TOKEN})
    assert client.head(f"/ussd/dmark?{query}").status_code == 405
    refused = client.get(f"/ussd/hubtel?{query}")
    assert refused.status_code == 405 and refused.headers["Allow"] == "POST"
    assert rows(app, "SELECT COUNT(*) FROM ussd_sessions")[0][0] == 0


def test_a_get_without_the_token_is_refused(client):
    assert client.get("/ussd/dmark?transactionId=x").status_code == 401


def test_safaricom_replays_and_a_free_text_answer_with_a_star(app, client):
    """Cumulative input: a replayed earlier request repeats the screen and moves nothing."""
    base = {"ORIG": "0722000000", "DEST": "123", "SESSION_ID": "replay", "token": TOKEN}

    def hop(params: str) -> str:
        reply = client.get(f"/ussd/safaricom?{urlencode({**base, 'USSD_PARAMS': params})}")
        return str(reply.get_data(as_text=True))

    assert hop("").startswith("CON Welcome")
    assert hop("1").startswith("CON Where are you?")
    assert hop("1*2").startswith("CON What support")
    before = rows(app, "SELECT hops, current_node FROM ussd_sessions")
    for params in ("", "1", "1*2", "1"):
        assert hop(params).startswith("CON What support")
    assert rows(app, "SELECT hops, current_node FROM ussd_sessions") == before


def test_safaricom_refuses_post(client):
    assert client.post(f"/ussd/safaricom?token={TOKEN}").status_code == 405


def test_safaricom_digits_dialled_after_dest_answer_the_first_questions(app, client):
    """*123*1# arrives as DEST=123, USSD_PARAMS=1: like Africa's Talking, the extra digits
    answer the first question (English), and later requests extend that text."""
    base = {"ORIG": "0722000000", "DEST": "123", "SESSION_ID": "extra", "token": TOKEN}
    first = client.get(f"/ussd/safaricom?{urlencode({**base, 'USSD_PARAMS': '1'})}")
    assert first.get_data(as_text=True).startswith("CON Where are you?")
    later = client.get(f"/ussd/safaricom?{urlencode({**base, 'USSD_PARAMS': '1*2'})}")
    assert later.get_data(as_text=True).startswith("CON What support")


def test_safaricom_finds_a_menu_served_at_a_sub_code(app, client):
    """*123*9# arrives as DEST=123, USSD_PARAMS=9: a menu served at *123*9# itself is the
    one the caller dialled, not the default menu answered with 9."""
    from tests.web.test_webhooks import menu_with_input

    menu_with_input(app, code="*123*9#")
    base = {"ORIG": "0722000000", "DEST": "123", "SESSION_ID": "sub", "token": TOKEN}
    first = client.get(f"/ussd/safaricom?{urlencode({**base, 'USSD_PARAMS': '9'})}")
    assert first.get_data(as_text=True) == "CON Your name?"
    later = client.get(f"/ussd/safaricom?{urlencode({**base, 'USSD_PARAMS': '9*Awa'})}")
    assert later.get_data(as_text=True) == "CON Call back?\n1. Yes"
    done = client.get(f"/ussd/safaricom?{urlencode({**base, 'USSD_PARAMS': '9*Awa*1'})}")
    assert done.get_data(as_text=True) == "END Thanks"
    attributes = json.loads(rows(app, "SELECT attributes FROM handoffs")[0][0])
    assert attributes["answers"][0]["value"] == "Awa"
