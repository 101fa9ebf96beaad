"""A stdlib-only asyncio load generator, the fallback when wrk is not installed.

    python bench/loadgen.py --url http://127.0.0.1:8000 --token T --concurrency 32 \
        --duration 20 --mode app|baseline --prefix bench --phone-prefix 22177

(harness.load runs it as `python -m bench.harness.loadgen`.) It does what
harness/sessions.lua does (whole demo-menu sessions, one new session id and
phone number per session, AT-style cumulative `text`, CON/END checks) and prints one line
"BENCH_RESULT {json}" in the same shape. Raw HTTP/1.1 over asyncio streams, no
third-party client: it costs more CPU per request than wrk (C), which run.py reports, so
prefer wrk (`apt-get install wrk`) for real measurements.

Latency is measured from the connection attempt to the last byte of the reply (gunicorn's
sync workers close the connection after every reply, so every hop is a new connection).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from urllib.parse import quote, urlsplit

from bench.harness.callers import answers, phone
from bench.harness.common import HOPS_PER_SESSION


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.hops_ok = 0
        self.sessions_done = 0
        self.bad = 0
        self.bad_sample = ""
        self.http_errors = 0
        self.connect_errors = 0
        self.read_errors = 0
        self.timeouts = 0


async def _post(host: str, port: int, raw: bytes, timeout: float) -> tuple[int, str]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        writer.write(raw)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length is None:
            body = await asyncio.wait_for(reader.read(), timeout)
        else:
            body = await asyncio.wait_for(reader.readexactly(length), timeout)
        return status, body.decode("utf-8", "replace")
    finally:
        writer.close()


async def caller(
    index: int,
    args: argparse.Namespace,
    host: str,
    port: int,
    deadline: float,
    stats: Stats,
) -> None:
    code = quote(args.service_code, safe="")
    head = (
        f"POST /ussd/africastalking HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"X-USSD-Token: {args.token}\r\n"
    )
    n = 0
    while time.monotonic() < deadline:
        n += 1
        session = f"{args.prefix}-{index}-{n}"
        number = quote(phone(args.phone_prefix, index, n, args.concurrency), safe="")
        inputs = answers(n + index)
        for hop in range(HOPS_PER_SESSION):
            if time.monotonic() >= deadline:
                return
            text = quote("*".join(inputs[:hop]), safe="")
            body = (
                f"sessionId={session}&phoneNumber={number}&serviceCode={code}"
                f"&networkCode=60801&text={text}"
            ).encode()
            raw = head.encode() + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
            started = time.perf_counter()
            try:
                status, reply = await _post(host, port, raw, args.timeout)
            except TimeoutError:  # before OSError, of which it is a subclass
                stats.timeouts += 1
                break
            except (ConnectionError, OSError):
                stats.connect_errors += 1
                break
            except (asyncio.IncompleteReadError, ValueError, IndexError):
                stats.read_errors += 1
                break
            if time.monotonic() > deadline:
                return  # like wrk: a reply after the end is not counted
            stats.latencies.append((time.perf_counter() - started) * 1000)
            last = hop == HOPS_PER_SESSION - 1
            want = "END " if last and args.mode != "baseline" else "CON "
            if status >= 400:
                stats.http_errors += 1
            if status != 200 or not reply.startswith(want):
                stats.bad += 1
                if not stats.bad_sample:
                    stats.bad_sample = f"hop {hop + 1}: HTTP {status}: {reply[:120]}"
                break
            stats.hops_ok += 1
            if last:
                stats.sessions_done += 1


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


async def run(args: argparse.Namespace) -> dict[str, object]:
    url = urlsplit(args.url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    stats = Stats()
    started = time.monotonic()
    deadline = started + args.duration
    await asyncio.gather(
        *(caller(i, args, host, port, deadline, stats) for i in range(args.concurrency))
    )
    elapsed = time.monotonic() - started
    lat = sorted(stats.latencies)
    return {
        "client": "python-asyncio",
        "duration_s": elapsed,
        "requests": len(lat),
        "hops_ok": stats.hops_ok,
        "sessions_done": stats.sessions_done,
        "bad_replies": stats.bad,
        "bad_sample": stats.bad_sample,
        "socket_errors": {
            "connect": stats.connect_errors,
            "read": stats.read_errors,
            "write": 0,
            "timeout": stats.timeouts,
        },
        "http_errors": stats.http_errors,
        "latency_ms": {
            "min": lat[0] if lat else 0.0,
            "mean": sum(lat) / len(lat) if lat else 0.0,
            "p50": pct(lat, 50),
            "p90": pct(lat, 90),
            "p95": pct(lat, 95),
            "p99": pct(lat, 99),
            "max": lat[-1] if lat else 0.0,
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--mode", choices=("app", "baseline"), default="app")
    parser.add_argument("--prefix", default="bench")
    parser.add_argument("--phone-prefix", default="22177")
    parser.add_argument("--service-code", default="*123*456#")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args))
    print("BENCH_RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
