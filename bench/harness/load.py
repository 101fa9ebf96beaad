"""The load: wrk with harness/sessions.lua (or harness/loadgen.py when wrk is missing) playing
whole demo-menu sessions for a while, in phases (warm-up, measured) that never share a
session id or a phone number."""

from __future__ import annotations

import json
import re
import resource
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness.common import (
    HARNESS,
    MEASURED_PHONES,
    PREFILL_PHONES,
    ROOT,
    SERVICE_CODE,
    WARMUP_PHONES,
)

LUA = HARNESS / "sessions.lua"


@dataclass(frozen=True)
class Phase:
    """A stretch of load. Its session ids are PREFIX-<caller>-<n>, its numbers
    +PHONE_PREFIX and 7 digits (see harness.callers.phone)."""

    name: str
    prefix: str
    phone_prefix: str

    @property
    def like(self) -> str:
        """A SQL LIKE pattern for this phase's session ids."""
        return f"{self.prefix}-%"


def phases(run_id: str, tag: str) -> tuple[Phase, Phase]:
    """The warm-up and the measured phase of one side ("a": app, "b": baseline) of a run."""
    warmup = Phase("warm-up", f"{run_id}-{tag}w", WARMUP_PHONES)
    measured = Phase("measured", f"{run_id}-{tag}m", MEASURED_PHONES)
    check_disjoint(warmup, measured)
    return warmup, measured


def check_disjoint(*all_phases: Phase) -> None:
    """Fail before any load is played if two phases could share a session id or a number."""
    for phase in all_phases:
        if not re.fullmatch(r"[A-Za-z0-9-]+", phase.prefix):
            raise ValueError(f"{phase.name}: session prefix {phase.prefix!r} (LIKE-safe only)")
        if not re.fullmatch(r"\d{5}", phase.phone_prefix) or phase.phone_prefix in PREFILL_PHONES:
            raise ValueError(f"{phase.name}: phone prefix {phase.phone_prefix!r}")
    for i, one in enumerate(all_phases):
        for other in all_phases[i + 1 :]:
            ids = (one.prefix + "-", other.prefix + "-")
            if ids[0].startswith(ids[1]) or ids[1].startswith(ids[0]):
                raise ValueError(f"{one.name} and {other.name} share session ids")
            if one.phone_prefix == other.phone_prefix:
                raise ValueError(f"{one.name} and {other.name} share phone numbers")


def pick_client(choice: str) -> str:
    if choice == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if choice == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: `apt-get install wrk`, or --client python")
    return choice


def run_load(
    client: str,
    url: str,
    token: str,
    mode: str,
    concurrency: int,
    duration: int,
    phase: Phase,
    cpus: str | None,
    out_dir: Path,
) -> dict[str, Any]:
    """Play `phase` for `duration` seconds at `concurrency` callers; the generator's
    BENCH_RESULT figures and the CPU it used."""
    if client == "wrk":
        cmd = [
            "wrk",
            "-t",
            str(concurrency),
            "-c",
            str(concurrency),
            "-d",
            f"{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            url,
            "--",
            mode,
            token,
            phase.prefix,
            phase.phone_prefix,
            SERVICE_CODE,
            str(concurrency),
        ]
    else:
        cmd = [
            sys.executable,
            "-m",
            "bench.harness.loadgen",
            "--url",
            url,
            "--token",
            token,
            "--concurrency",
            str(concurrency),
            "--duration",
            str(duration),
            "--mode",
            mode,
            "--prefix",
            phase.prefix,
            "--phone-prefix",
            phase.phone_prefix,
            "--service-code",
            SERVICE_CODE,
        ]
    if cpus:
        cmd = ["taskset", "-c", cpus, *cmd]
    out_path = out_dir / f"load-{phase.prefix}.out"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out_path, "w") as out:
        proc = subprocess.Popen(  # noqa: S603
            cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True
        )
        try:
            proc.wait(duration + 60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise SystemExit(f"the load generator did not stop: see {out_path}") from None
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    text = out_path.read_text(errors="replace")
    line = next((ln for ln in text.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"the load generator failed ({proc.returncode}):\n{text[-3000:]}")
    result: dict[str, Any] = json.loads(line[len("BENCH_RESULT ") :])
    result["generator_cpu_s"] = round(
        (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 2
    )
    return result


def errors_of(load: dict[str, Any]) -> int:
    sock = load["socket_errors"]
    return int(
        load["bad_replies"] + sock["connect"] + sock["read"] + sock["write"] + sock["timeout"]
    )
