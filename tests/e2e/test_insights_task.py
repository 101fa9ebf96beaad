"""Flex Insights: the demo's answers reach the task as `conversations.conversation_attribute_N`
(additive: the pinned attributes keep their meaning), through the real TaskRouter URL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest

from tests.conftest import at_walk
from tests.e2e.test_handoff_delivery import ENGLISH, FRENCH, TASKS, TWILIO, task_body, task_sid
from ussd.handoff.dispatcher import dispatch_due
from ussd.handoff.outbox import task_attributes
from ussd.menu.engine import Answer, State
from ussd.menu.insights import InsightsField


@pytest.mark.parametrize(("inputs", "answers"), [ENGLISH, FRENCH])
def test_the_demo_task_carries_its_four_answers_for_insights(
    make_app, requests_mock, inputs, answers
):
    app = make_app(**TWILIO)
    requests_mock.post(TASKS, status_code=201, json=task_body(task_sid(3)))
    at_walk(app.test_client(), inputs, session="ATUid_insights")
    with app.app_context():
        assert dispatch_due().delivered == 1
    [request] = [r for r in requests_mock.request_history if r.method == "POST"]
    attributes = json.loads(parse_qs(request.text)["Attributes"][0])
    assert attributes["conversations"] == {
        "conversation_attribute_1": answers["language"],
        "conversation_attribute_2": answers["location"],
        "conversation_attribute_3": answers["support_type"],
        "conversation_attribute_4": answers["callback"],
    }
    for key, value in answers.items():  # the pinned attributes are unchanged
        assert attributes[key] == value


def state(**answers: str) -> State:
    return State(
        node="thanks",
        lang="en",
        answers=tuple(Answer(key, value, value) for key, value in answers.items()),
    )


@pytest.mark.parametrize(
    ("insights", "answers", "expected"),
    [
        (None, {"location": "Dakar"}, None),
        ({}, {"location": "Dakar"}, None),
        (
            {"conversation_attribute_2": InsightsField("location", "Location")},
            {"location": "Dakar", "need": "Food"},
            {"conversation_attribute_2": "Dakar"},
        ),
        ({"conversation_attribute_1": InsightsField("need")}, {"location": "Dakar"}, None),
    ],
)
def test_task_attributes_have_conversations_only_when_mapped_and_answered(
    insights, answers, expected
):
    attributes = task_attributes(
        external_id="s1",
        phone="+221770000000",
        service_code="*123#",
        state=state(**answers),
        menu_name="m",
        menu_version=1,
        submitted_at=datetime(2026, 11, 30, tzinfo=UTC),
        insights=insights,
    )
    assert attributes.get("conversations") == expected
    assert attributes["location"] == answers.get("location")
