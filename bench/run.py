"""Benchmark a USSD hop against a bare Flask reply, under the project's gunicorn settings.

    .venv/bin/python bench/run.py                       # 32 callers, 20 s, SQLite, demo menu
    .venv/bin/python bench/run.py --smoke               # 3 s at 4 callers; exit 1 on any error
    .venv/bin/python bench/run.py --database postgresql --menu-nodes 5000 \
        --stored-sessions 1000000 --twilio unreachable --profile

One run builds a throw-away instance (its own temporary folder, SQLite file or PostgreSQL
database, secret key and webhook token, passed as environment variables: no .env is
read), runs `flask --app app init-db` (and optionally imports a generated menu and fills
the sessions table), serves the app with `gunicorn -c gunicorn.conf.py 'app:create_app()'`
and plays whole sessions of the demo menu against it for --duration seconds at
--concurrency callers: a new session id and phone number per session, the answers typed
hop by hop with Africa's Talking's cumulative `text`, every reply checked (CON on hops 1-4,
END on hop 5). Then it serves bench/baseline_app.py (a constant CON screen) with the same
gunicorn.conf.py and plays the same load. It prints, for both, hops/s, sessions/s,
p50/p95/p99/max hop latency, errors, peak RSS per worker and server CPU per hop, the
ratio of the throughputs, the machine and the gunicorn settings, and checks that every
finished session has exactly one hand-off row. The figures go to bench/results/*.json and
as a Markdown row for docs/performance.md.

The load generator is wrk with bench/sessions.lua when wrk is installed (Debian package
`wrk`), else bench/loadgen.py (stdlib asyncio); --client picks one. Its own CPU use is
measured and printed, with the CPU used by everything else on the machine meanwhile: on a
busy machine the figures are not worth comparing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
CONF = ROOT / "gunicorn.conf.py"
APP_SPEC = "app:create_app()"
BASELINE_SPEC = "bench.baseline_app:create_app()"
SERVICE_CODE = "*123*456#"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/bench"
PROTECTED_DATABASES = {"test", "postgres", "template0", "template1"}
HOPS_PER_SESSION = 5
CLK_TCK = os.sysconf("SC_CLK_TCK")
# The targets of issue 7 (2 cores, SQLite, default gunicorn settings, 32 callers).
TARGET_RATIO = 0.40
TARGET_P99_MS = 50.0

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


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


def gunicorn_settings(env: dict[str, str]) -> dict[str, Any]:
    """The settings gunicorn.conf.py computes in `env` (it only reads the environment)."""
    saved = dict(os.environ)
    namespace: dict[str, Any] = {"__file__": str(CONF)}
    try:
        os.environ.clear()
        os.environ.update(env)
        exec(compile(CONF.read_text(), str(CONF), "exec"), namespace)  # noqa: S102 - our file
    finally:
        os.environ.clear()
        os.environ.update(saved)
    keys = ("bind", "workers", "worker_class", "threads", "timeout", "keepalive", "max_requests")
    return {k: namespace.get(k) for k in keys}


# ------------------------------------------------------------------------------------------
# Processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children(pid: int) -> set[int]:
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
                    (round(s.hwm_kib / 1024, 1) for s in self.workers.values()), reverse=True
                ),
                "current_rss_mib_per_worker": sorted(
                    (round(s.rss_kib / 1024, 1) for s in self.workers.values()), reverse=True
                ),
            }

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)


class Server:
    """gunicorn with the project's gunicorn.conf.py, in its own process group."""

    def __init__(
        self, spec: str, env: dict[str, str], log_path: Path, cpus: str | None, expected: int
    ):
        self.spec = spec
        self.env = env
        self.log_path = log_path
        self.cpus = cpus
        self.expected = expected
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.sampler: Sampler | None = None

    def start(self) -> None:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        if not gunicorn.exists():
            raise SystemExit(f"{gunicorn} not found: run this with the project's .venv/bin/python")
        cmd = [str(gunicorn), "-c", str(CONF), self.spec]
        if self.cpus:
            cmd = ["taskset", "-c", self.cpus, *cmd]
        env = dict(self.env, PORT=str(self.port))
        env.pop("BIND", None)
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(  # noqa: S603
            cmd,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _RUNNING.append(self)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as reply:  # noqa: S310
                    if reply.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not answer /healthz in 60 s:\n{self.log_tail()}")
            time.sleep(0.1)
        while len(children(self.proc.pid)) < self.expected and time.monotonic() < deadline:
            time.sleep(0.1)
        self.sampler = Sampler(self.proc.pid)
        self.sampler.start()

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        if self.sampler is not None:
            self.sampler.stop()
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGTERM)  # graceful: workers finish their hop
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if self.proc is not None:
            # Workers left behind by a killed master (never expected): end them by pid.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self._log.close()
        if self in _RUNNING:
            _RUNNING.remove(self)


