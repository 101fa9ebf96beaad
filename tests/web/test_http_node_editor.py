"""An http node (a look-up) in the editor: added, shown with its settings, changed through
its form; bad lines refused with a reason; viewers read it, editors change it."""

from __future__ import annotations

import json

import pytest

from tests.conftest import login, rows, token
from ussd.extensions import db
from ussd.menu.document import parse_menu
from ussd.menu.templates import build
from ussd.models import Connection
from ussd.publishing import create_menu


@pytest.fixture
def menu_id(app, accounts) -> int:
    with app.app_context():
        db.session.add(Connection(name="cash-lookup", base_url="https://api.example.org"))
        db.session.add(Connection(name="vouchers", base_url="https://vouchers.example.org"))
        menu = create_menu(parse_menu(build("cash_assistance", "Cash", ["en", "fr"])))
        db.session.commit()
        return int(menu.id)


def lookup_node(app, menu_id: int) -> dict:
    (draft,) = rows(app, "SELECT draft FROM menus WHERE id = :i", i=menu_id)[0]
    return next(n for n in json.loads(draft)["nodes"] if n["id"] == "lookup")


def form_data(client, url: str, **changes: str) -> dict:
    data = {
        "csrf_token": token(client, url),
        "node_id": "lookup",
        "connection": "cash-lookup",
        "path": "/beneficiaries/status",
        "send": "member_id",
        "send_as": "json",
        "save": "next_date = payment.next.date, 10",
        "success": "found",
        "failure": "not_found",
        "timeout": "unavailable",
        "revision": "1",
    }
    data.update(changes)
    return data


def test_the_page_shows_the_look_up_in_its_form(client, menu_id):
    login(client, "viewer")
    page = client.get(f"/editor/menus/{menu_id}/nodes/lookup").get_data(as_text=True)
    assert '<option selected value="cash-lookup">' in page
    assert "next_date = payment.next.date, 10" in page
    assert 'value="/beneficiaries/status"' in page


def test_an_editor_changes_the_look_up(app, client, menu_id):
    login(client, "editor")
    url = f"/editor/menus/{menu_id}/nodes/lookup"
    data = form_data(
        client,
        url,
        connection="vouchers",
        path="/v2/status",
        send="id=member_id",
        send_as="query",
        send_phone="y",
        save="next_date = payment.next.date, 10\nstatus = payment.status",
        timeout="",
    )
    response = client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert lookup_node(app, menu_id) == {
        "id": "lookup",
        "kind": "http",
        "connection": "vouchers",
        "path": "/v2/status",
        "send": {"id": "member_id"},
        "send_as": "query",
        "send_phone": True,
        "save": {
            "next_date": {"path": "payment.next.date", "max_length": 10},
            "status": "payment.status",
        },
        "next": {"success": "found", "failure": "not_found"},
    }


REFUSED = [
    ({"save": "next_date: payment.next.date"}, "Each line: name = path"),
    ({"send": "member id"}, "Answer keys separated by commas"),
    ({"path": "https://evil.example/x"}, "a path below the connection"),
    ({"save": "d = a..b"}, "a dotted path in the reply"),
]


@pytest.mark.parametrize(("changes", "reason"), REFUSED)
def test_a_bad_look_up_is_refused_and_changes_nothing(app, client, menu_id, changes, reason):
    before = lookup_node(app, menu_id)
    login(client, "editor")
    url = f"/editor/menus/{menu_id}/nodes/lookup"
    response = client.post(url, data=form_data(client, url, **changes), follow_redirects=True)
    assert reason in response.get_data(as_text=True)
    assert lookup_node(app, menu_id) == before


def test_a_viewer_cannot_change_it(app, client, menu_id):
    login(client, "viewer")
    url = f"/editor/menus/{menu_id}/nodes/lookup"
    response = client.post(url, data=form_data(client, url, path="/other"))
    assert response.status_code == 403


def test_a_look_up_added_from_the_outline_asks_for_its_connection(app, client, menu_id):
    login(client, "editor")
    url = f"/editor/menus/{menu_id}/add-node"
    data = {"csrf_token": token(client, url), "kind": "http", "node_id": "second", "revision": "1"}
    assert client.post(url, data=data).status_code == 302
    page = client.get(f"/editor/menus/{menu_id}/nodes/second").get_data(as_text=True)
    assert "the look-up names no connection" in page
    assert "a successful request leads nowhere" in page
