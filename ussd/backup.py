"""Backups: SQLite with its online backup API (consistent while the service runs),
PostgreSQL with pg_dump / pg_restore (custom format)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump / pg_restore with fixed arguments, no shell
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    pass


def default_path(instance_path: str, uri: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite3" if uri.startswith("sqlite") else "pgdump"
    return Path(instance_path) / "backups" / f"ussd-{stamp}.{suffix}"


def _sqlite_file(uri: str) -> str:
    database = make_url(uri).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return database


def _pg_url(uri: str) -> str:
    url = make_url(uri).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is missing (Debian: apt-get install postgresql-client)")
    return path


def backup(uri: str, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    if uri.startswith("sqlite"):
        source = sqlite3.connect(_sqlite_file(uri))
        target = sqlite3.connect(out)
        try:
            with target:
                source.backup(target)  # page by page, consistent even while others write
        finally:
            target.close()
            source.close()
        return out
    if uri.startswith("postgresql"):
        pg_dump = _tool("pg_dump")
        args = [pg_dump, "--format=custom", "--no-owner", f"--file={out}", _pg_url(uri)]
        subprocess.run(args, check=True)  # noqa: S603 - fixed arguments, no shell
        return out
    raise BackupError(f"no backup method for {make_url(uri).get_backend_name()}")


def restore(uri: str, source: Path) -> None:
    """Replace the database's content with a backup. Stop the service first."""
    if not source.exists():
        raise BackupError(f"{source} does not exist")
    if uri.startswith("sqlite"):
        check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not a SQLite database ({exc})") from None
        finally:
            check.close()
        if "alembic_version" not in tables or "menus" not in tables:
            raise BackupError(f"{source} is not a backup of this service")
        backup_db = sqlite3.connect(source)
        live = sqlite3.connect(_sqlite_file(uri))
        try:
            with live:
                backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
        return
    if uri.startswith("postgresql"):
        pg_restore = _tool("pg_restore")
        args = [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            f"--dbname={_pg_url(uri)}",
            str(source),
        ]
        subprocess.run(args, check=True)  # noqa: S603 - fixed arguments, no shell
        return
    raise BackupError(f"no restore method for {make_url(uri).get_backend_name()}")
