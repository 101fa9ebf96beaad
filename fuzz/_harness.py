"""Shared by the fuzz targets: known-bug triage, crash reporting, the test app.

A fuzz target raises (and libFuzzer saves the input under fuzz/crashes/) for any failure
that is not a known bug. Known bugs (each with a strict xfail test in
tests/property/test_found_bugs.py) are counted instead, so a run keeps exploring; the first
input hitting each one is saved as fuzz/crashes/<target>/known-<bug>.bin. FUZZ_STRICT=1
makes known bugs crash too. Remove an entry from KNOWN_BUGS once its bug is fixed.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUZZ = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

STRICT = os.environ.get("FUZZ_STRICT") == "1"
TOKEN = "fuzz-webhook-token"  # noqa: S105 - a throwaway test app's token


@dataclass(frozen=True)
class KnownBug:
    name: str
    exc_type: str  # the exception's class name(s), "|"-separated
    where: str  # "function@file.py" of the innermost ussd frame
    test: str  # the xfail test in tests/property/test_found_bugs.py
    message: str = ""  # a part of the exception's message, when the place is not enough


# Every bug found so far is fixed; its first input stays in fuzz/corpus/<target>/ as a
# regression-*.bin seed and its test in tests/property/test_found_bugs.py. A new bug too
# deep to fix at once goes here, with a strict xfail test, so that runs keep exploring.
KNOWN_BUGS: tuple[KnownBug, ...] = ()


def innermost_ussd_frame(tb: traceback.StackSummary) -> str:
    for frame in reversed(tb):
        if f"{os.sep}ussd{os.sep}" in frame.filename:
            return f"{frame.name}@{Path(frame.filename).name}"
    return "?"


def classify(exc_type: str, where: str, message: str = "") -> KnownBug | None:
    if STRICT:
        return None
    for bug in KNOWN_BUGS:
        if exc_type in bug.exc_type.split("|") and bug.where == where and bug.message in message:
            return bug
    return None


class Triage:
    """Counts known-bug hits, saves one input per known bug, raises on anything else."""

    def __init__(self, target: str):
        self.target = target
        self.hits: dict[str, int] = {}
        self.dir = FUZZ / "crashes" / target
        self.current: bytes = b""

    def known(self, bug: KnownBug) -> None:
        count = self.hits.get(bug.name, 0) + 1
        self.hits[bug.name] = count
        if count & (count - 1) == 0:  # 1, 2, 4, 8...: a running count in the log
            print(f"KNOWN-BUG {bug.name} hits={count} ({bug.test})", file=sys.stderr, flush=True)
        if count == 1:
            self.dir.mkdir(parents=True, exist_ok=True)
            path = self.dir / f"known-{bug.name}.bin"
            if not path.exists():
                path.write_bytes(self.current)

    def exception(self, exc: BaseException) -> None:
        """Called from an except block: re-raise unless the exception is a known bug."""
        where = innermost_ussd_frame(traceback.extract_tb(exc.__traceback__))
        bug = classify(type(exc).__name__, where, str(exc))
        if bug is None:
            raise exc
        self.known(bug)

    def logged(self, exc_type: str, where: str, message: str) -> None:
        """An internal error the app caught and logged (the caller got an apology)."""
        bug = classify(exc_type, where, message)
        if bug is None:
            raise AssertionError(f"internal error logged: {message}")
        self.known(bug)


class Capture(logging.Handler):
    """Collects ERROR records of the app: internal errors (ussd.sessions.service) and HTTP 500s."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        out, self.records = self.records, []
        return out


def make_app(tmpdir: str | None = None):  # type: ignore[no-untyped-def]
    """A real app on a fresh SQLite file with the migrations applied and the demo menu live."""
    from flask_migrate import upgrade

    from app import create_app
    from ussd.extensions import db
    from ussd.publishing import install_demo

    tmp = tmpdir or tempfile.mkdtemp(prefix="ussd-fuzz-")
    app = create_app(
        {
            "TESTING": True,
            "PROPAGATE_EXCEPTIONS": False,  # an unhandled error is an HTTP 500, as in production
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/fuzz.sqlite3",
            "SECRET_KEY": "fuzz-secret-key",
            "USSD_WEBHOOK_TOKEN": TOKEN,
            "DEFAULT_PHONE_REGION": "SN",
            "MENU_CACHE_SECONDS": 3600.0,
            "LOG_LEVEL": "ERROR",
        }
    )
    with app.app_context():
        upgrade()
        install_demo()
        db.session.commit()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return app, tmp
