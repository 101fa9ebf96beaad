"""Backups are private: owner-only files and folders whatever the umask, and the PostgreSQL
password never on pg_dump's / pg_restore's command line (readable by anyone with `ps`)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PG_URL, rows
from ussd.privacy import backup as backup_module
from ussd.privacy.backup import BackupError, backup, restore

SECRET = r"s3cr:et\pw"  # a colon and a backslash: both must be escaped in a passfile


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o002, 0o000])
def loose_umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def sqlite_db(path: Path) -> str:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE menus (name TEXT)")
        conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
        conn.execute("INSERT INTO menus VALUES ('Demo hotline')")
    conn.close()
    return f"sqlite:///{path}"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "partial" in p.name or "pgpass" in p.name)


# -- SQLite -----------------------------------------------------------------------------------


def test_sqlite_backup_is_owner_only_whatever_the_umask(tmp_path, loose_umask):
    uri = sqlite_db(tmp_path / "live.sqlite3")
    out = tmp_path / "instance" / "backups" / "nightly" / "ussd.sqlite3"
    assert backup(uri, out) == out
    assert mode(out) == 0o600
    for folder in (out.parent, out.parent.parent, out.parent.parent.parent):
        assert mode(folder) == 0o700, folder  # every folder the backup created
    assert leftovers(out.parent) == []
    conn = sqlite3.connect(out)
    assert conn.execute("SELECT name FROM menus").fetchall() == [("Demo hotline",)]
    conn.close()


def test_an_existing_folder_is_left_alone_and_an_existing_file_made_private(tmp_path, loose_umask):
    uri = sqlite_db(tmp_path / "live.sqlite3")
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o755)
    out = folder / "old.sqlite3"
    out.write_bytes(b"an older, world-readable file")
    out.chmod(0o644)
    backup(uri, out)
    assert mode(out) == 0o600
    assert mode(folder) == 0o755
    assert leftovers(folder) == []


def test_backup_of_a_missing_sqlite_file_fails_and_creates_nothing(tmp_path):
    out = tmp_path / "backups" / "x.sqlite3"
    with pytest.raises(BackupError, match="does not exist"):
        backup(f"sqlite:///{tmp_path / 'missing.sqlite3'}", out)
    assert not (tmp_path / "missing.sqlite3").exists()
    assert not out.exists()


def test_sqlite_restore_round_trip_from_a_path_with_uri_characters(tmp_path):
    uri = sqlite_db(tmp_path / "live.sqlite3")
    out = tmp_path / "odd?name#1" / "b.sqlite3"
    backup(uri, out)
    conn = sqlite3.connect(tmp_path / "live.sqlite3")
    with conn:
        conn.execute("UPDATE menus SET name = 'Changed'")
    conn.close()
    restore(uri, out)
    conn = sqlite3.connect(tmp_path / "live.sqlite3")
    assert conn.execute("SELECT name FROM menus").fetchall() == [("Demo hotline",)]
    conn.close()


def test_cli_backup_writes_a_private_file(app, runner, tmp_path, backend, loose_umask):
    if backend == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    out = tmp_path / "new-folder" / "backup.bin"
    result = runner.invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert mode(out) == 0o600 and mode(out.parent) == 0o700
    assert rows(app, "SELECT count(*) FROM menus")[0][0] >= 1


# -- PostgreSQL: the password goes through a temporary passfile --------------------------------

FAKE_TOOL = """#!{python}
import json, os, stat, sys
record = {{"argv": sys.argv, "PGPASSWORD": os.environ.get("PGPASSWORD")}}
passfile = os.environ.get("PGPASSFILE")
if passfile:
    record["passfile"] = passfile
    record["passfile_mode"] = stat.S_IMODE(os.stat(passfile).st_mode)
    record["passfile_text"] = open(passfile, encoding="utf-8").read()
for arg in sys.argv[1:]:
    if arg.startswith("--file="):
        record["out_mode"] = stat.S_IMODE(os.stat(arg[len("--file="):]).st_mode)
        with open(arg[len("--file="):], "wb") as fh:
            fh.write(b"PGDMP fake")
with open(os.environ["FAKE_PG_LOG"], "a", encoding="utf-8") as fh:
    fh.write(json.dumps(record) + "\\n")
