"""Every page of the editor a person opens, with something on each to show: the demo draft
gains a question, a branch and a message node, and callers have finished, dropped and
half-walked sessions (one from a gateway that names no network). Shared by the French
catalogue test (tests/web) and the phone-width test (tests/browser)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from tests.conftest import TOKEN, at_walk
from ussd.extensions import db
from ussd.handoff import webhooks
from ussd.mapped_gateways import read_definition, save_definition
from ussd.menu.document import parse_menu
from ussd.models import CannedReply, Connection, Handoff, Menu, WebhookEndpoint
from ussd.publishing import save_draft
from ussd.replies.service import create_reply

EXTRA_NODES: list[dict[str, Any]] = [
    {
        "id": "age",
        "kind": "input",
        "key": "age",
        "text": {"en": "Your age?", "fr": "Votre age ?"},
        "validation": {"type": "number", "min": 1, "max": 120},
        "next": "route",
    },
    {
        "id": "route",
        "kind": "branch",
        "rules": [
            {"when": {"on": "answer.location", "op": "equals", "value": "Dakar"}, "next": "info"},
            {"when": {"on": "network", "op": "in", "value": ["60801", "60802"]}, "next": "thanks"},
        ],
        "default": "thanks",
    },
    {
        "id": "info",
        "kind": "message",
        "text": {"en": "Our Dakar office is open.", "fr": "Notre bureau de Dakar est ouvert."},
        "next": "thanks",
    },
]
NODE_IDS = ["language", "location", "support_type", "callback", "thanks"] + [
    n["id"] for n in EXTRA_NODES
]


def prepare(app: Flask, client: Any) -> None:
    """Give every page something to show (menu 1 is the demo menu)."""
    with app.app_context():
        menu = db.session.get(Menu, 1)
        assert menu is not None
        document = json.loads(menu.draft)
        document["nodes"].extend(EXTRA_NODES)
        save_draft(menu, parse_menu(document))
        db.session.commit()
    with app.app_context():  # a mapped gateway, shipped as an example (docs/gateways.md)
        example = Path(__file__).parents[2] / "docs" / "mapped-gateways" / "arkesel.json"
        save_definition(read_definition(json.loads(example.read_text("utf-8"))), None)
        db.session.commit()
    with app.app_context():  # a connection, for the Connections pages
        db.session.add(
            Connection(
                name="cash-lookup",
                base_url="https://api.example.org/v1",
                secret_header="X-Api-Key",
                secret_value="example-secret-value-1234",
            )
        )
        db.session.commit()
    with app.app_context():  # a webhook endpoint, whose log shows the submission below
        db.session.add(
            WebhookEndpoint(
                name="Case management",
                url="https://cases.example.org/hooks",
                events="submission.created,handoff.failed",
                secret=webhooks.new_secret(),
            )
        )
        db.session.commit()
        webhooks.cache().clear()
    at_walk(client, ["1", "1", "1", "1"], session="pages-done", phone="+221770000101")
    with app.app_context():  # a canned reply, and a reply to the request just made
        db.session.add(CannedReply(lang="en", title="Opening hours", text="We open at 9."))
        handoff = db.session.scalars(select(Handoff).order_by(Handoff.id)).first()
        assert handoff is not None
        create_reply(handoff, "Come to the office on Monday.", by="editor@example.org")
    at_walk(client, ["2", "2"], session="pages-half", phone="+221770000102")
    for entry, new in (("", True), ("1", False)):  # a gateway that names no network
        client.post(
            "/ussd/json",
            json={
                "session_id": "pages-json",
                "phone": "+221770000103",
                "service_code": "*123*456#",
                "input": entry,
                "new_session": new,
            },
            headers={"X-USSD-Token": TOKEN},
        )


PAGES = [
    "/editor/menus",
    "/editor/menus/new",
    "/editor/menus/1",
    "/editor/menus/1/settings",
    "/editor/menus/1/insights",
    "/editor/menus/1/messages",
    "/editor/menus/1/versions",
    "/editor/menus/1/import",
    "/editor/menus/1/add-node",
    *(f"/editor/menus/1/nodes/{node}" for node in NODE_IDS),
    "/editor/menus/1/nodes/location/delete",
    "/editor/menus/1/delete",
    "/editor/codes",
    "/editor/submissions",
    "/editor/analytics",
    "/editor/account",
    "/editor/users",
    "/editor/privacy",
    "/editor/gateways",
    "/editor/gateways/new",
    "/editor/gateways/arkesel",
    "/editor/webhooks",
    "/editor/webhooks/1",
    "/editor/webhooks/1/delete",
    "/editor/help/menu-format",
    "/editor/connections",
    "/editor/connections/new",
    "/editor/connections/1",
    "/editor/canned-replies",
    "/editor/canned-replies/new",
    "/editor/canned-replies/1",
    "/editor/canned-replies/1/delete",
    "/editor/submissions/1",
]
