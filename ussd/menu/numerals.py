"""ASCII digits: what a phone keypad sends and what int() is given."""

from __future__ import annotations


def is_digits(text: str) -> bool:
    """True for a non-empty run of 0-9 only.

    str.isdigit() also accepts "²" and "①", which int() refuses, and "٣", which int() reads as
    3: neither may reach a choice, a date, a duration or a setting.
    """
    return text.isascii() and text.isdigit()
