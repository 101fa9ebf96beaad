"""Properties of free-text validation (ussd/menu/validators.py) over generated rules and answers."""

from __future__ import annotations

import re
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from ussd.menu.document import Validation, parse_menu
from ussd.menu.texts import DEFAULT_MESSAGES
from ussd.menu.validators import DEFAULT_MAX_LENGTH, Refusal, validate

from .strategies import TODAY, caller_inputs, validations


def rule_of(validation: dict) -> Validation:
    """The Validation object parse_menu builds from a generated validation dict."""
    doc = parse_menu(
        {
            "name": "T",
            "languages": ["en"],
            "start": "q",
            "nodes": [{"id": "q", "kind": "input", "key": "q", "validation": validation}],
        }
    )
    rule = doc.nodes["q"].validation
    assert rule is not None
    return rule


answers = st.one_of(
    caller_inputs(max_size=1).map(lambda xs: xs[0] if xs else ""),
    st.from_regex(r"[+-]?[0-9]{1,12}([.,][0-9]{1,4})?", fullmatch=True),
    st.dates(date(1900, 1, 1), date(2100, 12, 31)).map(lambda d: d.strftime("%d/%m/%Y")),
    st.from_regex(r"(\+221|0)?7[0-9]{8}", fullmatch=True),
)


@given(validations(), answers)
def test_validate_returns_a_value_or_a_known_refusal(validation, text):
    rule = rule_of(validation)
    outcome = validate(text, rule, default_region="SN", today=TODAY)
    if isinstance(outcome, Refusal):
        assert outcome.message in DEFAULT_MESSAGES["en"]
        template = DEFAULT_MESSAGES["en"][outcome.message]
        template.format(**dict(outcome.params))  # every placeholder has its parameter
        return
    assert isinstance(outcome, str) and outcome
    folded = " ".join(text.split())
    max_length = rule.max_length if rule.max_length is not None else DEFAULT_MAX_LENGTH
    assert len(folded) <= max_length
    assert rule.min_length is None or len(folded) >= rule.min_length
    if rule.type == "number":
        number = float(outcome)
        assert rule.min is None or number >= rule.min
        assert rule.max is None or number <= rule.max
        if rule.integer:
            assert re.fullmatch(r"-?[0-9]+", outcome), outcome
    elif rule.type == "phone":
        assert re.fullmatch(r"\+[1-9][0-9]{6,14}", outcome), outcome
    elif rule.type == "date":
        day = date.fromisoformat(outcome)
        assert not (rule.not_future and day > TODAY)
    elif rule.type in ("text", "pattern"):
        assert outcome == folded


@given(st.from_regex(r"[1-9][0-9]{0,14}", fullmatch=True))
def test_whole_numbers_up_to_15_digits_are_stored_as_typed(digits):
    rule = rule_of({"type": "number"})
    assert validate(digits, rule) == digits
    assert validate(f" {digits[:3]} {digits[3:]} ", rule) == digits  # spaces between groups
