"""Outgoing webhooks (ussd/handoff/webhooks.py): each event once per endpoint, signed per the
Standard Webhooks specification (checked by the standardwebhooks package's own verifier),
in order per endpoint through an outage, never to an address the endpoint may not reach."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from standardwebhooks.webhooks import Webhook

from tests.conftest import at_walk, rows
from tests.e2e.test_handoff_delivery import ENGLISH, FRENCH, TASKS, TWILIO, task_body, task_sid
from ussd.extensions import db
from ussd.handoff import deliveries, webhooks
from ussd.handoff.dispatcher import dispatch_due
from ussd.models import WebhookEndpoint, utcnow

URL = "https://cases.example.org/hooks/ussd"


def add_endpoint(app, url: str = URL, events=webhooks.EVENT_TYPES, **extra: Any) -> tuple[int, str]:
    with app.app_context():
        secret = webhooks.new_secret()
        row = WebhookEndpoint(
            name="Case system", url=url, events=",".join(events), secret=secret, **extra
        )
        db.session.add(row)
        db.session.commit()
        webhooks.cache().clear()
        return row.id, secret


def stored(endpoint_id: int) -> WebhookEndpoint:
    row = db.session.get(WebhookEndpoint, endpoint_id)
    assert row is not None
    return row


def send(app) -> deliveries.DeliveryReport:
    with app.app_context():
        return deliveries.dispatch_due()


def make_due(app) -> None:
    with app.app_context():
        db.session.execute(
            db.text("UPDATE outbox_messages SET next_attempt_at = :t"),
            {"t": (utcnow() - timedelta(seconds=1)).replace(tzinfo=None)},
        )
        db.session.commit()


def log_of(app) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in rows(
            app,
            "SELECT reference, status, attempts, result, last_error FROM outbox_messages "
            "WHERE kind = 'webhook' ORDER BY id",
        )
    ]


def verified(request, secret: str) -> dict[str, Any]:
    """The event, as the receiver's own Standard Webhooks verifier reads it."""
    headers = {k: v for k, v in request.headers.items()}
    return Webhook(secret).verify(request.body, headers)  # type: ignore[no-any-return]


# -- signing and the payload ----------------------------------------------------------------------


def test_a_submission_is_signed_and_verified_by_the_library(app, requests_mock):
    _, secret = add_endpoint(app)
    requests_mock.post(URL, status_code=200)
    replies = at_walk(app.test_client(), ENGLISH[0], session="ATUid_signed")
    assert replies[-1].startswith("END")
    assert requests_mock.call_count == 0  # the caller never waits for an endpoint
    report = send(app)
    assert report.delivered == 1
    [request] = requests_mock.request_history
    event = verified(request, secret)
    assert event["type"] == "submission.created"
    data = event["data"]
    assert {k: data[k] for k in ENGLISH[1]} == ENGLISH[1]
    assert [a["key"] for a in data["answers"]] == list(ENGLISH[1])
    assert data["ussd_session_id"] == "ATUid_signed"
    assert "caller" not in data and "from" not in data and "name" not in data
    [(session_id,)] = rows(app, "SELECT id FROM ussd_sessions")
    assert request.headers["webhook-id"] == f"evt_submission_{session_id}"
    assert request.headers["Content-Type"] == "application/json"
    [(reference, status, attempts, result, error)] = log_of(app)
    assert (status, attempts, error) == ("delivered", 1, "")
    assert result.startswith("HTTP 200 in ")


def test_a_tampered_body_or_another_secret_fails_verification(app, requests_mock):
    _, secret = add_endpoint(app)
    requests_mock.post(URL, status_code=204)
    at_walk(app.test_client(), FRENCH[0])
    send(app)
    [request] = requests_mock.request_history
    headers = dict(request.headers)
    with pytest.raises(Exception, match="signature"):
        Webhook(secret).verify(request.body.replace(b"Thies", b"Touba"), headers)
    with pytest.raises(Exception, match="signature"):
        Webhook(webhooks.new_secret()).verify(request.body, headers)


