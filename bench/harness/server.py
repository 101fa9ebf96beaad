"""gunicorn with the project's gunicorn.conf.py, started, watched and stopped."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, BinaryIO

from bench.harness.common import CONF, ROOT, free_port
from bench.harness.measure import Sampler, children, service_memory


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
    keys = (
        "bind",
        "workers",
        "worker_class",
        "threads",
        "timeout",
        "keepalive",
        "max_requests",
        "preload_app",
    )
    return {k: namespace.get(k) for k in keys}


class Server:
    """gunicorn serving `spec` in its own process group; `start` returns once /healthz
    answers and the `expected` workers are up, and a Sampler polls them from then on."""

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
        self._log: BinaryIO | None = None

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise RuntimeError("the server is not started")
        return self.proc.pid

    def start(self) -> None:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        if not gunicorn.exists():
            raise SystemExit(f"{gunicorn} not found: run this with the project's .venv/bin/python")
        cmd = [str(gunicorn), "-c", str(CONF), self.spec]
        if self.cpus:
            cmd = ["taskset", "-c", self.cpus, *cmd]  # taskset execs: the pid stays gunicorn's
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
                raise SystemExit(
                    f"gunicorn exited ({self.proc.returncode}): {self.first_error()}\n"
                    f"{self.log_tail()}"
                )
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

    def workers(self) -> set[int]:
        return children(self.pid)

    def memory(self) -> dict[str, Any]:
        """PSS of the master and its workers now (see measure.service_memory)."""
        return service_memory(self.pid)

    def first_error(self) -> str:
        """The first exception in the log (a worker that failed to boot says why there; the
        log's tail has only the master giving up)."""
        with contextlib.suppress(OSError):
            for line in self.log_path.read_text(errors="replace").splitlines():
                if re.match(r"[\w.]+(Error|Exception): ", line):
                    return line[:300]
        return "no exception in the log"

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
            # Workers left behind by a killed master (never expected): end them by group.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        if self._log is not None:
            with contextlib.suppress(Exception):
                self._log.close()
        if self in _RUNNING:
            _RUNNING.remove(self)


_RUNNING: list[Server] = []


def stop_all() -> None:
    """Stop every server still running (on an error or Ctrl-C)."""
    for server in list(_RUNNING):
        with contextlib.suppress(Exception):
            server.stop()
