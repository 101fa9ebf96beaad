"""Dial through bdapps / Applink (issue 16, item 4), asynchronous: every request to
/ussd/bdapps is acknowledged with S1000 at once, and its screen leaves from the outbox by a
POST to the platform's send URL (a requests-mock stand-in, and once a real local HTTP
server), mt-cont until the mt-fin that ends the session. The dispatcher's pass runs between
hops, as the dispatcher thread does after each commit."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from tests.conftest import TOKEN, rows
from tests.e2e.test_dial_demo import WALKS
from tests.e2e.test_dial_infobip import ARABIC
from tests.e2e.test_handoff_delivery import TASKS, TWILIO, form, posts, task_body, task_sid
from ussd.extensions import db
from ussd.handoff import deliveries, dispatcher
from ussd.menu.document import parse_menu
from ussd.menu.gsm import is_gsm7
from ussd.models import OutboxMessage, utcnow
from ussd.publishing import create_menu, publish, set_service_code

SEND_URL = "https://developer.bdapps.example/ussd/send"
BDAPPS = {
    "BDAPPS_SEND_URL": SEND_URL,
    "BDAPPS_APP_ID": "APP_000001",
    "BDAPPS_APP_PASSWORD": "app-password-1",
}
HEADERS = {"X-USSD-Token": TOKEN}
ADDRESS = "tel:8801812345678"
WELCOME = "Welcome / Bienvenue\n1. English\n2. Français"
SENT = {"statusCode": "S1000", "timeStamp": "1203051205", "statusDetail": "Success"}


class Caller:
    """One caller's session on the platform: numbers its requests as bdapps does."""

    def __init__(self, client, session: str, address: str = ADDRESS, code: str = "*123*456#"):
        self.client = client
        self.session = session
        self.address = address
        self.code = code
        self.request = 0

    def body(self, message: str, first: bool) -> dict[str, Any]:
        self.request += 1
        return {
            "message": message,
            "ussdOperation": "mo-init" if first else "mo-cont",
            "requestId": f"{self.session}-{self.request}",
            "vlrAddress": "some vlr address",
            "sessionId": self.session,
            "encoding": "440",
            "sourceAddress": self.address,
            "applicationId": "APP_000001",
            "version": "1.0",
        }

    def post(self, body: dict[str, Any]):
        reply = self.client.post("/ussd/bdapps", json=body, headers=HEADERS)
        assert reply.status_code == 200, reply.get_data(as_text=True)
        assert reply.get_json() == {"statusCode": "S1000", "statusDetail": "Success"}
        return reply

    def dial(self) -> dict[str, Any]:
        body = self.body(self.code, first=True)
        self.post(body)
        return body

    def press(self, entry: str) -> dict[str, Any]:
        body = self.body(entry, first=False)
        self.post(body)
        return body


def dispatch(app) -> deliveries.DeliveryReport:
    with app.app_context():
        return deliveries.dispatch_due()


def sent_screens(mock) -> list[dict[str, Any]]:
    return [r.json() for r in mock.request_history if r.url == SEND_URL]


def outbox(app) -> list[Any]:
    return rows(app, "SELECT kind, status, attempts, last_error FROM outbox_messages ORDER BY id")


@pytest.fixture
def bdapps_app(make_app):
    return make_app(**BDAPPS, **TWILIO)


