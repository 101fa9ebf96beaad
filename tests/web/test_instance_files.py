"""The quick-start database holds callers' numbers and answers: the instance folder and
the SQLite files are the service user's only (issue 14, item 3)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from app import create_app
from ussd.extensions import db


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Flask's instance folder moved into tmp_path, under the usual umask (022)."""
    folder = tmp_path / "instance"
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(folder))
    old = os.umask(0o022)
    yield folder
    os.umask(old)


def fresh_app(**extra) -> Flask:
    # DATABASE_URL empty: the quick start's SQLite file in the instance folder
    config = {"TESTING": True, "USSD_WEBHOOK_TOKEN": "t", "DEFAULT_PHONE_REGION": "SN"}
    config.update(extra)
    return create_app(config)


def test_quick_start_database_and_instance_folder_are_owner_only(instance):
    app = fresh_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'ussd.sqlite3'}"
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.execute(text("SELECT 1 FROM menus")).all()
        files = sorted(instance.iterdir())
        assert mode(instance) == 0o700
        assert instance / "ussd.sqlite3" in files and instance / "secret_key" in files
        for path in files:  # the database, its -wal and -shm, the generated secret key
            assert mode(path) == 0o600, path
        db.engine.dispose()


def test_an_older_world_readable_database_is_made_owner_only(instance, caplog):
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)
    database = instance / "ussd.sqlite3"
    database.touch()
    database.chmod(0o644)
    fresh_app(SECRET_KEY="k")
    assert mode(instance) == 0o700 and mode(database) == 0o600
    assert "readable by other users" in caplog.text


def test_a_database_outside_the_instance_folder_is_created_owner_only(instance, tmp_path):
    path = tmp_path / "elsewhere.sqlite3"
    app = fresh_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", SECRET_KEY="k")
    with app.app_context():
        db.session.execute(text("CREATE TABLE t (x INTEGER)"))
        db.session.commit()
        db.engine.dispose()
    assert mode(path) == 0o600
