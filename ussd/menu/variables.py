"""Values in texts: `{key}` shows an earlier answer or a variable an http node stored.

Plain substitution, never a template language: one pass over the coordinator's text, so
braces inside a value (a caller's answer, a field of a reply) are never read again. `{{`
and `}}` write a literal brace; any other brace that does not name a key ("e.g. {42}", a
lone "{") stays as written. A key that names nothing shows as an empty string: the lint
reports it before a menu is published. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# A key is spelled like a node id (document.ID_PATTERN).
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z][A-Za-z0-9_\-]{0,63})\}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def has_placeholders(text: str) -> bool:
    return PLACEHOLDER.search(text) is not None


def keys_in(text: str) -> set[str]:
    """The keys a text shows."""
    return {m.group(1) for m in PLACEHOLDER.finditer(text) if m.group(1)}


def substitute(text: str, values: Mapping[str, str]) -> str:
    """`text` with each `{key}` replaced by its value (empty when none is known)."""

    def one(match: re.Match[str]) -> str:
        whole = match.group(0)
        if whole == "{{":
            return "{"
        if whole == "}}":
            return "}"
        return values.get(match.group(1), "")

    return PLACEHOLDER.sub(one, text)


def lookup(document: Any, path: str) -> str | None:
    """The field at a dotted path of a JSON reply ("payment.next.date", "items.0.id") as the
    text a screen shows, or None when it is missing or not a single value."""
    here = document
    for part in path.split("."):
        if isinstance(here, dict):
            if part not in here:
                return None
            here = here[part]
        elif isinstance(here, list) and part.isdigit() and int(part) < len(here):
            here = here[int(part)]
        else:
            return None
    if isinstance(here, bool):
        return "true" if here else "false"
    if isinstance(here, int | float | str):
        return str(here)
    return None


def screen_value(value: str, max_length: int) -> str:
    """A value from outside as a screen may show it: on one line, no control characters,
    at most `max_length` characters (the length the lint measured the screen with)."""
    return " ".join(_CONTROL.sub(" ", value).split())[:max_length].rstrip()
