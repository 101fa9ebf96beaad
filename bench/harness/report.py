"""The benchmark's result: its figures checked against the targets, printed as a table, and
written as JSON and as a Markdown row for docs/performance.md."""

from __future__ import annotations

from typing import Any

from bench.harness.profiling import WAITS

# The targets of issue 13 (2 cores, SQLite, default settings, 32 callers, one request path
# through Flask): throughput against the bare baseline, and the memory of the whole
# service with 4 workers. Issue 7's latency target still holds.
TARGET_RATIO = 0.38
TARGET_P99_MS = 50.0
TARGET_SERVICE_PSS_MIB = 200.0
TARGET_WORKERS = 4


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def print_report(result: dict[str, Any]) -> None:
    m = result["machine"]
    g = result["gunicorn"]
    s = result["settings"]
    print()
    print("## ussd-flex hop benchmark")
    print(
        f"machine : {m['nproc']} CPUs ({m['cpu_model']}), {m['ram_gib']} GiB RAM, "
        f"Linux {m['kernel']}, Python {m['python']}, gunicorn {m['gunicorn']}, "
        f"SQLite {m['sqlite']}; load average at start {m['loadavg_at_start'][0]:.2f}"
    )
    print(
        f"gunicorn: {g['workers']} x {g['worker_class']} workers, {g['threads']} thread(s), "
        f"timeout {g['timeout']} s, keepalive {g['keepalive']} s, max_requests "
        f"{g['max_requests']}, preload_app {bool(g.get('preload_app'))} (gunicorn.conf.py "
        f"defaults{' + ' + ' '.join(s['env']) if s['env'] else ''})"
    )
    print(
        f"run     : {s['database']}, menu {s['menu']}, {s['stored_sessions']:,} stored sessions, "
        f"Twilio {s['twilio']}, {s['concurrency']} callers, {s['duration']} s "
        f"(+{s['warmup']} s warm-up), client {s['client']}, pinning server "
        f"{s['pin_server'] or 'none'} / generator {s['pin_generator'] or 'none'}"
    )
    print()
    header = (
        f"{'':9} {'hops/s':>9} {'sess/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'errors':>7} {'peak RSS/worker':>16} {'service PSS':>12} "
        f"{'CPU ms/hop':>11} {'gen CPU':>8} {'other CPU':>9}"
    )
    print(header)
    for name in ("app", "baseline"):
        f = result.get(name)
        if not f:
            continue
        fig = f["figures"]
        sessions = fmt(fig["sessions_per_s"]) if name == "app" else "-"
        print(
            f"{name:9} {fmt(fig['hops_per_s']):>9} {sessions:>8} {fmt(fig['p50_ms'], 2):>8} "
            f"{fmt(fig['p95_ms'], 2):>8} {fmt(fig['p99_ms'], 2):>8} {fmt(fig['max_ms'], 1):>8} "
            f"{fig['errors']:>7} {fmt(fig['peak_rss_mib_per_worker']) + ' MiB':>16} "
            f"{mib_cell(fig.get('service_pss_mib')):>12} "
            f"{fmt(fig['server_cpu_ms_per_hop'], 3):>11} "
            f"{fmt(fig['generator_cpu_cores'], 2):>8} {fmt(fig['other_cpu_cores'], 2):>9}"
        )
    print(
        "(gen CPU / other CPU: cores used by the load generator / by everything else on the"
        " machine during the run; service PSS: gunicorn's master and workers added up, after"
        " the load)"
    )
    for name in ("app", "baseline"):
        if result.get(name):
            print(memory_line(name, result[name].get("memory") or {}))
    if result.get("ratio") is not None:
        cpu = result.get("cpu_ratio")
        print(
            f"\nratio app/baseline hops/s: {100 * result['ratio']:.1f} %"
            + (f" (by server CPU per hop, baseline/app: {100 * cpu:.1f} %)" if cpu else "")
        )
    app = result.get("app")
    if app:
        c = app["checks"]
        print(
            f"\nsessions: {c['sessions']:,} played ({c['sessions_by_status']}); finished "
            f"(completed) {c['completed']:,}, hand-off rows {c['handoffs']:,} "
            f"({c['handoffs_by_status']}); completed without hand-off "
            f"{c['completed_without_handoff']}, hand-offs of unfinished sessions "
            f"{c['handoffs_of_unfinished_sessions']}; END replies seen by the callers "
            f"{c['client_sessions_done']:,}"
        )
        ph = app.get("phases")
        if ph:
            print(
                f"phases  : warm-up {ph['warmup_sessions']:,} sessions ({ph['warmup']['ids']}, "
                f"{ph['warmup']['numbers']}), measured {ph['measured_sessions']:,} "
                f"({ph['measured']['ids']}, {ph['measured']['numbers']}); other "
                f"{ph['other_sessions']}, numbers in both {ph['numbers_in_both']}, numbers "
                f"used twice {ph['numbers_used_twice']}: "
                + ("apart" if ph["ok"] else "OVERLAP (or nothing stored to compare)")
            )
        if s["twilio"] != "off":
            print(
                f"twilio  : {c['handoff_attempts']:,} delivery attempts; last errors: "
                f"{c['handoff_last_errors']}"
            )
        lg = app["log"]
        print(
            f"app log : {lg['error_lines']} ERROR lines, {lg['internal_errors']} internal "
            f"errors, {lg['tracebacks']} tracebacks, {lg['database_locked']} 'database is "
            f"locked', {lg['worker_timeouts']} worker timeouts, {lg['worker_boots']} worker "
            f"boots, {lg['handoff_retries_logged']} hand-off retries logged"
        )
        for sample in lg["samples"]:
            print(f"          {sample}")
        if app.get("bad_sample"):
            print(f"first bad reply: {app['bad_sample']}")
    if result.get("targets"):
        print(
            "\ntargets (issues 7 and 13; meaningful at 32 callers, SQLite, default settings, on "
            "an otherwise idle 2-core machine):"
        )
        for name, (ok, text) in result["targets"].items():
            print(f"  {'ok    ' if ok else 'MISSED'} {name}: {text}")
    if result.get("profile"):
        p = result["profile"]
        print(f"\nprofile ({p['samples']} samples, all workers; raw stacks in {p['file']}):")
        print("  top functions by own time:")
        for name, share in p["own"]:
            wait = "  [socket call or wait]" if name.startswith(WAITS) else ""
            print(f"    {share:5.1f} %  {name}{wait}")
        print("  project code by total time:")
        for name, share in p["project_total"]:
            print(f"    {share:5.1f} %  {name}")
    print(f"\nresult file: {result['file']}")
    print("\nMarkdown row for docs/performance.md:")
    print(markdown_header())
    print(markdown_row(result))


