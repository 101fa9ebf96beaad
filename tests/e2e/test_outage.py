"""Twilio answers 503 for a while, then recovers: every session finished during the outage
becomes exactly one task afterwards, delivered by the real background dispatcher thread.

    OUTAGE_SESSIONS=500 .venv/bin/pytest tests/e2e/test_outage.py -s   # a bigger run
"""

from __future__ import annotations

import json
import os
import threading
import time
from urllib.parse import parse_qs

from tests.conftest import at_walk, rows
from tests.e2e.test_handoff_delivery import TASKS, TWILIO, page, task_body, task_sid
from ussd.handoff.dispatcher import Dispatcher


def test_outage_then_recovery_creates_one_task_per_session(make_app, requests_mock):
    sessions = int(os.environ.get("OUTAGE_SESSIONS", "40"))
    app = make_app(DISPATCH_INTERVAL_SECONDS=0.05, DISPATCH_BACKOFF_BASE=0.05, **TWILIO)
    state = {"up": False, "created": 0, "refused": 0}
    lock = threading.Lock()

    def create(request, context):
        with lock:
            if not state["up"]:
                state["refused"] += 1
                context.status_code = 503
                return {"code": 20503, "message": "Service Unavailable", "status": 503}
            state["created"] += 1
            context.status_code = 201
            return task_body(task_sid(state["created"]))

    requests_mock.post(TASKS, json=create)
    requests_mock.get(TASKS, json=page("tasks", []))
    dispatcher = Dispatcher(app)
    dispatcher.start()
    try:
        run_outage(app, dispatcher, requests_mock, state, lock, sessions)
    finally:
        dispatcher.stop()


def run_outage(app, dispatcher, requests_mock, state, lock, sessions) -> None:
    client = app.test_client()
    started = time.monotonic()
    for n in range(sessions):  # callers keep finishing while Twilio is down
        replies = at_walk(
            client,
            ["1", str(n % 3 + 1), str(n % 3 + 1), "1"],
            session=f"outage-{n}",
            phone=f"+2217700{n:05d}",
        )
        assert replies[-1] == "END Thank you. Your request has been received."
        dispatcher.notify()
    dial_seconds = time.monotonic() - started
    time.sleep(0.3)
    assert state["created"] == 0 and state["refused"] > 0
    with lock:
        state["up"] = True  # Twilio recovers
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        delivered = rows(app, "SELECT COUNT(*) FROM handoffs WHERE status = 'delivered'")[0][0]
        if delivered == sessions:
            break
        time.sleep(0.1)
    recovered_in = time.monotonic() - started - dial_seconds
    creates = [r for r in requests_mock.request_history if r.method == "POST" and r.url == TASKS]
    sent = [
        json.loads(parse_qs(r.text)["Attributes"][0])["ussd_session_id"]
        for r in creates
        if r.text and "Attributes" in parse_qs(r.text)
    ]
    created_ids = sent[-state["created"] :]
    print(
        f"\n{sessions} sessions finished during the outage in {dial_seconds:.1f} s; Twilio "
        f"refused {state['refused']} attempts; after recovery {state['created']} tasks were "
        f"created in {recovered_in:.1f} s, {len(set(created_ids))} distinct sessions"
    )
    assert delivered == sessions
    assert state["created"] == sessions
    assert sorted(created_ids) == sorted(f"outage-{n}" for n in range(sessions))
    sids = [r.task_sid for r in rows(app, "SELECT task_sid FROM handoffs")]
    assert len(set(sids)) == sessions
