"""A hop's cost inside one process: the WSGI app called directly, no gunicorn, no sockets.

    .venv/bin/python bench/inprocess.py [--sessions 4000] [--profile] [--top 30]

It plays the same sessions as bench/sessions.lua (Africa's Talking form posts, a new session
id and phone number per session, five hops) against a throw-away SQLite instance built the
way bench/run.py builds one, then against bench/baseline_app.py, and prints the mean
time per hop of each. With --profile it prints cProfile's top entries by own time for the
app. It is for finding where a hop's time goes; bench/run.py gives the figures that count.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Any]


def sessions(count: int, token: str, prefix: str = "inproc") -> Iterator[list[dict[str, Any]]]:
    """The environs of `count` sessions, five hops each, with the answers sessions.lua uses."""
    for n in range(count):
        inputs = ["1" if n % 2 else "2", str(n % 3 + 1), str((n + 1) % 3 + 1), str(n % 2 + 1)]
        hops = []
        for hop in range(5):
            body = urlencode(
                {
                    "sessionId": f"{prefix}-{n}",
                    "phoneNumber": f"+22177{n % 10_000_000:07d}",
                    "serviceCode": "*123*456#",
                    "networkCode": "60801",
                    "text": "*".join(inputs[:hop]),
                }
            ).encode()
            hops.append(environ(body, token))
        yield hops


def environ(body: bytes, token: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/ussd/africastalking",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_X_USSD_TOKEN": token,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def play(app: WsgiApp, plan: list[list[dict[str, Any]]], expect_end: bool) -> int:
    """Run every hop; returns how many replies were not what the menu should answer."""
    bad = 0
    status_seen: list[str] = []

    def start_response(status: str, _headers: Any, _exc: Any = None) -> None:
        status_seen.append(status)

    for hops in plan:
        for index, env in enumerate(hops):
            env["wsgi.input"].seek(0)
            body = b"".join(app(env, start_response))
            want = b"END " if expect_end and index == 4 else b"CON "
            if not body.startswith(want) or status_seen[-1] != "200 OK":
                bad += 1
    return bad


def build_app(tmp: Path) -> tuple[WsgiApp, str]:
    """The instance bench/run.py serves: every setting at its default, new secrets."""
    from bench.run import base_env

    os.environ.update(base_env(argparse.Namespace(env=[]), tmp, f"sqlite:///{tmp}/bench.db"))
    os.environ["LOG_LEVEL"] = "WARNING"
    token = os.environ["USSD_WEBHOOK_TOKEN"]
    from app import create_app

    app = create_app()
    result = app.test_cli_runner().invoke(args=["init-db"])
    if result.exit_code != 0:
        raise SystemExit(f"init-db failed: {result.output}")
    return app, token


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=4000)
    parser.add_argument("--profile", action="store_true", help="cProfile the app's hops")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ussd-inproc-") as folder:
        app, token = build_app(Path(folder))
        play(app, list(sessions(200, token, "warm")), True)  # imports, menu compiled
        plan = list(sessions(args.sessions, token))
        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        bad = play(app, plan, True)
        if profiler:
            profiler.disable()
        app_ms = (time.perf_counter() - started) * 1000 / (args.sessions * 5)

    from bench.baseline_app import create_app as baseline

    base = baseline()
    plan = list(sessions(args.sessions, token))
    started = time.perf_counter()
    base_bad = play(base, plan, False)
    base_ms = (time.perf_counter() - started) * 1000 / (args.sessions * 5)

    print(f"app      : {app_ms:.3f} ms per hop ({args.sessions * 5} hops, {bad} bad replies)")
    print(f"baseline : {base_ms:.3f} ms per hop ({base_bad} bad replies)")
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())
    return 1 if bad or base_bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