_RUNNING: list[Server] = []


def _stop_all() -> None:
    for server in list(_RUNNING):
        with contextlib.suppress(Exception):
            server.stop()


# ------------------------------------------------------------------------------------------
# Twilio stand-ins: nothing ever leaves the machine


class Blackhole:
    """A local "proxy" that accepts connections and never answers (Twilio hanging)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.port = int(self.sock.getsockname()[1])
        self.held: list[socket.socket] = []
        self.accepted = 0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.held.append(conn)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
        for conn in self.held:
            with contextlib.suppress(OSError):
                conn.close()


def refused_port() -> int:
    """A local port nothing listens on (connections to it are refused at once)."""
    for _ in range(20):
        port = free_port()
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise SystemExit("could not find a closed local port")


# ------------------------------------------------------------------------------------------
# The instance


PROXY_VARS = (
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
)


def base_env(args: argparse.Namespace, tmp: Path, database_url: str) -> dict[str, str]:
    """The environment of every command and server: every app setting at its default
    (so a developer's .env or shell cannot change the figures), plus our own."""
    from ussd import config as settings

    app_vars = {name for name, *_ in settings.VARIABLES}
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in app_vars
        and k not in PROXY_VARS
        and not k.startswith(("GUNICORN_", "FLASK_"))
        and k not in ("WEB_CONCURRENCY", "BIND", "PORT")
    }
    for name, _kind, default, _doc in settings.VARIABLES:
        env[name] = "" if default in (None, "") else str(default)
    env.update(
        SECRET_KEY=secrets.token_hex(32),
        USSD_WEBHOOK_TOKEN=secrets.token_urlsafe(24),
        DATABASE_URL=database_url,
        PYTHONDONTWRITEBYTECODE="1",
    )
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--env wants KEY=VALUE, not {item!r}")
        env[key] = value
    return env


def twilio_env(mode: str, env: dict[str, str]) -> tuple[dict[str, str], Blackhole | None]:
    """TWILIO_* set to dummies and every HTTPS request sent to a local proxy that refuses
    (or holds) the connection: the Twilio SDK (requests) honours HTTPS_PROXY."""
    if mode == "off":
        return env, None
    env = dict(env)
    env.update(
        TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TWILIO_AUTH_TOKEN="bench-not-a-token",  # noqa: S106 - a dummy
        TWILIO_WORKSPACE_SID="WS" + "0" * 32,
        TWILIO_WORKFLOW_SID="WW" + "0" * 32,
    )
    hole = None
    if mode == "unreachable":
        port = refused_port()
    else:
        hole = Blackhole()
        port = hole.port
    proxy = f"http://127.0.0.1:{port}"
    env.update(HTTPS_PROXY=proxy, https_proxy=proxy, HTTP_PROXY=proxy, http_proxy=proxy)
    return env, hole


def sqlalchemy_uri(database_url: str) -> str:
    from ussd.config import database_uri

    return database_uri(database_url, "/nonexistent")