@pytest.mark.parametrize("language", ["English", "French"])
def test_demo_walk_screens_arrive_in_order_and_one_task(bdapps_app, requests_mock, language):
    requests_mock.post(SEND_URL, json=SENT)
    requests_mock.post(TASKS, status_code=201, json=task_body(task_sid(1)))
    inputs, expected, thanks = WALKS[language]
    caller = Caller(bdapps_app.test_client(), f"bd-{language}")

    caller.dial()
    assert sent_screens(requests_mock) == []  # the acknowledgement never waits for the send
    assert dispatch(bdapps_app).delivered == 1
    for entry in inputs:
        caller.press(entry)
        assert dispatch(bdapps_app).delivered == 1

    screens = sent_screens(requests_mock)
    assert [s["ussdOperation"] for s in screens] == ["mt-cont"] * len(inputs) + ["mt-fin"]
    assert screens[0]["message"] == WELCOME and screens[-1]["message"] == thanks
    for screen in screens:
        assert screen["applicationId"] == "APP_000001"
        assert screen["password"] == "app-password-1"
        assert screen["sessionId"] == f"bd-{language}" and screen["destinationAddress"] == ADDRESS
        assert screen["version"] == "1.0" and len(screen["message"]) <= 160
    assert {row.status for row in outbox(bdapps_app)} == {"delivered"}

    with bdapps_app.app_context():
        assert dispatcher.dispatch_due().delivered == 1  # the Flex task
    [task] = posts(requests_mock)
    attributes = json.loads(form(task)["Attributes"])
    assert {k: attributes[k] for k in expected} == expected
    assert (
        attributes["from"] == "+8801812345678" and attributes["ussd_session_id"] == caller.session
    )
    assert "callable" not in attributes
    with bdapps_app.app_context():
        assert dispatcher.dispatch_due().claimed == 0
    assert len(posts(requests_mock)) == 1


def test_a_repeated_request_queues_nothing_new_and_advances_once(bdapps_app, requests_mock):
    requests_mock.post(SEND_URL, json=SENT)
    caller = Caller(bdapps_app.test_client(), "bd-repeat")
    first = caller.dial()
    caller.post(first)  # the platform sends the same mo-init again
    choice = caller.press("1")
    caller.post(choice)
    caller.post(first)  # an older request replayed after a newer one
    assert len(outbox(bdapps_app)) == 2
    [(hops,)] = rows(bdapps_app, "SELECT hops FROM ussd_sessions")
    assert hops == 2
    dispatch(bdapps_app)
    assert [s["message"].split("\n")[0] for s in sent_screens(requests_mock)] == [
        "Welcome / Bienvenue",
        "Where are you?",
    ]


def test_a_screen_that_expired_is_never_sent(bdapps_app, requests_mock):
    requests_mock.post(SEND_URL, json=SENT)
    Caller(bdapps_app.test_client(), "bd-late").dial()
    with bdapps_app.app_context():
        db.session.execute(
            db.text("UPDATE outbox_messages SET expires_at = :t"),
            {"t": (utcnow() - timedelta(seconds=1)).replace(tzinfo=None)},
        )
        db.session.commit()
    report = dispatch(bdapps_app)
    assert report.failed == 1 and sent_screens(requests_mock) == []
    [row] = outbox(bdapps_app)
    assert row.status == "failed" and "expired" in row.last_error


def test_the_screen_expires_within_the_configured_time(make_app):
    app = make_app(**BDAPPS, BDAPPS_SCREEN_SECONDS=7)
    Caller(app.test_client(), "bd-expiry").dial()
    with app.app_context():
        [message] = db.session.scalars(db.select(OutboxMessage)).all()
        assert message.expires_at - message.created_at == timedelta(seconds=7)


@pytest.mark.parametrize(
    ("answers", "statuses", "sent"),
    [
        # the platform's transient code, then success: sent on the second try
        (
            [{"json": {"statusCode": "E1601", "statusDetail": "unexpected"}}, {"json": SENT}],
            ["pending", "delivered"],
            2,
        ),
        (
            [{"status_code": 502, "text": "bad gateway"}, {"json": SENT}],
            ["pending", "delivered"],
            2,
        ),
        ([{"exc": requests.ConnectionError}, {"json": SENT}], ["pending", "delivered"], 2),
        # refused: never tried again
        (
            [{"json": {"statusCode": "E1313", "statusDetail": "Authentication failure"}}],
            ["failed", "failed"],
            1,
        ),
        # a redirect is not followed: the password goes to the configured host only
        (
            [{"status_code": 307, "headers": {"Location": "https://elsewhere.example/send"}}],
            ["failed", "failed"],
            1,
        ),
        # it may have arrived: never sent twice
        ([{"exc": requests.ReadTimeout}], ["failed", "failed"], 1),
    ],
)
def test_send_failures_are_retried_or_refused(bdapps_app, requests_mock, answers, statuses, sent):
    requests_mock.post(SEND_URL, answers)
    Caller(bdapps_app.test_client(), "bd-retry").dial()
    dispatch(bdapps_app)
    assert outbox(bdapps_app)[0].status == statuses[0]
    with bdapps_app.app_context():
        db.session.execute(
            db.text("UPDATE outbox_messages SET next_attempt_at = :t"),
            {"t": (utcnow() - timedelta(seconds=1)).replace(tzinfo=None)},
        )
        db.session.commit()
    dispatch(bdapps_app)
    assert outbox(bdapps_app)[0].status == statuses[1]
    assert len(sent_screens(requests_mock)) == sent
    assert "app-password-1" not in outbox(bdapps_app)[0].last_error


