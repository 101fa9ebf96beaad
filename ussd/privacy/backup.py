"""Backups: SQLite with its online backup API (consistent while the service runs),
PostgreSQL with pg_dump / pg_restore (custom format).

A backup holds every caller's answers: it is written owner-only (file 0600, and 0700 for a
folder created for it) whatever the process umask, under a temporary name first so a failed
run never leaves a partial file under the final name. The PostgreSQL password never goes
on pg_dump's / pg_restore's command line (which every local user can read with `ps`): they
get a connection string without it and read it from a temporary 0600 PGPASSFILE, removed
when they are done.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump / pg_restore with fixed arguments, no shell
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

FILE_MODE = 0o600
DIR_MODE = 0o700


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


# -- PostgreSQL credentials -------------------------------------------------------------------


def _pg_split(uri: str) -> tuple[str, str | None]:
    """(libpq connection URI without any password, the password or None)."""
    url = make_url(uri)
    password = url.password
    query = dict(url.query)
    in_query = query.pop("password", None)  # libpq takes ?password=… too: not on the line either
    if password is None and in_query is not None:
        password = in_query if isinstance(in_query, str) else in_query[0]
    bare = URL.create(  # anew: URL.set(password=None) would keep the password
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=query,
    )
    return bare.render_as_string(hide_password=False), (None if password is None else str(password))


def _passfile_line(password: str) -> str:
    """A ~/.pgpass line matching any host, port, database and user (`:` and `\\` escaped)."""
    escaped = password.replace("\\", "\\\\").replace(":", "\\:")
    return f"*:*:*:*:{escaped}\n"


@contextmanager
def _pg_env(password: str | None) -> Iterator[dict[str, str]]:
    """The environment for pg_dump / pg_restore: the password in a temporary PGPASSFILE.

    Without a password in DATABASE_URL the environment is left as it is, so the operator's own
    PGPASSWORD, PGPASSFILE or ~/.pgpass still work.
    """
    env = dict(os.environ)
    if password is None:
        yield env
        return
    env.pop("PGPASSWORD", None)  # it would win over the passfile
    if "\n" in password or "\r" in password:
        # A .pgpass line cannot hold a line break. The environment of a process is readable by
        # its own user only (/proc/PID/environ is 0400), unlike its command line.
        env["PGPASSWORD"] = password
        yield env
        return
    fd, name = tempfile.mkstemp(prefix="ussd-pgpass-")  # 0600, O_EXCL
    try:
        os.fchmod(fd, FILE_MODE)  # libpq ignores a passfile readable by group or others
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(_passfile_line(password))
        env["PGPASSFILE"] = name
        yield env
    finally:
        with suppress(FileNotFoundError):
            os.unlink(name)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is missing (Debian: apt-get install postgresql-client)")
    return path


def _run(args: list[str], env: dict[str, str]) -> None:
    name = Path(args[0]).name
    try:
        subprocess.run(args, check=True, env=env)  # noqa: S603 - fixed arguments, no shell
    except subprocess.CalledProcessError as exc:
        # Its own message is on stderr already; the arguments hold no password, but say less.
        raise BackupError(f"{name} failed (exit status {exc.returncode})") from None
    except OSError as exc:
        raise BackupError(f"{name} could not be started ({exc.strerror})") from None


# -- private files ----------------------------------------------------------------------------


def _make_private_dirs(folder: Path) -> None:
    """Create `folder` and any missing parents, each 0700; existing folders are left alone."""
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for path in reversed(missing):
        with suppress(FileExistsError):
            path.mkdir(mode=DIR_MODE)
            os.chmod(path, DIR_MODE)  # mkdir's mode is filtered by the umask
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a folder")


@contextmanager
def _private_output(out: Path) -> Iterator[Path]:
    """A fresh, empty 0600 file beside `out`, moved onto `out` when the block succeeds."""
    _make_private_dirs(out.parent)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    os.fchmod(fd, FILE_MODE)  # mkstemp gives 0600 already; be explicit whatever the umask
    os.close(fd)
    partial = Path(name)
    try:
        yield partial
        os.chmod(partial, FILE_MODE)
        os.replace(partial, out)
    finally:
        with suppress(FileNotFoundError):
            partial.unlink()


# -- backup and restore -----------------------------------------------------------------------


def backup(uri: str, out: Path) -> Path:
    if uri.startswith("sqlite"):
        database = _sqlite_file(uri)
        if not Path(database).is_file():  # connect() would create an empty one and back it up
            raise BackupError(f"{database} does not exist")
        with _private_output(out) as partial:
            source = sqlite3.connect(database)
            target = sqlite3.connect(partial)  # an empty file is an empty database; keeps 0600
            try:
                with target:
                    source.backup(target)  # page by page, consistent even while others write
            finally:
                target.close()
                source.close()
        return out
    if uri.startswith("postgresql"):
        pg_dump = _tool("pg_dump")
        conninfo, password = _pg_split(uri)
        with _private_output(out) as partial, _pg_env(password) as env:
            # pg_dump truncates and rewrites the existing 0600 file: its mode is kept.
            _run([pg_dump, "--format=custom", "--no-owner", f"--file={partial}", conninfo], env)
        return out
    raise BackupError(f"no backup method for {make_url(uri).get_backend_name()}")


def restore(uri: str, source: Path) -> None:
    """Replace the database's content with a backup. Stop the service first."""
    if not source.exists():
        raise BackupError(f"{source} does not exist")
    if uri.startswith("sqlite"):
        check = sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)
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
        conninfo, password = _pg_split(uri)
        args = [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            f"--dbname={conninfo}",
            str(source),
        ]
        with _pg_env(password) as env:
            _run(args, env)
        return
    raise BackupError(f"no restore method for {make_url(uri).get_backend_name()}")
