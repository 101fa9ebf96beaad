"""Fixtures: an app per test on a fresh database, for SQLite always and PostgreSQL when
TEST_DATABASE_URL is set (each database-backed test then runs once per backend)."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text

from app import create_app
from editor.accounts.users import create_user
from ussd.extensions import db

TOKEN = "test-webhook-token"
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _pg_uri() -> str:
    from ussd.config import database_uri

    return database_uri(PG_URL, "/nonexistent")


def base_config(uri: str, **extra: Any) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": uri,
        "SECRET_KEY": "test-secret-key",
        "USSD_WEBHOOK_TOKEN": TOKEN,
        "MENU_CACHE_SECONDS": 0.0,
        "DEFAULT_PHONE_REGION": "SN",
        "WTF_CSRF_ENABLED": True,
    }
    config.update(extra)
    return config


def _migrate_and_install(app: Flask) -> None:
    from flask_migrate import upgrade

    from ussd.publishing import install_demo

    with app.app_context():
        upgrade()
        install_demo()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production argon2 costs ~0.2 s a hash by design; tests need many accounts."""
    from argon2 import PasswordHasher

    from editor.accounts import users

    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(users, "_hasher", hasher)
    monkeypatch.setattr(users, "_DUMMY_HASH", hasher.hash("dummy"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database with the demo menu, copied for every test."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _migrate_and_install(create_app(base_config(f"sqlite:///{path}")))
    with create_engine(f"sqlite:///{path}").connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    return path


@pytest.fixture(scope="session")
def pg_schema() -> str:
    """Drop everything in the test database and migrate it once per test run."""
    uri = _pg_uri()
    engine = create_engine(uri)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    _migrate_and_install(create_app(base_config(uri)))
    return uri


def _pg_reset(app: Flask) -> None:
    from ussd.publishing import install_demo

    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables]
        db.session.execute(
            text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")  # noqa: S608 - our names
        )
        db.session.commit()
        install_demo()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_app(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Flask]]:
    """Build an app on a fresh database with the demo menu; keyword arguments override config."""
    apps: list[Flask] = []
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.sqlite3"
        shutil.copy(template, path)
        uri = f"sqlite:///{path}"
    else:
        uri = request.getfixturevalue("pg_schema")

    def factory(**extra: Any) -> Flask:
        app = create_app(base_config(uri, **extra))
        if backend == "postgresql" and not apps:
            _pg_reset(app)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def rows(app: Flask, sql: str, **params: Any) -> list[Any]:
    with app.app_context():
        return list(db.session.execute(text(sql), params).all())


class Dialer:
    """Posts gateway requests the way each provider does (see tests/contract/samples)."""

    def __init__(self, client: FlaskClient, gateway: str = "africastalking"):
        self.client = client
        self.gateway = gateway

    def post(self, payload: dict[str, Any], **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {"X-USSD-Token": TOKEN})
        if self.gateway == "africastalking":
            return self.client.post(
                f"/ussd/{self.gateway}", data=payload, headers=headers, **kwargs
            )
        return self.client.post(
            f"/ussd/{self.gateway}",
            data=json.dumps(payload),
            headers=headers,
            content_type="application/json",
            **kwargs,
        )


def at_turn(
    client: FlaskClient,
    text: str,
    session: str = "ATUid_test1",
    phone: str = "+221771234567",
    code: str = "*123*456#",
    **kwargs: Any,
) -> Any:
    payload = {
        "sessionId": session,
        "serviceCode": code,
        "phoneNumber": phone,
        "networkCode": "60801",
        "text": text,
    }
    return Dialer(client).post(payload, **kwargs)


def at_walk(
    client: FlaskClient,
    inputs: list[str],
    session: str = "ATUid_walk",
    phone: str = "+221771234567",
) -> list[str]:
    """Dial on Africa's Talking and type `inputs` one by one; return every reply body."""
    replies = [at_turn(client, "", session, phone).get_data(as_text=True)]
    typed: list[str] = []
    for entry in inputs:
        typed.append(entry)
        replies.append(at_turn(client, "*".join(typed), session, phone).get_data(as_text=True))
    return replies


# -- editor accounts ---------------------------------------------------------------------------

PASSWORDS = {
    "admin": "admin-password-1",
    "editor": "editor-password-1",
    "viewer": "viewer-password-1",
}


@pytest.fixture
def accounts(app: Flask) -> dict[str, int]:
    """An admin, an editor and a viewer (who reads the editor in French)."""
    with app.app_context():
        ids = {}
        for role, password in PASSWORDS.items():
            language = "fr" if role == "viewer" else "en"
            ids[role] = create_user(
                f"{role}@example.org", password, role=role, language=language
            ).id
        db.session.commit()
    return ids


def token(client, url: str = "/editor/login") -> str:
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client, role: str, password: str | None = None):
    return client.post(
        "/editor/login",
        data={
            "csrf_token": token(client),
            "email": f"{role}@example.org",
            "password": password or PASSWORDS[role],
        },
    )
