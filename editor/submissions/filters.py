"""The filters of the submissions and analytics pages, read from the query string: a period
of days, and a location, support type, hand-off state or reply status."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import request

from editor.forms import CONTROL
from ussd.models import utcnow

STATES = ("pending", "delivering", "delivered", "failed")
REPLIES = ("none", "waiting", "read")  # editor/submissions/reply_status.py


def _day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _clean(value: str) -> str:
    """A filter value from the query string; one with control characters matches nothing."""
    return "" if CONTROL.search(value) else value[:100]


def read_filters() -> dict[str, Any]:
    today = utcnow().date()
    start = _day(request.args.get("start"), today - timedelta(days=29))
    end = _day(request.args.get("end"), max(today, start))
    if end < start:  # given the wrong way round
        start, end = end, start
    return {
        "start": start,
        "end": end,
        "location": _clean(request.args.get("location", "")),
        "support_type": _clean(request.args.get("support_type", "")),
        "status": request.args.get("status", "") if request.args.get("status") in STATES else "",
        "reply": request.args.get("reply", "") if request.args.get("reply") in REPLIES else "",
    }
