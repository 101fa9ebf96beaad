"""The general outbox (ussd/handoff/deliveries.py): each message once, in order per key,
retried with back-off, settled when the other side is gone, never sent after it expired."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.conftest import rows
from tests.e2e.test_handoff_delivery import TASKS, TWILIO, task_body, task_sid
from ussd.extensions import db
from ussd.handoff import deliveries, senders
from ussd.handoff.taskrouter import Gone, Refused, Retry
from ussd.models import utcnow


class Recorder:
    """A sender that records payloads and answers with the outcomes it is given in turn."""

    kind = "test"

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.outcomes: list[Any] = []
        self.failures: dict[str, int] = {}  # message -> how many sends fail before it goes
        self.waiting: str | None = None

    def waiting_reason(self) -> str | None:
        return self.waiting

    def send(self, payload: Mapping[str, Any]) -> str:
        self.sent.append(dict(payload))
        if self.failures.get(payload["n"], 0) > 0:
            self.failures[payload["n"]] -= 1
            raise Retry("endpoint down")
        outcome = self.outcomes.pop(0) if self.outcomes else "ok"
        if isinstance(outcome, Exception):
            raise outcome
        return str(outcome)


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    sender = Recorder()
    monkeypatch.setattr(senders, "all_senders", lambda config: [sender])
    return sender


def queue(app, key: str, ordering: str = "", **extra: Any) -> bool:
    with app.app_context():
        new = deliveries.enqueue(
            deliveries.Queued("test", key, {"n": key}, ordering_key=ordering, **extra)
        )
        db.session.commit()
        return new


def send(app, **kwargs: Any) -> deliveries.DeliveryReport:
    with app.app_context():
        return deliveries.dispatch_due(**kwargs)


def statuses(app) -> list[tuple[str, str]]:
    return [
        tuple(r) for r in rows(app, "SELECT dedupe_key, status FROM outbox_messages ORDER BY id")
    ]


def make_due(app) -> None:
    with app.app_context():
        db.session.execute(
            db.text("UPDATE outbox_messages SET next_attempt_at = :t"),
            {"t": utcnow() - timedelta(seconds=1)},
        )
        db.session.commit()


def test_the_same_event_queued_twice_is_stored_and_sent_once(app, recorder):
    assert queue(app, "event-1") is True
    assert queue(app, "event-1") is False
    report = send(app)
    assert (report.claimed, report.delivered) == (1, 1)
    assert recorder.sent == [{"n": "event-1"}]
    assert send(app).claimed == 0
    assert statuses(app) == [("event-1", "delivered")]


def test_a_failing_endpoint_holds_its_later_messages_in_order(app, recorder):
    recorder.failures = {"a1": 2}
    for key in ("a1", "a2", "a3"):
        queue(app, key, ordering="endpoint:1")
    queue(app, "b1", ordering="endpoint:2")
    report = send(app)
    assert report.retried == 1
    # a1 failed: a2 and a3 wait behind it; the other endpoint's event goes
    assert [p["n"] for p in recorder.sent] == ["a1", "b1"]
    make_due(app)
    send(app)  # a1 fails again
    make_due(app)
    send(app)  # the endpoint is back
    assert [p["n"] for p in recorder.sent] == ["a1", "b1", "a1", "a1", "a2", "a3"]
    assert {status for _, status in statuses(app)} == {"delivered"}


def test_refused_fails_with_the_reason_and_gone_settles(app, recorder):
    recorder.outcomes = [Refused("HTTP 400: bad"), Gone("the task is already completed")]
    queue(app, "x")
    queue(app, "y")
    send(app)
    found = rows(
        app, "SELECT dedupe_key, status, last_error, result FROM outbox_messages ORDER BY id"
    )
    assert [tuple(r) for r in found] == [
        ("x", "failed", "HTTP 400: bad", ""),
        ("y", "delivered", "", "the task is already completed"),
    ]
    with app.app_context():
        [message_id] = [
            r[0] for r in rows(app, "SELECT id FROM outbox_messages WHERE status = 'failed'")
        ]
        assert deliveries.retry(message_id) is True
        db.session.commit()
    send(app)
    assert statuses(app) == [("x", "delivered"), ("y", "delivered")]


def test_an_expired_message_is_never_sent(app, recorder):
    queue(app, "late", expires_at=utcnow() - timedelta(seconds=1))
    report = send(app)
    assert report.failed == 1 and recorder.sent == []
    [(error,)] = rows(app, "SELECT last_error FROM outbox_messages")
    assert "expired" in error


def test_a_kind_that_is_not_configured_waits(app, recorder):
    recorder.waiting = "not configured"
    queue(app, "w")
    report = send(app)
    assert report.claimed == 0 and report.notes == ["test: not configured"]
    assert statuses(app) == [("w", "pending")]


def test_a_task_update_keeps_the_other_attributes(make_app, requests_mock):
    app = make_app(**TWILIO)
    sid = task_sid(4)
    body = task_body(sid) | {"attributes": json.dumps({"channel": "ussd", "location": "Dakar"})}
    requests_mock.get(f"{TASKS}/{sid}", json=body)
    requests_mock.post(f"{TASKS}/{sid}", json=body)
    with app.app_context():
        deliveries.enqueue(
            deliveries.Queued(
                "task_update",
                "reply-read:1",
                {"task_sid": sid, "attributes": {"reply_status": "read"}},
            )
        )
        db.session.commit()
    report = send(app)
    assert report.delivered == 1
    [update] = [r for r in requests_mock.request_history if r.method == "POST"]
    sent = json.loads(parse_qs(update.text)["Attributes"][0])
    assert sent == {"channel": "ussd", "location": "Dakar", "reply_status": "read"}


@pytest.mark.parametrize(
    ("answer", "expected_status", "result"),
    [
        (
            {"status_code": 404, "json": {"code": 20404, "message": "not found", "status": 404}},
            "delivered",
            "no longer exists",
        ),
        ({"json": "completed"}, "delivered", "already completed"),
        (
            {"status_code": 503, "json": {"code": 20503, "message": "down", "status": 503}},
            "pending",
            "",
        ),
    ],
)
def test_a_task_that_is_gone_is_not_an_error(
    make_app, requests_mock, answer, expected_status, result
):
    app = make_app(**TWILIO)
    sid = task_sid(5)
    if answer.get("json") == "completed":
        answer = {"json": task_body(sid) | {"assignment_status": "completed"}}
    requests_mock.get(f"{TASKS}/{sid}", **answer)
    with app.app_context():
        deliveries.enqueue(
            deliveries.Queued("task_update", "k", {"task_sid": sid, "attributes": {"a": 1}})
        )
        db.session.commit()
    send(app)
    [(status, stored)] = rows(app, "SELECT status, result FROM outbox_messages")
    assert status == expected_status and result in stored
    assert not [r for r in requests_mock.request_history if r.method == "POST"]


class CountingDispatcher:
    alive = True

    def __init__(self) -> None:
        self.wakes = 0

    def start(self) -> None:
        pass

    def notify(self) -> None:
        self.wakes += 1


@pytest.mark.parametrize(
    ("config", "wakes"),
    [({}, 0), (TWILIO, 1)],
)
def test_a_hand_off_wakes_the_dispatcher_only_when_it_can_send(make_app, config, wakes):
    """A wake with nothing to send is not free: the dispatcher's thread takes the
    interpreter's lock from the worker answering callers (docs/performance.md)."""
    from tests.conftest import at_walk

    app = make_app(**config)
    counting = CountingDispatcher()
    app.extensions["ussd_dispatcher"] = counting
    at_walk(app.test_client(), ["1", "1", "1", "1"], session="wake")
    assert counting.wakes == wakes
