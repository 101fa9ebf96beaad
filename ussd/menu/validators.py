"""Validation of free-text answers: returns the canonical value or the reason it is refused.

Pure: no Flask, no database. Error reasons are names of system strings (ussd/menu/texts.py)
with their parameters, so the engine can show them in the caller's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import phonenumbers

from ussd.menu.document import Validation
from ussd.menu.numerals import is_digits
from ussd.menu.patterns import full_match

DEFAULT_MAX_LENGTH = 160  # no answer can be longer than one screen's worth of typing


@dataclass(frozen=True)
class Refusal:
    message: str  # a system string name, e.g. "err_number"
    params: tuple[tuple[str, str], ...] = ()


def validate(
    raw: str, rule: Validation, default_region: str | None = None, today: date | None = None
) -> str | Refusal:
    """The canonical value of `raw` under `rule`, or why it is refused."""
    text = " ".join(raw.split())  # fold runs of white space; keep the caller's words
    max_length = rule.max_length if rule.max_length is not None else DEFAULT_MAX_LENGTH
    if not text:
        return Refusal("err_required")
    if len(text) > max_length:
        return Refusal("err_too_long", (("max", str(max_length)),))
    if rule.min_length is not None and len(text) < rule.min_length:
        return Refusal("err_too_short", (("min", str(rule.min_length)),))
    if rule.type == "number":
        return _number(text, rule)
    if rule.type == "phone":
        return _phone(text, rule.region or default_region)
    if rule.type == "date":
        return _date(text, rule, today)
    if rule.type == "pattern" and rule.pattern:
        if not full_match(rule.pattern, text):
            return Refusal("err_pattern")
    return text


def _fmt(number: float | Decimal) -> str:
    """A number as a caller types it: no exponent, no trailing zeros after the point."""
    exact = number if isinstance(number, Decimal) else Decimal(repr(number))
    text = format(exact, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _number(text: str, rule: Validation) -> str | Refusal:
    # Decimal, not float: a 17-digit ID or 0.00001 is stored as typed, never rounded or
    # written 1e-05, and no length overflows.
    candidate = text.replace(" ", "").replace(",", ".")
    if not re.fullmatch(r"[+-]?[0-9]+(\.[0-9]+)?", candidate):
        return Refusal("err_number")
    if rule.integer and "." in candidate:
        return Refusal("err_whole_number")
    value = Decimal(candidate)
    if rule.min is not None and value < Decimal(repr(rule.min)):
        return Refusal("err_min", (("min", _fmt(rule.min)),))
    if rule.max is not None and value > Decimal(repr(rule.max)):
        return Refusal("err_max", (("max", _fmt(rule.max)),))
    return _fmt(value)


def _phone(text: str, region: str | None) -> str | Refusal:
    digits = re.sub(r"[\s\-().]", "", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return Refusal("err_phone")
    if not phonenumbers.is_valid_number(number):
        return Refusal("err_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_DATE_ORDER = {
    "DD/MM/YYYY": ("d", "m", "y"),
    "MM/DD/YYYY": ("m", "d", "y"),
    "YYYY-MM-DD": ("y", "m", "d"),
}


def _date(text: str, rule: Validation, today: date | None) -> str | Refusal:
    refusal = Refusal("err_date", (("format", rule.date_format),))
    parts = re.split(r"[/\-. ]", text)
    if len(parts) == 1 and is_digits(text) and len(text) == 8:  # 24112026 typed without separators
        order = _DATE_ORDER[rule.date_format]
        widths = {"d": 2, "m": 2, "y": 4}
        parts, pos = [], 0
        for name in order:
            parts.append(text[pos : pos + widths[name]])
            pos += widths[name]
    if len(parts) != 3 or not all(is_digits(p) for p in parts):
        return refusal
    fields = dict(zip(_DATE_ORDER[rule.date_format], (int(p) for p in parts), strict=True))
    year = fields["y"]
    if year < 100:  # a two-digit year: the most recent such year not after today
        century = (today.year if today else 2000) // 100 * 100
        year += century if century + year <= (today.year if today else 2099) else century - 100
    try:
        value = date(year, fields["m"], fields["d"])
    except ValueError:
        return refusal
    if rule.not_future and today and value > today:
        return Refusal("err_future")
    return value.isoformat()
