"""Dial the whole demo menu on every gateway, in both languages, and see the hand-off queued."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Dialer, rows

WALKS = {
    "English": (
        ["1", "3", "2", "1"],
        {"language": "English", "location": "Thies", "support_type": "Legal", "callback": "Yes"},
        "Thank you. Your request has been received.",
    ),
    "French": (
        ["2", "1", "3", "2"],
        {
            "language": "French",
            "location": "Dakar",
            "support_type": "Food and clothing",
            "callback": "No",
        },
        "Merci. Votre demande a bien été reçue.",
    ),
}


def dial(client, gateway: str, inputs: list[str], session: str, phone: str):
    """Return (screen text, ended) for each hop, speaking the gateway's own format."""
    dialer = Dialer(client, gateway)
    screens = []
    for hop, entry in enumerate([None, *inputs]):
        first = entry is None
        if gateway == "africastalking":
            text = "*".join(inputs[:hop])
            body = dialer.post(
                {
                    "sessionId": session,
                    "serviceCode": "*123*456#",
                    "phoneNumber": phone,
                    "networkCode": "60801",
                    "text": text,
                }
            )
            reply = body.get_data(as_text=True)
            screens.append((reply[4:], reply.startswith("END")))
            continue
        payloads: dict[str, dict[str, Any]] = {
            "hubtel": {
                "Type": "Initiation" if first else "Response",
                "Mobile": phone,
                "SessionId": session,
                "ServiceCode": "123*456",
                "Message": "*123*456#" if first else entry,
                "Operator": "orange",
                "Sequence": hop + 1,
                "ClientState": "",
                "Platform": "USSD",
            },
            "nalo": {
                "USERID": "NALO1",
                "MSISDN": phone.lstrip("+"),
                "MSGTYPE": first,
                "USERDATA": "*123*456#" if first else entry,
                "NETWORK": "ORANGE",
                "SESSIONID": session,
            },
            "arkesel": {
                "sessionID": session,
                "userID": "ARK1",
                "newSession": first,
                "msisdn": phone.lstrip("+"),
                "userData": "*123*456#" if first else entry,
                "network": "Orange",
            },
            "json": {
                "session_id": session,
                "phone": phone,
                "service_code": "*123*456#",
                "input": "" if first else entry,
                "new_session": first,
                "seq": hop,
            },
        }
        body = dialer.post(payloads[gateway]).get_json()
        text, ended = {
            "hubtel": lambda b: (b["Message"], b["Type"] == "Release"),
            "nalo": lambda b: (b["MSG"], b["MSGTYPE"] is False),
            "arkesel": lambda b: (b["message"], b["continueSession"] is False),
            "json": lambda b: (b["text"], b["end"]),
        }[gateway](body)
        screens.append((text, ended))
    return screens


@pytest.mark.parametrize("gateway", ["africastalking", "hubtel", "nalo", "arkesel", "json"])
@pytest.mark.parametrize("language", ["English", "French"])
def test_dial_demo_to_handoff(app, client, gateway, language):
    inputs, expected, thanks = WALKS[language]
    phone = "+221771234567"
    screens = dial(client, gateway, inputs, f"{gateway}-{language}", phone)
    assert screens[0][0] == "Welcome / Bienvenue\n1. English\n2. Français"
    assert [ended for _, ended in screens] == [False] * len(inputs) + [True]
    assert screens[-1][0] == thanks
    for text, _ in screens:
        assert len(text) <= (120 if gateway == "nalo" else 182)

    handoffs = rows(app, "SELECT status, attributes, session_id FROM handoffs")
    assert len(handoffs) == 1
    status, attributes, _ = handoffs[0]
    assert status == "pending"
    attrs = json.loads(attributes)
    assert {k: attrs[k] for k in expected} == expected
    assert attrs["channel"] == "ussd" and attrs["type"] == "ussd_request"
    assert attrs["from"] == attrs["name"] == phone
    assert attrs["service_code"] == "*123*456#"
    assert [a["key"] for a in attrs["answers"]] == [
        "language",
        "location",
        "support_type",
        "callback",
    ]
    assert attrs["ussd_session_id"] == f"{gateway}-{language}"
    assert attrs["menu"] == "Demo hotline" and attrs["menu_version"] == 1
    assert attrs["submitted_at"].endswith("Z")
    session = rows(app, "SELECT status, gateway, hops FROM ussd_sessions")[0]
    assert tuple(session) == ("completed", gateway, 5)


def test_repeating_the_last_request_queues_one_handoff(app, client):
    dial(client, "json", ["1", "1", "1", "1"], "twice", "+221771234567")
    again = Dialer(client, "json").post(
        {
            "session_id": "twice",
            "phone": "+221771234567",
            "input": "1",
            "new_session": False,
            "seq": 4,
        }
    )
    assert again.get_json() == {"text": "Thank you. Your request has been received.", "end": True}
    assert rows(app, "SELECT COUNT(*) FROM handoffs")[0][0] == 1


def test_sessions_keep_their_version_when_a_new_one_is_published(app, client):
    from ussd.extensions import db
    from ussd.menu.document import parse_menu
    from ussd.publishing import draft_document, find_menu, publish

    dialer = Dialer(client, "json")
    start = {
        "session_id": "pinned",
        "phone": "+221771234567",
        "service_code": "*123*456#",
        "input": "",
        "new_session": True,
    }
    dialer.post(start)
    dialer.post({**start, "new_session": False, "input": "1"})
    with app.app_context():
        menu = find_menu(None)
        assert menu is not None
        document = draft_document(menu).to_dict()
        document["nodes"][1]["text"]["en"] = "Which town?"
        publish(menu, document=parse_menu(document))
        db.session.commit()
    reply = dialer.post({**start, "new_session": False, "input": "0"}).get_json()
    assert reply["text"].startswith("Welcome")
    assert (
        dialer.post({**start, "new_session": False, "input": "1"})
        .get_json()["text"]
        .startswith("Where are you?")
    )  # still version 1
    fresh = dialer.post({**start, "session_id": "new-one", "phone": "+221770000001"}).get_json()
    assert fresh["text"].startswith("Welcome")
    assert (
        dialer.post(
            {
                **start,
                "session_id": "new-one",
                "phone": "+221770000001",
                "new_session": False,
                "input": "1",
            }
        )
        .get_json()["text"]
        .startswith("Which town?")
    )
