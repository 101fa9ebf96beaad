"""One side of a benchmark run (the app, or the baseline): gunicorn started, warmed up, then
measured under load, with what its processes used meanwhile and their memory after."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness.common import log
from bench.harness.load import Phase, errors_of, phases, run_load
from bench.harness.measure import cpu_times
from bench.harness.profiling import start_profile
from bench.harness.server import Server


@dataclass(frozen=True)
class Plan:
    """How the load is played against each side."""

    client: str  # "wrk" or "python"
    concurrency: int
    duration: int
    warmup: int
    pin_server: str | None = None
    pin_generator: str | None = None


@dataclass
class Side:
    name: str  # "app" or "baseline"
    load: dict[str, Any] = field(default_factory=dict)  # the measured phase's figures
    warmup_load: dict[str, Any] = field(default_factory=dict)
    server: dict[str, Any] = field(default_factory=dict)  # CPU and peak RSS of the workers
    memory: dict[str, Any] = field(default_factory=dict)  # PSS of the service after the load
    log: dict[str, Any] = field(default_factory=dict)
    machine_cpu: dict[str, Any] = field(default_factory=dict)
    phases: tuple[Phase, Phase] | None = None  # (warm-up, measured)

    @property
    def mode(self) -> str:
        return "baseline" if self.name == "baseline" else "app"

    def figures(self) -> dict[str, Any]:
        load = self.load
        duration = load["duration_s"] or 1e-9
        hops = load["requests"]
        lat = load["latency_ms"]
        cpu = self.server.get("worker_cpu_s", 0.0) + self.server.get("master_cpu_s", 0.0)
        peaks = self.server.get("peak_rss_mib_per_worker") or [0.0]
        return {
            "hops_per_s": round(hops / duration, 1),
            "good_hops_per_s": round(load["hops_ok"] / duration, 1),
            "sessions_per_s": round(load["sessions_done"] / duration, 1),
            "p50_ms": round(lat["p50"], 2),
            "p95_ms": round(lat["p95"], 2),
            "p99_ms": round(lat["p99"], 2),
            "max_ms": round(lat["max"], 2),
            "errors": errors_of(load),
            "peak_rss_mib_per_worker": max(peaks),
            "service_pss_mib": self.memory.get("service_pss_mib"),
            "server_cpu_ms_per_hop": round(1000 * cpu / hops, 3) if hops else None,
            "generator_cpu_cores": round(load["generator_cpu_s"] / duration, 2),
            "other_cpu_cores": self.machine_cpu.get("other_cores"),
        }

    def result(self) -> dict[str, Any]:
        """The side's part of the result file (the app's gets its "checks" added)."""
        return {
            "figures": self.figures(),
            "load": self.load,
            "warmup_load": self.warmup_load,
            "server": self.server,
            "memory": self.memory,
            "machine_cpu": self.machine_cpu,
            "log": self.log,
            "bad_sample": self.load.get("bad_sample", ""),
        }


def play(
    side: Side,
    spec: str,
    env: dict[str, str],
    plan: Plan,
    tmp: Path,
    run_id: str,
    expected_workers: int,
    profile_out: Path | None = None,
) -> Server:
    """Serve `spec`, warm it up, measure it; returns the server, still running (the caller
    stops it, after reading whatever else it wants from it)."""
    server = Server(spec, env, tmp / f"gunicorn-{side.name}.log", plan.pin_server, expected_workers)
    log(f"{side.name}: starting gunicorn ({spec}) on {server.url}")
    server.start()
    assert server.sampler is not None  # noqa: S101 - start() made it
    token = env["USSD_WEBHOOK_TOKEN"]
    warmup, measured = side.phases = phases(run_id, "a" if side.mode == "app" else "b")

    def load(phase: Phase, seconds: int) -> dict[str, Any]:
        return run_load(
            plan.client,
            server.url,
            token,
            side.mode,
            plan.concurrency,
            seconds,
            phase,
            plan.pin_generator,
            tmp,
        )

    if plan.warmup > 0:
        log(f"{side.name}: warming up for {plan.warmup} s")
        side.warmup_load = load(warmup, plan.warmup)
    profiler = None
    if profile_out is not None:
        profiler = start_profile(server.pid, plan.duration, profile_out)
        time.sleep(1.0)  # let py-spy attach before the load starts
    log(f"{side.name}: {plan.concurrency} callers for {plan.duration} s ({plan.client})")
    busy0, total0 = cpu_times()
    server.sampler.begin_measure()
    side.load = load(measured, plan.duration)
    side.server = server.sampler.end_measure()
    busy1, total1 = cpu_times()
    side.memory = server.memory()  # after the load, before gunicorn stops
    ncpu = os.cpu_count() or 1
    window = (total1 - total0) / ncpu
    busy = busy1 - busy0
    server_cpu = side.server["worker_cpu_s"] + side.server["master_cpu_s"]
    other = busy - server_cpu - side.load["generator_cpu_s"]
    side.machine_cpu = {
        "window_s": round(window, 2),
        "busy_cores": round(busy / window, 2) if window else None,
        "server_cores": round(server_cpu / window, 2) if window else None,
        "other_cores": round(max(0.0, other) / window, 2) if window else None,
    }
    if profiler is not None:
        try:
            profiler.wait(30)
        except subprocess.TimeoutExpired:
            profiler.terminate()
            profiler.wait(10)
    return server
