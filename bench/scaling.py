"""The scaling matrix of issue 7: does a hop cost the same with a bigger menu, a full
sessions table, PostgreSQL, and Twilio unreachable while hand-offs pile up?

    .venv/bin/python bench/scaling.py                    # every run, 20 s each, 32 callers
    .venv/bin/python bench/scaling.py --repeat 3         # each run 3 times, medians reported
    .venv/bin/python bench/scaling.py --only reference,menu-5000 --duration 10
    .venv/bin/python bench/scaling.py --smoke            # every run for 3 s, 10,000 stored

Each run is one `bench/run.py` in a process of its own (a fresh instance, gunicorn with
gunicorn.conf.py, wrk); only the reference run also serves the baseline. It prints a
Markdown table: hop throughput, p99, server CPU per hop, the service's memory (PSS of
gunicorn's master and workers after the load, the largest of the repeats), and the change
against the run each one is compared with (the 5,000-node menu against the 10-node one,
the rest against the reference run).
The issue asks for hop cost within 15%. CPU per hop (worker CPU time / hops) is the
steadier figure on a shared machine: throughput and latency move with whatever else runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.common import BENCH, RESULTS, ROOT  # noqa: E402

FLAT = 0.15


def matrix(stored: int) -> list[tuple[str, list[str], str | None, str]]:
    """(name, run.py arguments, compared with, what changes)."""
    return [
        ("reference", [], None, "SQLite, demo menu, empty table, Twilio off"),
        ("menu-10", ["--menu-nodes", "10"], "reference", "10-node menu"),
        ("menu-5000", ["--menu-nodes", "5000"], "menu-10", "5,000-node menu"),
        ("stored", ["--stored-sessions", str(stored)], "reference", f"{stored:,} stored sessions"),
        ("postgresql", ["--database", "postgresql"], "reference", "PostgreSQL"),
        (
            "postgresql-stored",
            ["--database", "postgresql", "--stored-sessions", str(stored)],
            "postgresql",
            f"PostgreSQL, {stored:,} stored sessions",
        ),
        (
            "twilio-unreachable",
            ["--twilio", "unreachable"],
            "reference",
            "Twilio configured, connections refused",
        ),
        (
            "twilio-blackhole",
            ["--twilio", "blackhole"],
            "reference",
            "Twilio configured, connections hang",
        ),
    ]


def run_one(name: str, extra: list[str], common: list[str], baseline: bool) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = Path(fh.name)
    cmd = [
        sys.executable,
        str(BENCH / "run.py"),
        *common,
        *extra,
        "--label",
        name,
        "--json-out",
        str(out),
    ]
    if not baseline:
        cmd.append("--skip-baseline")
    print(f"\n=== {name}: {' '.join(cmd[2:])}", flush=True)
    done = subprocess.run(cmd, cwd=ROOT, check=False)  # noqa: S603
    try:
        result: dict[str, Any] = json.loads(out.read_text())
    except (OSError, ValueError):
        raise SystemExit(f"run {name} produced no result (exit {done.returncode})") from None
    finally:
        out.unlink(missing_ok=True)
    result["exit_code"] = done.returncode
    return result


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over repeats of the figures that matter here."""
    figs = [r["app"]["figures"] for r in runs]

    def med(key: str) -> float:
        values = [f[key] for f in figs if f.get(key) is not None]
        return float(statistics.median(values)) if values else 0.0

    ratios = [r["ratio"] for r in runs if r.get("ratio") is not None]
    checks = [r["app"]["checks"] for r in runs]
    return {
        "hops_per_s": med("hops_per_s"),
        "p99_ms": med("p99_ms"),
        "cpu_ms_per_hop": med("server_cpu_ms_per_hop"),
        "peak_rss_mib": max(f["peak_rss_mib_per_worker"] for f in figs),
        "service_pss_mib": max((f.get("service_pss_mib") or 0.0) for f in figs) or None,
        "errors": sum(f["errors"] for f in figs),
        "other_cpu_cores": max((f.get("other_cpu_cores") or 0.0) for f in figs),
        "handoffs_ok": all(
            c["completed"] == c["handoffs"] and c["completed_without_handoff"] == 0 for c in checks
        ),
        "ratio": statistics.median(ratios) if ratios else None,
        "repeats": len(runs),
        "files": [r["file"] for r in runs],
    }


def change(new: float, old: float) -> float | None:
    return (new - old) / old if old else None


def pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:+.1f} %"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[1:]),
    )
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--stored", type=int, default=1_000_000, help="stored sessions of the 'stored' runs"
    )
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--only", help="comma-separated run names (default: all)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--database-url", help="PostgreSQL database for run.py")
    parser.add_argument(
        "--smoke", action="store_true", help="3 s per run at 4 callers, 10,000 stored sessions"
    )
    args = parser.parse_args()
    if args.smoke:
        args.duration, args.concurrency, args.warmup = 3, 4, 2
        args.stored = min(args.stored, 10_000)
    runs = matrix(args.stored)
    if args.only:
        wanted = {n.strip() for n in args.only.split(",")}
        unknown = wanted - {r[0] for r in runs}
        if unknown:
            raise SystemExit(f"unknown runs {sorted(unknown)}; known: {[r[0] for r in runs]}")
        runs = [r for r in runs if r[0] in wanted]
    common = [
        "--duration",
        str(args.duration),
        "--concurrency",
        str(args.concurrency),
        "--warmup",
        str(args.warmup),
        "--client",
        args.client,
    ]
    if args.database_url:
        common += ["--database-url", args.database_url]

    started = datetime.now(UTC)
    results: dict[str, list[dict[str, Any]]] = {name: [] for name, *_ in runs}
    failed = []
    for _ in range(args.repeat):  # round-robin, so drift of the machine spreads evenly
        for name, extra, _compare, _what in runs:
            result = run_one(name, extra, common, baseline=(name == "reference"))
            results[name].append(result)
            if result["exit_code"]:
                failed.append(name)
            time.sleep(1)

    table = {name: summary(rs) for name, rs in results.items()}
    first = next(iter(results.values()))[0]
    m, g = first["machine"], first["gunicorn"]
    lines = [
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['ram_gib']} GiB RAM, Linux "
        f"{m['kernel']}, Python {m['python']}, gunicorn {m['gunicorn']} ({g['workers']} x "
        f"{g['worker_class']}), SQLite {m['sqlite']}; client {first['settings']['client']}; "
        f"{args.concurrency} callers, {args.duration} s per run (+{args.warmup} s warm-up), "
        f"{args.repeat} repeat(s), medians. {started.date()}",
        "",
        "| run | what changes | hops/s | p99 ms | CPU ms/hop | service PSS | errors | hand-offs | "
        "compared with | Δ hops/s | Δ p99 | Δ CPU/hop | within 15% |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, _extra, compare, what in runs:
        row = table[name]
        ref = table.get(compare) if compare else None
        d_hops = change(row["hops_per_s"], ref["hops_per_s"]) if ref else None
        d_p99 = change(row["p99_ms"], ref["p99_ms"]) if ref else None
        d_cpu = change(row["cpu_ms_per_hop"], ref["cpu_ms_per_hop"]) if ref else None
        if ref is None:
            flat = "-"
        else:
            ok = (
                d_hops is not None
                and abs(d_hops) <= FLAT
                and d_cpu is not None
                and abs(d_cpu) <= FLAT
            )
            flat = "yes" if ok else "**no**"
        pss = f"{row['service_pss_mib']:,.1f} MiB" if row["service_pss_mib"] else "-"
        extra_note = f" (baseline ratio {100 * row['ratio']:.1f} %)" if row["ratio"] else ""
        lines.append(
            f"| {name} | {what}{extra_note} | {row['hops_per_s']:,.1f} | {row['p99_ms']:.2f} | "
            f"{row['cpu_ms_per_hop']:.3f} | {pss} | {row['errors']} | "
            f"{'ok' if row['handoffs_ok'] else '**mismatch**'} | {compare or '-'} | "
            f"{pct(d_hops)} | {pct(d_p99)} | {pct(d_cpu)} | {flat} |"
        )
    noisy = [n for n, r in table.items() if (r["other_cpu_cores"] or 0) > 0.2]
    if noisy:
        lines.append("")
        lines.append(
            f"Other processes used more than 0.2 core during: {', '.join(noisy)} "
            "(figures disturbed; run again on an idle machine)."
        )
    text = "\n".join(lines)
    print("\n" + text)
    out = RESULTS / f"scaling-{started.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "started": started.isoformat(timespec="seconds"),
                "args": vars(args),
                "table": table,
                "markdown": text,
            },
            indent=1,
            ensure_ascii=False,
        )
    )
    print(f"\nresult file: {out.relative_to(ROOT)}")
    if failed:
        print(f"FAILED runs (errors or hand-off mismatch): {', '.join(sorted(set(failed)))}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