def test_a_screen_fails_at_once_while_the_send_url_is_not_configured(make_app, requests_mock):
    # a screen is worth nothing later: it fails, saying why, instead of waiting
    app = make_app(BDAPPS_APP_ID="APP_000001")
    Caller(app.test_client(), "bd-unconfigured").dial()
    assert dispatch(app).failed == 1
    [row] = outbox(app)
    assert row.status == "failed" and "BDAPPS_SEND_URL" in row.last_error
    assert requests_mock.call_count == 0


def test_a_later_screen_waits_behind_an_earlier_one(bdapps_app, requests_mock):
    requests_mock.post(SEND_URL, [{"status_code": 503, "text": "down"}, {"json": SENT}])
    caller = Caller(bdapps_app.test_client(), "bd-order")
    caller.dial()
    dispatch(bdapps_app)  # the first screen fails once
    caller.press("1")
    with bdapps_app.app_context():
        db.session.execute(
            db.text("UPDATE outbox_messages SET next_attempt_at = :t"),
            {"t": (utcnow() - timedelta(seconds=1)).replace(tzinfo=None)},
        )
        db.session.commit()
    requests_mock.post(SEND_URL, json=SENT)
    dispatch(bdapps_app)
    messages = [s["message"].split("\n")[0] for s in sent_screens(requests_mock)]
    assert messages == ["Welcome / Bienvenue", "Welcome / Bienvenue", "Where are you?"]


# -- a masked subscriber ------------------------------------------------------------------------


def test_a_masked_caller_keeps_the_session_and_is_marked_not_callable(bdapps_app, requests_mock):
    requests_mock.post(SEND_URL, json=SENT)
    requests_mock.post(TASKS, status_code=201, json=task_body(task_sid(2)))
    inputs, expected, _ = WALKS["English"]
    caller = Caller(bdapps_app.test_client(), "bd-masked", address="tel:5C74B588F97")
    caller.dial()
    for entry in inputs:
        caller.press(entry)
    dispatch(bdapps_app)
    screens = sent_screens(requests_mock)
    assert {s["destinationAddress"] for s in screens} == {"tel:5C74B588F97"}
    assert screens[-1]["ussdOperation"] == "mt-fin"

    [(phone, phone_hash)] = rows(bdapps_app, "SELECT phone, phone_hash FROM ussd_sessions")
    assert phone == "masked:5C74B588F97" and len(phone_hash) == 32
    [(attributes,)] = rows(bdapps_app, "SELECT attributes FROM handoffs")
    attributes = json.loads(attributes)
    assert attributes["callable"] is False
    assert "from" not in attributes and "from_unverified" not in attributes
    assert {k: attributes[k] for k in expected} == expected


def test_masked_callers_are_told_apart_by_their_whole_id(bdapps_app, requests_mock):
    requests_mock.post(SEND_URL, json=SENT)
    client = bdapps_app.test_client()
    # the same digits, different ids: two callers, not one
    Caller(client, "bd-m1", address="tel:5C74B588F97").dial()
    Caller(client, "bd-m2", address="tel:5D74B588F97").dial()
    hashes = {h for (h,) in rows(bdapps_app, "SELECT phone_hash FROM ussd_sessions")}
    assert len(hashes) == 2


# -- an Arabic menu, UCS-2: every screen within 80 characters ------------------------------------