def pg_create(url: str) -> None:
    from sqlalchemy import create_engine, text

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or name in PROTECTED_DATABASES:
        raise SystemExit(f"refusing to use database {name!r}: give a database of its own")
    admin = urlunsplit(parts._replace(path="/postgres"))
    engine = create_engine(sqlalchemy_uri(admin), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def pg_drop(url: str) -> None:
    from sqlalchemy import create_engine, text

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if name in PROTECTED_DATABASES:
        return
    admin = urlunsplit(parts._replace(path="/postgres"))
    engine = create_engine(sqlalchemy_uri(admin), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def flask_cmd(env: dict[str, str], *argv: str) -> str:
    flask = Path(sys.executable).parent / "flask"
    done = subprocess.run(  # noqa: S603
        [str(flask), "--app", "app", *argv], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"flask {' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def menu_compile_ms(path: Path) -> float:
    from ussd.menu.document import parse_menu
    from ussd.menu.engine import CompiledMenu

    doc = json.loads(path.read_text("utf-8"))
    started = time.perf_counter()
    CompiledMenu(parse_menu(doc))
    return round((time.perf_counter() - started) * 1000, 2)


# ------------------------------------------------------------------------------------------
# The load


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
    prefix: str,
    phone_prefix: str,
    cpus: str | None,
    out_dir: Path,
) -> dict[str, Any]:
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
            str(BENCH / "sessions.lua"),
            url,
            "--",
            mode,
            token,
            prefix,
            phone_prefix,
            SERVICE_CODE,
            str(concurrency),
        ]
    else:
        cmd = [
            sys.executable,
            str(BENCH / "loadgen.py"),
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
            prefix,
            "--phone-prefix",
            phone_prefix,
            "--service-code",
            SERVICE_CODE,
        ]
    if cpus:
        cmd = ["taskset", "-c", cpus, *cmd]
    out_path = out_dir / f"load-{prefix}.out"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out_path, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, text=True)  # noqa: S603
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


# ------------------------------------------------------------------------------------------
# Profiling


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


# ------------------------------------------------------------------------------------------
# Checks after the app run


def session_checks(database_url: str, run_id: str) -> dict[str, Any]:
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlalchemy_uri(database_url))
    like = f"{run_id}-%"
    with engine.connect() as conn:

        def one(sql: str) -> int:
            return int(conn.execute(text(sql), {"like": like}).scalar() or 0)

        statuses: dict[str, int] = dict(
            conn.execute(
                text(
                    "SELECT status, COUNT(*) FROM ussd_sessions WHERE external_id LIKE :like "
                    "GROUP BY status"
                ),
                {"like": like},
            ).all()
        )
        handoff_statuses: dict[str, int] = dict(
            conn.execute(
                text(
                    "SELECT h.status, COUNT(*) FROM handoffs h JOIN ussd_sessions s "
                    "ON s.id = h.session_id WHERE s.external_id LIKE :like GROUP BY h.status"
                ),
                {"like": like},
            ).all()
        )
        errors = conn.execute(
            text(
                "SELECT h.last_error, COUNT(*) FROM handoffs h JOIN ussd_sessions s "
                "ON s.id = h.session_id WHERE s.external_id LIKE :like "
                "GROUP BY h.last_error ORDER BY COUNT(*) DESC"
            ),
            {"like": like},
        ).all()
        result = {
            "sessions": sum(statuses.values()),
            "sessions_by_status": statuses,
            "completed": statuses.get("completed", 0),
            "handoffs": one(
                "SELECT COUNT(*) FROM handoffs h JOIN ussd_sessions s ON s.id = h.session_id "
                "WHERE s.external_id LIKE :like"
            ),
            "completed_without_handoff": one(
                "SELECT COUNT(*) FROM ussd_sessions s LEFT JOIN handoffs h "
                "ON h.session_id = s.id WHERE s.external_id LIKE :like "
                "AND s.status = 'completed' AND h.id IS NULL"
            ),
            "handoffs_of_unfinished_sessions": one(
                "SELECT COUNT(*) FROM handoffs h JOIN ussd_sessions s ON s.id = h.session_id "
                "WHERE s.external_id LIKE :like AND s.status <> 'completed'"
            ),
            "handoffs_by_status": handoff_statuses,
            "handoff_attempts": one(
                "SELECT COALESCE(SUM(h.attempts), 0) FROM handoffs h JOIN ussd_sessions s "
                "ON s.id = h.session_id WHERE s.external_id LIKE :like"
            ),
            "handoff_last_errors": [[str(e)[:120], int(n)] for e, n in errors[:5]],
            "table_sessions": int(
                conn.execute(text("SELECT COUNT(*) FROM ussd_sessions")).scalar() or 0
            ),
        }
    engine.dispose()
    return result


