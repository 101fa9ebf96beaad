"""What the machine and the server's processes use, read from /proc: CPU time, peak RSS per
worker, and the proportional set size (PSS) of the whole service."""

from __future__ import annotations

import contextlib
import os
import platform
import threading
from dataclasses import dataclass
from typing import Any

from bench.harness.common import CLK_TCK

# ------------------------------------------------------------------------------------------
# The machine


def cpu_times() -> tuple[float, float]:
    """(busy, total) seconds of all CPUs from /proc/stat."""
    with open("/proc/stat") as fh:
        fields = [float(x) for x in fh.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)
    total = sum(fields[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with contextlib.suppress(OSError), open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    import sqlite3
    from importlib.metadata import version

    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "gunicorn": version("gunicorn"),
        "flask": version("flask"),
        "sqlite": sqlite3.sqlite_version,
        "loadavg_at_start": os.getloadavg(),
    }


# ------------------------------------------------------------------------------------------
# One process


def children(pid: int) -> set[int]:
    """The direct children of `pid` (for gunicorn's master: its workers)."""
    found: set[int] = set()
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                found.update(int(x) for x in fh.read().split())
        return found
    except OSError:
        pass
    for entry in os.listdir("/proc"):  # kernels without .../children
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/stat") as fh:
                if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.add(int(entry))
    return found


def descendants(pid: int) -> set[int]:
    """Children, their children, and so on."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children(todo.pop()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def proc_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            rest = fh.read().rsplit(")", 1)[1].split()
        return (int(rest[11]) + int(rest[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return None


def proc_memory(pid: int) -> tuple[int, int] | None:
    """(VmHWM, VmRSS) in KiB."""
    hwm = rss = 0
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
    except OSError:
        return None
    return hwm, rss


def smaps_rollup(pid: int) -> dict[str, int] | None:
    """The KiB figures of /proc/<pid>/smaps_rollup (Rss, Pss, Pss_Anon, Pss_File, ...)."""
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                name, sep, rest = line.partition(":")
                parts = rest.split()
                if sep and len(parts) == 2 and parts[1] == "kB":
                    out[name] = int(parts[0])
    except OSError:
        return None
    return out if "Pss" in out else None


def mib(kib: float) -> float:
    return round(kib / 1024, 1)


def service_memory(master: int) -> dict[str, Any]:
    """The memory of a gunicorn master and every process under it, now.

    PSS counts a page shared by n processes as 1/n in each, so the PSS of the master and
    the workers added up is what the service costs the machine: shared code and data (what
    the master loads before forking, the shared libraries) count once, not once per worker.
    Pages shared with processes outside the service (e.g. libc) are split with them too.
    """
    pids = [master, *sorted(descendants(master))]
    rollups = {pid: smaps_rollup(pid) for pid in pids}
    seen = {pid: r for pid, r in rollups.items() if r is not None}
    if master not in seen:
        return {"error": f"could not read /proc/{master}/smaps_rollup"}
    workers = [r for pid, r in seen.items() if pid != master]

    def total(key: str) -> float:
        return mib(sum(r.get(key, 0) for r in seen.values()))

    return {
        "service_pss_mib": total("Pss"),
        "master_pss_mib": mib(seen[master]["Pss"]),
        "worker_pss_mib": sorted((mib(r["Pss"]) for r in workers), reverse=True),
        "pss_anon_mib": total("Pss_Anon"),
        "pss_file_mib": total("Pss_File"),
        "pss_shmem_mib": total("Pss_Shmem"),
        # What the same processes would add up to if nothing were shared (RSS counts a
        # shared page in full in each): the gap is what sharing saves.
        "rss_sum_mib": total("Rss"),
        "processes": len(seen),
        "unreadable": len(pids) - len(seen),
    }


# ------------------------------------------------------------------------------------------
# The workers while the load runs


@dataclass
class WorkerStats:
    cpu_base: float = 0.0
    cpu_last: float = 0.0
    hwm_kib: int = 0
    rss_kib: int = 0


class Sampler:
    """Polls the gunicorn workers: CPU time (for CPU per hop) and peak memory (VmHWM)."""

    def __init__(self, master: int, interval: float = 0.25):
        self.master = master
        self.interval = interval
        self.workers: dict[int, WorkerStats] = {}
        self.measuring = False
        self.master_cpu_base = 0.0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _sample(self) -> None:
        with self._lock:
            for pid in children(self.master):
                cpu = proc_cpu(pid)
                mem = proc_memory(pid)
                if cpu is None or mem is None:
                    continue
                stats = self.workers.get(pid)
                if stats is None:
                    # A worker (re)started while measuring used all its CPU in the run.
                    stats = WorkerStats(cpu_base=0.0 if self.measuring else cpu)
                    self.workers[pid] = stats
                stats.cpu_last = cpu
                stats.hwm_kib = max(stats.hwm_kib, mem[0])
                stats.rss_kib = mem[1]

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def begin_measure(self) -> None:
        self._sample()
        with self._lock:
            for stats in self.workers.values():
                stats.cpu_base = stats.cpu_last
            self.master_cpu_base = proc_cpu(self.master) or 0.0
            self.measuring = True

    def end_measure(self) -> dict[str, Any]:
        self._sample()
        with self._lock:
            self.measuring = False
            worker_cpu = sum(s.cpu_last - s.cpu_base for s in self.workers.values())
            master_cpu = (proc_cpu(self.master) or 0.0) - self.master_cpu_base
            return {
                "worker_cpu_s": round(worker_cpu, 2),
                "master_cpu_s": round(master_cpu, 2),
                "workers_seen": len(self.workers),
                "peak_rss_mib_per_worker": sorted(
                    (mib(s.hwm_kib) for s in self.workers.values()), reverse=True
                ),
                "current_rss_mib_per_worker": sorted(
                    (mib(s.rss_kib) for s in self.workers.values()), reverse=True
                ),
            }

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
