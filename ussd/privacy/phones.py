"""Phone numbers: normalised to E.164, hashed with a key for logs, masked for display."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import phonenumbers

from ussd.menu.numerals import is_digits


@lru_cache(maxsize=4096)  # parsing is the slow part of a hop; callers come back
def normalize(raw: str, default_region: str | None = None) -> str:
    """E.164 where the number can be understood, else the digits as sent (never refused:
    a caller whose operator formats numbers oddly must still be served)."""
    compact = "".join(ch for ch in raw if is_digits(ch) or ch == "+")
    if compact.startswith("00"):
        candidates = ["+" + compact[2:]]
    elif compact.startswith("+"):
        candidates = [compact]
    elif compact.startswith("0"):  # national format with a trunk prefix: needs the region
        candidates = [compact]
    else:  # gateways in Ghana and elsewhere send 233244123456 without the plus
        candidates = ["+" + compact, compact]
    for candidate in candidates:
        try:
            number = phonenumbers.parse(
                candidate, None if candidate.startswith("+") else default_region
            )
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return compact


def phone_key(config: Mapping[str, Any]) -> str:
    """The key of phone hashes: its own setting, so SECRET_KEY can rotate without it."""
    return str(config.get("PHONE_HASH_KEY") or config.get("SECRET_KEY") or "")


@lru_cache(maxsize=8)
def _hash_key(secret: str) -> bytes:
    return hashlib.sha256(b"ussd-phone-hash:" + secret.encode()).digest()


def keyed_hash(value: str, secret: str) -> str:
    """Stable for look-ups and comparisons, meaningless without the key (a plain hash of a
    short answer or a number can be reversed by hashing every candidate)."""
    data = value.encode("utf-8", "surrogatepass")
    return hmac.new(_hash_key(secret), data, hashlib.sha256).hexdigest()[:32]


@lru_cache(maxsize=4096)
def phone_hash(phone: str, secret: str) -> str:
    """The keyed hash of a number (callers come back: cached)."""
    return keyed_hash(phone, secret)


def mask(phone: str) -> str:
    """+221 77 *** ** 67 style: enough for a coordinator to tell callers apart, no more."""
    if len(phone) <= 6:
        return "*" * len(phone)
    return phone[:5] + "*" * (len(phone) - 7) + phone[-2:]
