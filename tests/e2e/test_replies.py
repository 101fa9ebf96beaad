"""Two-way (DESIGN §5b): an agent answers through /flex/replies, the caller reads it on the
next dial (behind a PIN when they chose one), and the Flex task learns it was read, once.

Twilio is reached only at its real URLs through requests-mock: the token check
(iam.twilio.com, the answer shape of Twilio's own twilio-flex-token-validator) and TaskRouter.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests

from tests.conftest import at_turn, at_walk, rows
from tests.e2e.test_handoff_delivery import ACCOUNT, TASKS, TWILIO, task_body, task_sid
from ussd.extensions import db
from ussd.handoff import deliveries
from ussd.handoff.dispatcher import dispatch_due
from ussd.menu.document import parse_menu
from ussd.publishing import create_menu, publish, set_service_code
from ussd.replies.flex_tokens import forget_tokens

VALIDATE = f"https://iam.twilio.com/v1/Accounts/{ACCOUNT}/Tokens/validate"
AGENT_TOKEN = "flex-token-of-an-agent"
PHONE = "+221771234567"
VALID = {
    "code": 0,
    "valid": True,
    "identity": "amina@ngo.example",
    "worker_sid": "WK" + "e" * 32,
    "roles": ["agent"],
    "realm_user_id": None,
    "expiration": "2026-12-01T20:33:07Z",
    "message": None,
}
INVALID = {
    "code": 20101,
    "valid": False,
    "identity": None,
    "worker_sid": None,
    "roles": None,
    "message": "Invalid Access Token",
}


@pytest.fixture(autouse=True)
def fresh_token_cache():
    forget_tokens()
    yield
    forget_tokens()


@pytest.fixture
def twilio(make_app, requests_mock):
    """An app with Twilio configured, a demo request delivered as task 1, tokens valid."""
    app = make_app(**TWILIO, ORGANISATION_NAME="Hope Line")
    requests_mock.get(TASKS, json={"tasks": [], "meta": {"key": "tasks", "next_page_url": None}})
    requests_mock.post(TASKS, status_code=201, json=task_body(task_sid(1)))
    requests_mock.post(VALIDATE, json=VALID)
    client = app.test_client()
    at_walk(client, ["1", "1", "1", "1"], session="first", phone=PHONE)
    with app.app_context():
        assert dispatch_due().delivered == 1
    return app


def send(client, body: Any, token: str | None = AGENT_TOKEN, **headers: str):
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post("/flex/replies", data=data, headers=headers, content_type="application/json")


def listed(client, sid: str = task_sid(1), token: str = AGENT_TOKEN):
    return client.get(f"/flex/replies?task_sid={sid}", headers={"Authorization": f"Bearer {token}"})


def task_updates(requests_mock, sid: str = task_sid(1)) -> list[dict]:
    return [
        json.loads(parse_qs(r.text)["Attributes"][0])
        for r in requests_mock.request_history
        if r.method == "POST" and r.url.endswith(sid)
    ]


def deliver_messages(app) -> deliveries.DeliveryReport:
    with app.app_context():
        return deliveries.dispatch_due()


def test_an_agents_reply_is_read_on_the_next_dial_and_flex_is_told_once(twilio, requests_mock):
    app, client = twilio, twilio.test_client()
    sid = task_sid(1)
    requests_mock.get(f"{TASKS}/{sid}", json=task_body(sid) | {"attributes": '{"channel":"ussd"}'})
    requests_mock.post(f"{TASKS}/{sid}", json=task_body(sid))

    made = send(client, {"task_sid": sid, "text": "Go to the blue door at 10:00 tomorrow."})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["status"] == "waiting"
    shown = listed(client).get_json()
    assert [r["status"] for r in shown["replies"]] == ["waiting"]
    assert shown["replies"][0]["by"] == "amina@ngo.example"
    assert shown["language"] == "en" and shown["limits"]["screens"] == 3
    deliver_messages(app)
    assert task_updates(requests_mock)[-1] == {"channel": "ussd", "reply_status": "waiting"}

    offer = at_turn(client, "", session="second", phone=PHONE).get_data(as_text=True)
    assert offer == "CON You have a reply from Hope Line.\n1. Read\n2. Menu"
    read = at_turn(client, "1", session="second", phone=PHONE).get_data(as_text=True)
    assert read == "CON Go to the blue door at 10:00 tomorrow.\n1. Menu\n2. End"
    # the gateway retries the same request: same screen, read once
    again = at_turn(client, "1", session="second", phone=PHONE).get_data(as_text=True)
    assert again == read
    end = at_turn(client, "1*2", session="second", phone=PHONE).get_data(as_text=True)
    assert end == "END Goodbye."

    assert listed(client).get_json()["replies"][0]["status"] == "read"
    deliver_messages(app)
    deliver_messages(app)
    updates = task_updates(requests_mock)
    assert [u["reply_status"] for u in updates] == ["waiting", "read"]
    assert updates[-1]["reply_read_at"].endswith("Z")
    # nothing about the reply in the outbox after purge-less delivery but its status
    [(count,)] = rows(app, "SELECT count(*) FROM outbox_messages WHERE status = 'delivered'")
    assert count == 2

    # the next dial goes straight to the menu
    menu = at_turn(client, "", session="third", phone=PHONE).get_data(as_text=True)
    assert menu.startswith("CON ") and "Read" not in menu


def test_several_replies_newest_first_then_the_menu(twilio):
    client = twilio.test_client()
    for text in ("First answer.", "Second answer."):
        assert send(client, {"task_sid": task_sid(1), "text": text}).status_code == 201
    at_turn(client, "", session="s2", phone=PHONE)
    first = at_turn(client, "1", session="s2", phone=PHONE).get_data(as_text=True)
    assert first == "CON Second answer.\n1. Next reply\n2. Menu\n3. End"
    second = at_turn(client, "1*1", session="s2", phone=PHONE).get_data(as_text=True)
    assert second == "CON First answer.\n1. Menu\n2. End"
    menu = at_turn(client, "1*1*1", session="s2", phone=PHONE).get_data(as_text=True)
    assert menu.startswith("CON ") and "English" in menu
    assert {r[0] for r in rows(twilio, "SELECT status FROM replies")} == {"read"}


def test_a_long_reply_pages_within_the_budget(twilio):
    client = twilio.test_client()
    text = " ".join(["Bring your papers and a bottle of water to the office."] * 7)
    assert send(client, {"task_sid": task_sid(1), "text": text}).status_code == 201
    at_turn(client, "", session="s3", phone=PHONE)
    typed = ["1"]
    pages = [at_turn(client, "1", session="s3", phone=PHONE).get_data(as_text=True)]
    while "98. More" in pages[-1]:
        typed.append("98")
        pages.append(
            at_turn(client, "*".join(typed), session="s3", phone=PHONE).get_data(as_text=True)
        )
        assert len(pages) < 6
    assert len(pages) > 1
    assert all(len(p) - len("CON ") <= 182 for p in pages)
    shown = " ".join(p[4:].split("\n")[0] for p in pages)
    assert "papers" in shown and pages[-1].endswith("1. Menu\n2. End\n0. Back")


@pytest.mark.parametrize(
    ("body", "token", "validate", "status", "reason"),
    [
        ({"task_sid": task_sid(1), "text": "Hi"}, None, VALID, 401, "Bearer"),
        ({"task_sid": task_sid(1), "text": "Hi"}, AGENT_TOKEN, INVALID, 401, "not valid"),
        ({"task_sid": task_sid(1), "text": "Hi"}, AGENT_TOKEN, "down", 503, "could not be checked"),
        ({"task_sid": task_sid(1), "text": "Hi"}, AGENT_TOKEN, "creds", 503, "credentials"),
        (
            {"task_sid": task_sid(1), "text": "Hi"},
            AGENT_TOKEN,
            {**VALID, "roles": ["guest"]},
            403,
            "may not",
        ),
        ({"task_sid": task_sid(9), "text": "Hi"}, AGENT_TOKEN, VALID, 404, "no such task"),
        ({"task_sid": "not-a-sid", "text": "Hi"}, AGENT_TOKEN, VALID, 404, "no such task"),
        ({"task_sid": task_sid(1), "text": "   "}, AGENT_TOKEN, VALID, 400, "empty"),
        ({"task_sid": task_sid(1), "text": 42}, AGENT_TOKEN, VALID, 400, "text"),
        ({"task_sid": task_sid(1), "text": "a\x07b"}, AGENT_TOKEN, VALID, 400, "control"),
        ({"task_sid": task_sid(1), "text": "x" * 500}, AGENT_TOKEN, VALID, 400, "too long"),
        ({"task_sid": task_sid(1), "text": "ب" * 200}, AGENT_TOKEN, VALID, 400, "UCS-2"),
        ("not json", AGENT_TOKEN, VALID, 400, "send JSON"),
        ({"task_sid": task_sid(1), "text": "soft\u00adhyphen"}, AGENT_TOKEN, VALID, 400, "control"),
    ],
)
def test_refused_replies_say_why_and_store_nothing(
    twilio, requests_mock, body, token, validate, status, reason
):
    if validate == "down":
        requests_mock.post(VALIDATE, exc=requests.exceptions.ConnectTimeout)
    elif validate == "creds":
        requests_mock.post(VALIDATE, status_code=401, json={"code": 20003, "status": 401})
    else:
        requests_mock.post(VALIDATE, json=validate)
    answer = send(twilio.test_client(), body, token=token)
    assert answer.status_code == status, answer.get_json()
    assert reason in answer.get_json()["error"]
    assert rows(twilio, "SELECT count(*) FROM replies")[0][0] == 0
    assert rows(twilio, "SELECT count(*) FROM outbox_messages")[0][0] == 0


def test_a_valid_token_is_checked_once_then_remembered_and_never_logged(
    twilio, requests_mock, caplog
):
    client = twilio.test_client()
    for _ in range(3):
        assert listed(client).status_code == 200
    checks = [r for r in requests_mock.request_history if r.url == VALIDATE]
    assert len(checks) == 1
    assert json.loads(checks[0].text) == {"token": AGENT_TOKEN}
    assert checks[0].headers["Authorization"].startswith("Basic ")
    send(client, {"task_sid": task_sid(1), "text": "A private answer"})
    logged = caplog.text
    assert AGENT_TOKEN not in logged and "private answer" not in logged and PHONE not in logged


def test_cors_only_for_the_flex_origins(twilio):
    client = twilio.test_client()
    preflight = client.options(
        "/flex/replies",
        headers={"Origin": "https://flex.twilio.com", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://flex.twilio.com"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    other = client.options("/flex/replies", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_replies_per_agent_are_limited(make_app, requests_mock):
    app = make_app(**TWILIO, MAX_REPLIES_PER_AGENT_PER_HOUR=2)
    requests_mock.get(TASKS, json={"tasks": [], "meta": {"key": "tasks", "next_page_url": None}})
    requests_mock.post(TASKS, status_code=201, json=task_body(task_sid(1)))
    requests_mock.post(VALIDATE, json=VALID)
    client = app.test_client()
    at_walk(client, ["1", "1", "1", "1"], session="x", phone=PHONE)
    with app.app_context():
        dispatch_due()
    codes = [send(client, {"task_sid": task_sid(1), "text": f"n{i}"}).status_code for i in range(3)]
    assert codes == [201, 201, 429]


def test_a_reply_to_an_erased_caller_is_not_found(twilio):
    from ussd.privacy.retention import erase_phone

    client = twilio.test_client()
    assert send(client, {"task_sid": task_sid(1), "text": "Before"}).status_code == 201
    with twilio.app_context():
        erase_phone(PHONE)
        db.session.commit()
    assert rows(twilio, "SELECT count(*) FROM replies")[0][0] == 0
    after = send(client, {"task_sid": task_sid(1), "text": "After"})
    assert after.status_code == 404
    assert rows(twilio, "SELECT count(*) FROM replies")[0][0] == 0


PIN_MENU = {
    "format": 1,
    "name": "Hotline with a PIN",
    "languages": ["en"],
    "start": "need",
    "nodes": [
        {
            "id": "need",
            "kind": "menu",
            "key": "support_type",
            "text": {"en": "What do you need?"},
            "options": [{"label": {"en": "Legal"}, "value": "Legal", "next": "pin"}],
        },
        {
            "id": "pin",
            "kind": "input",
            "key": "reply_pin",
            "text": {"en": "Choose a 4-digit PIN to protect replies."},
            "validation": {"type": "pattern", "pattern": "[0-9]{4}"},
            "error": {"en": "Please type 4 digits."},
            "next": "done",
        },
        {"id": "done", "kind": "handoff", "text": {"en": "Thank you. Dial again to read a reply."}},
    ],
}


@pytest.fixture
def pin_app(make_app, requests_mock):
    app = make_app(**TWILIO)
    with app.app_context():
        menu = create_menu(parse_menu(PIN_MENU))
        publish(menu)
        set_service_code(menu, "*555#")
        db.session.commit()
    requests_mock.get(TASKS, json={"tasks": [], "meta": {"key": "tasks", "next_page_url": None}})
    requests_mock.post(TASKS, status_code=201, json=task_body(task_sid(2)))
    requests_mock.post(VALIDATE, json=VALID)
    client = app.test_client()
    for text in ("", "1", "1*12", "1*12*4826"):
        screen = at_turn(client, text, session="pin-1", code="*555#").get_data(as_text=True)
    assert screen == "END Thank you. Dial again to read a reply."
    with app.app_context():
        dispatch_due()
    assert send(client, {"task_sid": task_sid(2), "text": "Your case is open."}).status_code == 201
    return app


def test_the_pin_is_never_stored_sent_or_shown(pin_app, requests_mock):
    [created] = [r for r in requests_mock.request_history if r.method == "POST" and r.url == TASKS]
    attributes = json.loads(parse_qs(created.text)["Attributes"][0])
    assert "reply_pin" not in json.dumps(attributes) and "4826" not in json.dumps(attributes)
    [(state,)] = rows(pin_app, "SELECT state FROM ussd_sessions")
    assert "4826" not in state
    [(pin_hash,)] = rows(pin_app, "SELECT pin_hash FROM reply_guards")
    assert pin_hash and "4826" not in pin_hash


def test_reading_asks_for_the_pin_first(pin_app):
    client = pin_app.test_client()
    assert "Read" in at_turn(client, "", session="pin-2", code="*555#").get_data(as_text=True)
    ask = at_turn(client, "1", session="pin-2", code="*555#").get_data(as_text=True)
    assert ask == "CON Enter your PIN.\n0. Back"
    wrong = at_turn(client, "1*9999", session="pin-2", code="*555#").get_data(as_text=True)
    assert wrong == "CON Wrong PIN.\nEnter your PIN.\n0. Back"
    read = at_turn(client, "1*9999*4826", session="pin-2", code="*555#").get_data(as_text=True)
    assert read == "CON Your case is open.\n1. Menu\n2. End"
    [(tries,)] = rows(pin_app, "SELECT wrong_tries FROM reply_guards")
    assert tries == 0


def test_three_wrong_pins_lock_reading_but_not_the_menu(pin_app):
    client = pin_app.test_client()
    typed = ["1"]
    at_turn(client, "", session="pin-3", code="*555#")
    at_turn(client, "1", session="pin-3", code="*555#")
    for wrong in ("0000", "1111", "2222"):
        typed.append(wrong)
        screen = at_turn(client, "*".join(typed), session="pin-3", code="*555#").get_data(
            as_text=True
        )
    assert screen == "CON Too many wrong PINs. Try again in an hour.\n1. Menu\n2. End"
    [(locked,)] = rows(pin_app, "SELECT locked_until FROM reply_guards")
    assert locked is not None
    typed.append("1")
    menu = at_turn(client, "*".join(typed), session="pin-3", code="*555#").get_data(as_text=True)
    assert menu == "CON What do you need?\n1. Legal"
    # the lock holds on the next dial, even with the right PIN
    at_turn(client, "", session="pin-4", code="*555#")
    at_turn(client, "1", session="pin-4", code="*555#")
    still = at_turn(client, "1*4826", session="pin-4", code="*555#").get_data(as_text=True)
    assert still.startswith("CON Too many wrong PINs")
    assert rows(pin_app, "SELECT status FROM replies")[0][0] == "waiting"


def test_the_simulator_never_shows_or_keeps_a_pin(app, client, accounts):
    """A PIN typed in the editor's simulator shows as **** and sets nobody's PIN."""
    from tests.conftest import login, token

    with app.app_context():
        menu_id = create_menu(parse_menu(PIN_MENU)).id
        db.session.commit()
    assert login(client, "editor").status_code == 302
    csrf = token(client, f"/editor/menus/{menu_id}")

    def sim(action, entry=""):
        data = {
            "csrf_token": csrf,
            "sim-source": "draft",
            "sim-gateway": "africastalking",
            "sim-phone": "+221770000000",
            f"sim-{action}": "1",
            "sim-entry": entry,
        }
        url = f"/editor/menus/{menu_id}/simulate"
        return client.post(url, data=data, headers={"Accept": "application/json"}).get_json()

    assert sim("dial")["text"] == "What do you need?\n1. Legal"
    sim("send", "1")
    typed = sim("send", "4826")
    assert typed["transcript"] == ["1", "****"] and "4826" not in json.dumps(typed)
    assert rows(app, "SELECT count(*) FROM reply_guards")[0][0] == 0  # a trial sets no PIN


def test_canned_replies_in_the_callers_language_else_english(twilio):
    from ussd.models import CannedReply

    with twilio.app_context():
        db.session.add(CannedReply(lang="en", title="Office", text="Our office opens at 9."))
        db.session.commit()
    shown = listed(twilio.test_client()).get_json()
    assert shown["canned_language"] == "en"
    assert [c["title"] for c in shown["canned"]] == ["Office"]
    with twilio.app_context():
        db.session.add(CannedReply(lang="en", title="Hours", text="We answer from 8 to 8."))
        db.session.commit()
    titles = [c["title"] for c in listed(twilio.test_client()).get_json()["canned"]]
    assert titles == ["Hours", "Office"]


def test_reply_texts_are_sealed_at_rest_wherever_they_are_kept(make_app, requests_mock):
    """With ENCRYPTION_KEYS, neither the reply row nor the screen the caller last saw (which
    showed the reply) holds the text in clear."""
    from ussd.privacy import crypto

    app = make_app(**TWILIO, ENCRYPTION_KEYS=crypto.new_key())
    try:
        requests_mock.get(
            TASKS, json={"tasks": [], "meta": {"key": "tasks", "next_page_url": None}}
        )
        requests_mock.post(TASKS, status_code=201, json=task_body(task_sid(1)))
        requests_mock.post(VALIDATE, json=VALID)
        client = app.test_client()
        at_walk(client, ["1", "1", "1", "1"], session="enc-1", phone=PHONE)
        with app.app_context():
            dispatch_due()
        secret = "Meet at the clinic's back door."
        assert send(client, {"task_sid": task_sid(1), "text": secret}).status_code == 201
        at_turn(client, "", session="enc-2", phone=PHONE)
        read = at_turn(client, "1", session="enc-2", phone=PHONE).get_data(as_text=True)
        assert secret in read
        stored = rows(app, "SELECT text FROM replies") + rows(
            app, "SELECT last_screen FROM ussd_sessions"
        )
        assert stored and all("clinic" not in str(value) for (value,) in stored)
        assert all(str(value).startswith("enc1:") for (value,) in stored if value)
    finally:
        crypto.configure("")


def test_bengali_spelling_with_zero_width_joiners_is_a_reply(twilio):
    text = "র\u200d্যাব অফিসে আসুন।"  # ZWJ as Bengali writes র‍্যা
    made = send(twilio.test_client(), {"task_sid": task_sid(1), "text": text})
    assert made.status_code == 201, made.get_json()