def test_arabic_menu_through_bdapps_within_the_ucs2_budget(bdapps_app, requests_mock):
    requests_mock.post(SEND_URL, json=SENT)
    with bdapps_app.app_context():
        menu = create_menu(parse_menu(ARABIC))
        publish(menu)
        set_service_code(menu, "*321#")
        db.session.commit()
    caller = Caller(bdapps_app.test_client(), "bd-arabic", code="*321#")
    caller.dial()
    dispatch(bdapps_app)
    # page through the first question until its last option shows, then choose it
    while "4." not in sent_screens(requests_mock)[-1]["message"]:
        assert "98." in sent_screens(requests_mock)[-1]["message"]
        caller.press("98")
        dispatch(bdapps_app)
        assert len(sent_screens(requests_mock)) < 6
    for entry in ("4", "2"):
        caller.press(entry)
        dispatch(bdapps_app)
    screens = sent_screens(requests_mock)
    assert len(screens) >= 4  # the first question did not fit one screen
    assert screens[-1]["message"] == "شكراً لك. سيتصل بك أحد موظفينا."
    assert screens[-1]["ussdOperation"] == "mt-fin"
    for screen in screens:
        assert not is_gsm7(screen["message"]) and len(screen["message"]) <= 80
        assert "encoding" not in screen  # the documents define only plain ASCII's


# -- hostile input: the platform's error code, a one-line reason, nothing stored -----------------

GOOD = {
    "message": "*123*456#",
    "ussdOperation": "mo-init",
    "requestId": "1",
    "sessionId": "bd-hostile",
    "encoding": "440",
    "sourceAddress": ADDRESS,
    "applicationId": "APP_000001",
    "version": "1.0",
}


@pytest.mark.parametrize(
    ("data", "headers", "status", "code", "reason"),
    [
        (json.dumps({**GOOD, "ussdOperation": "mt-fin"}), HEADERS, 400, "E1312", "unknown ussdOp"),
        (
            json.dumps({k: v for k, v in GOOD.items() if k != "sessionId"}),
            HEADERS,
            400,
            "E1312",
            "missing field sessionId",
        ),
        (json.dumps({**GOOD, "requestId": 12.5}), HEADERS, 200, "S1000", ""),
        (json.dumps({**GOOD, "message": None}), HEADERS, 400, "E1312", "missing field message"),
        (
            json.dumps({**GOOD, "sourceAddress": 8801812345678}),
            HEADERS,
            400,
            "E1312",
            "must be a string",
        ),
        (b'{"message": "\xff"}', HEADERS, 400, "E1312", "not valid UTF-8"),
        (b"not json", HEADERS, 400, "E1312", "not valid JSON"),
        (b"", HEADERS, 400, "E1312", "empty body"),
        (json.dumps({**GOOD, "message": "x" * 9000}), HEADERS, 413, "E1312", "too large"),
        (
            json.dumps({**GOOD, "applicationId": "APP_000002"}),
            HEADERS,
            401,
            "E1313",
            "not this application",
        ),
        (json.dumps({**GOOD, "password": "guess"}), HEADERS, 401, "E1313", "wrong password"),
        (json.dumps(GOOD), {}, 401, "E1313", "missing webhook token"),
        (json.dumps(GOOD), {"X-USSD-Token": "wrong"}, 401, "E1313", "wrong webhook token"),
    ],
)
def test_hostile_input_gets_the_platforms_code_and_changes_nothing(
    bdapps_app, data, headers, status, code, reason
):
    reply = bdapps_app.test_client().post(
        "/ussd/bdapps", data=data, headers=headers, content_type="application/json"
    )
    assert reply.status_code == status
    body = reply.get_json()
    assert body["statusCode"] == code and reason in body.get("statusDetail", "")
    assert "\n" not in body["statusDetail"]
    if status != 200:
        assert rows(bdapps_app, "SELECT COUNT(*) FROM ussd_sessions")[0][0] == 0
        assert rows(bdapps_app, "SELECT COUNT(*) FROM outbox_messages")[0][0] == 0