LOG_PATTERNS = {
    "error_lines": re.compile(r"\bERROR\b|\bCRITICAL\b"),
    "internal_errors": re.compile(r"internal error in"),
    "tracebacks": re.compile(r"^Traceback"),
    "database_locked": re.compile(r"database is locked", re.I),
    "worker_timeouts": re.compile(r"WORKER TIMEOUT"),
    "worker_boots": re.compile(r"Booting worker"),
    "handoff_retries_logged": re.compile(r"will be retried"),
    "dispatcher_failures": re.compile(r"dispatcher pass failed"),
}


SAMPLED = ("error_lines", "tracebacks", "worker_timeouts")


def scan_log(path: Path) -> dict[str, Any]:
    counts = dict.fromkeys(LOG_PATTERNS, 0)
    samples: list[str] = []
    with contextlib.suppress(OSError):
        for line in path.read_text(errors="replace").splitlines():
            for name, pattern in LOG_PATTERNS.items():
                if pattern.search(line):
                    counts[name] += 1
                    if name in SAMPLED and len(samples) < 5:
                        samples.append(line[:200])
    return {**counts, "samples": samples}


# ------------------------------------------------------------------------------------------
# One side (app or baseline)


@dataclass
class Side:
    name: str
    load: dict[str, Any] = field(default_factory=dict)
    server: dict[str, Any] = field(default_factory=dict)
    log: dict[str, Any] = field(default_factory=dict)
    machine_cpu: dict[str, Any] = field(default_factory=dict)

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
            "server_cpu_ms_per_hop": round(1000 * cpu / hops, 3) if hops else None,
            "generator_cpu_cores": round(load["generator_cpu_s"] / duration, 2),
            "other_cpu_cores": self.machine_cpu.get("other_cores"),
        }


def play(
    side: Side,
    spec: str,
    env: dict[str, str],
    args: argparse.Namespace,
    client: str,
    tmp: Path,
    run_id: str,
    expected_workers: int,
    profile_out: Path | None = None,
) -> Server:
    mode = "baseline" if side.name == "baseline" else "app"
    server = Server(spec, env, tmp / f"gunicorn-{side.name}.log", args.pin_server, expected_workers)
    log(f"{side.name}: starting gunicorn ({spec}) on {server.url}")
    server.start()
    assert server.sampler is not None and server.proc is not None  # noqa: S101
    token = env["USSD_WEBHOOK_TOKEN"]
    tag = "a" if mode == "app" else "b"
    if args.warmup > 0:
        log(f"{side.name}: warming up for {args.warmup} s")
        run_load(
            client,
            server.url,
            token,
            mode,
            args.concurrency,
            args.warmup,
            f"{run_id}-{tag}w",
            "22178",
            args.pin_generator,
            tmp,
        )
    profiler = None
    if profile_out is not None:
        profiler = start_profile(server.proc.pid, args.duration, profile_out)
        time.sleep(1.0)  # let py-spy attach before the load starts
    log(f"{side.name}: {args.concurrency} callers for {args.duration} s ({client})")
    busy0, total0 = cpu_times()
    server.sampler.begin_measure()
    side.load = run_load(
        client,
        server.url,
        token,
        mode,
        args.concurrency,
        args.duration,
        f"{run_id}-{tag}m",
        "22177",
        args.pin_generator,
        tmp,
    )
    side.server = server.sampler.end_measure()
    busy1, total1 = cpu_times()
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


