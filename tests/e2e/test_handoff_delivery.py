"""Flex hand-off delivery against the real TaskRouter URLs (requests-mock behind the SDK)."""

from __future__ import annotations

import base64
import json
import logging
import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from twilio.request_validator import RequestValidator

from tests.conftest import at_walk, rows
from ussd.extensions import db
from ussd.handoff.dispatcher import claim, dispatch_due
from ussd.models import utcnow

ACCOUNT = "AC" + "a" * 32
WORKSPACE = "WS" + "b" * 32
WORKFLOW = "WW" + "c" * 32
AUTH = "twilio-auth-token"
TASKS = f"https://taskrouter.twilio.com/v1/Workspaces/{WORKSPACE}/Tasks"
TWILIO = {
    "TWILIO_ACCOUNT_SID": ACCOUNT,
    "TWILIO_AUTH_TOKEN": AUTH,
    "TWILIO_WORKSPACE_SID": WORKSPACE,
    "TWILIO_WORKFLOW_SID": WORKFLOW,
}
ENGLISH = (
    ["1", "1", "1", "1"],
    {"language": "English", "location": "Dakar", "support_type": "Shelter", "callback": "Yes"},
)
FRENCH = (
    ["2", "3", "2", "2"],
    {"language": "French", "location": "Thies", "support_type": "Legal", "callback": "No"},
)


def task_sid(n: int) -> str:
    return f"WT{n:032x}"


def task_body(sid: str) -> dict:
    return {
        "sid": sid,
        "account_sid": ACCOUNT,
        "workspace_sid": WORKSPACE,
        "assignment_status": "pending",
        "attributes": "{}",
        "url": f"{TASKS}/{sid}",
    }


def page(key: str, items: list) -> dict:
    return {
        key: items,
        "meta": {
            "key": key,
            "page": 0,
            "page_size": 50,
            "next_page_url": None,
            "previous_page_url": None,
            "url": "",
            "first_page_url": "",
        },
    }


def form(request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.text).items()}


def posts(mock, url: str = TASKS) -> list:
    return [r for r in mock.request_history if r.method == "POST" and r.url == url]


def lookups(mock) -> list:
    return [r for r in mock.request_history if r.method == "GET" and r.url.startswith(TASKS)]


@pytest.fixture
def twilio_app(make_app):
    return make_app(**TWILIO)


@pytest.fixture
def no_task_found(requests_mock):
    requests_mock.get(TASKS, json=page("tasks", []))
    return requests_mock


def make_due(app) -> None:
    with app.app_context():
        db.session.execute(
            db.text("UPDATE handoffs SET next_attempt_at = :t"),
            {"t": (utcnow() - timedelta(seconds=1)).replace(tzinfo=None)},
        )
        db.session.commit()


def dispatch(app, **kwargs):
    with app.app_context():
        return dispatch_due(**kwargs)


def handoff_rows(app):
    return rows(
        app,
        "SELECT id, kind, status, attempts, task_sid, last_error, target_id "
        "FROM handoffs ORDER BY id",
    )


# -- the request Twilio receives --------------------------------------------------------------


@pytest.mark.parametrize(("inputs", "expected"), [ENGLISH, FRENCH])
def test_dial_to_exactly_one_task_with_the_pinned_attributes(
    twilio_app, requests_mock, inputs, expected
):
    requests_mock.post(TASKS, status_code=201, json=task_body(task_sid(1)))
    client = twilio_app.test_client()
    replies = at_walk(client, inputs, session="ATUid_e2e")
    assert replies[-1].startswith("END")
    assert requests_mock.call_count == 0  # the caller's screen never waits for Twilio

    report = dispatch(twilio_app)
    assert (report.claimed, report.delivered) == (1, 1)
    [request] = posts(requests_mock)
    body = form(request)
    assert set(body) == {"Attributes", "WorkflowSid", "TaskChannel"}
    assert body["WorkflowSid"] == WORKFLOW and body["TaskChannel"] == "ussd"
    attributes = json.loads(body["Attributes"])
    assert {k: attributes[k] for k in expected} == expected
    assert attributes["channel"] == "ussd" and attributes["type"] == "ussd_request"
    assert attributes["from"] == "+221771234567" and attributes["ussd_session_id"] == "ATUid_e2e"
    assert [a["key"] for a in attributes["answers"]] == [
        "language",
        "location",
        "support_type",
        "callback",
    ]
    assert set(attributes) >= {"name", "service_code", "menu", "menu_version", "submitted_at"}
    [row] = handoff_rows(twilio_app)
    assert (row.status, row.attempts, row.task_sid, row.last_error) == (
        "delivered",
        1,
        task_sid(1),
        "",
    )
    assert dispatch(twilio_app).claimed == 0  # nothing left to do
    assert len(posts(requests_mock)) == 1


