"""The metrics themselves (prometheus_client), created once per process by
ussd.metrics.enable, and the text a scrape returns.

Under gunicorn every worker writes its values to files in PROMETHEUS_MULTIPROC_DIR
(gunicorn.conf.py makes one per start) and a scrape, served by any worker, adds up every
worker's files, those of workers that have exited included (prometheus_client's
multiprocess mode). The library chooses the mode when it is first imported, from that
variable; `flask run` and the tests, without it, keep the values in memory.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from ussd.metrics import DELIVERY_RESULTS, ERROR_PLACES, HANDOFF_KINDS

# A hop is a few milliseconds of work and one database round trip; a gateway gives up
# after several seconds, so the buckets reach that far.
HOP_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class Instruments:
    """Every metric the service records, in a registry of its own (not the library's
    global one, whose process collectors mean nothing when added up across workers)."""

    def __init__(self) -> None:
        # `_created` series are not written in multiprocess mode: none in either mode,
        # so a scrape looks the same under gunicorn and `flask run`
        prometheus_client.disable_created_metrics()
        self.registry = CollectorRegistry()
        self.hops = Counter(
            "ussd_hops",
            "Gateway webhook calls by gateway and outcome: continue, end, release, error "
            "(the caller got the apology screen), refused (guard), bad_request",
            ["gateway", "outcome"],
            registry=self.registry,
        )
        self.hop_seconds = Histogram(
            "ussd_hop_duration_seconds",
            "Time to answer a hop (read the session, run the menu, write it back)",
            ["gateway"],
            buckets=HOP_BUCKETS,
            registry=self.registry,
        )
        self.sessions_started = Counter(
            "ussd_sessions_started",
            "Sessions started by callers (simulator sessions are not counted)",
            ["gateway"],
            registry=self.registry,
        )
        self.sessions_finished = Counter(
            "ussd_sessions_finished",
            "Sessions over for good, counted by the analytics sweep: completed (handed "
            "off), ended, dropped, timed_out, continued (resumed by a later dial)",
            ["gateway", "outcome"],
            registry=self.registry,
        )
        self.deliveries = Counter(
            "ussd_deliveries",
            "Outbox delivery attempts by kind and result: delivered, retried, failed",
            ["kind", "result"],
            registry=self.registry,
        )
        self.internal_errors = Counter(
            "ussd_internal_errors",
            "Internal errors by place: hop (apology screen), webhook, dispatcher, app",
            ["where"],
            registry=self.registry,
        )
        # Shown at zero from the start: Prometheus' increase() does not count the first
        # failure of a series that appears with it, so an alert on it would stay silent.
        for kind in HANDOFF_KINDS.values():
            for result in DELIVERY_RESULTS:
                self.deliveries.labels(kind, result)
        for place in ERROR_PLACES:
            self.internal_errors.labels(place)


def exposition(instruments: Instruments, extra: Iterable[Collector] = ()) -> bytes:
    """The scrape's text: every process's values (or this process's, outside gunicorn),
    then whatever `extra` collects now."""
    registry = CollectorRegistry(auto_describe=False)
    if MULTIPROCESS:
        MultiProcessCollector(registry)
    else:
        registry.register(instruments.registry)
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry)
