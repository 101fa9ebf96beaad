"""A hop's cost inside one process: the WSGI app called directly, no gunicorn, no sockets.

    .venv/bin/python bench/inprocess.py [--sessions 4000] [--profile] [--top 30]

It plays the same sessions as bench/harness/sessions.lua (Africa's Talking form posts, a new
session id and phone number per session, five hops) against a throw-away SQLite instance
built the way bench/run.py builds one, then against bench/harness/baseline_app.py, and
prints the mean time per hop of each. A warm-up of 200 sessions comes first (imports, the
menu compiled), with ids and numbers of its own. With --profile it prints cProfile's top
entries by own time for the app. It is for finding where a hop's time goes; bench/run.py
gives the figures that count.
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.callers import WsgiApp, play_wsgi, wsgi_sessions  # noqa: E402
from bench.harness.common import MEASURED_PHONES, WARMUP_PHONES  # noqa: E402
from bench.harness.instance import base_env  # noqa: E402


def build_app(tmp: Path) -> tuple[WsgiApp, str]:
    """The instance bench/run.py serves: every setting at its default, new secrets."""
    os.environ.update(base_env(f"sqlite:///{tmp}/bench.db"))
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
        # Numbers of its own: a caller the measured run saw in the warm-up could be offered
        # to resume, de-duplicated or rate-limited.
        play_wsgi(app, list(wsgi_sessions(200, token, "warm", WARMUP_PHONES)), True)
        plan = list(wsgi_sessions(args.sessions, token, "inproc", MEASURED_PHONES))
        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        bad = play_wsgi(app, plan, True)
        if profiler:
            profiler.disable()
        app_ms = (time.perf_counter() - started) * 1000 / (args.sessions * 5)

    from bench.harness.baseline_app import create_app as baseline

    base = baseline()
    plan = list(wsgi_sessions(args.sessions, token, "inproc", MEASURED_PHONES))
    started = time.perf_counter()
    base_bad = play_wsgi(base, plan, False)
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