# ------------------------------------------------------------------------------------------
# Reporting


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
        f"{g['max_requests']} (gunicorn.conf.py defaults"
        f"{' + ' + ' '.join(s['env']) if s['env'] else ''})"
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
        f"{'max ms':>8} {'errors':>7} {'peak RSS/worker':>16} {'CPU ms/hop':>11} "
        f"{'gen CPU':>8} {'other CPU':>9}"
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
            f"{fmt(fig['server_cpu_ms_per_hop'], 3):>11} "
            f"{fmt(fig['generator_cpu_cores'], 2):>8} {fmt(fig['other_cpu_cores'], 2):>9}"
        )
    print(
        "(gen CPU / other CPU: cores used by the load generator / by everything else on the"
        " machine during the run)"
    )
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
            "\ntargets (issue 7; meaningful at 32 callers, SQLite, default settings, on an "
            "otherwise idle 2-core machine):"
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
        "CPU ms/hop | baseline hops/s | baseline p99 ms | app/baseline | hand-offs |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
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
        fmt(app.get("server_cpu_ms_per_hop"), 3),
        fmt(base.get("hops_per_s")),
        fmt(base.get("p99_ms"), 2),
        f"{100 * ratio:.1f} %" if ratio is not None else "-",
        handoffs,
    ]
    return "| " + " | ".join(cells) + " |"


def targets(result: dict[str, Any]) -> dict[str, tuple[bool, str]]:
    app = result["app"]["figures"]
    checks = result["app"]["checks"]
    out: dict[str, tuple[bool, str]] = {}
    if result.get("ratio") is not None:
        out["throughput >= 40% of baseline"] = (
            result["ratio"] >= TARGET_RATIO,
            f"{100 * result['ratio']:.1f} %",
        )
    out["p99 hop latency <= 50 ms"] = (app["p99_ms"] <= TARGET_P99_MS, f"{app['p99_ms']:.2f} ms")
    out["zero errors"] = (
        app["errors"] == 0 and checks["log"]["internal_errors"] == 0,
        f"{app['errors']} bad replies/socket errors, "
        f"{checks['log']['internal_errors']} internal errors logged",
    )
    out["one hand-off per finished session"] = (
        checks["completed"] == checks["handoffs"]
        and checks["completed_without_handoff"] == 0
        and checks["handoffs_of_unfinished_sessions"] == 0
        and checks["completed"] >= checks["client_sessions_done"],
        f"{checks['completed']} completed, {checks['handoffs']} hand-off rows, "
        f"{checks['client_sessions_done']} END replies seen",
    )
    return out


