"""The simulator shows the requests of http nodes: what was sent (the secret masked, the
number typed in the simulator) and what came back."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest

from tests.conftest import login, token
from ussd.connections import standin
from ussd.extensions import db
from ussd.menu.document import parse_menu
from ussd.menu.templates import build
from ussd.models import Connection
from ussd.publishing import create_menu

SECRET = "sk-live-0123456789abcdef"


@pytest.fixture
def service() -> Iterator[ThreadingHTTPServer]:
    server = standin.serve()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def menu_id(app, service, accounts) -> int:
    with app.app_context():
        db.session.add(
            Connection(
                name="cash-lookup",
                base_url=f"http://127.0.0.1:{service.server_port}",
                secret_header="Authorization",
                secret_value=SECRET,
                allow_private=True,
            )
        )
        document = build("cash_assistance", "Cash", ["en", "fr"])
        document["nodes"][1]["send_phone"] = True
        menu = create_menu(parse_menu(document))
        db.session.commit()
        return int(menu.id)


def simulate(client, menu_id: int, csrf: str, **fields: str):
    data = {"csrf_token": csrf, "sim-source": "draft", "sim-gateway": "africastalking"}
    data.update({f"sim-{k}": v for k, v in fields.items()})
    return client.post(
        f"/editor/menus/{menu_id}/simulate", data=data, headers={"Accept": "application/json"}
    )


def test_the_phone_shows_the_request_and_reply_with_the_secret_masked(client, menu_id):
    login(client, "editor")
    csrf = token(client, f"/editor/menus/{menu_id}")
    simulate(client, menu_id, csrf, phone="+221770000000", dial="1")
    reply = simulate(client, menu_id, csrf, phone="+221770000000", entry="1001", send="1").json
    assert reply["text"] == "Your next payment: 05/12/2026\n1. Talk to an agent\n2. Finish"
    (shown,) = reply["requests"]
    assert shown["request"].startswith("POST http://127.0.0.1:")
    assert shown["request"].endswith("/beneficiaries/status")
    assert "Authorization: ••••cdef" in shown["headers"]
    assert shown["body"] == '{"member_id": "1001", "phone": "+221770000000"}'
    assert (shown["status"], shown["outcome"]) == (200, "success")
    assert '"date": "05/12/2026"' in shown["reply"]
    page = client.get(f"/editor/menus/{menu_id}").get_data(as_text=True)
    assert "Authorization: ••••cdef" in page and SECRET not in page
    assert "Look-ups in this step" in page
    after = simulate(client, menu_id, csrf, phone="+221770000000", entry="2", send="1").json
    assert after["requests"] == []  # the next step made none


def test_a_refused_look_up_is_shown_with_its_reason(app, client, menu_id):
    with app.app_context():
        db.session.query(Connection).update({"allow_private": False})
        db.session.commit()
    login(client, "editor")
    csrf = token(client, f"/editor/menus/{menu_id}")
    simulate(client, menu_id, csrf, dial="1")
    reply = simulate(client, menu_id, csrf, entry="1001", send="1").json
    assert reply["text"].startswith("We could not find ID 1001.")
    (shown,) = reply["requests"]
    assert (shown["status"], shown["outcome"]) == (None, "failure")
    assert "private" in shown["reason"]
