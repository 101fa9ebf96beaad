"""Phone numbers (ussd/privacy/phones.py) as data tables: what a person types for an
erasure, what a gateway sends, and the forms a number may be stored under (issue 14)."""

from __future__ import annotations

import pytest

from ussd.handoff.outbox import caller_attributes
from ussd.privacy.phones import (
    UnreadableNumber,
    explain,
    international,
    is_e164,
    normalize,
    region_setting,
    stored_forms,
)


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+221 77 123 45 67", None, "+221771234567"),
        ("00221 77 123 45 67", None, "+221771234567"),
        ("221771234567", None, "+221771234567"),  # a valid number once "+" is added
        ("233244000000", None, "+233244000000"),
        ("77 123 45 67", "SN", "+221771234567"),
        ("024 400 0000", "GH", "+233244000000"),
        ("+233 24 400 0000", "SN", "+233244000000"),  # an explicit code wins over the region
    ],
)
def test_international_reads(raw, region, expected):
    assert international(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        ("77 123 45 67", None, "no_country_code"),  # a number in dozens of countries
        ("77 000 00 01", None, "no_country_code"),
        ("0244000000", None, "no_country_code"),
        ("0244000000", "SN", "not_in_region"),
        ("+221 77", None, "incomplete"),
        ("12", "SN", "incomplete"),
        ("", None, "incomplete"),
    ],
)
def test_international_refuses(raw, region, reason):
    with pytest.raises(UnreadableNumber) as caught:
        international(raw, region)
    assert caught.value.reason == reason
    assert repr(raw) in explain(caught.value)


def test_explain_names_what_is_missing():
    with pytest.raises(UnreadableNumber) as caught:
        international("77 123 45 67")
    assert "no country code" in explain(caught.value)
    with pytest.raises(UnreadableNumber) as caught:
        international("0244000000", "SN")
    assert "not a number of SN (+221" in explain(caught.value)


@pytest.mark.parametrize(
    ("number", "forms"),
    [
        ("+233244000000", ["+233244000000", "0244000000", "244000000"]),
        ("+221771234567", ["+221771234567", "771234567"]),  # Senegal has no trunk prefix
    ],
)
def test_stored_forms(number, forms):
    assert stored_forms(number) == forms
    for form in forms[1:]:  # what normalize keeps when it cannot place a local number
        assert normalize(form) == form


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+221771234567", True),
        ("0244000000", False),
        ("771234567", False),
        ("+2217712", False),  # a "+" but no possible number
        ("", False),
    ],
)
def test_is_e164(value, expected):
    assert is_e164(value) is expected


def test_caller_attributes_never_carry_a_non_e164_from():
    assert caller_attributes("+233244000000") == {
        "name": "+233244000000",
        "from": "+233244000000",
    }
    assert caller_attributes("0244000000") == {
        "name": "0244000000 (unverified)",
        "from_unverified": "0244000000",
    }


@pytest.mark.parametrize(
    ("value", "expected"), [("", ""), ("sn", "SN"), (" GH ", "GH"), (None, "")]
)
def test_region_setting(value, expected):
    assert region_setting(value) == expected


@pytest.mark.parametrize("value", ["Senegal", "XX", "221"])
def test_region_setting_refuses_what_is_not_a_country_code(value):
    with pytest.raises(ValueError, match="country code"):
        region_setting(value)