sys.exit(int(os.environ.get("FAKE_PG_EXIT", "0")))
"""


@pytest.fixture
def fake_pg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """pg_dump and pg_restore stand-ins that record their arguments and environment."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("pg_dump", "pg_restore"):
        tool = bin_dir / name
        tool.write_text(FAKE_TOOL.format(python=sys.executable))
        tool.chmod(0o755)
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_PG_LOG", str(log))
    monkeypatch.setenv("PGPASSWORD", "inherited-password")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(backup_module.tempfile, "tempdir", str(tmp))
    return log


def calls(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_pg_dump_gets_no_password_on_its_command_line(tmp_path, fake_pg, loose_umask):
    uri = f"postgresql+psycopg://ussd:{SECRET.replace(':', '%3A')}@db.example:5433/ussd"
    out = tmp_path / "backups" / "ussd.pgdump"
    backup(uri, out)
    (call,) = calls(fake_pg)
    assert not any("s3cr" in arg for arg in call["argv"])
    assert call["argv"][-1] == "postgresql://ussd@db.example:5433/ussd"
    assert call["PGPASSWORD"] is None  # the inherited one would win over the passfile
    assert call["passfile_mode"] == 0o600
    assert call["passfile_text"] == "*:*:*:*:s3cr\\:et\\\\pw\n"
    assert call["out_mode"] == 0o600  # private before pg_dump writes a byte
    assert not Path(call["passfile"]).exists()  # removed afterwards
    assert mode(out) == 0o600 and mode(out.parent) == 0o700
    assert out.read_bytes() == b"PGDMP fake"
    assert leftovers(out.parent) == [] and list((tmp_path / "tmp").iterdir()) == []


def test_pg_restore_gets_no_password_on_its_command_line(tmp_path, fake_pg):
    dump = tmp_path / "ussd.pgdump"
    dump.write_bytes(b"PGDMP fake")
    restore("postgresql://ussd@db.example/ussd?sslmode=require&password=q%20pw", dump)
    (call,) = calls(fake_pg)
    assert not any("q pw" in arg or "q%20pw" in arg for arg in call["argv"])
    assert "--dbname=postgresql://ussd@db.example/ussd?sslmode=require" in call["argv"]
    assert call["passfile_text"] == "*:*:*:*:q pw\n"
    assert not Path(call["passfile"]).exists()


def test_without_a_password_the_operators_own_credentials_are_used(tmp_path, fake_pg):
    backup("postgresql://ussd@db.example/ussd", tmp_path / "b.pgdump")
    (call,) = calls(fake_pg)
    assert "passfile" not in call
    assert call["PGPASSWORD"] == "inherited-password"


def test_a_failed_pg_dump_leaves_no_file_and_no_passfile(tmp_path, fake_pg, monkeypatch):
    monkeypatch.setenv("FAKE_PG_EXIT", "1")
    out = tmp_path / "backups" / "ussd.pgdump"
    with pytest.raises(BackupError, match=r"pg_dump failed \(exit status 1\)") as info:
        backup(f"postgresql://ussd:{SECRET.replace(':', '%3A')}@db/ussd", out)
    assert "s3cr" not in str(info.value)
    assert not out.exists() and leftovers(out.parent) == []
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_failed_pg_restore_is_a_clean_cli_error(app, runner, tmp_path, fake_pg, monkeypatch):
    monkeypatch.setenv("FAKE_PG_EXIT", "1")
    monkeypatch.setitem(app.config, "SQLALCHEMY_DATABASE_URI", "postgresql://u:pw@db/ussd")
    dump = tmp_path / "ussd.pgdump"
    dump.write_bytes(b"PGDMP fake")
    result = runner.invoke(args=["restore", str(dump), "--yes"])
    assert result.exit_code == 1
    assert "pg_restore failed (exit status 1)" in result.output and "pw" not in result.output


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL")
def test_real_pg_dump_through_a_passfile(tmp_path, loose_umask):
    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    from sqlalchemy.engine import make_url

    from ussd.config import database_uri

    url = make_url(database_uri(PG_URL, str(tmp_path)))
    if url.password is None:  # trust authentication ignores it; the passfile path still runs
        url = url.set(password=SECRET)
    out = tmp_path / "backups" / "real.pgdump"
    backup(url.render_as_string(hide_password=False), out)
    assert mode(out) == 0o600 and mode(out.parent) == 0o700
    assert out.read_bytes().startswith(b"PGDMP")