def test_rate_limit_and_outage_are_retried_then_delivered(twilio_app, no_task_found):
    no_task_found.post(
        TASKS,
        [
            {
                "status_code": 429,
                "json": {"code": 20429, "message": "Too Many Requests", "status": 429},
            },
            {
                "status_code": 503,
                "json": {"code": 20503, "message": "Service Unavailable", "status": 503},
            },
            {"status_code": 201, "json": task_body(task_sid(7))},
        ],
    )
    at_walk(twilio_app.test_client(), ENGLISH[0])
    report = dispatch(twilio_app)
    assert report.retried == 1
    [row] = handoff_rows(twilio_app)
    assert row.status == "pending" and "HTTP 429" in row.last_error
    assert dispatch(twilio_app).claimed == 0  # not due yet: back-off
    make_due(twilio_app)
    assert dispatch(twilio_app).retried == 1
    assert "HTTP 503" in handoff_rows(twilio_app)[0].last_error
    make_due(twilio_app)
    assert dispatch(twilio_app).delivered == 1
    [row] = handoff_rows(twilio_app)
    assert (row.status, row.attempts, row.task_sid) == ("delivered", 3, task_sid(7))
    assert len(posts(no_task_found)) == 3
    assert len(lookups(no_task_found)) == 2  # every retry first looks for an earlier task


def test_refused_credentials_keep_handoffs_waiting_until_fixed(twilio_app, no_task_found):
    """A 401 (token rotated, key revoked) is fixed by a person: nothing may fail meanwhile."""
    no_task_found.post(
        TASKS,
        [
            {"status_code": 401, "json": {"code": 20003, "message": "Authenticate", "status": 401}},
            {"status_code": 201, "json": task_body(task_sid(5))},
        ],
    )
    at_walk(twilio_app.test_client(), ENGLISH[0])
    assert dispatch(twilio_app).retried == 1
    [row] = handoff_rows(twilio_app)
    assert row.status == "pending" and "refused the credentials" in row.last_error
    make_due(twilio_app)
    assert dispatch(twilio_app).delivered == 1
    assert handoff_rows(twilio_app)[0].task_sid == task_sid(5)


def test_tasks_are_made_with_an_api_key_when_one_is_set(make_app, no_task_found):
    app = make_app(
        **{**TWILIO, "TWILIO_AUTH_TOKEN": ""},
        TWILIO_API_KEY_SID="SK" + "d" * 32,
        TWILIO_API_KEY_SECRET="api-key-secret",
    )
    no_task_found.post(TASKS, status_code=201, json=task_body(task_sid(6)))
    at_walk(app.test_client(), ENGLISH[0])
    assert dispatch(app).delivered == 1
    expected = "Basic " + base64.b64encode(f"SK{'d' * 32}:api-key-secret".encode()).decode()
    assert posts(no_task_found)[0].headers["Authorization"] == expected


def test_bad_request_fails_with_reason_and_waits_for_a_person(twilio_app, no_task_found, runner):
    no_task_found.post(
        TASKS,
        [
            {
                "status_code": 400,
                "json": {"code": 20001, "message": "Invalid Workflow Sid", "status": 400},
            },
            {"status_code": 201, "json": task_body(task_sid(2))},
        ],
    )
    at_walk(twilio_app.test_client(), ENGLISH[0])
    assert dispatch(twilio_app).failed == 1
    [row] = handoff_rows(twilio_app)
    assert row.status == "failed"
    assert row.last_error == (
        "create task: HTTP 400 (Twilio error 20001): Unable to create record: Invalid Workflow Sid"
    )
    make_due(twilio_app)
    assert dispatch(twilio_app).claimed == 0  # failed rows are not retried by themselves
    listing = twilio_app.test_cli_runner().invoke(args=["handoff", "list"])
    assert "failed" in listing.output and "Invalid Workflow Sid" in listing.output
    retried = twilio_app.test_cli_runner().invoke(args=["handoff", "retry", str(row.id)])
    assert retried.exit_code == 0, retried.output
    assert dispatch(twilio_app).delivered == 1
    assert handoff_rows(twilio_app)[0].task_sid == task_sid(2)