def markdown_header() -> str:
    return (
        "| date | machine | database | menu | stored sessions | Twilio | callers | s | "
        "app hops/s | sessions/s | p50 ms | p95 ms | p99 ms | errors | peak RSS/worker | "
        "service PSS | CPU ms/hop | baseline hops/s | baseline p99 ms | baseline PSS | "
        "app/baseline | hand-offs |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    )


def markdown_row(result: dict[str, Any]) -> str:
    m, s = result["machine"], result["settings"]
    app = result.get("app", {}).get("figures", {})
    base = result.get("baseline", {}).get("figures", {})
    checks = result.get("app", {}).get("checks", {})
    ratio = result.get("ratio")
    handoffs = f"{checks.get('completed', 0)}/{checks.get('handoffs', 0)}" if checks else "-"
    cells = [
        result["started"][:10],
        f"{m['nproc']} CPU, {m['ram_gib']:.0f} GiB",
        s["database"],
        s["menu"],
        f"{s['stored_sessions']:,}",
        s["twilio"],
        str(s["concurrency"]),
        str(s["duration"]),
        fmt(app.get("hops_per_s")),
        fmt(app.get("sessions_per_s")),
        fmt(app.get("p50_ms"), 2),
        fmt(app.get("p95_ms"), 2),
        fmt(app.get("p99_ms"), 2),
        fmt(app.get("errors")),
        f"{fmt(app.get('peak_rss_mib_per_worker'))} MiB",
        mib_cell(app.get("service_pss_mib")),
        fmt(app.get("server_cpu_ms_per_hop"), 3),
        fmt(base.get("hops_per_s")),
        fmt(base.get("p99_ms"), 2),
        mib_cell(base.get("service_pss_mib")),
        f"{100 * ratio:.1f} %" if ratio is not None else "-",
        handoffs,
    ]
    return "| " + " | ".join(cells) + " |"


def targets(result: dict[str, Any]) -> dict[str, tuple[bool, str]]:
    app = result["app"]["figures"]
    checks = result["app"]["checks"]
    out: dict[str, tuple[bool, str]] = {}
    if result.get("ratio") is not None:
        out[f"throughput >= {100 * TARGET_RATIO:.0f}% of baseline"] = (
            result["ratio"] >= TARGET_RATIO,
            f"{100 * result['ratio']:.1f} %",
        )
    out["p99 hop latency <= 50 ms"] = (app["p99_ms"] <= TARGET_P99_MS, f"{app['p99_ms']:.2f} ms")
    out["zero errors"] = (
        app["errors"] == 0 and checks["log"]["internal_errors"] == 0,
        f"{app['errors']} bad replies/socket errors, "
        f"{checks['log']['internal_errors']} internal errors logged",
    )
    pss = app.get("service_pss_mib")
    workers = result.get("gunicorn", {}).get("workers")
    if pss is not None and workers == TARGET_WORKERS:
        out[f"service PSS <= {TARGET_SERVICE_PSS_MIB:.0f} MiB with {TARGET_WORKERS} workers"] = (
            pss <= TARGET_SERVICE_PSS_MIB,
            f"{pss:.1f} MiB",
        )
    out["one hand-off per finished session"] = (
        checks["completed"] == checks["handoffs"]
        and checks["completed_without_handoff"] == 0
        and checks["handoffs_of_unfinished_sessions"] == 0
        and checks["completed"] >= checks["client_sessions_done"],
        f"{checks['completed']} completed, {checks['handoffs']} hand-off rows, "
        f"{checks['client_sessions_done']} END replies seen",
    )
    ph = result["app"].get("phases")
    if ph is not None:
        out["warm-up and measured sessions apart"] = (
            ph["ok"],
            f"{ph['warmup_sessions']} warm-up / {ph['measured_sessions']} measured sessions, "
            f"{ph['other_sessions']} other, {ph['numbers_in_both']} numbers in both, "
            f"{ph['numbers_used_twice']} used twice",
        )
    return out


def mib_cell(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f} MiB"


def memory_line(name: str, memory: dict[str, Any]) -> str:
    """Where the service's PSS is: master, workers, anonymous or file-backed pages."""
    if not memory or memory.get("error"):
        return f"memory  : {name}: {memory.get('error', 'not measured')}"
    workers = " + ".join(f"{w:.1f}" for w in memory["worker_pss_mib"])
    return (
        f"memory  : {name} PSS {memory['service_pss_mib']:.1f} MiB = master "
        f"{memory['master_pss_mib']:.1f} + workers {workers or '-'} (anonymous "
        f"{memory['pss_anon_mib']:.1f}, file {memory['pss_file_mib']:.1f}; RSS added up "
        f"{memory['rss_sum_mib']:.1f})"
    )


def problems(result: dict[str, Any]) -> list[str]:
    """Why the run failed (errors, hand-offs, the app's log, phases); empty when it did not."""
    out = []
    app_fig = result["app"]["figures"]
    checks = result["app"]["checks"]
    if app_fig["errors"]:
        out.append(f"{app_fig['errors']} errors in the app run")
    if result.get("baseline_error"):
        out.append(f"the baseline did not run ({result['baseline_error'].splitlines()[0]})")
    if "baseline" in result and result["baseline"]["figures"]["errors"]:
        out.append(f"{result['baseline']['figures']['errors']} errors in the baseline run")
    if not result["targets"]["one hand-off per finished session"][0]:
        out.append("finished sessions and hand-off rows do not match")
    if checks["log"]["internal_errors"] or checks["log"]["tracebacks"]:
        out.append("the app logged internal errors")
    if not result["app"]["load"]["hops_ok"]:
        out.append("no hop succeeded")
    phases = result["app"].get("phases")
    if phases is not None and not phases["ok"]:
        out.append("the warm-up and the measured run share session ids or numbers (or stored none)")
    return out
