"""Numbers for the operator's Prometheus (GET /metrics, ussd/metrics/routes.py): what the
hop, the sweep and the deliveries record, as counters and a latency histogram.

Recording is a few in-memory (or, under gunicorn, memory-mapped) additions: no database
work, no I/O. prometheus_client is imported only when an app turns metrics on
(METRICS_TOKEN or METRICS_ALLOWED_IPS): until then every recorder returns at once, so an
installation that does not scrape pays nothing for it.

Labels come from small closed sets only, never from what a caller or a gateway sends:
a gateway outside the registry is "mapped" or "other", an unexpected outcome "other".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ussd.metrics.instruments import Instruments

__all__ = [
    "active_instruments",
    "delivery",
    "enable",
    "gateway_label",
    "handoff_delivery",
    "handoff_kind",
    "hop",
    "internal_error",
    "kind_label",
    "refused",
    "session_started",
    "sessions_finished",
]

HOP_OUTCOMES = ("continue", "end", "release", "error")
REFUSALS = ("refused", "bad_request")
SESSION_OUTCOMES = {  # a finished session's status -> its outcome label
    "completed": "completed",
    "ended": "ended",
    "dropped": "dropped",
    "timed_out": "timed_out",
    "superseded": "continued",
}
DELIVERY_RESULTS = ("delivered", "retried", "failed")
# A hand-off creates a task; a repeat request of the same caller is added to the open one.
HANDOFF_KINDS = {"create": "handoff", "update": "handoff_repeat"}
ERROR_PLACES = ("hop", "webhook", "dispatcher", "app")
_KIND = re.compile(r"[a-z][a-z0-9_]{0,23}")

_instruments: Instruments | None = None


def enable() -> None:
    """Create the metrics in this process (once; every later app shares them)."""
    global _instruments
    if _instruments is None:
        from ussd.metrics.instruments import Instruments

        _instruments = Instruments()


def active_instruments() -> Instruments:
    if _instruments is None:
        raise RuntimeError("metrics are not enabled in this process")
    return _instruments


def gateway_label(name: str) -> str:
    """A gateway's label: its registry name, "mapped" for any gateway an admin described,
    "other" for anything else (a path nobody serves)."""
    from ussd.gateways import GATEWAYS

    if name in GATEWAYS:
        return name
    if name == "mapped" or name.startswith("mapped:"):
        return "mapped"
    return "other"


def kind_label(kind: str) -> str:
    """An outbox kind as written by our code (task_update, webhook, ...), else "other"."""
    return kind if _KIND.fullmatch(kind) else "other"


def hop(gateway: str, outcome: str, seconds: float) -> None:
    """One answered hop: continue, end (the menu's last screen), release (the gateway said
    the caller left) or error (the caller got the apology screen)."""
    if _instruments is None:
        return
    label = gateway_label(gateway)
    _instruments.hops.labels(label, outcome if outcome in HOP_OUTCOMES else "other").inc()
    _instruments.hop_seconds.labels(label).observe(seconds)


def refused(gateway: str, outcome: str) -> None:
    """A webhook call turned away before its hop: refused by the guard (size, address,
    token) or a bad_request its gateway could not read."""
    if _instruments is None:
        return
    label = outcome if outcome in REFUSALS else "other"
    _instruments.hops.labels(gateway_label(gateway), label).inc()


def session_started(gateway: str) -> None:
    if _instruments is not None:
        _instruments.sessions_started.labels(gateway_label(gateway)).inc()


def sessions_finished(counts: dict[tuple[str, str], int]) -> None:
    """Sessions the analytics sweep found over for good, by (gateway, status)."""
    if _instruments is None:
        return
    for (gateway, status), number in counts.items():
        outcome = SESSION_OUTCOMES.get(status, "other")
        _instruments.sessions_finished.labels(gateway_label(gateway), outcome).inc(number)


def handoff_kind(kind: str) -> str:
    """A row of the hand-off table as a delivery kind (handoff, handoff_repeat)."""
    return HANDOFF_KINDS.get(kind, "handoff_other")


def handoff_delivery(kind: str, result: str) -> None:
    delivery(handoff_kind(kind), result)


def delivery(kind: str, result: str) -> None:
    """One outbox row (a hand-off or a message) finished an attempt: delivered, retried
    (to be tried again later) or failed (given up)."""
    if _instruments is not None:
        label = result if result in DELIVERY_RESULTS else "other"
        _instruments.deliveries.labels(kind_label(kind), label).inc()


def internal_error(where: str) -> None:
    if _instruments is not None:
        _instruments.internal_errors.labels(where if where in ERROR_PLACES else "other").inc()
