"""Safe contact: when a caller says it is safe to call them back, and the hours that means.

A menu asks it with an answer under CALLBACK_WINDOW_KEY whose canonical values are
WINDOW_VALUES; the hours of each timed window are a menu setting (`callback_windows`,
docs/menu-format.md), in the caller's local time. A window whose start is after its end
crosses midnight. Pure: no Flask, no database, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

CALLBACK_WINDOW_KEY = "callback_window"
TIMED_WINDOWS = ("morning", "afternoon", "evening")
ANY_TIME, DO_NOT_CALL = "any", "none"
WINDOW_VALUES = (*TIMED_WINDOWS, ANY_TIME, DO_NOT_CALL)

Hours = tuple[str, str]  # ("08:00", "12:00"): from, to, local time
Windows = Mapping[str, Hours]

DEFAULT_CALLBACK_WINDOWS: Windows = MappingProxyType(
    {"morning": ("08:00", "12:00"), "afternoon": ("12:00", "17:00"), "evening": ("17:00", "20:00")}
)
# "24:00" may end a window (the end of the day), as the Flex plugin reads it too.
_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
_END_OF_DAY = "24:00"


def minutes(time: str) -> int:
    """ "08:30" -> 510."""
    hours, _, mins = time.partition(":")
    return int(hours) * 60 + int(mins)


def parse_callback_windows(raw: Any, problems: list[str]) -> Windows:
    """The hours of each timed window: those given in the document, the defaults for the
    others. Each problem names its field."""
    if not isinstance(raw, dict):
        problems.append(
            'callback_windows: an object such as {"morning": ["08:00", "12:00"]} '
            f"with windows among {', '.join(TIMED_WINDOWS)}"
        )
        return DEFAULT_CALLBACK_WINDOWS
    windows = dict(DEFAULT_CALLBACK_WINDOWS)
    for name, hours in raw.items():
        where = f"callback_windows.{name}"
        if name not in TIMED_WINDOWS:
            problems.append(f"{where}: not a window; the windows are {', '.join(TIMED_WINDOWS)}")
            continue
        problem = hours_problem(hours)
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        windows[name] = (hours[0], hours[1])
    return MappingProxyType(windows)


def hours_problem(hours: Any) -> str | None:
    """Why `hours` is not [from, to] in 24-hour "HH:MM" (None when it is)."""
    if not (
        isinstance(hours, list | tuple)
        and len(hours) == 2
        and all(isinstance(t, str) for t in hours)
        and _TIME.match(hours[0])
        and (_TIME.match(hours[1]) or hours[1] == _END_OF_DAY)
    ):
        return 'two times from 00:00 to 24:00 such as ["17:00", "20:00"]'
    if minutes(hours[0]) % (24 * 60) == minutes(hours[1]) % (24 * 60):
        return "the window starts and ends at the same time"
    return None


def windows_to_dict(windows: Windows) -> dict[str, list[str]]:
    """The windows a document spells out: those that differ from the defaults."""
    return {
        name: list(hours)
        for name, hours in windows.items()
        if DEFAULT_CALLBACK_WINDOWS.get(name) != hours
    }


def canonical_window(value: str | None) -> str | None:
    """The canonical window an answer names ("Morning" -> "morning"), or None."""
    window = (value or "").strip().lower()
    return window if window in WINDOW_VALUES else None


def window_hours(windows: Windows, window: str) -> Hours | None:
    """The hours of a timed window; None for "any", "none" or an unknown window."""
    return windows.get(window) if window in TIMED_WINDOWS else None


def is_inside(time: str, hours: Hours) -> bool:
    """Whether the local time "HH:MM" falls in [from, to); a window may cross midnight."""
    now, start, end = minutes(time), minutes(hours[0]), minutes(hours[1])
    if start < end:
        return start <= now < end
    return now >= start or now < end
