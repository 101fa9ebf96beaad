"""Time hops at idle: play whole demo-menu sessions one hop at a time against a running server.

    python bench/idle_hops.py --url http://127.0.0.1:8000 --token TOKEN --sessions 100

Each session is five Africa's Talking hops (dial, language, location, support, callback);
the client keeps one HTTP connection open, so the figure is the server's answer time plus
loopback. Prints the median, p95, p99 and max per hop.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

import requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", required=True)
    parser.add_argument("--sessions", type=int, default=100)
    args = parser.parse_args()
    http = requests.Session()
    http.headers["X-USSD-Token"] = args.token
    timings: list[float] = []
    for n in range(args.sessions):
        session = f"idle-{uuid.uuid4().hex[:12]}"
        inputs = ["1" if n % 2 else "2", str(n % 3 + 1), str(n % 3 + 1), str(n % 2 + 1)]
        for hop in range(len(inputs) + 1):
            started = time.perf_counter()
            reply = http.post(
                f"{args.url}/ussd/africastalking",
                data={
                    "sessionId": session,
                    "phoneNumber": f"+22177{n:07d}",
                    "serviceCode": "*123*456#",
                    "networkCode": "60801",
                    "text": "*".join(inputs[:hop]),
                },
                timeout=10,
            )
            timings.append((time.perf_counter() - started) * 1000)
            reply.raise_for_status()
            expected = "END" if hop == len(inputs) else "CON"
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