def test_twilio_wording_that_quotes_the_request_stays_out_of_the_log(
    twilio_app, no_task_found, caplog
):
    """Twilio's message is kept for the operator (scrubbed of numbers) but not logged: it
    could quote what was sent, and log lines carry no answers (DESIGN §7)."""
    quoted = 'Invalid Attributes near "location": "Dakar", "support_type": "Shelter"'
    no_task_found.post(
        TASKS, status_code=400, json={"code": 20001, "message": quoted, "status": 400}
    )
    at_walk(twilio_app.test_client(), ENGLISH[0])
    with caplog.at_level(logging.INFO, logger="ussd"):
        assert dispatch(twilio_app).failed == 1
    [row] = handoff_rows(twilio_app)
    assert quoted in row.last_error
    assert "create task: HTTP 400 (Twilio error 20001)" in caplog.text
    assert "Dakar" not in caplog.text and "Shelter" not in caplog.text


def test_timeout_that_reached_twilio_is_not_sent_twice(twilio_app, requests_mock):
    requests_mock.post(TASKS, exc=requests.exceptions.ReadTimeout)
    # The timed-out request did create the task: the retry finds it instead of making another.
    requests_mock.get(TASKS, json=page("tasks", [task_body(task_sid(9))]))
    at_walk(twilio_app.test_client(), ENGLISH[0])
    assert dispatch(twilio_app).retried == 1
    assert "did not answer in time" in handoff_rows(twilio_app)[0].last_error
    make_due(twilio_app)
    assert dispatch(twilio_app).delivered == 1
    assert len(posts(requests_mock)) == 1
    [lookup] = lookups(requests_mock)
    assert parse_qs(urlsplit(lookup.url).query)["EvaluateTaskAttributes"] == [
        'ussd_session_id == "ATUid_walk"'
    ]
    assert handoff_rows(twilio_app)[0].task_sid == task_sid(9)


def test_connection_error_is_retried(twilio_app, no_task_found):
    no_task_found.post(
        TASKS,
        [
            {"exc": requests.exceptions.ConnectionError},
            {"status_code": 201, "json": task_body(task_sid(3))},
        ],
    )
    at_walk(twilio_app.test_client(), ENGLISH[0])
    assert dispatch(twilio_app).retried == 1
    make_due(twilio_app)
    assert dispatch(twilio_app).delivered == 1


def test_two_dispatchers_racing_create_one_task_each(make_app, requests_mock):
    # Two app instances on one database stand for two processes (or two hosts).
    first, second = make_app(**TWILIO), make_app(**TWILIO)
    counter = iter(range(1, 10_000))
    lock = threading.Lock()

    def create(request, context):
        with lock:
            n = next(counter)
        context.status_code = 201
        return task_body(task_sid(n))

    requests_mock.post(TASKS, json=create)
    client = first.test_client()
    sessions = 12
    for n in range(sessions):
        at_walk(client, ENGLISH[0], session=f"race-{n}", phone=f"+22177000{n:04d}")
    results = []

    def run(app):
        results.append(dispatch(app, limit=3))

    threads = [threading.Thread(target=run, args=(app,)) for app in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.delivered for r in results) == sessions
    assert len(posts(requests_mock)) == sessions
    sent = [json.loads(form(r)["Attributes"])["ussd_session_id"] for r in posts(requests_mock)]
    assert sorted(sent) == sorted(f"race-{n}" for n in range(sessions))
    assert {r.status for r in handoff_rows(first)} == {"delivered"}


