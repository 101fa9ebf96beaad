"""py-spy over every gunicorn process during the measured run, and a summary of its stacks."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench.harness.common import ROOT, log


def ensure_py_spy() -> Path:
    py_spy = Path(sys.executable).parent / "py-spy"
    if not py_spy.exists():
        log("py-spy is not installed: installing it into the venv (pip install py-spy)")
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "pip", "install", "--quiet", "py-spy"], check=True
        )
    return py_spy


def start_profile(master: int, duration: int, out: Path) -> subprocess.Popen[bytes]:
    py_spy = ensure_py_spy()
    cmd = [
        str(py_spy),
        "record",
        "--pid",
        str(master),
        "--subprocesses",
        "--rate",
        "100",
        "--duration",
        str(duration),
        "--format",
        "raw",
        "--function",
        "--nonblocking",
        "--gil",  # only threads holding the GIL: Python at work, not waiting on a socket
        "-o",
        str(out),
    ]
    return subprocess.Popen(  # noqa: S603
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=open(str(out) + ".log", "wb"),  # noqa: SIM115
    )


# Frames where a worker waits rather than computes: py-spy's idle detection does not drop
# them. gunicorn (27)'s sync worker sends the reply (write) and then waits for
# the client to close its side (close_graceful, RFC 9112 §9.6); the dispatcher thread sleeps
# in Condition.wait; the master in its select loop.
WAITS = (
    "close_graceful (",
    "write (gunicorn/",
    "Condition.wait (",
    "Event.wait (",
    "EpollSelector.select (",
    "Arbiter.wait_for_signals (",
    "Arbiter.sleep (",
    "SyncWorker.wait (",
    "select (",
)

FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def profile_summary(path: Path, top: int = 25) -> dict[str, Any]:
    """Top functions by own time and, for the project's code, by total time."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if "(" in f and not f.startswith("process ")]
        if not frames:
            continue
        samples += count
        names = []
        for frame in frames:
            match = FRAME.match(frame.strip())
            if match:
                file = match["file"].replace(str(ROOT) + "/", "")
                file = re.sub(r".*/site-packages/", "", file)
                file = re.sub(r".*/lib/python3\.\d+/", "", file)
                names.append(f"{match['func']} ({file})")
            else:
                names.append(frame.strip())
        own[names[-1]] += count
        for name in set(names):
            total[name] += count

    def pct(n: int) -> float:
        return round(100 * n / samples, 1) if samples else 0.0

    ours = [(name, n) for name, n in total.most_common() if "(ussd/" in name or "(app.py" in name]
    return {
        "samples": samples,
        "own": [(name, pct(n)) for name, n in own.most_common(top)],
        "project_total": [(name, pct(n)) for name, n in ours[:top]],
    }
