"""`flask --app app connections add|list` and `menu template`: a connection and a menu
from a template set up from the command line, checked like the editor checks them."""

from __future__ import annotations

import json

import pytest

from tests.conftest import rows


def test_add_list_and_replace_a_connection_with_its_secret_from_the_environment(app, runner):
    result = runner.invoke(
        args=[
            "connections",
            "add",
            "cash-lookup",
            "https://api.example.org/v1",
            "--secret-header",
            "X-Api-Key",
        ],
        env={"CONNECTION_SECRET": "secret-from-env-0123456789"},
    )
    assert result.exit_code == 0, result.output
    listed = runner.invoke(args=["connections", "list"]).output
    assert "cash-lookup\tPOST https://api.example.org/v1\t2 s X-Api-Key: ••••6789" in listed
    assert "secret-from-env" not in listed
    again = runner.invoke(args=["connections", "add", "cash-lookup", "https://api.example.org"])
    assert again.exit_code == 1 and "exists" in again.output
    replaced = runner.invoke(
        args=[
            "connections",
            "add",
            "cash-lookup",
            "http://127.0.0.1:8765",
            "--allow-private",
            "--replace",
        ]
    )
    assert replaced.exit_code == 0, replaced.output
    assert rows(app, "SELECT base_url, allow_private, secret_header FROM connections") == [
        ("http://127.0.0.1:8765", 1, "")
    ]


REFUSED = [
    (["Cash", "https://api.example.org"], "lower-case letters"),
    (["cash", "http://api.example.org"], "must start with https://"),
    (["cash", "https://10.0.0.1"], "private"),
    (["cash", "https://api.example.org", "--timeout", "5"], "0.1<=x<=3.0"),
    (["cash", "https://api.example.org", "--secret-header", "X-Key"], "CONNECTION_SECRET"),
    (["cash", "https://api.example.org", "--secret-header", "Host"], "a header name"),
]


@pytest.mark.parametrize(("arguments", "reason"), REFUSED)
def test_bad_connections_are_refused_and_store_nothing(app, runner, arguments, reason):
    result = runner.invoke(args=["connections", "add", *arguments], env={"CONNECTION_SECRET": ""})
    assert result.exit_code == 2 and reason in result.output, result.output
    assert rows(app, "SELECT count(*) FROM connections")[0][0] == 0


def test_a_template_written_imported_and_published(app, runner, tmp_path):
    out = tmp_path / "cash.json"
    written = runner.invoke(
        args=["menu", "template", "cash_assistance", "--name", "Cash", "--out", str(out)]
    )
    assert written.exit_code == 0, written.output
    document = json.loads(out.read_text("utf-8"))
    assert document["name"] == "Cash" and document["languages"] == ["en", "fr"]
    refused = runner.invoke(args=["menu", "import", str(out), "--publish", "--code", "*384*22#"])
    assert refused.exit_code != 0 and "cash-lookup" in refused.output
    runner.invoke(
        args=["connections", "add", "cash-lookup", "http://127.0.0.1:8765", "--allow-private"]
    )
    published = runner.invoke(args=["menu", "import", str(out), "--publish", "--code", "*384*22#"])
    assert published.exit_code == 0, published.output
    assert (
        rows(
            app,
            "SELECT count(*) FROM menu_versions v JOIN menus m ON m.live_version_id = v.id"
            " WHERE m.name = 'Cash'",
        )[0][0]
        == 1
    )


def test_an_unknown_template_is_refused(runner):
    result = runner.invoke(args=["menu", "template", "nope", "--name", "X"])
    assert result.exit_code == 2 and "nope" in result.output
