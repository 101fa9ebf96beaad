"""Dial the whole demo menu through Infobip's routes (issue 16, item 2):
POST /ussd/infobip/session/<id>/start, POST …/response for each answer, PUT …/end once
Infobip closes the session, GET …/status on the way; the token as Basic auth (the base URL
Infobip is given) and as the header. Then an Arabic menu walked through Infobip within the
UCS-2 budget, and refusals that store nothing."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.conftest import TOKEN, rows
from tests.e2e.test_dial_demo import WALKS
from ussd.extensions import db
from ussd.menu.document import parse_menu
from ussd.menu.gsm import is_gsm7
from ussd.publishing import create_menu, publish, set_service_code

WELCOME = "Welcome / Bienvenue\n1. English\n2. Français"
BASIC = {"Authorization": "Basic " + base64.b64encode(f"infobip:{TOKEN}".encode()).decode()}
HEADER = {"X-USSD-Token": TOKEN}
PHONE = "+9647701234567"


def infobip(client, session: str, operation: str, body: Any = None, auth=None, method=None):
    method = method or {"end": "PUT", "status": "GET"}.get(operation, "POST")
    return client.open(
        f"/ussd/infobip/session/{session}/{operation}",
        method=method,
        json=body,
        headers=auth or BASIC,
    )


def hop(client, session: str, operation: str, text: str, code: str = "*123*456#", auth=None):
    body = {"msisdn": PHONE, "imsi": "418050123456789", "shortCode": code, "text": text}
    reply = infobip(client, session, operation, {**body, "ussdGwId": "live2"}, auth)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    data = reply.get_json()
    assert data["responseExitCode"] == 200 and data["responseMessage"] == ""
    return data["ussdMenu"], data["shouldClose"]


def walk(client, session: str, inputs: list[str], code: str = "*123*456#", auth=None):
    screens = [hop(client, session, "start", code, code, auth)]
    screens += [hop(client, session, "response", entry, code, auth) for entry in inputs]
    return screens


def status(client, session: str) -> bool:
    reply = infobip(client, session, "status")
    assert reply.status_code == 200
    data = reply.get_json()
    assert data["responseExitCode"] == 200
    return bool(data["sessionActive"])


@pytest.mark.parametrize("auth", ["basic", "header"])
@pytest.mark.parametrize("language", ["English", "French"])
def test_dial_demo_to_handoff_through_infobip(app, client, language, auth):
    inputs, expected, thanks = WALKS[language]
    session = f"infobip-{language}-{auth}"
    headers = BASIC if auth == "basic" else HEADER
    assert status(client, session) is False
    screens = walk(client, session, inputs[:1], auth=headers)
    assert screens[0][0] == WELCOME
    assert status(client, session) is True
    screens += [hop(client, session, "response", entry, auth=headers) for entry in inputs[1:]]
    assert [close for _, close in screens] == [False] * len(inputs) + [True]
    assert screens[-1][0] == thanks
    for text, _ in screens:
        assert len(text) <= 182

    ended = infobip(client, session, "end", {"reason": "ok", "exitCode": 0}, headers)
    assert ended.status_code == 200
    assert ended.get_json() == {"responseExitCode": 200, "responseMessage": ""}
    assert status(client, session) is False

    handoffs = rows(app, "SELECT attributes FROM handoffs")
    assert len(handoffs) == 1
    attrs = json.loads(handoffs[0][0])
    assert {k: attrs[k] for k in expected} == expected
    assert attrs["from"] == PHONE and attrs["ussd_session_id"] == session
    session_row = rows(app, "SELECT status, gateway, hops, end_reason FROM ussd_sessions")[0]
    assert tuple(session_row) == ("completed", "infobip", 5, "release")


def test_end_before_the_last_screen_drops_the_session(app, client):
    walk(client, "gone", ["1"])
    ended = infobip(client, "gone", "end", {"reason": "user abort", "exitCode": 1})
    assert ended.status_code == 200
    assert rows(app, "SELECT status FROM ussd_sessions")[0][0] == "dropped"
    assert rows(app, "SELECT COUNT(*) FROM handoffs")[0][0] == 0


def test_a_start_without_a_short_code_finds_the_menu_by_the_dialled_text(client):
    reply = infobip(client, "no-code", "start", {"msisdn": PHONE, "text": "*123*456#"})
    assert reply.status_code == 200 and reply.get_json()["ussdMenu"] == WELCOME


def nothing_stored(app) -> bool:
    return rows(app, "SELECT COUNT(*) FROM ussd_sessions")[0][0] == 0


@pytest.mark.parametrize(
    ("operation", "method", "body", "status_code", "reason"),
    [
        ("restart", "POST", {"msisdn": PHONE, "text": "1"}, 400, "unknown operation restart"),
        ("start", "GET", None, 405, "use POST"),
        ("start", "PUT", {"msisdn": PHONE, "text": "*123#"}, 405, "use POST"),
        ("status", "POST", {}, 405, "use GET"),
        ("start", "HEAD", None, 405, ""),
        ("start", "POST", {"text": "*123#"}, 400, "missing field msisdn"),
        ("response", "POST", {"msisdn": PHONE}, 400, "missing field text"),
        ("start", "POST", {"msisdn": PHONE, "text": 5}, 400, "text must be a string"),
        ("end", "PUT", {"exitCode": "x"}, 400, "exitCode must be a whole number"),
    ],
)
def test_infobip_refusals_say_why_and_store_nothing(
    app, client, operation, method, body, status_code, reason
):
    reply = infobip(client, "refused", operation, body, method=method)
    assert reply.status_code == status_code
    text = reply.get_data(as_text=True)
    assert reason in text and text.count("\n") <= 1
    assert nothing_stored(app)


def test_infobip_bare_base_url_is_a_bad_request(app, client):
    reply = client.post("/ussd/infobip", json={"msisdn": PHONE, "text": "1"}, headers=BASIC)
    assert reply.status_code == 400
    assert "/ussd/infobip/session/<sessionId>/<operation>" in reply.get_data(as_text=True)
    assert nothing_stored(app)


def test_infobip_routes_pass_the_guard(client):
    path = "/ussd/infobip/session/x/start"
    assert client.post(path, json={"msisdn": PHONE, "text": "*1#"}).status_code == 401
    wrong = {"Authorization": "Basic " + base64.b64encode(b"infobip:nope").decode()}
    assert client.post(path, json={}, headers=wrong).status_code == 401
    assert client.get("/ussd/infobip/session/x/status").status_code == 401
    # a token in the query string still reaches the guard on a sub-path
    assert client.get(f"/ussd/infobip/session/x/status?token={TOKEN}").status_code == 200


# -- an Arabic menu, always UCS-2: every screen within 80 characters -------------------------

ARABIC = {
    "format": 1,
    "name": "Arabic intake",
    "languages": ["ar"],
    "start": "need",
    "nodes": [
        {
            "id": "need",
            "kind": "menu",
            "key": "need",
            "text": {"ar": "ما نوع المساعدة التي تحتاجها؟"},
            "options": [
                {"label": {"ar": "الغذاء والمياه الصالحة للشرب"}, "value": "food", "next": "where"},
                {
                    "label": {"ar": "المأوى والمواد غير الغذائية"},
                    "value": "shelter",
                    "next": "where",
                },
                {"label": {"ar": "الرعاية الصحية والأدوية"}, "value": "health", "next": "where"},
                {"label": {"ar": "الحماية والدعم القانوني"}, "value": "legal", "next": "where"},
            ],
        },
        {
            "id": "where",
            "kind": "menu",
            "key": "location",
            "text": {"ar": "أين أنت الآن؟"},
            "options": [
                {"label": {"ar": "أربيل"}, "value": "Erbil", "next": "done"},
                {"label": {"ar": "الموصل"}, "value": "Mosul", "next": "done"},
            ],
        },
        {"id": "done", "kind": "handoff", "text": {"ar": "شكراً لك. سيتصل بك أحد موظفينا."}},
    ],
}


def test_arabic_menu_through_infobip_within_the_ucs2_budget(make_app):
    # Infobip sends no request number: "98" twice within DUPLICATE_WINDOW_SECONDS would be
    # taken as a retry, as for Nalo; a caller paging takes longer than the test does
    app = make_app(DUPLICATE_WINDOW_SECONDS=0)
    client = app.test_client()
    with app.app_context():
        menu = create_menu(parse_menu(ARABIC))
        publish(menu)
        set_service_code(menu, "*321#")
        db.session.commit()

    first = hop(client, "arabic", "start", "*321#", code="*321#")
    screens = [first]
    # page through the first question until its last option is shown, then choose it
    while "4." not in screens[-1][0]:
        assert "98." in screens[-1][0]
        screens.append(hop(client, "arabic", "response", "98", code="*321#"))
        assert len(screens) < 6
    screens.append(hop(client, "arabic", "response", "4", code="*321#"))
    assert "أين أنت الآن؟" in screens[-1][0]
    screens.append(hop(client, "arabic", "response", "2", code="*321#"))
    assert screens[-1] == ("شكراً لك. سيتصل بك أحد موظفينا.", True)
    assert len(screens) >= 4  # the first question did not fit one screen
    for text, _ in screens:
        assert not is_gsm7(text) and len(text) <= 80, text

    attrs = json.loads(rows(app, "SELECT attributes FROM handoffs")[0][0])
    assert "legal" in json.dumps(attrs) and "Mosul" in json.dumps(attrs), attrs
