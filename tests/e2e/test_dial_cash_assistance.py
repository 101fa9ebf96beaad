"""The "Cash assistance status" template end to end: dial through /ussd/africastalking, type
an ID, the hop looks it up in the stand-in service on 127.0.0.1, shows the payment date or
"not found", and the caller asks for an agent: one hand-off row. A gateway's retry of the
hop that called the service answers the same screen and calls nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import pytest

from tests.conftest import at_turn, rows
from ussd.connections import standin
from ussd.extensions import db
from ussd.menu.document import parse_menu
from ussd.menu.templates import build
from ussd.models import Connection
from ussd.publishing import create_menu, publish, set_service_code

CODE = "*384*22#"


class Counting(standin.StandInHandler):
    calls: list[str] = []

    def _answer(self, path: str, member: str) -> None:
        Counting.calls.append(member)
        super()._answer(path, member)


@pytest.fixture
def service() -> Iterator[ThreadingHTTPServer]:
    import threading

    Counting.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def cash_menu(app, service) -> None:
    install_cash_menu(app, service)


def install_cash_menu(app, service: ThreadingHTTPServer) -> None:
    """The connection to the local service and the template, live at CODE."""
    with app.app_context():
        db.session.add(
            Connection(
                name="cash-lookup",
                base_url=f"http://127.0.0.1:{service.server_port}",
                method="POST",
                allow_private=True,
                timeout_seconds=2.0,
            )
        )
        menu = create_menu(parse_menu(build("cash_assistance", "Cash assistance", ["en", "fr"])))
        set_service_code(menu, CODE)
        publish(menu)
        db.session.commit()


def screen(client, text: str, session: str, phone: str = "+221771234567") -> str:
    return at_turn(client, text, session=session, phone=phone, code=CODE).get_data(as_text=True)


WALKS = [
    # typed, screens after the ID and after the choice, answers
    (
        "1001",
        "CON Your next payment: 05/12/2026\n1. Talk to an agent\n2. Finish",
        "END Thank you. An agent will call you back.",
    ),
    (
        "9999",
        "CON We could not find ID 9999. Check the ID on your card.\n1. Try again\n"
        "2. Talk to an agent",
        "END Thank you. An agent will call you back.",
    ),
]


@pytest.mark.usefixtures("cash_menu")
@pytest.mark.parametrize(("member", "shown", "closing"), WALKS)
def test_dial_look_up_and_hand_off(app, client, member, shown, closing):
    session = f"ATUid_cash_{member}"
    first = screen(client, "", session)
    assert first == "CON Cash assistance status. Type your beneficiary ID (on your card):"
    assert screen(client, member, session) == shown
    again = screen(client, member, session)  # the gateway repeats the request
    assert again == shown
    assert Counting.calls == [member]  # looked up once
    choice = "1" if member == "1001" else "2"
    assert screen(client, f"{member}*{choice}", session) == closing
    (attributes,) = rows(app, "SELECT attributes FROM handoffs")[0]
    answers = {a["key"]: a["value"] for a in json.loads(attributes)["answers"]}
    assert answers["member_id"] == member
    assert "next_date" not in answers  # a variable from the service is not an answer


@pytest.mark.usefixtures("cash_menu")
def test_the_service_down_takes_the_failure_branch(app, client, service):
    service.shutdown()
    service.server_close()
    session = "ATUid_cash_down"
    screen(client, "", session)
    assert screen(client, "1001", session).startswith("CON We could not find ID 1001.")


@pytest.mark.usefixtures("cash_menu")
def test_a_connection_removed_after_publishing_takes_the_failure_branch(app, client):
    with app.app_context():
        db.session.query(Connection).delete()
        db.session.commit()
    session = "ATUid_cash_gone"
    screen(client, "", session)
    assert screen(client, "1001", session).startswith("CON We could not find ID 1001.")
    assert Counting.calls == []


def test_the_template_cannot_be_published_without_its_connection(app):
    from ussd.publishing import PublishError

    with app.app_context():
        menu = create_menu(parse_menu(build("cash_assistance", "Cash", ["en", "fr"])))
        with pytest.raises(PublishError) as refused:
            publish(menu)
        assert any("cash-lookup" in p.message for p in refused.value.problems)


def test_the_french_walk(app, client, cash_menu: Any):
    with app.app_context():
        menu = create_menu(parse_menu(build("cash_assistance", "Cash FR", ["fr", "en"])))
        set_service_code(menu, "*384*23#")
        publish(menu)
        db.session.commit()
    session = "ATUid_cash_fr"
    hop = at_turn(client, "", session=session, code="*384*23#").get_data(as_text=True)
    assert hop.startswith("CON Statut de l'assistance.")
    found = at_turn(client, "1002", session=session, code="*384*23#").get_data(as_text=True)
    assert found == "CON Votre prochain paiement : 12/12/2026\n1. Parler à un agent\n2. Terminer"


class Unreachable(Exception):
    """Stands for a database that went away in the middle of a hop."""


@pytest.mark.usefixtures("cash_menu")
def test_a_hop_tried_again_after_a_database_failure_does_not_call_twice(app, client, monkeypatch):
    from ussd.sessions import repository
    from ussd.sessions.store import store

    session = "ATUid_cash_retry"
    screen(client, "", session)
    real_save = repository.save_hop
    failures = [Unreachable("the database went away")]

    def save_once_failing(*args: Any, **kwargs: Any) -> bool:
        if failures:
            raise failures.pop()
        return real_save(*args, **kwargs)

    with app.app_context():
        monkeypatch.setattr(store(), "unreachable", (Unreachable,))
    monkeypatch.setattr(repository, "save_hop", save_once_failing)
    shown = screen(client, "1001", session)
    assert shown == "CON Your next payment: 05/12/2026\n1. Talk to an agent\n2. Finish"
    assert failures == []  # the first try failed, the second was saved
    assert Counting.calls == ["1001"]


def test_dial_look_up_hand_off_one_task_and_one_webhook_with_the_endpoint_failing_first(
    make_app, requests_mock, service
):
    """Issue 17's whole path: dial, look the ID up in the local service, ask for an agent;
    then exactly one Flex task and one signed webhook, the endpoint failing twice first."""
    from tests.e2e.test_handoff_delivery import TASKS, TWILIO, task_body, task_sid
    from tests.e2e.test_webhook_delivery import URL, add_endpoint, make_due, send, verified
    from ussd.handoff.dispatcher import dispatch_due

    app = make_app(**TWILIO)
    install_cash_menu(app, service)
    _, secret = add_endpoint(app)
    requests_mock.get(TASKS, json={"tasks": [], "meta": {"key": "tasks", "next_page_url": None}})
    requests_mock.post(TASKS, status_code=201, json=task_body(task_sid(7)))
    requests_mock.post(URL, [{"status_code": 503}, {"status_code": 502}, {"status_code": 200}])
    client = app.test_client()
    session = "ATUid_cash_hook"
    screen(client, "", session)
    assert screen(client, "1001", session).startswith("CON Your next payment: 05/12/2026")
    assert screen(client, "1001*1", session) == "END Thank you. An agent will call you back."
    assert Counting.calls == ["1001"]
    for _ in range(3):
        with app.app_context():
            dispatch_due()
        send(app)
        make_due(app)
    tasks = [r for r in requests_mock.request_history if r.method == "POST" and r.url == TASKS]
    hooks = [r for r in requests_mock.request_history if r.url == URL]
    assert len(tasks) == 1
    assert len(hooks) == 3 and len({r.headers["webhook-id"] for r in hooks}) == 1
    event = verified(hooks[-1], secret)
    assert event["type"] == "submission.created"
    answers = {a["key"]: a["value"] for a in event["data"]["answers"]}
    assert answers["member_id"] == "1001"
