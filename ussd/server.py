"""What a server process does when it starts serving (gunicorn.conf.py's post_fork): with
the application loaded once in gunicorn's master and shared by its workers, each worker
opens database connections of its own and runs its own dispatcher thread."""

from __future__ import annotations

from flask import Flask

from ussd.extensions import db
from ussd.handoff.dispatcher import ensure_running


def serve_in_this_process(app: Flask) -> None:
    with app.app_context():
        # the master's pooled connections belong to the master: forget them, unclosed
        for engine in db.engines.values():
            engine.dispose(close=False)
    ensure_running(app)
