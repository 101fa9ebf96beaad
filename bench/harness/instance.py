"""A throw-away instance of the app: its own temporary folder, SQLite file or PostgreSQL
database, secret key and webhook token, passed as environment variables (no .env is read),
with every other setting at its default; `flask init-db`, a generated menu, stored sessions."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.harness.common import ROOT, SERVICE_CODE, log

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/bench"
PROTECTED_DATABASES = {"test", "postgres", "template0", "template1"}
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


def base_env(database_url: str, extra: Iterable[str] = ()) -> dict[str, str]:
    """The environment of every command and server: every app setting at its default
    (so a developer's .env or shell cannot change the figures), new secrets, the database,
    then `extra` ("KEY=VALUE" items)."""
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
    for item in extra:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--env wants KEY=VALUE, not {item!r}")
        env[key] = value
    return env


def sqlalchemy_uri(database_url: str) -> str:
    from ussd.config import database_uri

    return database_uri(database_url, "/nonexistent")


def _admin_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.path.lstrip("/"), urlunsplit(parts._replace(path="/postgres"))


def pg_create(url: str) -> None:
    """(Re)create the PostgreSQL database of `url`; never one of PROTECTED_DATABASES."""
    from sqlalchemy import create_engine, text

    name, admin = _admin_url(url)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or name in PROTECTED_DATABASES:
        raise SystemExit(f"refusing to use database {name!r}: give a database of its own")
    engine = create_engine(sqlalchemy_uri(admin), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def pg_drop(url: str) -> None:
    from sqlalchemy import create_engine, text

    name, admin = _admin_url(url)
    if name in PROTECTED_DATABASES:
        return
    engine = create_engine(sqlalchemy_uri(admin), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def flask_cmd(env: dict[str, str], *argv: str) -> str:
    """`flask --app app ARGV` in `env`; its output, or SystemExit with it."""
    flask = Path(sys.executable).parent / "flask"
    done = subprocess.run(  # noqa: S603
        [str(flask), "--app", "app", *argv], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"flask {' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def menu_compile_ms(path: Path) -> float:
    """How long the menu document at `path` takes to parse and compile, in this process."""
    from ussd.menu.document import parse_menu
    from ussd.menu.engine import CompiledMenu

    doc = json.loads(path.read_text("utf-8"))
    started = time.perf_counter()
    CompiledMenu(parse_menu(doc))
    return round((time.perf_counter() - started) * 1000, 2)


@dataclass
class Instance:
    """A throw-away instance; `close` removes its folder and drops its PostgreSQL database
    (unless asked to keep them, or after a failure: then the folder stays for its logs)."""

    tmp: Path
    database: str
    database_url: str
    env: dict[str, str]
    keep: bool = False

    @classmethod
    def create(
        cls,
        database: str = "sqlite",
        pg_url: str = DEFAULT_PG_URL,
        extra_env: Iterable[str] = (),
        name: str = "bench",
        keep: bool = False,
    ) -> Instance:
        """A new folder /tmp/ussd-NAME-*, and in it NAME.sqlite3, or `pg_url` (re)created."""
        tmp = Path(tempfile.mkdtemp(prefix=f"ussd-{name}-"))
        url = f"sqlite:///{tmp / f'{name}.sqlite3'}" if database == "sqlite" else pg_url
        try:
            instance = cls(tmp, database, url, base_env(url, extra_env), keep)
            if instance.postgresql:
                pg_create(url)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return instance

    @property
    def postgresql(self) -> bool:
        return self.database == "postgresql"

    def flask(self, *argv: str) -> str:
        return flask_cmd(self.env, *argv)

    def init_db(self) -> str:
        return self.flask("init-db")

    def import_menu(self, nodes: int) -> tuple[str, Path]:
        """A generated `nodes`-node menu (harness.menugen) published as the live menu of the
        service code; returns the command's output and the document's path."""
        from bench.harness.menugen import generate

        path = self.tmp / f"menu-{nodes}.json"
        path.write_text(json.dumps(generate(nodes), ensure_ascii=False), "utf-8")
        out = self.flask(
            "menu", "import", str(path), "--publish", "--code", SERVICE_CODE, "--default"
        )
        return out, path

    def prefill(self, count: int) -> str:
        """`count` past sessions stored (harness.prefill, in a process of its own); returns
        its last line."""
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "bench.harness.prefill", "--count", str(count)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(f"prefill failed:\n{done.stdout}\n{done.stderr[-3000:]}")
        return done.stdout.strip().splitlines()[-1]

    def close(self, failed: bool = False) -> None:
        if self.postgresql and not self.keep:
            with contextlib.suppress(Exception):
                pg_drop(self.database_url)
        if self.keep or failed:
            kept = f" and {self.database_url}" if self.postgresql and self.keep else ""
            log(f"kept {self.tmp}{kept}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
