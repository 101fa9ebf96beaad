"""The mapped definitions of Africa's Talking and Arkesel shipped in docs/mapped-gateways/
describe those providers exactly: the same walks of the demo menu (back, home, an invalid
key, retried requests, the final screen and a request after it), run through the native
adapter on one database and through /ussd/mapped/<name> on a copy of it, get the same
replies byte for byte (status, content type, body) and leave the same hand-offs."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from tests.conftest import TOKEN, base_config, rows
from ussd.extensions import db

EXAMPLES = Path(__file__).parents[2] / "docs" / "mapped-gateways"
DIAL, RETRY = "<dial>", "<retry>"
# Each walk: what the caller does, hop by hop (a retry resends the last request as it was).
WALKS = {
    "English to the end": [DIAL, "1", "3", "2", "1"],
    "French to the end": [DIAL, "2", "1", "3", "2"],
    "back, home and an invalid key": [DIAL, "1", "7", "0", "2", "00", "1", "2", "1", "2", "1"],
    "retried requests": [DIAL, RETRY, "1", RETRY, "3", "2", RETRY, "1", RETRY],
    "after the final screen": [DIAL, "1", "1", "1", "1", "1"],
}
PHONES = {"africastalking": "+221771234567", "arkesel": "0244123456"}


def africastalking_request(session: str, typed: list[str], phone: str) -> dict[str, Any]:
    return {
        "data": {
            "sessionId": session,
            "serviceCode": "*123*456#",
            "phoneNumber": phone,
            "networkCode": "60801",
            "text": "*".join(typed),
        }
    }


def arkesel_request(session: str, typed: list[str], phone: str) -> dict[str, Any]:
    first = not typed
    body = {
        "sessionID": session,
        "userID": "ARK1",
        "newSession": first,
        "msisdn": phone,
        "userData": "*123*456#" if first else typed[-1],
        "network": "MTN",
    }
    return {"data": json.dumps(body), "content_type": "application/json"}


REQUESTS: dict[str, Callable[[str, list[str], str], dict[str, Any]]] = {
    "africastalking": africastalking_request,
    "arkesel": arkesel_request,
}


def walk(
    client: FlaskClient, url: str, provider: str, steps: list[str], session: str = "walk-1"
) -> list[tuple]:
    """Every reply of the walk as (status, content type, body bytes)."""
    replies = []
    typed: list[str] = []
    request: dict[str, Any] = {}
    for step in steps:
        if step == DIAL:
            typed = []
        elif step != RETRY:
            typed.append(step)
        if step != RETRY:
            request = REQUESTS[provider](session, typed, PHONES[provider])
        reply = client.post(url, headers={"X-USSD-Token": TOKEN}, **request)
        replies.append((reply.status_code, reply.content_type, reply.get_data()))
    return replies


@pytest.fixture
def two_apps(sqlite_template: Path, tmp_path: Path):
    """Two apps on two copies of the demo database: one for the native adapter, one for
    the mapped definition. Retries are recognised over any delay, so timing never matters."""
    apps = []
    for which in ("native", "mapped"):
        path = tmp_path / f"{which}.sqlite3"
        shutil.copy(sqlite_template, path)
        apps.append(create_app(base_config(f"sqlite:///{path}", DUPLICATE_WINDOW_SECONDS=3600.0)))
    yield apps
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def install(app: Flask, provider: str) -> str:
    from ussd.mapped_gateways import read_definition, save_definition

    data = json.loads((EXAMPLES / f"{provider}.json").read_text("utf-8"))
    with app.app_context():
        definition = read_definition(data)
        save_definition(definition, None)
        db.session.commit()
    return definition.name


HANDOFFS = "SELECT h.status, h.attributes FROM handoffs h ORDER BY h.id"


@pytest.mark.parametrize("provider", sorted(REQUESTS))
@pytest.mark.parametrize("name", sorted(WALKS))
def test_a_mapped_definition_answers_as_the_native_adapter(two_apps, provider, name):
    native, mapped = two_apps
    mapped_name = install(mapped, provider)
    expected = walk(native.test_client(), f"/ussd/{provider}", provider, WALKS[name])
    got = walk(mapped.test_client(), f"/ussd/mapped/{mapped_name}", provider, WALKS[name])
    assert got == expected
    assert all(status == 200 for status, _, _ in got)

    # the same hand-offs, told apart only by the time they were made
    def handoffs(app: Flask) -> list[tuple[str, dict]]:
        out = []
        for status, attributes in rows(app, HANDOFFS):
            attrs = json.loads(attributes)
            attrs.pop("submitted_at")
            out.append((status, attrs))
        return out

    assert handoffs(mapped) == handoffs(native)
    assert rows(mapped, "SELECT DISTINCT gateway FROM ussd_sessions") == [
        (f"mapped:{mapped_name}",)
    ]


def test_the_walks_reach_every_kind_of_screen(two_apps):
    """The walks above are worth comparing: they end, repeat and refuse."""
    native, _ = two_apps
    client = native.test_client()
    bodies = {
        name: [
            body.decode()
            for _, _, body in walk(client, "/ussd/africastalking", "africastalking", steps, name)
        ]
        for name, steps in WALKS.items()
    }
    retried = bodies["retried requests"]
    assert retried[0] == retried[1] and retried[2] == retried[3] and retried[-1] == retried[-2]
    assert retried[-1].startswith("END ")
    after = bodies["after the final screen"]
    assert after[-2].startswith("END ") and after[-1].startswith("END ")
    assert after[-1] != after[-2]
    invalid = bodies["back, home and an invalid key"]
    assert invalid[2] != invalid[1]  # the invalid key is answered, not taken
    assert invalid[3].startswith("CON Welcome")  # 0 went back to the first screen
