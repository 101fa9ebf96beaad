"""Answer patterns typed by coordinators, matched with RE2.

Python's re backtracks: a pattern such as (a+)+$ takes seconds on 30 characters and would
hold a worker on every answer. RE2 matches in time linear in the input, whatever the
pattern; in exchange it has no backreferences and no lookarounds, which is refused when
the menu is saved. \\d means 0-9 only, as a phone keypad sends.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2  # type: ignore[import-untyped]

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is reported to the editor, not to stderr


class PatternError(ValueError):
    pass


@lru_cache(maxsize=256)
def compiled(pattern: str) -> Any:
    """The compiled pattern; PatternError says why RE2 refuses it."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(str(reason)) from None


def full_match(pattern: str, text: str) -> bool:
    return compiled(pattern).fullmatch(text) is not None