@pytest.mark.parametrize("reached_twilio", [True, False])
def test_lease_expired_after_a_worker_died_delivers_once(twilio_app, requests_mock, reached_twilio):
    at_walk(twilio_app.test_client(), ENGLISH[0])
    with twilio_app.app_context():
        [(handoff_id, _owner)] = claim(10)  # a worker claims the row, then is killed
        assert claim(10) == []  # while its lease runs nobody else may take the row
    found = [task_body(task_sid(5))] if reached_twilio else []
    requests_mock.get(TASKS, json=page("tasks", found))
    requests_mock.post(TASKS, status_code=201, json=task_body(task_sid(6)))
    later = utcnow() + timedelta(seconds=61)
    report = dispatch(twilio_app, now=later)
    assert report.delivered == 1
    [row] = handoff_rows(twilio_app)
    assert row.id == handoff_id and row.attempts == 2
    assert row.task_sid == (task_sid(5) if reached_twilio else task_sid(6))
    assert len(posts(requests_mock)) == (0 if reached_twilio else 1)


def test_without_credentials_callers_are_served_and_handoffs_wait(app, runner, caplog):
    replies = at_walk(app.test_client(), ENGLISH[0])
    assert replies[-1] == "END Thank you. Your request has been received."
    report = dispatch(app)
    assert report.waiting == 1 and report.claimed == 0
    [row] = handoff_rows(app)
    assert row.status == "pending"
    assert row.last_error.startswith("waiting: Twilio is not configured (TWILIO_ACCOUNT_SID")
    assert "Twilio is not configured" in caplog.text
    listing = runner.invoke(args=["handoff", "list"])
    assert "pending" in listing.output and "Twilio is not configured" in listing.output
    dispatched = runner.invoke(args=["handoff", "dispatch"])
    assert dispatched.exit_code == 0 and "waiting 1" in dispatched.output


# -- one caller, one open task ----------------------------------------------------------------


def test_repeat_request_while_task_open_updates_the_first_task(twilio_app, requests_mock):
    requests_mock.post(TASKS, status_code=201, json=task_body(task_sid(1)))
    requests_mock.post(f"{TASKS}/{task_sid(1)}", json=task_body(task_sid(1)))
    client = twilio_app.test_client()
    at_walk(client, FRENCH[0], session="first")
    dispatch(twilio_app)
    replies = at_walk(client, ["1", "2", "2", "1"], session="second")
    assert replies[-1] == "END Your request is already queued. An agent will call you back."
    assert at_walk(client, ["1", "2", "2", "1"], session="second")[-1] == replies[-1]
    rows_ = handoff_rows(twilio_app)
    assert [(r.kind, r.status, r.target_id) for r in rows_] == [
        ("create", "delivered", None),
        ("update", "pending", rows_[0].id),
    ]
    assert dispatch(twilio_app).delivered == 1
    assert len(posts(requests_mock)) == 1  # still one task
    [update] = posts(requests_mock, f"{TASKS}/{task_sid(1)}")
    attributes = json.loads(form(update)["Attributes"])
    assert attributes["location"] == "Thies"  # the first request's answers stay on top
    assert attributes["callback"] == "Yes"  # the repeat asked for a call back
    assert attributes["updates"][0]["ussd_session_id"] == "second"
    assert [a["value"] for a in attributes["updates"][0]["answers"]] == [
        "English",
        "Touba",
        "Legal",
        "Yes",
    ]
    assert handoff_rows(twilio_app)[1].task_sid == task_sid(1)


def test_repeat_before_first_delivery_is_folded_into_the_new_task(twilio_app, requests_mock):
    requests_mock.post(TASKS, status_code=201, json=task_body(task_sid(1)))
    client = twilio_app.test_client()
    at_walk(client, ENGLISH[0], session="a")
    at_walk(client, ENGLISH[0], session="b")
    assert dispatch(twilio_app).delivered == 1
    [create] = posts(requests_mock)
    assert json.loads(form(create)["Attributes"])["updates"][0]["ussd_session_id"] == "b"
    assert [(r.status, r.task_sid) for r in handoff_rows(twilio_app)] == [
        ("delivered", task_sid(1)),
        ("delivered", task_sid(1)),
    ]
    assert requests_mock.call_count == 1