def test_the_callers_number_goes_only_to_endpoints_that_opted_in(app, requests_mock):
    plain_id, plain_secret = add_endpoint(app, "https://plain.example.org/h")
    opted_id, opted_secret = add_endpoint(app, "https://opted.example.org/h", include_phone=True)
    requests_mock.post("https://plain.example.org/h", status_code=200)
    requests_mock.post("https://opted.example.org/h", status_code=200)
    at_walk(app.test_client(), ENGLISH[0], phone="+221771112233")
    send(app)
    by_host = {r.hostname: r for r in requests_mock.request_history}
    assert "caller" not in verified(by_host["plain.example.org"], plain_secret)["data"]
    assert verified(by_host["opted.example.org"], opted_secret)["data"]["caller"] == "+221771112233"


def test_an_endpoint_gets_only_the_events_it_chose(app, requests_mock):
    add_endpoint(app, events=["handoff.failed"])
    add_endpoint(app, "https://off.example.org/h", enabled=False)
    at_walk(app.test_client(), ENGLISH[0])
    assert log_of(app) == []


def test_the_same_event_queued_twice_is_delivered_once(app, requests_mock):
    add_endpoint(app)
    requests_mock.post(URL, status_code=200)
    with app.app_context():
        for _ in range(2):
            webhooks.queue_event("reply.read", {"reply_id": 7}, "evt_reply_read_7")
            db.session.commit()
    send(app)
    make_due(app)
    send(app)
    assert requests_mock.call_count == 1
    assert requests_mock.request_history[0].headers["webhook-id"] == "evt_reply_read_7"


# -- an endpoint that is down, then back --------------------------------------------------------


def test_an_outage_delays_events_which_then_arrive_once_each_in_order(app, requests_mock):
    endpoint_id, secret = add_endpoint(app)
    other_id, _ = add_endpoint(app, "https://other.example.org/h")
    outage = [{"status_code": 503}, {"exc": requests.exceptions.ConnectTimeout}]
    requests_mock.post(URL, outage + [{"status_code": 200}] * 3)
    requests_mock.post("https://other.example.org/h", status_code=200)
    client = app.test_client()
    for n, (inputs, _) in enumerate([ENGLISH, FRENCH, ENGLISH]):
        at_walk(client, inputs, session=f"ATUid_outage{n}", phone=f"+22177000{n:04d}")

    send(app)  # the first event fails; the two behind it wait; the other endpoint gets all
    make_due(app)
    send(app)  # a timeout
    to_down = [r for r in requests_mock.request_history if r.hostname == "cases.example.org"]
    assert [r.headers["webhook-id"] for r in to_down] == ["evt_submission_1"] * 2
    statuses = {(r[0], r[1]) for r in log_of(app)}
    assert (f"webhook:{other_id}", "delivered") in statuses
    make_due(app)
    send(app)  # back: all three, in order
    to_down = [r for r in requests_mock.request_history if r.hostname == "cases.example.org"]
    sessions = [verified(r, secret)["data"]["ussd_session_id"] for r in to_down[2:]]
    assert sessions == ["ATUid_outage0", "ATUid_outage1", "ATUid_outage2"]
    mine = [r for r in log_of(app) if r[0] == f"webhook:{endpoint_id}"]
    assert [(status, attempts) for _, status, attempts, _, _ in mine] == [
        ("delivered", 3),
        ("delivered", 1),
        ("delivered", 1),
    ]
    make_due(app)
    assert send(app).claimed == 0


@pytest.mark.parametrize(
    ("answer", "status", "error"),
    [
        ({"status_code": 410}, "failed", "HTTP 410"),
        (
            {"status_code": 302, "headers": {"Location": "https://elsewhere.example.org/"}},
            "failed",
            "redirects are not followed",
        ),
        ({"status_code": 429}, "pending", "HTTP 429"),
        ({"status_code": 500}, "pending", "HTTP 500"),
        ({"exc": requests.exceptions.ConnectionError}, "pending", "could not connect"),
        ({"exc": requests.exceptions.ReadTimeout}, "pending", "no answer within 5 s"),
    ],
)
def test_answers_are_sorted_into_retry_and_failed(app, requests_mock, answer, status, error):
    add_endpoint(app)
    requests_mock.post(URL, **answer)
    requests_mock.get("https://elsewhere.example.org/", status_code=200)
    at_walk(app.test_client(), ENGLISH[0])
    send(app)
    [(_, found_status, _, _, found_error)] = log_of(app)
    assert found_status == status and error in found_error
    assert requests_mock.call_count == 1  # a redirect is never followed