# ------------------------------------------------------------------------------------------


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
        help="3 s at 4 callers with a 1 s warm-up; exit 1 on any error",
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
    client = pick_client(args.client)
    started = datetime.now(UTC)
    run_id = "bench" + started.strftime("%H%M%S") + secrets.token_hex(2)
    tmp = Path(tempfile.mkdtemp(prefix="ussd-bench-"))
    database_url = (
        f"sqlite:///{tmp / 'bench.sqlite3'}" if args.database == "sqlite" else args.database_url
    )
    env = base_env(args, tmp, database_url)
    settings = gunicorn_settings(dict(env, PORT="0"))
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
            "client": client,
            "pin_server": args.pin_server,
            "pin_generator": args.pin_generator,
            "env": args.env,
            "smoke": args.smoke,
        },
    }
    hole: Blackhole | None = None
    pg = args.database == "postgresql"
    failed = False
    try:
        log(f"instance in {tmp} ({args.database})")
        if pg:
            pg_create(database_url)
        out = flask_cmd(env, "init-db")
        log("init-db: " + " ".join(out.split()))
        if args.menu_nodes:
            from menugen import generate

            path = tmp / f"menu-{args.menu_nodes}.json"
            path.write_text(json.dumps(generate(args.menu_nodes), ensure_ascii=False), "utf-8")
            out = flask_cmd(
                env, "menu", "import", str(path), "--publish", "--code", SERVICE_CODE, "--default"
            )
            lines = out.strip().splitlines()
            log(f"menu import: {lines[0]} ... {lines[-1]}")
            result["settings"]["menu_compile_ms"] = menu_compile_ms(path)
        if args.stored_sessions:
            log(f"storing {args.stored_sessions:,} past sessions")
            done = subprocess.run(  # noqa: S603
                [sys.executable, str(BENCH / "prefill.py"), "--count", str(args.stored_sessions)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise SystemExit(f"prefill failed:\n{done.stdout}\n{done.stderr[-3000:]}")
            log(done.stdout.strip().splitlines()[-1])
        app_env, hole = twilio_env(args.twilio, env)
        workers = int(settings["workers"])
        profile_out = None
        if args.profile:
            RESULTS.mkdir(exist_ok=True)
            profile_out = RESULTS / f"profile-{started.strftime('%Y%m%dT%H%M%S')}.txt"

        app = Side("app")
        server = play(app, APP_SPEC, app_env, args, client, tmp, run_id, workers, profile_out)
        server.stop()
        log("app: checking sessions and hand-offs")
        checks = session_checks(database_url, run_id)
        checks["client_sessions_done"] = app.load["sessions_done"]
        app.log = scan_log(server.log_path)
        checks["log"] = app.log
        result["app"] = {
            "figures": app.figures(),
            "load": app.load,
            "server": app.server,
            "machine_cpu": app.machine_cpu,
            "checks": checks,
            "log": app.log,
            "bad_sample": app.load.get("bad_sample", ""),
        }
        # The warm-up's finished sessions count too: add the END replies it saw.
        warm = tmp / f"load-{run_id}-aw.out"
        if warm.exists():
            for line in warm.read_text(errors="replace").splitlines():
                if line.startswith("BENCH_RESULT "):
                    checks["client_sessions_done"] += json.loads(line[13:])["sessions_done"]
        if profile_out is not None and profile_out.exists():
            result["profile"] = {
                "file": str(profile_out.relative_to(ROOT)),
                **profile_summary(profile_out),
            }
        elif profile_out is not None:
            log(f"py-spy wrote no profile: {Path(str(profile_out) + '.log').read_text()[-500:]}")

        if not args.skip_baseline:
            base = Side("baseline")
            server = play(base, BASELINE_SPEC, env, args, client, tmp, run_id, workers)
            server.stop()
            base.log = scan_log(server.log_path)
            result["baseline"] = {
                "figures": base.figures(),
                "load": base.load,
                "server": base.server,
                "machine_cpu": base.machine_cpu,
                "log": base.log,
                "bad_sample": base.load.get("bad_sample", ""),
            }
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
        _stop_all()
        if hole is not None:
            result.setdefault("settings", {})["blackhole_connections"] = hole.accepted
            hole.close()
        if pg and not args.keep:
            with contextlib.suppress(Exception):
                pg_drop(database_url)
        if args.keep or failed:
            log(f"kept {tmp}" + (f" and {database_url}" if pg and args.keep else ""))
        else:
            shutil.rmtree(tmp, ignore_errors=True)

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

    problems = []
    app_fig = result["app"]["figures"]
    checks = result["app"]["checks"]
    if app_fig["errors"]:
        problems.append(f"{app_fig['errors']} errors in the app run")
    if "baseline" in result and result["baseline"]["figures"]["errors"]:
        problems.append(f"{result['baseline']['figures']['errors']} errors in the baseline run")
    if not result["targets"]["one hand-off per finished session"][0]:
        problems.append("finished sessions and hand-off rows do not match")
    if checks["log"]["internal_errors"] or checks["log"]["tracebacks"]:
        problems.append("the app logged internal errors")
    if not result["app"]["load"]["hops_ok"]:
        problems.append("no hop succeeded")
    if problems:
        print("\nFAILED: " + "; ".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        _stop_all()
        sys.exit(130)