def test_no_merge_once_the_task_is_completed_or_for_another_caller(twilio_app, requests_mock):
    requests_mock.post(
        TASKS, [{"status_code": 201, "json": task_body(task_sid(n))} for n in (1, 2, 3)]
    )
    client = twilio_app.test_client()
    at_walk(client, ENGLISH[0], session="a")
    dispatch(twilio_app)
    at_walk(client, ENGLISH[0], session="other", phone="+221770000099")
    with twilio_app.app_context():
        db.session.execute(db.text("UPDATE handoffs SET task_status = 'completed' WHERE id = 1"))
        db.session.commit()
    final = at_walk(client, ENGLISH[0], session="b")[-1]
    assert final == "END Thank you. Your request has been received."
    dispatch(twilio_app)
    assert [r.kind for r in handoff_rows(twilio_app)] == ["create", "create", "create"]
    assert len(posts(requests_mock)) == 3


def test_update_of_a_task_closed_in_twilio_becomes_a_new_task(twilio_app, requests_mock):
    requests_mock.post(
        TASKS,
        [
            {"status_code": 201, "json": task_body(task_sid(1))},
            {"status_code": 201, "json": task_body(task_sid(2))},
        ],
    )
    requests_mock.post(
        f"{TASKS}/{task_sid(1)}",
        status_code=404,
        json={"code": 20404, "message": "not found", "status": 404},
    )
    requests_mock.get(TASKS, json=page("tasks", []))
    client = twilio_app.test_client()
    at_walk(client, ENGLISH[0], session="a")
    dispatch(twilio_app)
    at_walk(client, ENGLISH[0], session="b")
    dispatch(twilio_app)  # the update is refused: the row becomes a create ...
    dispatch(twilio_app)  # ... and is delivered as a task of its own
    second = handoff_rows(twilio_app)[1]
    assert (second.kind, second.status, second.task_sid) == ("create", "delivered", task_sid(2))


def test_dedup_window_can_be_turned_off(make_app, requests_mock):
    app = make_app(CALLBACK_DEDUP_HOURS=0, **TWILIO)
    client = app.test_client()
    at_walk(client, ENGLISH[0], session="a")
    assert at_walk(client, ENGLISH[0], session="b")[-1].startswith("END Thank you")
    assert [r.kind for r in handoff_rows(app)] == ["create", "create"]


# -- task events ------------------------------------------------------------------------------


def event(sid: str, event_type: str, event_sid: str, timestamp: str = "1764000000") -> dict:
    return {
        "EventType": event_type,
        "TaskSid": sid,
        "ResourceType": "Task",
        "ResourceSid": sid,
        "Sid": event_sid,
        "Timestamp": timestamp,
        "AccountSid": ACCOUNT,
        "WorkspaceSid": WORKSPACE,
        "TaskAttributes": '{"channel":"ussd"}',
    }


def signed_post(
    client,
    params: dict,
    url: str = "http://localhost/flex/events",
    token: str = AUTH,
    headers: dict | None = None,
):
    signature = RequestValidator(token).compute_signature(url, params)
    return client.post(
        "/flex/events", data=params, headers={"X-Twilio-Signature": signature, **(headers or {})}
    )


@pytest.fixture
def delivered(twilio_app, requests_mock):
    requests_mock.post(TASKS, status_code=201, json=task_body(task_sid(1)))
    at_walk(twilio_app.test_client(), ENGLISH[0])
    dispatch(twilio_app)
    return twilio_app


def test_signed_events_record_task_progress(delivered):
    client = delivered.test_client()
    sid = task_sid(1)
    for n, (kind, stamp) in enumerate(
        [
            ("task.created", "1764000000"),
            ("reservation.accepted", "1764000042"),
            ("task.completed", "1764000300"),
        ]
    ):
        response = signed_post(client, event(sid, kind, f"EV{n:032x}", stamp))
        assert response.status_code == 204
    found = rows(delivered, "SELECT event_type FROM task_events ORDER BY occurred_at")
    assert [e.event_type for e in found] == [
        "task.created",
        "reservation.accepted",
        "task.completed",
    ]
    [row] = rows(delivered, "SELECT task_status, accepted_at, closed_at, created_at FROM handoffs")
    assert row.task_status == "completed"
    assert str(row.accepted_at).startswith("2025-11-24 16:00:42")
    waits = rows(delivered, "SELECT wait_seconds, accepted FROM daily_waits")
    assert len(waits) == 1 and waits[0].accepted == 1  # counted once for the analytics
    assert str(row.closed_at).startswith("2025-11-24 16:05:00")