def test_a_failed_delivery_is_sent_again_on_resend(app, requests_mock):
    add_endpoint(app)
    requests_mock.post(URL, [{"status_code": 400}, {"status_code": 200}])
    at_walk(app.test_client(), ENGLISH[0])
    send(app)
    [message_id] = [r[0] for r in rows(app, "SELECT id FROM outbox_messages")]
    with app.app_context():
        assert deliveries.retry(message_id) is True
        db.session.commit()
    send(app)
    assert [r[1] for r in log_of(app)] == ["delivered"]
    assert requests_mock.call_count == 2


def test_a_disabled_or_deleted_endpoint_gets_nothing_more(app, requests_mock):
    disabled_id, _ = add_endpoint(app)
    deleted_id, _ = add_endpoint(app, "https://gone.example.org/h")
    at_walk(app.test_client(), ENGLISH[0])
    with app.app_context():
        stored(disabled_id).enabled = False
        db.session.delete(stored(deleted_id))
        db.session.commit()
    send(app)
    assert requests_mock.call_count == 0
    assert [(r[1], r[3] or r[4]) for r in log_of(app)] == [
        ("failed", "the endpoint is disabled"),
        ("delivered", "not sent: the endpoint was deleted"),
    ]


def test_a_handoff_that_failed_is_told_to_endpoints(make_app, requests_mock):
    app = make_app(**TWILIO)
    _, secret = add_endpoint(app, events=["handoff.failed"])
    requests_mock.get(TASKS, json={"tasks": [], "meta": {"key": "tasks", "next_page_url": None}})
    requests_mock.post(
        TASKS, status_code=400, json={"code": 20001, "message": "bad", "status": 400}
    )
    requests_mock.post(URL, status_code=200)
    at_walk(app.test_client(), ENGLISH[0], session="ATUid_fails")
    with app.app_context():
        dispatch_due()
    send(app)
    [hook] = [r for r in requests_mock.request_history if r.url == URL]
    event = verified(hook, secret)
    assert event["type"] == "handoff.failed"
    assert event["data"]["ussd_session_id"] == "ATUid_fails"
    assert event["data"]["reason"].startswith("create task: HTTP 400")
    assert "bad" not in event["data"]["reason"]  # Twilio's wording stays out


# -- the whole path: a dial, a task and a webhook, each once -----------------------------------


def test_dial_to_one_task_and_one_webhook_with_the_endpoint_failing_first(make_app, requests_mock):
    app = make_app(**TWILIO)
    _, secret = add_endpoint(app)
    requests_mock.get(TASKS, json={"tasks": [], "meta": {"key": "tasks", "next_page_url": None}})
    requests_mock.post(TASKS, status_code=201, json=task_body(task_sid(9)))
    requests_mock.post(URL, [{"status_code": 503}, {"status_code": 502}, {"status_code": 200}])
    replies = at_walk(app.test_client(), ENGLISH[0], session="ATUid_both")
    assert replies[-1].startswith("END Thank you")
    for _ in range(3):
        with app.app_context():
            dispatch_due()
        send(app)
        make_due(app)
    tasks = [r for r in requests_mock.request_history if r.method == "POST" and r.url == TASKS]
    hooks = [r for r in requests_mock.request_history if r.url == URL]
    assert len(tasks) == 1
    assert len(hooks) == 3 and len({r.headers["webhook-id"] for r in hooks}) == 1
    assert verified(hooks[-1], secret)["data"]["ussd_session_id"] == "ATUid_both"
    assert [r[1] for r in log_of(app)] == ["delivered"]
    [(status,)] = rows(app, "SELECT status FROM handoffs")
    assert status == "delivered"


