"""Operator commands: init-db, menu import/export/lint."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from sqlalchemy import inspect

from tests.conftest import rows
from ussd.extensions import db
from ussd.menu.document import menu_to_dict, parse_menu
from ussd.menu.languages import english_name, native_name
from ussd.menu.lint import has_errors, lint
from ussd.publishing import gateway_budgets

DEMO = json.loads(resources.files("ussd.menu").joinpath("demo_menu.json").read_text("utf-8"))


def test_init_db_is_idempotent(app, runner):
    first = runner.invoke(args=["init-db"])
    second = runner.invoke(args=["init-db"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    assert "Database is up to date." in second.output
    assert rows(app, "SELECT COUNT(*) FROM menus")[0][0] == 1
    assert rows(app, "SELECT COUNT(*) FROM menu_versions")[0][0] == 1


def test_lint_demo_passes_with_warnings(runner, tmp_path):
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(DEMO))
    result = runner.invoke(args=["menu", "lint", str(path)])
    assert result.exit_code == 0, result.output
    assert "warning: node thanks [fr]: text: ç forces UCS-2" in result.output
    assert "0 error(s)" in result.output


def test_lint_reports_errors_with_node_and_fails(runner, tmp_path):
    broken = json.loads(json.dumps(DEMO))
    broken["nodes"][1]["options"][0]["next"] = "nowhere"
    del broken["nodes"][2]["text"]["fr"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    result = runner.invoke(args=["menu", "lint", str(path)])
    assert result.exit_code == 1
    assert "error: node location: option 1 leads to a missing node 'nowhere'" in result.output
    assert "warning: node support_type [fr]: text is not translated" in result.output


def test_lint_format_errors(runner, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"name": "x", "nodes": [{"id": "a", "kind": "rocket"}]}')
    result = runner.invoke(args=["menu", "lint", str(path)])
    assert result.exit_code == 1
    assert "node a: kind must be one of" in result.output


def test_import_publish_and_dial(app, runner, client, tmp_path):
    from tests.conftest import at_turn

    document = json.loads(json.dumps(DEMO))
    document["name"] = "Clinic line"
    document["nodes"][0]["text"] = {"en": "Clinic", "fr": "Clinique"}
    path = tmp_path / "clinic.json"
    path.write_text(json.dumps(document))
    result = runner.invoke(args=["menu", "import", str(path), "--publish", "--code", "*321#"])
    assert result.exit_code == 0, result.output
    assert "Published version 1" in result.output
    assert (
        at_turn(client, "", session="c1", code="*321#")
        .get_data(as_text=True)
        .startswith("CON Clinic")
    )
    assert at_turn(client, "", session="c2").get_data(as_text=True).startswith("CON Welcome")


def test_import_refuses_publishing_with_errors(app, runner, tmp_path):
    broken = json.loads(json.dumps(DEMO))
    broken["nodes"][0]["next"] = "ghost"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    result = runner.invoke(args=["menu", "import", str(path), "--publish"])
    assert result.exit_code == 1
    assert "not published" in result.output
    assert rows(app, "SELECT COUNT(*) FROM menu_versions")[0][0] == 1


def test_export_round_trips(runner, tmp_path):
    out = tmp_path / "out.json"
    result = runner.invoke(args=["menu", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert parse_menu(json.loads(out.read_text())) == parse_menu(DEMO)
    stdout = runner.invoke(args=["menu", "export", "--draft"])
    assert parse_menu(json.loads(stdout.output)) == parse_menu(DEMO)


def test_users_create_and_ensure_admin(app, runner):
    result = runner.invoke(args=["users", "ensure-admin"])
    assert result.exit_code == 0, result.output
    password = result.output.split("with the password: ")[1].split()[0]
    again = runner.invoke(args=["users", "ensure-admin"])
    assert "An admin account exists" in again.output
    created = runner.invoke(
        args=["users", "create", "Coord@Example.org", "--role", "viewer", "--generate"]
    )
    assert created.exit_code == 0 and "Created viewer coord@example.org" in created.output
    duplicate = runner.invoke(args=["users", "create", "coord@example.org", "--password", "x" * 12])
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    weak = runner.invoke(args=["users", "create", "new@example.org", "--password", "short"])
    assert weak.exit_code == 1 and "at least 10 characters" in weak.output
    accounts = rows(app, "SELECT email, role, password_hash FROM users ORDER BY email")
    assert [(a.email, a.role) for a in accounts] == [
        ("admin@example.org", "admin"),
        ("coord@example.org", "viewer"),
    ]
    assert accounts[0].password_hash.startswith("$argon2") and password not in accounts[0][2]
    assert [r.action for r in rows(app, "SELECT action FROM audit_events ORDER BY id")] == [
        "account created",
        "account created",
    ]


def test_reset_password_from_the_command_line_ends_sessions(app, runner, client, accounts):
    from tests.conftest import login

    assert login(client, "editor").status_code == 302
    assert client.get("/editor/menus").status_code == 200
    result = runner.invoke(args=["users", "reset-password", "editor@example.org"])
    assert result.exit_code == 0, result.output
    assert client.get("/editor/menus").status_code == 302  # the old cookie no longer works
    new_password = result.output.split("New password: ")[1].split()[0]
    assert login(client, "editor", new_password).status_code == 302
    assert rows(app, "SELECT action FROM audit_events")[-1].action == "password reset"


# -- init-db --demo-languages (issue 16, item 9) -----------------------------------------------


@pytest.fixture
def empty_app(tmp_path):
    """An app on a database file that does not exist yet: init-db creates it."""
    from app import create_app
    from tests.conftest import base_config

    app = create_app(base_config(f"sqlite:///{tmp_path / 'empty.sqlite3'}"))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _live_document(app):
    return rows(
        app,
        "SELECT v.document FROM menu_versions v JOIN menus m ON m.live_version_id = v.id",
    )


def test_init_db_default_demo_is_the_shipped_one(empty_app):
    result = empty_app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Installed the demo menu 'Demo hotline'" in result.output
    shipped = json.dumps(menu_to_dict(parse_menu(DEMO)), ensure_ascii=False, separators=(",", ":"))
    assert [r.document for r in _live_document(empty_app)] == [shipped]


@pytest.mark.parametrize(
    ("languages", "welcome", "first_label", "thanks"),
    [
        ("ar,en", "مرحبا / Welcome", "العربية", "شكرا. تم استلام طلبك."),
        ("en,ar", "Welcome / مرحبا", "English", "Thank you. Your request has been received."),
        ("bn,en", "স্বাগতম / Welcome", "বাংলা", "ধন্যবাদ। আপনার অনুরোধ গ্রহণ করা হয়েছে।"),
        ("sw,fr", "Karibu / Bienvenue", "Kiswahili", "Asante. Ombi lako limepokelewa."),
        ("pt,es", "Bem-vindo / Bienvenido", "Português", "Obrigado. O seu pedido foi recebido."),
    ],
)
def test_init_db_installs_the_demo_in_other_languages(
    empty_app, languages, welcome, first_label, thanks
):
    result = empty_app.test_cli_runner().invoke(args=["init-db", "--demo-languages", languages])
    assert result.exit_code == 0, result.output
    assert "Installed the demo menu" in result.output
    codes = languages.split(",")
    doc = parse_menu(json.loads(_live_document(empty_app)[0].document))
    assert list(doc.languages) == codes and doc.default_language == codes[0]
    problems = lint(doc, gateway_budgets())
    assert not has_errors(problems), [str(p) for p in problems]
    assert not [str(p) for p in problems if "pages" in str(p)]

    from tests.conftest import at_walk

    replies = at_walk(empty_app.test_client(), ["1", "1", "1", "1"], session=f"demo-{languages}")
    assert replies[0] == f"CON {welcome}\n1. {first_label}\n2. {native_name(codes[1])}"
    assert all(reply.startswith("CON ") for reply in replies[:-1]), replies
    assert replies[-1] == f"END {thanks}"
    queued = rows(empty_app, "SELECT language, location, support_type, callback FROM handoffs")
    assert [tuple(r) for r in queued] == [(english_name(codes[0]), "Dakar", "Shelter", "Yes")]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ar,xx", "no demo texts for xx"),
        ("", "at least one"),
        (" , ", "at least one"),
        ("wo,en", "no demo texts for wo"),
        ("en,en", "en given more than once"),
    ],
)
def test_init_db_refuses_unknown_demo_languages(empty_app, value, message):
    result = empty_app.test_cli_runner().invoke(args=["init-db", "--demo-languages", value])
    assert result.exit_code == 2
    assert "Invalid value for '--demo-languages'" in result.output and message in result.output
    assert "Database is up to date." not in result.output
    with empty_app.app_context():
        assert not inspect(db.engine).get_table_names()  # nothing created, nothing installed


def test_init_db_with_demo_languages_keeps_existing_menus(app, runner):
    before = _live_document(app)
    result = runner.invoke(args=["init-db", "--demo-languages", "ar,en"])
    assert result.exit_code == 0, result.output
    assert "already has menus: the demo menu was not installed" in result.output
    assert "Installed" not in result.output
    assert rows(app, "SELECT COUNT(*) FROM menus")[0][0] == 1
    assert _live_document(app) == before
