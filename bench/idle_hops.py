"""Time hops at idle: play whole demo-menu sessions one hop at a time against a running server.

    python bench/idle_hops.py --url http://127.0.0.1:8000 --token TOKEN --sessions 100

Each session is five Africa's Talking hops (dial, language, location, support, callback);
the client keeps one HTTP connection open, so the figure is the server's answer time plus
loopback. Prints the median, p95, p99 and max per hop. Every run dials a block of numbers
picked at random, so that running it again against the same server does not meet the
callers of the last run (who would be de-duplicated, or after 30 runs in an hour
rate-limited).
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.callers import NUMBERS, answers, form, phone  # noqa: E402
from bench.harness.common import HOPS_PER_SESSION, MEASURED_PHONES  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", required=True)
    parser.add_argument("--sessions", type=int, default=100)
    args = parser.parse_args()
    http = requests.Session()
    http.headers["X-USSD-Token"] = args.token
    timings: list[float] = []
    first = secrets.randbelow(NUMBERS)
    for n in range(args.sessions):
        session = f"idle-{uuid.uuid4().hex[:12]}"
        number = phone(MEASURED_PHONES, 0, first + n, 1)
        inputs = answers(n)
        for hop in range(HOPS_PER_SESSION):
            started = time.perf_counter()
            reply = http.post(
                f"{args.url}/ussd/africastalking",
                data=form(session, number, inputs, hop),
                timeout=10,
            )
            timings.append((time.perf_counter() - started) * 1000)
            reply.raise_for_status()
            expected = "END" if hop == HOPS_PER_SESSION - 1 else "CON"
            assert reply.text.startswith(expected), reply.text  # noqa: S101 - a bench check
    timings.sort()

    def pct(p: float) -> float:
        return timings[min(len(timings) - 1, int(p / 100 * len(timings)))]

    median = statistics.median(timings)
    print(
        f"{len(timings)} hops in {args.sessions} sessions: median {median:.2f} ms,"
        f" p95 {pct(95):.2f} ms, p99 {pct(99):.2f} ms, max {timings[-1]:.2f} ms"
    )


if __name__ == "__main__":
    main()
