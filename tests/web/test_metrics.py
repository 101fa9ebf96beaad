"""GET /metrics (ussd/metrics): off by default, guarded by a token and/or a network, and the
numbers it shows after real traffic: hops, latency, sessions, deliveries, errors, backlog.

The counters belong to the test process and add up across tests, so each test compares a
scrape before with a scrape after what it does.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.exc import OperationalError

from tests.conftest import TOKEN, Dialer, at_turn, at_walk
from tests.e2e.test_handoff_delivery import (
    TASKS,
    TWILIO,
    dispatch,
    make_due,
    page,
    task_body,
    task_sid,
)
from tests.e2e.test_outbox_messages import Recorder, queue
from ussd import metrics
from ussd.analytics import sweep
from ussd.extensions import db
from ussd.gateways import GATEWAYS
from ussd.handoff import deliveries, senders
from ussd.handoff.taskrouter import Refused
from ussd.metrics import backlog
from ussd.models import utcnow
from ussd.sessions import service

METRICS_TOKEN = "metrics-token-for-tests"
BEARER = {"Authorization": f"Bearer {METRICS_TOKEN}"}
BASIC = {"Authorization": "Basic " + base64.b64encode(f"u:{METRICS_TOKEN}".encode()).decode()}
PHONE = "+221771234567"
Sample = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: Any, headers: dict[str, str] = BEARER) -> tuple[str, Sample]:
    reply = client.get("/metrics", headers=headers)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert reply.content_type == "text/plain; version=0.0.4; charset=utf-8"
    body = reply.get_data(as_text=True)
    found: Sample = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return body, found


def value(samples: Sample, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def moved(before: Sample, after: Sample, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


@pytest.fixture
def metrics_app(make_app):
    return make_app(METRICS_TOKEN=METRICS_TOKEN)


# -- who may read it -------------------------------------------------------------------------


def test_off_by_default(app):
    client = app.test_client()
    for headers in ({}, BEARER, {"Authorization": "Bearer "}):
        reply = client.get("/metrics", headers=headers)
        assert reply.status_code == 404
        assert "ussd_" not in reply.get_data(as_text=True)


GUARD_CASES = [
    # (settings, headers, client address, forwarded-for, status)
    ({"METRICS_TOKEN": METRICS_TOKEN}, BEARER, "192.0.2.7", None, 200),
    ({"METRICS_TOKEN": METRICS_TOKEN}, {}, "192.0.2.7", None, 401),
    ({"METRICS_TOKEN": METRICS_TOKEN}, {"Authorization": "Bearer wrong"}, "192.0.2.7", None, 401),
    # the token only as a Bearer header: not Basic auth, not a query parameter
    ({"METRICS_TOKEN": METRICS_TOKEN}, BASIC, "192.0.2.7", None, 401),
    ({"METRICS_TOKEN": METRICS_TOKEN}, {"X-USSD-Token": METRICS_TOKEN}, "192.0.2.7", None, 401),
    # rotating: new,old both accepted
    ({"METRICS_TOKEN": f"new-token,{METRICS_TOKEN}"}, BEARER, "192.0.2.7", None, 200),
    ({"METRICS_ALLOWED_IPS": "10.0.0.0/8"}, {}, "10.1.2.3", None, 200),
    ({"METRICS_ALLOWED_IPS": "10.0.0.0/8"}, BEARER, "192.0.2.7", None, 403),
    ({"METRICS_ALLOWED_IPS": "10.0.0.0/8, 2001:db8::/32"}, {}, "2001:db8::5", None, 200),
    # both set: both needed
    (
        {"METRICS_ALLOWED_IPS": "10.0.0.0/8", "METRICS_TOKEN": METRICS_TOKEN},
        BEARER,
        "10.0.0.9",
        None,
        200,
    ),
    (
        {"METRICS_ALLOWED_IPS": "10.0.0.0/8", "METRICS_TOKEN": METRICS_TOKEN},
        {},
        "10.0.0.9",
        None,
        401,
    ),
    (
        {"METRICS_ALLOWED_IPS": "10.0.0.0/8", "METRICS_TOKEN": METRICS_TOKEN},
        BEARER,
        "192.0.2.7",
        None,
        403,
    ),
    # X-Forwarded-For counts only behind the trusted proxies
    ({"METRICS_ALLOWED_IPS": "10.0.0.0/8"}, {}, "127.0.0.1", "10.1.2.3", 403),
    (
        {"METRICS_ALLOWED_IPS": "10.0.0.0/8", "USSD_TRUSTED_PROXIES": 1},
        {},
        "127.0.0.1",
        "10.1.2.3",
        200,
    ),
    (
        {"METRICS_ALLOWED_IPS": "10.0.0.0/8", "USSD_TRUSTED_PROXIES": 1},
        {},
        "127.0.0.1",
        "192.0.2.7, 10.1.2.3",
        200,
    ),
    (
        {"METRICS_ALLOWED_IPS": "10.0.0.0/8", "USSD_TRUSTED_PROXIES": 1},
        {},
        "127.0.0.1",
        "10.1.2.3, 192.0.2.7",
        403,
    ),
]


@pytest.mark.parametrize(("settings", "headers", "address", "forwarded", "status"), GUARD_CASES)
def test_token_and_network(make_app, settings, headers, address, forwarded, status):
    client = make_app(**settings).test_client()
    sent = dict(headers)
    if forwarded:
        sent["X-Forwarded-For"] = forwarded
    reply = client.get("/metrics", headers=sent, environ_base={"REMOTE_ADDR": address})
    assert reply.status_code == status, reply.get_data(as_text=True)
    body = reply.get_data(as_text=True)
    if status == 200:
        assert "# TYPE ussd_hops_total counter" in body
    else:
        assert "ussd_" not in body and "\n" == body[-1] and body.count("\n") == 1  # one line
    if status == 401:
        assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Set-Cookie" not in reply.headers  # no browser session on this path


@pytest.mark.parametrize("spec", ["10.0.0.0/33", "not-an-address", "10.0.0.1,,nonsense"])
def test_a_malformed_network_stops_the_start_with_one_line(make_app, spec):
    with pytest.raises(SystemExit, match="METRICS_ALLOWED_IPS is invalid"):
        make_app(METRICS_ALLOWED_IPS=spec)


def test_only_get(metrics_app):
    reply = metrics_app.test_client().post("/metrics", headers=BEARER)
    assert reply.status_code == 405


# -- what it counts --------------------------------------------------------------------------


def test_a_demo_walk_by_curl_moves_the_right_counters(metrics_app):
    client = metrics_app.test_client()
    _, before = scrape(client)
    replies = at_walk(client, ["1", "3", "2", "1"], session="ATUid_metrics1", phone=PHONE)
    assert replies[-1].startswith("END")
    body, after = scrape(client)

    gateway = {"gateway": "africastalking"}
    assert moved(before, after, "ussd_hops_total", **gateway, outcome="continue") == 4
    assert moved(before, after, "ussd_hops_total", **gateway, outcome="end") == 1
    assert moved(before, after, "ussd_hop_duration_seconds_count", **gateway) == 5
    assert moved(before, after, "ussd_hop_duration_seconds_bucket", **gateway, le="+Inf") == 5
    assert moved(before, after, "ussd_hop_duration_seconds_sum", **gateway) > 0
    assert moved(before, after, "ussd_sessions_started_total", **gateway) == 1
    assert value(after, "ussd_outbox_pending", kind="handoff") == 1
    assert value(after, "ussd_database_up") == 1
    for secret in (PHONE, PHONE.lstrip("+"), "771234567", "ATUid_metrics1", TOKEN, METRICS_TOKEN):
        assert secret not in body

    with metrics_app.app_context():
        sweep()
    _, swept = scrape(client)
    assert moved(after, swept, "ussd_sessions_finished_total", **gateway, outcome="completed") == 1


def test_a_session_left_idle_is_counted_when_the_sweep_closes_it(metrics_app):
    client = metrics_app.test_client()
    at_walk(client, ["1"], session="ATUid_metrics_idle", phone=PHONE)
    _, before = scrape(client)
    with metrics_app.app_context():
        sweep(now=utcnow() + timedelta(hours=1))
    _, after = scrape(client)
    labels = {"gateway": "africastalking", "outcome": "timed_out"}
    assert moved(before, after, "ussd_sessions_finished_total", **labels) == 1


HUBTEL_RELEASE = {
    "Type": "Release",
    "Mobile": PHONE,
    "SessionId": "hubtel-metrics-1",
    "ServiceCode": "123*456",
    "Message": "",
    "Operator": "orange",
    "Sequence": 2,
    "ClientState": "",
    "Platform": "USSD",
}


def test_refusals_bad_requests_and_releases(metrics_app):
    client = metrics_app.test_client()
    _, before = scrape(client)
    wrong = {"X-USSD-Token": "wrong"}
    assert at_turn(client, "", session="ATUid_metrics2", headers=wrong).status_code == 401
    # a path nobody serves is named "other", never by what it says
    assert client.post(f"/ussd/{PHONE}", headers=wrong).status_code == 401
    bad = client.post("/ussd/africastalking", data={"text": ""}, headers={"X-USSD-Token": TOKEN})
    assert bad.status_code == 400
    assert Dialer(client, "hubtel").post(HUBTEL_RELEASE).status_code == 200
    body, after = scrape(client)

    assert moved(before, after, "ussd_hops_total", gateway="africastalking", outcome="refused") == 1
    assert moved(before, after, "ussd_hops_total", gateway="other", outcome="refused") == 1
    labels = {"gateway": "africastalking", "outcome": "bad_request"}
    assert moved(before, after, "ussd_hops_total", **labels) == 1
    assert moved(before, after, "ussd_hops_total", gateway="hubtel", outcome="release") == 1
    assert PHONE not in body and "221771234567" not in body


def test_an_internal_error_in_the_hop_is_an_error_hop_and_counted(metrics_app, monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError(f"something about {PHONE}")

    monkeypatch.setattr(service, "answer", broken)
    client = metrics_app.test_client()
    _, before = scrape(client)
    reply = at_turn(client, "", session="ATUid_metrics3", phone=PHONE)
    assert reply.status_code == 200 and reply.get_data(as_text=True).startswith("END")
    body, after = scrape(client)
    labels = {"gateway": "africastalking", "outcome": "error"}
    assert moved(before, after, "ussd_hops_total", **labels) == 1
    assert moved(before, after, "ussd_internal_errors_total", where="hop") == 1
    assert PHONE not in body


def test_an_error_writing_the_wire_format_is_a_webhook_error(metrics_app, monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("render failed")

    monkeypatch.setattr(type(GATEWAYS["africastalking"]), "render", broken)
    client = metrics_app.test_client()
    _, before = scrape(client)
    assert at_turn(client, "", session="ATUid_metrics4").status_code == 500
    _, after = scrape(client)
    assert moved(before, after, "ussd_internal_errors_total", where="webhook") == 1


def test_handoff_deliveries_by_result(make_app, requests_mock):
    app = make_app(METRICS_TOKEN=METRICS_TOKEN, **TWILIO)
    requests_mock.get(TASKS, json=page("tasks", []))
    requests_mock.post(
        TASKS,
        [
            {"status_code": 503, "json": {"code": 20503, "message": "Down", "status": 503}},
            {"status_code": 201, "json": task_body(task_sid(1))},
            {"status_code": 400, "json": {"code": 20001, "message": "Invalid", "status": 400}},
        ],
    )
    client = app.test_client()
    _, before = scrape(client)
    at_walk(client, ["1", "1", "1", "1"], session="ATUid_metrics5", phone="+221771234501")
    assert dispatch(app).retried == 1
    make_due(app)
    assert dispatch(app).delivered == 1
    at_walk(client, ["1", "1", "1", "1"], session="ATUid_metrics6", phone="+221771234502")
    assert dispatch(app).failed == 1
    _, after = scrape(client)
    for result in ("retried", "delivered", "failed"):
        assert moved(before, after, "ussd_deliveries_total", kind="handoff", result=result) == 1
    assert value(after, "ussd_outbox_failed", kind="handoff") == 1
    assert value(after, "ussd_outbox_pending", kind="handoff") == 0


def test_outbox_message_deliveries_by_kind_and_result(metrics_app, monkeypatch):
    recorder = Recorder()
    recorder.outcomes = ["ok", Refused("endpoint said no")]
    recorder.failures = {"b": 1}
    monkeypatch.setattr(senders, "all_senders", lambda config: [recorder])
    client = metrics_app.test_client()
    _, before = scrape(client)
    queue(metrics_app, "a")
    queue(metrics_app, "b")
    with metrics_app.app_context():
        deliveries.dispatch_due()  # a delivered, b retried
        db.session.execute(db.text("UPDATE outbox_messages SET next_attempt_at = created_at"))
        db.session.commit()
        deliveries.dispatch_due()  # b refused: failed
    _, after = scrape(client)
    for result in ("delivered", "retried", "failed"):
        assert moved(before, after, "ussd_deliveries_total", kind="test", result=result) == 1


# -- the backlog, read at scrape time ---------------------------------------------------------

NOW = datetime(2026, 11, 30, 12, 0, 0, tzinfo=utcnow().tzinfo)


def test_outbox_depth_and_age_per_kind(metrics_app, monkeypatch):
    monkeypatch.setattr(backlog, "utcnow", lambda: NOW)
    client = metrics_app.test_client()
    for n in range(3):
        at_walk(client, ["1", "1", "1", "1"], session=f"ATUid_depth{n}", phone=f"+22177123450{n}")
    with metrics_app.app_context():
        ids = [row[0] for row in db.session.execute(db.text("SELECT id FROM handoffs ORDER BY id"))]
        ages = {ids[0]: 15 * 60, ids[1]: 4 * 60, ids[2]: 30}
        for handoff_id, seconds in ages.items():
            db.session.execute(
                db.text("UPDATE handoffs SET created_at = :t WHERE id = :id"),
                {"t": (NOW - timedelta(seconds=seconds)).replace(tzinfo=None), "id": handoff_id},
            )
        # the oldest is given up on (failed) and one is a repeat request: neither counts
        # as the pending hand-offs' oldest
        db.session.execute(
            db.text("UPDATE handoffs SET status = 'failed' WHERE id = :id"), {"id": ids[0]}
        )
        db.session.execute(
            db.text("UPDATE handoffs SET kind = 'update' WHERE id = :id"), {"id": ids[2]}
        )
        messages = [
            ("webhook", "pending", 20 * 60),
            ("webhook", "delivering", 60),
            ("webhook", "delivered", 3 * 3600),
            ("task_update", "failed", 7 * 60),
        ]
        for n, (kind, status, seconds) in enumerate(messages):
            deliveries.enqueue(deliveries.Queued(kind, f"metrics-{n}", {"n": n}))
            db.session.execute(
                db.text(
                    "UPDATE outbox_messages SET status = :s, created_at = :t WHERE dedupe_key = :k"
                ),
                {
                    "s": status,
                    "t": (NOW - timedelta(seconds=seconds)).replace(tzinfo=None),
                    "k": f"metrics-{n}",
                },
            )
        db.session.commit()
    _, found = scrape(client)

    expected = {
        # kind: (pending, oldest pending age, failed)
        "handoff": (1, 4 * 60, 1),
        "handoff_repeat": (1, 30, 0),
        "webhook": (2, 20 * 60, 0),
        "task_update": (0, 0, 1),
    }
    for kind, (pending, age, failed) in expected.items():
        assert value(found, "ussd_outbox_pending", kind=kind) == pending, kind
        assert value(found, "ussd_outbox_oldest_pending_age_seconds", kind=kind) == age, kind
        assert value(found, "ussd_outbox_failed", kind=kind) == failed, kind


def test_every_known_kind_is_shown_when_nothing_waits(metrics_app):
    _, found = scrape(metrics_app.test_client())
    with metrics_app.app_context():
        kinds = ["handoff", "handoff_repeat", *backlog.sender_kinds()]
    for kind in kinds:
        assert ("ussd_outbox_pending", frozenset({("kind", kind)})) in found
        assert value(found, "ussd_outbox_oldest_pending_age_seconds", kind=kind) == 0


def test_the_series_alerts_watch_exist_before_the_first_failure(metrics_app):
    """An alert on increase() misses a series' first failure if the series appears with
    it: the hand-off deliveries and internal errors are shown from the start."""
    _, found = scrape(metrics_app.test_client())
    for kind in ("handoff", "handoff_repeat"):
        for result in ("delivered", "retried", "failed"):
            labels = frozenset({("kind", kind), ("result", result)})
            assert ("ussd_deliveries_total", labels) in found
    for place in ("hop", "webhook", "dispatcher", "app"):
        assert ("ussd_internal_errors_total", frozenset({("where", place)})) in found


def test_a_database_outage_is_a_gauge_not_a_500(metrics_app, monkeypatch):
    def unreachable(kinds: list[str]) -> None:
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(backlog, "read_backlog", unreachable)
    body, found = scrape(metrics_app.test_client())
    assert value(found, "ussd_database_up") == 0
    assert "ussd_outbox_pending" not in body
    assert "# TYPE ussd_hops_total counter" in body


# -- labels come from closed sets ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("africastalking", "africastalking"),
        ("hubtel", "hubtel"),
        ("mapped:my-gateway", "mapped"),
        ("mapped", "mapped"),
        (PHONE, "other"),
        ("ATUid_12345", "other"),
        ("", "other"),
        ("../etc", "other"),
    ],
)
def test_gateway_labels(name, label):
    assert metrics.gateway_label(name) == label


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("webhook", "webhook"),
        ("task_update", "task_update"),
        ("gateway_screen", "gateway_screen"),
        (PHONE, "other"),
        ("Webhook", "other"),
        ("a" * 25, "other"),
        ("", "other"),
    ],
)
def test_kind_labels(kind, label):
    assert metrics.kind_label(kind) == label


def test_unknown_outcomes_and_places_are_other(metrics_app):
    client = metrics_app.test_client()
    _, before = scrape(client)
    metrics.hop("africastalking", PHONE, 0.001)
    metrics.refused("africastalking", PHONE)
    metrics.delivery("webhook", PHONE)
    metrics.internal_error(PHONE)
    metrics.sessions_finished({("africastalking", PHONE): 1})
    body, after = scrape(client)
    labels = {"gateway": "africastalking", "outcome": "other"}
    assert moved(before, after, "ussd_sessions_finished_total", **labels) == 1
    assert PHONE not in body and PHONE.lstrip("+") not in body
    assert moved(before, after, "ussd_hops_total", gateway="africastalking", outcome="other") == 2
    assert moved(before, after, "ussd_deliveries_total", kind="webhook", result="other") == 1
    assert moved(before, after, "ussd_internal_errors_total", where="other") == 1


def test_errors_outside_the_hop_are_counted_by_place(metrics_app, monkeypatch, caplog):
    from ussd.handoff import dispatcher

    @metrics_app.get("/test-only-broken-page")
    def broken_page() -> str:
        raise RuntimeError("a page failed")

    metrics_app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the 500 page
    metrics_app.config["DISPATCH_INTERVAL_SECONDS"] = 0.01
    worker = dispatcher.Dispatcher(metrics_app)

    def failing_pass(**kwargs: Any) -> None:
        worker._stopping.set()  # one pass, then the loop ends
        raise RuntimeError("the database went away")

    monkeypatch.setattr(dispatcher, "dispatch_due", failing_pass)
    client = metrics_app.test_client()
    _, before = scrape(client)
    assert client.get("/test-only-broken-page").status_code == 500
    worker._loop()
    _, after = scrape(client)
    assert moved(before, after, "ussd_internal_errors_total", where="app") == 1
    assert moved(before, after, "ussd_internal_errors_total", where="dispatcher") == 1
