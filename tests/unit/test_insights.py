"""Flex Insights mapping (ussd/menu/insights.py): the document's `insights`, checked with the
field named, written back as read, and the task's `conversations` it fills."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from ussd.menu.document import MenuFormatError, menu_to_dict, parse_menu
from ussd.menu.insights import InsightsField, conversations, parse_insights
from ussd.menu.lint import lint

DEMO = json.loads(resources.files("ussd.menu").joinpath("demo_menu.json").read_text("utf-8"))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, {}),
        ({}, {}),
        ({"conversation_attribute_1": "location"}, {"conversation_attribute_1": ("location", "")}),
        (
            {"conversation_attribute_10": {"key": "need", "label": " Need "}},
            {"conversation_attribute_10": ("need", "Need")},
        ),
        (  # kept in attribute order, whatever the document's
            {"conversation_attribute_3": "b", "conversation_attribute_2": "a"},
            {"conversation_attribute_2": ("a", ""), "conversation_attribute_3": ("b", "")},
        ),
    ],
)
def test_a_mapping_is_read(raw: Any, expected: dict[str, tuple[str, str]]) -> None:
    problems: list[str] = []
    found = parse_insights(raw, problems)
    assert problems == []
    assert {a: (f.key, f.label) for a, f in found.items()} == expected
    assert list(found) == list(expected)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (["location"], "insights: an object"),
        ({"conversation_attribute_0": "location"}, "insights.conversation_attribute_0: only"),
        ({"conversation_attribute_11": "location"}, "insights.conversation_attribute_11: only"),
        ({"conversation_measure_1": "location"}, "only conversation_attribute_1 to"),
        ({"conversation_attribute_1": 5}, "an answer key, or"),
        ({"conversation_attribute_1": ""}, "conversation_attribute_1.key: an answer key"),
        ({"conversation_attribute_1": "two words"}, ".key: an answer key"),
        ({"conversation_attribute_1": {"label": "Location"}}, ".key: an answer key"),
        (
            {"conversation_attribute_1": {"key": "x", "label": "y" * 81}},
            ".label: a text of at most",
        ),
        ({"conversation_attribute_1": {"key": "x", "label": 3}}, ".label: a text of at most"),
        ({"conversation_attribute_1": {"key": "x", "colour": "red"}}, "unknown field(s) colour"),
        ({"conversation_attribute_1": "reply_pin"}, "reply_pin is a caller's secret"),
    ],
)
def test_a_bad_mapping_is_refused_with_the_field_named(raw: Any, problem: str) -> None:
    document = dict(DEMO, insights=raw)
    with pytest.raises(MenuFormatError) as refused:
        parse_menu(document)
    assert any(problem in p for p in refused.value.problems), refused.value.problems


def test_the_demo_maps_its_four_answers_and_writes_them_back_as_read() -> None:
    doc = parse_menu(DEMO)
    assert {a: f.key for a, f in doc.insights.items()} == {
        "conversation_attribute_1": "language",
        "conversation_attribute_2": "location",
        "conversation_attribute_3": "support_type",
        "conversation_attribute_4": "callback",
    }
    assert menu_to_dict(doc)["insights"] == DEMO["insights"]
    assert parse_menu(menu_to_dict(doc)) == doc
    short = dict(DEMO, insights={"conversation_attribute_5": "location"})
    assert menu_to_dict(parse_menu(short))["insights"] == {"conversation_attribute_5": "location"}
    assert "insights" not in menu_to_dict(
        parse_menu({k: v for k, v in DEMO.items() if k != "insights"})
    )


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (
            {"location": "Dakar", "need": "Food"},
            {"conversation_attribute_1": "Dakar", "conversation_attribute_2": "Food"},
        ),
        ({"location": "Dakar"}, {"conversation_attribute_1": "Dakar"}),  # not asked on this path
        ({"location": "", "need": 7}, {"conversation_attribute_2": "7"}),
        ({}, {}),
    ],
)
def test_conversations_carry_the_stored_values_of_the_answers_given(
    answers: dict[str, Any], expected: dict[str, str]
) -> None:
    insights = {
        "conversation_attribute_1": InsightsField("location", "Location"),
        "conversation_attribute_2": InsightsField("need"),
    }
    assert conversations(insights, answers) == expected


def test_the_lint_warns_of_a_key_no_question_stores() -> None:
    document = dict(
        DEMO,
        insights={"conversation_attribute_2": "location", "conversation_attribute_7": "district"},
    )
    found = [p for p in lint(parse_menu(document)) if "Flex Insights" in str(p.text)]
    assert [(p.severity, p.node) for p in found] == [("warning", None)]
    assert "conversation_attribute_7" in str(found[0].text) and "'district'" in str(found[0].text)
    assert not [p for p in lint(parse_menu(DEMO)) if "Flex Insights" in str(p.text)]
