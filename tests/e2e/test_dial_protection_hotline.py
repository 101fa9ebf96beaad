"""The "Protection hotline" template end to end (issue 15, items 7 and 8): a coordinator
creates a menu from it in the editor, publishes it and maps a code; a caller dials it on
Africa's Talking, says when it is safe to call and protects replies with a PIN; the Flex
task carries the safe window, its hours and the caller's time zone, and never the PIN."""

from __future__ import annotations

import json

import pytest

from tests.conftest import at_turn, login, rows, token
from ussd.menu.templates import TEMPLATES
from ussd.menu.templates.protection_hotline import protection_hotline

CODE = "*123*9#"


def test_offered_under_start_from():
    template = TEMPLATES["protection_hotline"]
    assert template.title == "Protection hotline"
    assert template.needs_connection is None
    assert template.build("Line", ["en", "fr"]) == protection_hotline("Line", ["en", "fr"])


def _create_publish_and_map(app, client) -> int:
    csrf = token(client, "/editor/menus/new")
    created = client.post(
        "/editor/menus/new",
        data={
            "csrf_token": csrf,
            "name": "Protection line",
            "languages": "en, fr",
            "start_from": "protection_hotline",
        },
    )
    assert created.status_code == 302
    [(menu_id, draft, revision)] = rows(
        app, "SELECT id, draft, draft_revision FROM menus WHERE name = 'Protection line'"
    )
    assert created.headers["Location"].endswith(f"/editor/menus/{menu_id}")
    document = json.loads(draft)
    assert document["name"] == "Protection line" and document["start"] == "language"
    assert [n["id"] for n in document["nodes"]] == [
        "language",
        "need",
        "callback_window",
        "protect_replies",
        "reply_pin",
        "thanks",
    ]
    published = client.post(
        f"/editor/menus/{menu_id}/publish",
        data={"csrf_token": csrf, "revision": revision, "note": "first version"},
    )
    assert published.status_code == 302
    assert rows(app, "SELECT live_version_id IS NOT NULL FROM menus WHERE id = :i", i=menu_id) == [
        (1,)
    ]
    mapped = client.post(
        "/editor/codes",
        data={
            "csrf_token": csrf,
            "code-code": CODE,
            "code-menu": str(menu_id),
            "code-submit": "1",
        },
    )
    assert mapped.status_code == 302
    return int(menu_id)


def _dial(client, entries: list[str], session: str, phone: str) -> list[str]:
    replies = [at_turn(client, "", session, phone, code=CODE).get_data(as_text=True)]
    for i in range(len(entries)):
        typed = "*".join(entries[: i + 1])
        replies.append(at_turn(client, typed, session, phone, code=CODE).get_data(as_text=True))
    return replies


@pytest.mark.parametrize(
    ("entries", "phone", "expected"),
    [
        (  # English, protection, evening, a PIN after one wrong try
            ["1", "1", "3", "1", "12a4", "4826"],
            "+221771234567",
            {
                "language": "English",
                "support_type": "Protection",
                "callback": "Yes",
                "callback_window": "evening",
                "callback_hours": {"from": "17:00", "to": "20:00"},
                "caller_timezone": "Africa/Dakar",
            },
        ),
        (  # French, shelter, do not call me, no PIN
            ["2", "3", "5", "2"],
            "+233244123456",
            {
                "language": "French",
                "support_type": "Shelter",
                "callback": "No",
                "callback_window": "none",
                "caller_timezone": "Africa/Accra",
            },
        ),
    ],
)
def test_create_from_the_template_dial_and_hand_off(
    app, client, accounts, entries, phone, expected
):
    login(client, "editor")
    _create_publish_and_map(app, client)
    replies = _dial(client, entries, "ATUid_protection", phone)
    assert replies[0] == "CON Welcome / Bienvenue\n1. English\n2. Francais"
    assert all(r.startswith("CON ") for r in replies[:-1])
    assert replies[-1].startswith("END ")
    assert ("dial this code again" in replies[-1]) or ("composez à nouveau ce code" in replies[-1])
    [(attributes_json,)] = rows(app, "SELECT attributes FROM handoffs")
    attributes = json.loads(attributes_json)
    assert {k: attributes.get(k) for k in expected} == expected
    if expected["callback_window"] == "none":
        assert "callback_hours" not in attributes
    assert attributes["menu"] == "Protection line" and attributes["menu_version"] == 1
    # the PIN goes nowhere near Flex: neither its key nor what the caller typed
    assert "reply_pin" not in attributes_json
    assert "4826" not in attributes_json and "12a4" not in attributes_json
