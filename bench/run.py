"""Benchmark a USSD hop against a bare Flask reply, under the project's gunicorn settings.

    .venv/bin/python bench/run.py                       # 32 callers, 20 s, SQLite, demo menu
    .venv/bin/python bench/run.py --smoke               # 3 s at 4 callers; exit 1 on any error
    .venv/bin/python bench/run.py --database postgresql --menu-nodes 5000 \
        --stored-sessions 1000000 --twilio unreachable --profile

One run builds a throw-away instance (its own temporary folder, SQLite file or PostgreSQL
database, secret key and webhook token, passed as environment variables: no .env is
read), runs `flask --app app init-db` (and optionally imports a generated menu and fills
the sessions table), serves the app with `gunicorn -c gunicorn.conf.py 'app:create_app()'`
and plays whole sessions of the demo menu against it, first a warm-up of --warmup seconds,
then --duration measured seconds, at --concurrency callers: a new session id and phone
number per session (the warm-up's ids and numbers apart from the measured run's, checked
in the database afterwards), the answers typed hop by hop with Africa's Talking's
cumulative `text`, every reply checked (CON on hops 1-4, END on hop 5). Then it serves
bench/harness/baseline_app.py (a constant CON screen) with the same gunicorn.conf.py and
plays the same load. It prints, for both, hops/s, sessions/s, p50/p95/p99/max hop
latency, errors, peak RSS per worker, the memory of the whole service after the load (the
PSS of gunicorn's master and workers added up) and server CPU per hop, the ratio of the
throughputs, the machine and the gunicorn settings, and checks that every finished session
has exactly one hand-off row. The figures go to bench/results/*.json and as a Markdown row
for docs/performance.md.

The load generator is wrk with bench/harness/sessions.lua when wrk is installed (Debian
package `wrk`), else bench/harness/loadgen.py (stdlib asyncio); --client picks one. Its own
CPU use is measured and printed, with the CPU used by everything else on the machine
meanwhile: on a busy machine the figures are not worth comparing. The parts are in
bench/harness/; this script puts them together.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.checks import phase_checks, scan_log, session_checks  # noqa: E402
from bench.harness.common import APP_SPEC, BASELINE_SPEC, RESULTS, ROOT, log  # noqa: E402
from bench.harness.instance import DEFAULT_PG_URL, Instance, menu_compile_ms  # noqa: E402
from bench.harness.load import pick_client  # noqa: E402
from bench.harness.measure import machine  # noqa: E402
from bench.harness.profiling import profile_summary  # noqa: E402
from bench.harness.report import markdown_row, print_report, problems, targets  # noqa: E402
from bench.harness.server import gunicorn_settings, stop_all  # noqa: E402
from bench.harness.sides import Plan, Side, play  # noqa: E402
from bench.harness.twilio import Blackhole, twilio_env  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[1:]),
    )
    parser.add_argument("--concurrency", type=int, default=32, help="simultaneous callers")
    parser.add_argument("--duration", type=int, default=20, help="measured seconds per side")
    parser.add_argument(
        "--warmup",
        type=int,
        default=3,
        help="seconds of unmeasured load first (workers import, compile the menu)",
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_PG_URL,
        help="PostgreSQL database to (re)create and drop; never 'test'",
    )
    parser.add_argument(
        "--menu-nodes",
        type=int,
        default=0,
        help="0: the demo menu as init-db installs it; N >= 7: the demo path "
        "inside a generated N-node menu (bench/menugen.py)",
    )
    parser.add_argument(
        "--stored-sessions",
        type=int,
        default=0,
        help="past sessions stored before the run (bench/prefill.py)",
    )
    parser.add_argument(
        "--twilio",
        choices=("off", "unreachable", "blackhole"),
        default="off",
        help="off: not configured (hand-offs wait); unreachable: configured, "
        "every connection refused; blackhole: configured, connections hang",
    )
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--profile", action="store_true", help="py-spy the app's workers during the measured run"
    )
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--pin-server", metavar="CPUS", help="taskset CPU list for gunicorn")
    parser.add_argument("--pin-generator", metavar="CPUS", help="taskset CPU list for the load")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for both servers (e.g. WEB_CONCURRENCY=3)",
    )
    parser.add_argument("--label", default="", help="a word for the result file's name")
    parser.add_argument("--json-out", help="also write the result here")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder and PostgreSQL database"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="3 s at 4 callers with a 2 s warm-up; exit 1 on any error",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.duration, args.concurrency, args.warmup = 3, 4, 2
    if args.menu_nodes and args.menu_nodes < 7:
        parser.error("--menu-nodes is 0 (the demo menu) or at least 7")
    if args.concurrency < 1 or args.duration < 1:
        parser.error("--concurrency and --duration must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = Plan(
        client=pick_client(args.client),
        concurrency=args.concurrency,
        duration=args.duration,
        warmup=args.warmup,
        pin_server=args.pin_server,
        pin_generator=args.pin_generator,
    )
    started = datetime.now(UTC)
    run_id = "bench" + started.strftime("%H%M%S") + secrets.token_hex(2)
    instance = Instance.create(args.database, args.database_url, args.env, keep=args.keep)
    settings = gunicorn_settings(dict(instance.env, PORT="0"))
    result: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "gunicorn": settings,
        "settings": {
            "database": args.database,
            "menu": f"{args.menu_nodes} nodes" if args.menu_nodes else "demo (5 nodes)",
            "menu_nodes": args.menu_nodes or 5,
            "stored_sessions": args.stored_sessions,
            "twilio": args.twilio,
            "concurrency": args.concurrency,
            "duration": args.duration,
            "warmup": args.warmup,
            "client": plan.client,
            "pin_server": args.pin_server,
            "pin_generator": args.pin_generator,
            "env": args.env,
            "smoke": args.smoke,
        },
    }
    hole: Blackhole | None = None
    failed = False
    try:
        log(f"instance in {instance.tmp} ({args.database})")
        log("init-db: " + " ".join(instance.init_db().split()))
        if args.menu_nodes:
            out, path = instance.import_menu(args.menu_nodes)
            lines = out.strip().splitlines()
            log(f"menu import: {lines[0]} ... {lines[-1]}")
            result["settings"]["menu_compile_ms"] = menu_compile_ms(path)
        if args.stored_sessions:
            log(f"storing {args.stored_sessions:,} past sessions")
            log(instance.prefill(args.stored_sessions))
        app_env, hole = twilio_env(args.twilio, instance.env)
        workers = int(settings["workers"])
        profile_out = None
        if args.profile:
            RESULTS.mkdir(exist_ok=True)
            profile_out = RESULTS / f"profile-{started.strftime('%Y%m%dT%H%M%S')}.txt"

        app = Side("app")
        server = play(app, APP_SPEC, app_env, plan, instance.tmp, run_id, workers, profile_out)
        server.stop()
        log("app: checking sessions and hand-offs")
        checks = session_checks(instance.database_url, run_id)
        # The warm-up's finished sessions are in the database too: add its END replies.
        checks["client_sessions_done"] = app.load["sessions_done"] + app.warmup_load.get(
            "sessions_done", 0
        )
        app.log = scan_log(server.log_path)
        checks["log"] = app.log
        assert app.phases is not None  # noqa: S101 - play() set them
        result["app"] = {
            **app.result(),
            "checks": checks,
            "phases": phase_checks(
                instance.database_url, run_id, *app.phases, warmed=bool(app.warmup_load)
            ),
        }
        if profile_out is not None and profile_out.exists():
            result["profile"] = {
                "file": str(profile_out.relative_to(ROOT)),
                **profile_summary(profile_out),
            }
        elif profile_out is not None:
            log(f"py-spy wrote no profile: {Path(str(profile_out) + '.log').read_text()[-500:]}")

        base = Side("baseline")
        if not args.skip_baseline:
            try:
                server = play(
                    base, BASELINE_SPEC, instance.env, plan, instance.tmp, run_id, workers
                )
            except SystemExit as exc:  # the app's figures are still worth a report
                stop_all()
                result["baseline_error"] = str(exc)[-3000:]
                log(f"baseline: {result['baseline_error']}")
            else:
                server.stop()
                base.log = scan_log(server.log_path)
                result["baseline"] = base.result()
        if "baseline" in result:
            if base.figures()["hops_per_s"]:
                result["ratio"] = round(
                    app.figures()["hops_per_s"] / base.figures()["hops_per_s"], 4
                )
            app_cpu = app.figures()["server_cpu_ms_per_hop"]
            base_cpu = base.figures()["server_cpu_ms_per_hop"]
            if app_cpu and base_cpu:
                # Steadier on a shared machine: what one hop costs the server, in CPU.
                result["cpu_ratio"] = round(base_cpu / app_cpu, 4)
        result["targets"] = targets(result)
    except BaseException:
        failed = True
        raise
    finally:
        stop_all()
        if hole is not None:
            result.setdefault("settings", {})["blackhole_connections"] = hole.accepted
            hole.close()
        instance.close(failed or "baseline_error" in result)  # keep the logs

    RESULTS.mkdir(exist_ok=True)
    label = args.label or ("smoke" if args.smoke else "run")
    name = (
        f"{started.strftime('%Y%m%dT%H%M%S')}-{label}-{args.database}-m{args.menu_nodes or 5}"
        f"-s{args.stored_sessions}-{args.twilio}-c{args.concurrency}.json"
    )
    path = RESULTS / name
    result["file"] = str(path.relative_to(ROOT))
    result["markdown_row"] = markdown_row(result)
    text = json.dumps(result, indent=1, ensure_ascii=False)
    path.write_text(text)
    if args.json_out:
        Path(args.json_out).write_text(text)
    print_report(result)

    failures = problems(result)
    if failures:
        print("\nFAILED: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        stop_all()
        sys.exit(130)
