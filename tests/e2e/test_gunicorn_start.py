"""The service as docs/deploy.md's systemd unit starts it: gunicorn with gunicorn.conf.py,
a home it cannot write (`ProtectSystem=strict`, `ProtectHome=true`), no XDG_RUNTIME_DIR.

gunicorn 25.1+ opens a control socket by default at $XDG_RUNTIME_DIR/gunicorn.ctl or
~/.gunicorn/gunicorn.ctl; under that unit every start logged `Control server error`. Each
test starts gunicorn on a free port for a few seconds, reads its log, and stops it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unwritable_home(tmp_path: Path) -> Path:
    """A home gunicorn cannot make ~/.gunicorn/ in, even when the tests run as root (mode
    0555 alone does not stop root): `.gunicorn` is a plain file there."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gunicorn").write_text("")
    home.chmod(0o555)
    return home


def serve(
    tmp_path: Path,
    database: Path,
    while_serving: Callable[[int], None] | None = None,
    **extra: str,
) -> tuple[str, list[Path]]:
    """Start gunicorn with the project's config, wait for /healthz and a moment for the
    master's start-up (the control socket is opened after the first workers boot), call
    `while_serving(port)` if given, stop it with SIGTERM; return its log and the sockets
    found under tmp_path while it ran."""
    home = unwritable_home(tmp_path)
    port = free_port()
    env = {  # nothing of the caller's environment: no XDG_RUNTIME_DIR, no GUNICORN_CMD_ARGS
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "SECRET_KEY": "gunicorn-start-test",
        "DATABASE_URL": f"sqlite:///{database}",
        **extra,
    }
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(  # noqa: S603 - our own gunicorn and config
            [str(GUNICORN), "-c", "gunicorn.conf.py", "app:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, log_path.read_text(errors="replace")
            try:
                url = f"http://127.0.0.1:{port}/healthz"
                with urllib.request.urlopen(url, timeout=1) as reply:  # noqa: S310 - localhost
                    if reply.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            assert time.monotonic() < deadline, log_path.read_text(errors="replace")
            time.sleep(0.1)
        time.sleep(1.5)
        sockets = [p for p in tmp_path.rglob("*") if p.is_socket()]
        if while_serving is not None:
            while_serving(port)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    return log_path.read_text(errors="replace"), sockets


@pytest.fixture
def database(sqlite_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "ussd.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return path


def test_gunicorn_starts_without_a_control_socket_under_an_unwritable_home(tmp_path, database):
    log, sockets = serve(tmp_path, database)
    assert "Control server error" not in log, log
    assert "control socket" not in log.lower(), log
    assert "[ERROR]" not in log and " ERROR " not in log, log
    assert sockets == []
    assert "Shutting down: Master" in log


def test_a_control_socket_opens_only_where_asked(tmp_path, database):
    """GUNICORN_CONTROL_SOCKET turns it on at a path the unit can write (RuntimeDirectory)."""
    run = tmp_path / "run"
    run.mkdir()
    log, sockets = serve(tmp_path, database, GUNICORN_CONTROL_SOCKET=str(run / "gunicorn.ctl"))
    assert "Control server error" not in log, log
    assert "[ERROR]" not in log and " ERROR " not in log, log
    assert sockets == [run / "gunicorn.ctl"]