def test_other_methods_are_refused_in_the_platforms_terms(bdapps_app):
    reply = bdapps_app.test_client().get("/ussd/bdapps", headers=HEADERS)
    assert reply.status_code == 405 and reply.headers["Allow"] == "POST"
    assert reply.get_json()["statusCode"] == "E1312"


def test_an_internal_error_still_sends_the_caller_an_apology(
    bdapps_app, requests_mock, monkeypatch
):
    from ussd.sessions import service

    requests_mock.post(SEND_URL, json=SENT)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("menu engine broke")

    monkeypatch.setattr(service, "start_session", broken)
    Caller(bdapps_app.test_client(), "bd-broken").dial()
    dispatch(bdapps_app)
    [screen] = sent_screens(requests_mock)
    assert screen["ussdOperation"] == "mt-fin" and screen["message"]


# -- one walk against a real HTTP server on this machine ----------------------------------------


class StandIn(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - the standard library's name
        length = int(self.headers.get("Content-Length") or 0)
        StandIn.received.append(json.loads(self.rfile.read(length)))
        body = json.dumps(SENT).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - its signature
        return


def test_screens_reach_a_real_send_api_on_loopback(make_app):
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    StandIn.received = []
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/ussd/send"
        app = make_app(**{**BDAPPS, "BDAPPS_SEND_URL": url})
        caller = Caller(app.test_client(), "bd-loopback")
        caller.dial()
        dispatch(app)
        for entry in WALKS["English"][0]:
            caller.press(entry)
            dispatch(app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    operations = [screen["ussdOperation"] for screen in StandIn.received]
    assert operations == ["mt-cont"] * 4 + ["mt-fin"]
    assert StandIn.received[-1]["message"] == WALKS["English"][2]


# -- screens go first ---------------------------------------------------------------------------


def test_screens_can_be_sent_alone(bdapps_app, requests_mock):
    requests_mock.post(SEND_URL, json=SENT)
    Caller(bdapps_app.test_client(), "bd-alone").dial()
    with bdapps_app.app_context():
        deliveries.enqueue(deliveries.Queued("webhook", "event-1", {"n": 1}))
        db.session.commit()
        report = deliveries.dispatch_due(kinds=("gateway_screen",))
    assert report.delivered == 1 and len(sent_screens(requests_mock)) == 1
    assert [row.status for row in outbox(bdapps_app)] == ["delivered", "pending"]


def test_the_dispatcher_sends_screens_before_handoffs_and_the_rest(bdapps_app, monkeypatch):
    worker = dispatcher.Dispatcher(bdapps_app)
    calls: list[Any] = []

    def handoffs(**kwargs: Any) -> dispatcher.DeliveryReport:
        calls.append("hand-offs")
        return dispatcher.DeliveryReport()

    def messages(limit: int = 50, now: Any = None, kinds: Any = None) -> Any:
        calls.append(tuple(kinds) if kinds is not None else "every kind")
        if kinds is None:
            worker._stopping.set()  # one pass is enough
        return deliveries.DeliveryReport()

    monkeypatch.setattr(dispatcher, "dispatch_due", handoffs)
    monkeypatch.setattr(deliveries, "dispatch_due", messages)
    worker._last_housekeeping = float("inf")  # no housekeeping in this pass
    worker.wake.set()
    worker.start()
    assert worker.thread is not None
    worker.thread.join(timeout=30)
    assert not worker.alive
    assert calls == [("gateway_screen",), "hand-offs", "every kind"]


def test_a_queued_screen_is_encrypted_at_rest_and_sent_in_clear(make_app, requests_mock):
    from ussd.privacy import crypto

    requests_mock.post(SEND_URL, json=SENT)
    app = make_app(**BDAPPS, ENCRYPTION_KEYS=crypto.new_key())
    Caller(app.test_client(), "bd-encrypted").dial()
    [(stored,)] = rows(app, "SELECT payload FROM outbox_messages")
    assert "8801812345678" not in stored and "Bienvenue" not in stored
    dispatch(app)
    [screen] = sent_screens(requests_mock)
    assert screen["destinationAddress"] == ADDRESS and screen["message"] == WELCOME
