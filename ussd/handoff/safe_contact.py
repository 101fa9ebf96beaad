"""The safe-contact attributes of a task: when the caller said it is safe to call them, those
hours, and the caller's time zone, so an agent (the Flex plugin) and a coordinator (the
editor's submissions) can tell whether a call back now could put the caller at risk.

Attribute names are read by the Flex plugin: `callback_window`, `callback_hours`
(`{"from", "to"}`, the caller's local time) and `caller_timezone` (an IANA name). They are
optional attributes (DESIGN §5): a request without a safe-window answer has none of them.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

# At import, not on a request's last hop: the tables are small (docs/performance.md), so
# gunicorn's master loads them once for every worker and no caller waits for them.
from phonenumbers.timezone import time_zones_for_geographical_number, time_zones_for_number

from ussd.menu.safe_contact import (
    CALLBACK_WINDOW_KEY,
    DEFAULT_CALLBACK_WINDOWS,
    DO_NOT_CALL,
    Windows,
    canonical_window,
    window_hours,
)
from ussd.privacy.phones import is_e164

_UNKNOWN_ZONE = "Etc/Unknown"  # what phonenumbers answers when it cannot tell


@lru_cache(maxsize=4096)  # callers come back, and the editor lists the same numbers again
def caller_timezone(phone: str) -> str | None:
    """The IANA time zone of an E.164 number, from phonenumbers' timezone data; None when
    the number is not E.164 or its zone is unknown.

    A number whose range phonenumbers does not know yet (a new mobile prefix) still has
    its country's zone when that country has a single one. A number that maps to several
    zones (a country spanning them, such as the DR Congo) gets the first one listed: the
    data names no main zone, and the plugin shows the zone with the time so an agent can
    tell.
    """
    if not is_e164(phone):
        return None
    try:
        number = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        return None
    zones = [z for z in time_zones_for_number(number) if z != _UNKNOWN_ZONE]
    if not zones:
        by_country = [z for z in time_zones_for_geographical_number(number) if z != _UNKNOWN_ZONE]
        zones = by_country if len(by_country) == 1 else []
    return zones[0] if zones else None


def safe_contact_attributes(
    answers: dict[str, str], phone: str, windows: Windows | None = None
) -> dict[str, Any]:
    """`callback_window`, `callback_hours` and `caller_timezone` for a request whose
    answers name a safe window (canonical values only); {} for any other request."""
    window = canonical_window(answers.get(CALLBACK_WINDOW_KEY))
    if window is None:
        return {}
    attributes: dict[str, Any] = {"callback_window": window}
    hours = window_hours(windows or DEFAULT_CALLBACK_WINDOWS, window)
    if hours is not None:
        attributes["callback_hours"] = {"from": hours[0], "to": hours[1]}
    zone = caller_timezone(phone)
    if zone:
        attributes["caller_timezone"] = zone
    return attributes


def implied_callback(answers: dict[str, str]) -> str | None:
    """`callback` for a request that named a safe window but was not asked whether to call
    back: "No" for "do not call me", "Yes" for any window; None otherwise. Agents' filters
    and the plugin's Call back button read `callback`."""
    window = canonical_window(answers.get(CALLBACK_WINDOW_KEY))
    if window is None:
        return None
    return "No" if window == DO_NOT_CALL else "Yes"


def local_time(zone: str | None, now: datetime) -> str | None:
    """The time it is in `zone` at `now` (aware), as "14:05"; None for no or an unknown zone."""
    if not zone:
        return None
    try:
        return now.astimezone(ZoneInfo(zone)).strftime("%H:%M")
    except (ZoneInfoNotFoundError, ValueError):
        return None