def test_event_delivered_twice_is_recorded_once(delivered):
    client = delivered.test_client()
    params = event(task_sid(1), "reservation.accepted", "EV" + "1" * 32)
    assert signed_post(client, params).status_code == 204
    assert signed_post(client, params).status_code == 204
    assert rows(delivered, "SELECT COUNT(*) FROM task_events")[0][0] == 1


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing X-Twilio-Signature"),
        ({"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}, "invalid X-Twilio-Signature"),
    ],
)
def test_unsigned_or_forged_events_are_rejected(delivered, headers, reason):
    response = delivered.test_client().post(
        "/flex/events", data=event(task_sid(1), "task.completed", "EV" + "2" * 32), headers=headers
    )
    assert response.status_code == 403 and reason in response.get_data(as_text=True)
    assert rows(delivered, "SELECT COUNT(*) FROM task_events")[0][0] == 0
    assert rows(delivered, "SELECT task_status FROM handoffs")[0][0] == "created"


def test_signature_with_another_token_or_tampered_body_is_rejected(delivered):
    client = delivered.test_client()
    params = event(task_sid(1), "task.completed", "EV" + "3" * 32)
    assert signed_post(client, params, token="someone-else").status_code == 403
    signature = RequestValidator(AUTH).compute_signature("http://localhost/flex/events", params)
    tampered = {**params, "EventType": "task.canceled"}
    response = client.post("/flex/events", data=tampered, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_events_signed_with_the_old_token_pass_while_rotating(make_app):
    app = make_app(**{**TWILIO, "TWILIO_AUTH_TOKEN": f"new-auth-token,{AUTH}"})
    client = app.test_client()
    params = event(task_sid(1), "task.created", "EV" + "6" * 32)
    assert signed_post(client, params, token=AUTH).status_code == 204
    assert signed_post(client, params, token="new-auth-token").status_code == 204
    assert signed_post(client, params, token="another").status_code == 403


def test_signature_behind_a_proxy(make_app, requests_mock):
    for settings in ({"PUBLIC_URL": "https://ussd.example.org"}, {"USSD_TRUSTED_PROXIES": 1}):
        app = make_app(**TWILIO, **settings)
        params = event(task_sid(4), "task.created", "EV" + "4" * 32)
        headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "ussd.example.org",
            "X-Forwarded-For": "54.1.2.3",
        }
        response = signed_post(
            app.test_client(), params, url="https://ussd.example.org/flex/events", headers=headers
        )
        assert response.status_code == 204, settings


def test_events_need_the_auth_token(app):
    response = signed_post(app.test_client(), event(task_sid(1), "task.created", "EV" + "5" * 32))
    assert response.status_code == 403
    assert "not configured" in response.get_data(as_text=True)


# -- flex setup -------------------------------------------------------------------------------

API = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}.json"
WS_URL = f"https://taskrouter.twilio.com/v1/Workspaces/{WORKSPACE}"


def test_flex_setup_creates_the_channel_and_says_what_is_left(twilio_app, requests_mock):
    requests_mock.get(API, json={"sid": ACCOUNT, "friendly_name": "NGO hotline"})
    requests_mock.get(
        WS_URL,
        json={
            "sid": WORKSPACE,
            "friendly_name": "Flex Task Assignment",
            "event_callback_url": None,
        },
    )
    requests_mock.get(
        f"{WS_URL}/Workflows/{WORKFLOW}",
        json={"sid": WORKFLOW, "friendly_name": "Assign to Anyone"},
    )
    requests_mock.get(
        f"{WS_URL}/TaskChannels",
        json=page(
            "channels", [{"sid": "TC" + "1" * 32, "unique_name": "voice", "friendly_name": "Voice"}]
        ),
    )
    created = requests_mock.post(
        f"{WS_URL}/TaskChannels",
        status_code=201,
        json={"sid": "TC" + "2" * 32, "unique_name": "ussd", "friendly_name": "USSD"},
    )
    requests_mock.get(f"{WS_URL}/Workers", json=page("workers", [{"sid": "WK" + "3" * 32}]))
    requests_mock.get(
        f"{WS_URL}/Workers/{'WK' + '3' * 32}/Channels",
        json=page(
            "channels",
            [{"task_channel_sid": "TC" + "1" * 32, "configured_capacity": 1, "available": True}],
        ),
    )
    result = twilio_app.test_cli_runner().invoke(args=["flex", "setup"])
    assert result.exit_code == 0, result.output
    assert "credentials accepted (account 'NGO hotline')" in result.output
    assert "task channel 'ussd' created" in result.output
    assert form(created.last_request) == {"FriendlyName": "USSD", "UniqueName": "ussd"}
    assert "No agent has capacity on the 'ussd' channel" in result.output
    assert "--events-url" in result.output


