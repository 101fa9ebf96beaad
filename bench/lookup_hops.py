"""Time the hops of a menu with an http node against a running server and a local service.

    flask --app app connections stand-in &                       # 127.0.0.1:8765
    flask --app app connections add cash-lookup http://127.0.0.1:8765 --allow-private
    flask --app app menu template cash_assistance --name "Cash assistance" --out cash.json
    flask --app app menu import cash.json --publish --code '*384*22#'
    python bench/lookup_hops.py --url http://127.0.0.1:8000 --token TOKEN --sessions 100

Each session is three Africa's Talking hops: dial, the beneficiary ID (the hop that calls the
stand-in service), then "2" (finish). The client keeps one HTTP connection open, one hop at
a time, so the figures are the server's answer time plus loopback. Prints the median, p95,
p99 and max of the look-up hops and of the others, so the difference is the cost of the
request inside a hop. Known IDs and an unknown one alternate (a 404 is a look-up too).
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

import requests

KNOWN = ("1001", "1002", "1003", "9999")  # the stand-in's IDs, and one it does not know


def summary(name: str, timings: list[float]) -> str:
    timings = sorted(timings)

    def pct(p: float) -> float:
        return timings[min(len(timings) - 1, int(p / 100 * len(timings)))]

    return (
        f"{name}: {len(timings)} hops, median {statistics.median(timings):.2f} ms,"
        f" p95 {pct(95):.2f} ms, p99 {pct(99):.2f} ms, max {timings[-1]:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", required=True)
    parser.add_argument("--code", default="*384*22#")
    parser.add_argument("--sessions", type=int, default=100)
    args = parser.parse_args()
    http = requests.Session()
    http.headers["X-USSD-Token"] = args.token
    lookups: list[float] = []
    others: list[float] = []
    for n in range(args.sessions):
        session = f"lookup-{uuid.uuid4().hex[:12]}"
        member = KNOWN[n % len(KNOWN)]
        # a number of its own per session: no resume offer, de-duplication or limit meets it
        number = f"+2217799{n % 100000:05d}"
        for hop, text in enumerate(("", member, f"{member}*2")):
            started = time.perf_counter()
            reply = http.post(
                f"{args.url}/ussd/africastalking",
                data={
                    "sessionId": session,
                    "serviceCode": args.code,
                    "phoneNumber": number,
                    "networkCode": "60801",
                    "text": text,
                },
                timeout=10,
            )
            (lookups if hop == 1 else others).append((time.perf_counter() - started) * 1000)
            reply.raise_for_status()
            assert reply.text.startswith(("CON", "END")), reply.text  # noqa: S101 - a bench check
    print(summary("look-up hops", lookups))
    print(summary("other hops", others))


if __name__ == "__main__":
    main()
