"""Phone numbers: normalised to E.164, hashed with a key for logs, masked for display."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import phonenumbers

from ussd.menu.numerals import is_digits


class UnreadableNumber(ValueError):
    """A number a person gave that cannot be read as one international number.

    `reason` says why, for the message shown to them: "no_country_code" (digits without a
    "+" and no DEFAULT_PHONE_REGION to read them with), "not_in_region" (not a number of
    the configured region), or "incomplete" (too short or too long to be a number).
    """

    def __init__(self, raw: str, reason: str, region: str | None = None):
        super().__init__(f"{reason}: {raw}")
        self.raw = raw
        self.reason = reason
        self.region = region


def _compact(raw: str) -> str:
    return "".join(ch for ch in raw if is_digits(ch) or ch == "+")


def region_setting(value: str | None) -> str:
    """DEFAULT_PHONE_REGION as the library needs it ("sn" -> "SN"); ValueError when it is
    not a country code (numbers without one would then never be understood, silently)."""
    region = (value or "").strip().upper()
    if region and region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{value!r} is not a two-letter country code such as SN or GH")
    return region


@lru_cache(maxsize=4096)  # parsing is the slow part of a hop; callers come back
def to_e164(raw: str, default_region: str | None = None) -> str | None:
    """E.164 where the number can be understood, else None."""
    compact = _compact(raw)
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
    return None


# A caller whose number the gateway masks (bdapps sends `tel:` and a hash): the session
# runs under this id, hashed like any number, but nobody can call it back.
MASKED_PREFIX = "masked:"


def is_masked(phone: str) -> bool:
    return phone.startswith(MASKED_PREFIX)


@lru_cache(maxsize=4096)
def normalize(raw: str, default_region: str | None = None) -> str:
    """E.164 where the number can be understood, else the digits as sent (never refused:
    a caller whose operator formats numbers oddly must still be served). A masked caller's
    id is kept whole: its digits alone could be another caller's."""
    if is_masked(raw):
        return raw
    return to_e164(raw, default_region) or _compact(raw)


def is_e164(value: str) -> bool:
    """True for a number in E.164 that a phone can dial (what `normalize` gives when it
    understood the number)."""
    return value.startswith("+") and to_e164(value) == value


def international(raw: str, default_region: str | None = None) -> str:
    """The E.164 form of a number a person gives (an erasure request), or UnreadableNumber.

    Never a guess: digits without "+" or "00" are read with `default_region` when one is
    set; without one, only when they already are a valid international number
    (233244123456), since "77 123 45 67" is a number in dozens of countries.
    """
    compact = _compact(raw)
    if len(compact.lstrip("+")) < 5:  # no number of any country is this short
        raise UnreadableNumber(raw, "incomplete")
    explicit = compact.startswith(("+", "00"))
    if explicit or default_region:
        number = to_e164(raw, default_region)
        if number:
            return number
        reason = "incomplete" if explicit else "not_in_region"
        raise UnreadableNumber(raw, reason, default_region)
    if not compact.startswith("0"):
        try:
            number_obj = phonenumbers.parse("+" + compact, None)
        except phonenumbers.NumberParseException:
            number_obj = None
        if number_obj is not None and phonenumbers.is_valid_number(number_obj):
            return phonenumbers.format_number(number_obj, phonenumbers.PhoneNumberFormat.E164)
    raise UnreadableNumber(raw, "no_country_code")


def explain(error: UnreadableNumber) -> str:
    """Why a number was refused, in English (the command line; the editor words it in the
    reader's language)."""
    if error.reason == "no_country_code":
        return (
            f"{error.raw!r} has no country code, so it could be a number of any country: give "
            "it with + and its country code (such as +221 for Senegal or +233 for Ghana), or "
            "set DEFAULT_PHONE_REGION to read numbers without one as that country's."
        )
    if error.reason == "not_in_region":
        code = phonenumbers.country_code_for_region(error.region or "")
        return (
            f"{error.raw!r} is not a number of {error.region} (+{code}, DEFAULT_PHONE_REGION): "
            "if it is from another country, give it with + and its country code."
        )
    return f"{error.raw!r} is not a complete phone number."


def stored_forms(e164: str) -> list[str]:
    """Every form under which this number may have been stored: E.164, and the local
    forms a gateway may have sent when neither the gateway nor DEFAULT_PHONE_REGION said
    the country (024 400 0000 and 244000000 for +233244000000), which were kept as sent."""
    forms = [e164]
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return forms
    national = _compact(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
    for form in (national, phonenumbers.national_significant_number(number)):
        if form and form not in forms:
            forms.append(form)
    return forms


def pretty(e164: str) -> str:
    """+221 77 123 45 67: E.164 grouped as its country writes it, to show a person."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


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