def test_flex_setup_reports_wrong_credentials(twilio_app, requests_mock):
    requests_mock.get(
        API, status_code=401, json={"code": 20003, "message": "Authenticate", "status": 401}
    )
    result = twilio_app.test_cli_runner().invoke(args=["flex", "setup"])
    assert result.exit_code == 1
    assert "Twilio rejected TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN" in result.output


def test_flex_setup_reports_a_wrong_workspace(twilio_app, requests_mock):
    requests_mock.get(API, json={"sid": ACCOUNT, "friendly_name": "NGO"})
    requests_mock.get(
        WS_URL, status_code=404, json={"code": 20404, "message": "not found", "status": 404}
    )
    result = twilio_app.test_cli_runner().invoke(args=["flex", "setup"])
    assert result.exit_code == 1
    assert f"TWILIO_WORKSPACE_SID {WORKSPACE} not found" in result.output


def test_flex_setup_needs_settings(app):
    result = app.test_cli_runner().invoke(args=["flex", "setup"])
    assert result.exit_code == 1 and "TWILIO_ACCOUNT_SID" in result.output


def test_dispatcher_pauses_while_twilio_fails_everything(twilio_app, requests_mock):
    from ussd.handoff.dispatcher import DeliveryReport, Dispatcher

    dispatcher = Dispatcher(twilio_app)
    dispatcher._after_pass(DeliveryReport(claimed=3, retried=3))
    first = dispatcher.paused_until
    dispatcher._after_pass(DeliveryReport(claimed=1, retried=1))
    assert dispatcher.failures == 2 and dispatcher.paused_until > first  # longer each time
    dispatcher._after_pass(DeliveryReport(claimed=2, delivered=1, retried=1))
    assert dispatcher.failures == 0 and dispatcher.paused_until == 0.0


def test_an_outage_costs_one_attempt_per_pass_not_one_per_handoff(twilio_app, no_task_found):
    no_task_found.post(
        TASKS, status_code=503, json={"code": 20503, "message": "down", "status": 503}
    )
    client = twilio_app.test_client()
    for n in range(3):
        at_walk(client, ENGLISH[0], session=f"down-{n}", phone=f"+22177500{n:04d}")
    report = dispatch(twilio_app)
    assert (report.claimed, report.retried) == (3, 1)
    assert len(posts(no_task_found)) == 1  # the other two were handed back untouched
    states = [(r.status, r.attempts) for r in handoff_rows(twilio_app)]
    assert sorted(states) == [("pending", 0), ("pending", 0), ("pending", 1)]


def test_events_are_acknowledged_with_204_and_json_content_type(delivered):
    """Twilio's TaskRouter Events reference: answer an event callback with 204 No Content and
    `Content-Type: application/json` (https://www.twilio.com/docs/taskrouter/api/event/reference).
    Every acknowledgement says so: a recorded event, a repeat, and an event about a task that
    is not ours; refusals keep their 403 and a one-line text reason."""
    client = delivered.test_client()
    recorded = event(task_sid(1), "task.created", "EV" + "7" * 32)
    for params in (recorded, recorded, event(task_sid(9), "task.created", "EV" + "8" * 32)):
        response = signed_post(client, params)
        assert response.status_code == 204
        assert response.mimetype == "application/json"
        assert response.get_data() == b""
    refused = client.post("/flex/events", data=recorded)
    assert refused.status_code == 403 and refused.mimetype == "text/plain"
    assert refused.get_data(as_text=True) == "missing X-Twilio-Signature\n"
