"""The admins' Connections pages: status, redirects, rows, the secret masked, admins only,
CSRF on every change."""

from __future__ import annotations

import pytest

from tests.conftest import login, rows, token

GOOD = {
    "name": "cash-lookup",
    "base_url": "https://api.example.org/v1",
    "method": "POST",
    "secret_header": "X-Api-Key",
    "secret_value": "k3y-abcdefghijklmnop-WXYZ",
    "timeout_seconds": "2",
}


@pytest.fixture
def app(make_app):
    from ussd.privacy import crypto

    return make_app(ENCRYPTION_KEYS=crypto.new_key())


@pytest.fixture
def as_admin(client, accounts):
    login(client, "admin")
    return client


def create(client, **changes):
    data = {**GOOD, **changes, "csrf_token": token(client, "/editor/connections/new")}
    return client.post(
        "/editor/connections/new", data={k: v for k, v in data.items() if v is not None}
    )


def test_an_admin_creates_a_connection_whose_secret_is_stored_encrypted_and_shown_masked(
    app, as_admin
):
    response = create(as_admin)
    assert response.status_code == 302
    (row,) = rows(
        app,
        "SELECT id, name, base_url, method, secret_header, secret_value, timeout_seconds,"
        " allow_private FROM connections",
    )
    assert response.headers["Location"] == f"/editor/connections/{row.id}"
    assert row[1:5] == ("cash-lookup", "https://api.example.org/v1", "POST", "X-Api-Key")
    assert row.timeout_seconds == 2.0 and not row.allow_private
    assert row.secret_value != GOOD["secret_value"]  # sealed at rest (ENCRYPTION_KEYS set)
    for page in ("/editor/connections", f"/editor/connections/{row.id}"):
        html = as_admin.get(page).get_data(as_text=True)
        assert GOOD["secret_value"] not in html
        assert "••••WXYZ" in html


def test_editing_keeps_the_secret_unless_replaced_or_removed(app, as_admin):
    create(as_admin)
    (connection_id,) = rows(app, "SELECT id FROM connections")[0]
    url = f"/editor/connections/{connection_id}"
    data = {
        **GOOD,
        "secret_value": "",
        "timeout_seconds": "1.5",
        "csrf_token": token(as_admin, url),
    }
    assert as_admin.post(url, data=data).status_code == 302
    with app.app_context():
        from ussd.extensions import db
        from ussd.models import Connection

        row = db.session.get(Connection, connection_id)
        assert row is not None
        assert (row.secret_value, row.timeout_seconds) == (GOOD["secret_value"], 1.5)
    data = {**GOOD, "secret_value": "", "clear_secret": "y", "csrf_token": token(as_admin, url)}
    assert as_admin.post(url, data=data).status_code == 302
    assert rows(app, "SELECT secret_header, secret_value FROM connections")[0] == ("", "")


REFUSED = [
    # changes, status, message
    ({"name": "Cash Lookup"}, 400, "Lower-case letters"),
    ({"base_url": "http://api.example.org"}, 400, "must start with https://"),
    ({"base_url": "https://10.0.0.5"}, 400, "private, loopback or reserved"),
    (
        {"base_url": "https://169.254.169.254", "allow_private": "y"},
        400,
        "private, loopback or reserved",
    ),
    ({"base_url": "https://u:p@api.example.org"}, 400, "user name or password"),
    ({"base_url": "https://api.example.org/?k=1"}, 400, "query"),
    ({"base_url": "not a url"}, 400, "must start with https://"),
    ({"timeout_seconds": "5"}, 400, "between 0.1 and 3"),
    ({"timeout_seconds": "0"}, 400, "between 0.1 and 3"),
    ({"secret_header": "Host"}, 400, "set by the service itself"),
    ({"secret_header": "X Api"}, 400, "A header name"),
    ({"secret_value": ""}, 400, "Give the header&#39;s value"),
    ({"secret_header": ""}, 400, "Give the header&#39;s name"),
    ({"method": "DELETE"}, 400, "Not a valid choice"),
]


@pytest.mark.parametrize(("changes", "status", "message"), REFUSED)
def test_bad_input_is_refused_with_a_reason_and_stores_nothing(
    app, as_admin, changes, status, message
):
    response = create(as_admin, **changes)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert rows(app, "SELECT count(*) FROM connections")[0][0] == 0


def test_a_private_address_is_accepted_when_allowed(app, as_admin):
    response = create(
        as_admin,
        base_url="http://127.0.0.1:8765",
        allow_private="y",
        secret_header="",
        secret_value="",
    )
    assert response.status_code == 302
    assert rows(app, "SELECT base_url, allow_private FROM connections")[0] == (
        "http://127.0.0.1:8765",
        True,
    )


def test_a_name_is_used_once(app, as_admin):
    create(as_admin)
    response = create(as_admin)
    assert response.status_code == 400
    assert "This name is taken." in response.get_data(as_text=True)


def test_delete_asks_first_then_removes_the_row(app, as_admin):
    create(as_admin)
    (connection_id,) = rows(app, "SELECT id FROM connections")[0]
    url = f"/editor/connections/{connection_id}/delete"
    assert as_admin.get(url).status_code == 200
    response = as_admin.post(url, data={"csrf_token": token(as_admin, url), "delete-submit": "y"})
    assert (response.status_code, response.headers["Location"]) == (302, "/editor/connections")
    assert rows(app, "SELECT count(*) FROM connections")[0][0] == 0
    assert rows(
        app, "SELECT action FROM audit_events WHERE action LIKE 'connection.%' ORDER BY id"
    ) == [
        ("connection.saved",),
        ("connection.deleted",),
    ]


@pytest.mark.parametrize("role", ["editor", "viewer"])
@pytest.mark.parametrize("url", ["/editor/connections", "/editor/connections/new"])
def test_only_admins_see_connections(client, accounts, role, url):
    login(client, role)
    assert client.get(url).status_code == 403
    data = {**GOOD, "csrf_token": token(client, "/editor/menus")}
    assert client.post("/editor/connections/new", data=data).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/editor/connections")
    assert response.status_code == 302 and "/editor/login" in response.headers["Location"]


def test_a_change_without_its_csrf_token_is_refused(app, as_admin):
    response = as_admin.post("/editor/connections/new", data=GOOD)
    assert response.status_code == 400
    assert rows(app, "SELECT count(*) FROM connections")[0][0] == 0


def test_a_menu_started_from_the_cash_template_says_which_connection_it_needs(app, as_admin):
    csrf = token(as_admin, "/editor/menus/new")
    data = {
        "csrf_token": csrf,
        "name": "Cash",
        "languages": "en, fr",
        "start_from": "cash_assistance",
    }
    response = as_admin.post("/editor/menus/new", data=data, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This menu calls the connection cash-lookup" in page
    assert "the connection &#39;cash-lookup&#39; does not exist" in page
    (draft,) = rows(app, "SELECT draft FROM menus WHERE name='Cash'")[0]
    assert '"kind":"http"' in draft.replace(" ", "")
    create(as_admin, name="cash-lookup")
    (menu_id,) = rows(app, "SELECT id FROM menus WHERE name='Cash'")[0]
    page = as_admin.get(f"/editor/menus/{menu_id}").get_data(as_text=True)
    assert "does not exist" not in page
    # a {key} is shown as written and measured with its longest value (10 characters)
    assert "Your next payment: {next_date}\n1. Talk to an agent" in page
    assert "59/182 GSM-7" in page
    for node in ("lookup", "found"):
        assert as_admin.get(f"/editor/menus/{menu_id}/nodes/{node}").status_code == 200