# -- addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "allow_private", "problem"),
    [
        ("https://cases.example.org/h", False, None),
        ("https://cases.example.org:8443/h?x=1", False, None),
        ("http://cases.example.org/h", False, "http:// is only for a private address"),
        ("http://cases.example.org/h", True, None),  # a name: checked when connecting
        ("http://10.0.0.5/h", True, None),
        ("http://10.0.0.5/h", False, "http:// is only for a private address"),
        ("http://93.184.216.34/h", True, "http:// is only for a private address"),
        ("https://127.0.0.1/h", False, "needs private addresses allowed"),
        ("https://127.0.0.1/h", True, None),
        ("https://[::1]/h", False, "needs private addresses allowed"),
        ("https://169.254.169.254/latest", False, "needs private addresses allowed"),
        ("https://192.168.1.10/h", False, "needs private addresses allowed"),
        ("https://[::ffff:10.0.0.1]/h", False, "needs private addresses allowed"),
        ("https://localhost/h", False, "a loopback address needs private addresses allowed"),
        ("https://93.184.216.34/h", False, None),
        ("ftp://cases.example.org/h", True, "must start with https://"),
        ("https:///h", False, "no host"),
        ("https://user:pw@cases.example.org/h", False, "user name or password"),
        ("https://cases.example.org:99999/h", False, "not a URL"),
        ("https://0.0.0.0/h", True, "needs private addresses allowed"),
    ],
)
def test_which_urls_an_endpoint_may_have(url, allow_private, problem):
    found = webhooks.url_problem(url, allow_private)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - the standard library's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[int]:
    """A local endpoint on a loopback address: the port it listens on."""
    Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_a_local_endpoint_needs_private_addresses_allowed(app, receiver):
    refused_id, _ = add_endpoint(app, f"http://127.0.0.1:{receiver}/refused")
    with app.app_context():  # saved when it was allowed, then unticked
        stored(refused_id).allow_private = False
        db.session.commit()
    _, secret = add_endpoint(app, f"http://127.0.0.1:{receiver}/ok", allow_private=True)
    at_walk(app.test_client(), ENGLISH[0])
    send(app)
    assert [(r[1], r[4]) for r in log_of(app)] == [
        (
            "failed",
            "refused: http:// is only for a private address, with private addresses allowed",
        ),
        ("delivered", ""),
    ]
    [(headers, body)] = Receiver.received
    assert Webhook(secret).verify(body, headers)["type"] == "submission.created"


def test_a_name_that_resolves_to_a_private_address_is_refused_when_connecting(
    app, receiver, monkeypatch
):
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == "cases.example.test" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    add_endpoint(app, f"https://cases.example.test:{receiver}/h")
    _, secret = add_endpoint(app, f"http://cases.example.test:{receiver}/h", allow_private=True)
    at_walk(app.test_client(), ENGLISH[0])
    send(app)
    [first, second] = log_of(app)
    assert first[1] == "failed" and "resolves to an address that is not allowed" in first[4]
    assert second[1] == "delivered"
    [(headers, body)] = Receiver.received  # nothing reached it from the first endpoint
    assert Webhook(secret).verify(body, headers)["data"]["location"] == "Dakar"


def test_the_test_event_reaches_an_endpoint_that_chose_no_events(app, requests_mock):
    endpoint_id, secret = add_endpoint(app, events=[])
    requests_mock.post(URL, status_code=200)
    with app.app_context():
        event_id = webhooks.queue_test_event(stored(endpoint_id))
        db.session.commit()
    send(app)
    [request] = requests_mock.request_history
    event = verified(request, secret)
    assert event["type"] == "webhook.test" and request.headers["webhook-id"] == event_id
    assert json.loads(request.body)["timestamp"].endswith("Z")


@pytest.mark.parametrize("event_id", ["evt.1", "", "evt 1", "é", "x" * 121])
def test_an_event_id_the_signature_could_confuse_is_refused(app, event_id):
    add_endpoint(app)
    with app.app_context(), pytest.raises(ValueError, match="letters, digits"):
        webhooks.queue_event("reply.read", {"reply_id": 1}, event_id)
