"""gunicorn settings for a 1-2 core VM: `gunicorn -c gunicorn.conf.py 'app:create_app()'`.

Every value can be overridden from the environment (PORT, BIND, WEB_CONCURRENCY, ...).
"""

import atexit
import gc
import os
import shutil
import sys
import tempfile
from pathlib import Path

# Listen on localhost by default: put nginx (TLS) in front, see docs/deploy.md.
bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Sync workers: a hop is short CPU work plus one SQLite/PostgreSQL round trip. Two per core
# keeps both cores busy while one worker waits on the database.
workers = int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) * 2))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Gateways give up after about 10 s; a request still running after 30 s is stuck.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak can never take the service down.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
# Access log off unless asked for; when on, the path is logged without its query string,
# so a webhook token passed as ?token= never reaches a log file.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "ussd-flex"
# gunicorn 25.1+ opens a control socket (for `gunicornc`) by default in $XDG_RUNTIME_DIR or
# ~/.gunicorn/, which the systemd unit in docs/deploy.md cannot write (ProtectSystem=strict,
# ProtectHome=true): every start would log "Control server error". We do not use it: off,
# unless GUNICORN_CONTROL_SOCKET names a path the service can write (e.g. /run/ussd/gunicorn.ctl
# with RuntimeDirectory=ussd). Older gunicorn ignores both settings.
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not _control_socket
if _control_socket:
    control_socket = _control_socket
# The application is loaded once, in the master, and its workers share that memory
# (copy-on-write); each worker then opens its own database connections and starts its
# own dispatcher (ussd/server.py). GUNICORN_PRELOAD=0 loads it in each worker instead.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"

# Metrics (GET /metrics, docs/deploy.md): each worker writes its counters to files in one
# folder that a scrape, served by any worker, adds up (prometheus_client's multiprocess
# mode). The library picks that mode when it is first imported, so the folder is named
# here, before the application is loaded, in the environment the workers inherit. It is
# this start's own and starts empty: a new temporary folder, or the operator's
# PROMETHEUS_MULTIPROC_DIR emptied. A reload (HUP) reads this file again and keeps it.
_METRICS_MASTER = "USSD_METRICS_MASTER_PID"
_METRICS_TEMPORARY = "USSD_METRICS_TEMPORARY_DIR"


def _prepare_metrics_folder() -> None:
    if os.environ.get(_METRICS_MASTER) == str(os.getpid()):
        return  # this master's reload: its workers still write there
    named = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if named:
        folder = Path(named)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):  # a previous run's counters would be added in
            stale.unlink()
        os.environ[_METRICS_TEMPORARY] = ""
    else:
        named = tempfile.mkdtemp(prefix="ussd-flex-metrics-")
        os.environ[_METRICS_TEMPORARY] = named
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = named
    os.environ[_METRICS_MASTER] = str(os.getpid())
    # on_exit is not called when the application fails to load: the folder would be left
    atexit.register(_remove_temporary_folder)


def _remove_temporary_folder() -> None:
    temporary = os.environ.get(_METRICS_TEMPORARY, "")
    # the workers inherit this exit handler: only the master that made the folder removes it
    if temporary and os.environ.get(_METRICS_MASTER) == str(os.getpid()):
        shutil.rmtree(temporary, ignore_errors=True)


_prepare_metrics_folder()


def pre_fork(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    # Objects made while loading are never collected: keep the collector from writing to
    # (and so un-sharing) the pages that hold them in every worker.
    gc.freeze()


def child_exit(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    # What prometheus_client asks of a server whose workers exit: their live gauges go
    # with them. Only where the application loaded it: never imported for this alone.
    if "prometheus_client" in sys.modules:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # noqa: ARG001 - gunicorn's hook signature
    _remove_temporary_folder()


def post_fork(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    app = worker.app.wsgi()
    if "sqlalchemy" in getattr(app, "extensions", {}):  # ours, not another app on this config
        from ussd.server import serve_in_this_process

        serve_in_this_process(app)
