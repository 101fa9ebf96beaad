"""Paths and constants every part of the harness shares, and its log line."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

HARNESS = Path(__file__).resolve().parent
BENCH = HARNESS.parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
CONF = ROOT / "gunicorn.conf.py"
APP_SPEC = "app:create_app()"
BASELINE_SPEC = "bench.harness.baseline_app:create_app()"
SERVICE_CODE = "*123*456#"
HOPS_PER_SESSION = 5
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    """A local TCP port free at the time of asking."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The numbers each kind of session dials: +<prefix> then 7 digits, so two prefixes of the
# same length never share a number. The warm-up's callers are never the measured run's
# (a caller seen before could be offered to resume, de-duplicated or rate-limited), and
# neither is a stored past session's.
MEASURED_PHONES = "22177"
WARMUP_PHONES = "22178"
PREFILL_PHONES = ("22176", "22170")
