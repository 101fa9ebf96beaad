"""Flex Insights: which answers fill a task's `conversations.conversation_attribute_1..10`.

Flex Insights reads the task attributes of each conversation, and its ten custom
conversation attributes are where supervisors slice reports (by location, by need). A menu
maps each of those it uses to an answer key, with a label saying what it holds for the
people who build the reports (Insights shows the attributes by number). The task then
carries `conversations: {"conversation_attribute_1": "Dakar", ...}`, the answers' stored
values. The label is not sent: Insights' `conversation_label_N` is the display text of one
value, not a column's name.

In the document, menu-level: `"insights": {"conversation_attribute_1": {"key": "location",
"label": "Location"}}`, or just the key as a string. Pure: no Flask, no database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

ATTRIBUTES = tuple(f"conversation_attribute_{n}" for n in range(1, 11))
KEY_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,63}$")
MAX_LABEL = 80
NEVER_SENT = frozenset({"reply_pin"})  # a caller's secret never leaves the service


@dataclass(frozen=True)
class InsightsField:
    key: str  # the answer key whose stored value fills the attribute
    label: str = ""  # what it holds, for the people who read the reports


Insights = Mapping[str, InsightsField]  # attribute name -> field, by attribute number
NO_INSIGHTS: Insights = MappingProxyType({})


def parse_insights(raw: Any, problems: list[str]) -> Insights:
    """The mapping of a document's `insights`, each problem added to `problems`."""
    if raw is None:
        return NO_INSIGHTS
    if not isinstance(raw, dict):
        problems.append(
            'insights: an object such as {"conversation_attribute_1": {"key": "location"}}'
        )
        return NO_INSIGHTS
    found: dict[str, InsightsField] = {}
    for attribute, value in raw.items():
        where = f"insights.{attribute}"
        if attribute not in ATTRIBUTES:
            problems.append(f"{where}: only conversation_attribute_1 to conversation_attribute_10")
            continue
        if isinstance(value, str):
            value = {"key": value}
        if not isinstance(value, dict):
            problems.append(f'{where}: an answer key, or {{"key": …, "label": …}}')
            continue
        extra = sorted(set(value) - {"key", "label"})
        if extra:
            problems.append(f"{where}: unknown field(s) {', '.join(extra)}")
        key, label = value.get("key"), value.get("label", "")
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            problems.append(f"{where}.key: an answer key such as location")
            continue
        if key in NEVER_SENT:
            problems.append(f"{where}.key: {key} is a caller's secret and never leaves the service")
            continue
        if not isinstance(label, str) or len(label) > MAX_LABEL:
            problems.append(f"{where}.label: a text of at most {MAX_LABEL} characters")
            continue
        found[attribute] = InsightsField(key, label.strip())
    ordered = {a: found[a] for a in ATTRIBUTES if a in found}
    return MappingProxyType(ordered)


def insights_to_dict(insights: Insights) -> dict[str, Any]:
    """The document's form: just the key where there is no label."""
    return {
        attribute: {"key": f.key, "label": f.label} if f.label else f.key
        for attribute, f in insights.items()
    }


def conversations(insights: Insights, values: Mapping[str, Any]) -> dict[str, str]:
    """The task's `conversations` object: each mapped attribute with its answer's stored
    value, for the answers the caller gave."""
    out = {}
    for attribute, f in insights.items():
        value = values.get(f.key)
        if value is not None and value != "" and f.key not in NEVER_SENT:
            out[attribute] = str(value)
    return out


def unasked_keys(insights: Insights, asked: set[str]) -> list[tuple[str, str]]:
    """(attribute, key) for each mapped key that no question of the menu stores."""
    return [(a, f.key) for a, f in insights.items() if f.key not in asked]
