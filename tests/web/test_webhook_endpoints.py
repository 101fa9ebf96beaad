"""The editor's webhook endpoints: admins only, CSRF on every change, the signing secret
shown once and stored encrypted, a delivery log without content, resend and test events."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from tests.conftest import at_walk, login, rows, token
from ussd.extensions import db
from ussd.handoff import deliveries, webhooks
from ussd.models import WebhookEndpoint
from ussd.privacy import crypto

URL = "https://cases.example.org/hooks"
SECRET = re.compile(r"<code>(whsec_[A-Za-z0-9+/=]+)</code>")


def new_endpoint(client, **fields) -> Any:
    data = {
        "csrf_token": token(client, "/editor/webhooks"),
        "name": "Case management",
        "url": URL,
        "events": ["submission.created", "handoff.failed"],
        "enabled": "y",
    }
    data.update(fields)
    return client.post("/editor/webhooks", data=data)


@pytest.fixture
def as_admin(client, accounts):
    assert login(client, "admin").status_code == 302
    return client


def endpoints(app) -> list[tuple]:
    return [
        tuple(r)
        for r in rows(
            app,
            "SELECT name, url, events, enabled, include_phone, allow_private "
            "FROM webhook_endpoints ORDER BY id",
        )
    ]


@pytest.mark.parametrize("role", ["viewer", "editor"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/editor/webhooks"),
        ("post", "/editor/webhooks"),
        ("get", "/editor/webhooks/1"),
        ("post", "/editor/webhooks/1/test"),
        ("post", "/editor/webhooks/1/secret"),
        ("post", "/editor/webhooks/1/deliveries/1/resend"),
        ("get", "/editor/webhooks/1/delete"),
    ],
)
def test_only_admins_reach_webhooks(app, client, accounts, role, method, path):
    login(client, role)
    data = {"csrf_token": token(client, "/editor/menus")} if method == "post" else None
    assert getattr(client, method)(path, data=data).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get("/editor/webhooks")
    assert response.status_code == 302 and "/editor/login" in response.headers["Location"]


def test_the_navigation_links_webhooks_for_admins_only(app, client, accounts):
    login(client, "editor")
    assert "/editor/webhooks" not in client.get("/editor/menus").get_data(as_text=True)
    client.post("/editor/logout", data={"csrf_token": token(client, "/editor/menus")})
    login(client, "admin")
    assert 'href="/editor/webhooks"' in client.get("/editor/menus").get_data(as_text=True)


def test_an_endpoint_is_made_with_a_secret_shown_once_and_stored_encrypted(make_app, accounts):
    key = crypto.new_key()
    app = make_app(ENCRYPTION_KEYS=key)
    try:
        client = app.test_client()
        login(client, "admin")
        response = new_endpoint(client)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        [secret] = SECRET.findall(response.get_data(as_text=True))
        assert endpoints(app) == [
            ("Case management", URL, "submission.created,handoff.failed", 1, 0, 0)
        ]
        [(stored,)] = rows(app, "SELECT secret FROM webhook_endpoints")
        assert stored.startswith("enc1:") and secret not in stored
        with app.app_context():
            assert db.session.scalar(db.select(WebhookEndpoint.secret)) == secret
        Webhook(secret)  # a secret the standard's own library reads
        page = client.get("/editor/webhooks/1").get_data(as_text=True)
        assert secret not in page and "whsec_" not in page
        assert secret not in client.get("/editor/webhooks").get_data(as_text=True)
        [(action,)] = rows(app, "SELECT action FROM audit_events WHERE action LIKE 'webhook%'")
        assert action == "webhook created"
    finally:
        crypto.configure("")


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"url": "http://cases.example.org/h"}, "http:// is only for a private address"),
        ({"url": "https://10.1.2.3/h"}, "needs private addresses allowed"),
        ({"url": "https://localhost:8000/h"}, "A loopback address needs private addresses"),
        ({"url": "https://169.254.169.254/latest"}, "link-local address needs private"),
        ({"url": "cases.example.org"}, "must start with https://"),
        ({"url": ""}, "This field is required."),
        ({"name": ""}, "This field is required."),
        ({"url": "https://x.example.org/" + "a" * 500}, "Field cannot be longer than 500"),
        ({"name": "bell\x07"}, "control character"),
        ({"events": ["submission.created", "everything"]}, "not a valid choice"),
    ],
)
def test_bad_input_is_refused_with_a_reason_and_stores_nothing(app, as_admin, fields, error):
    response = new_endpoint(as_admin, **fields)
    assert response.status_code == 400
    assert error in response.get_data(as_text=True).replace("&#39;", "'")
    assert endpoints(app) == []


def test_a_private_address_is_accepted_when_allowed(app, as_admin):
    response = new_endpoint(as_admin, url="http://10.1.2.3:8080/h", allow_private="y")
    assert response.status_code == 200
    assert endpoints(app)[0][1:] == (
        "http://10.1.2.3:8080/h",
        "submission.created,handoff.failed",
        1,
        0,
        1,
    )


def test_changes_need_the_csrf_token(app, as_admin):
    data = {"name": "x", "url": URL, "events": ["reply.read"]}
    assert as_admin.post("/editor/webhooks", data=data).status_code == 400
    assert endpoints(app) == []
    new_endpoint(as_admin)
    for path in ("/editor/webhooks/1", "/editor/webhooks/1/test", "/editor/webhooks/1/secret"):
        assert as_admin.post(path, data=data).status_code == 400
    assert endpoints(app)[0][0] == "Case management"
    assert rows(app, "SELECT COUNT(*) FROM outbox_messages")[0][0] == 0


def test_an_edit_takes_effect_for_the_next_submission(app, as_admin):
    new_endpoint(as_admin, events=["handoff.failed"])
    at_walk(app.test_client(), ["1", "1", "1", "1"], session="before", phone="+221770000001")
    response = as_admin.post(
        "/editor/webhooks/1",
        data={
            "csrf_token": token(as_admin, "/editor/webhooks/1"),
            "name": "Kobo relay",
            "url": "https://relay.example.org/in",
            "events": ["submission.created"],
            "include_phone": "y",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/editor/webhooks/1")
    assert endpoints(app) == [
        ("Kobo relay", "https://relay.example.org/in", "submission.created", 0, 1, 0)
    ]
    with app.app_context():  # enabled again by hand: the cache of this process is fresh
        row = db.session.get(WebhookEndpoint, 1)
        assert row is not None
        row.enabled = True
        db.session.commit()
        webhooks.cache().clear()
    at_walk(app.test_client(), ["1", "1", "1", "1"], session="after", phone="+221770000002")
    [(payload,)] = rows(app, "SELECT payload FROM outbox_messages")
    data = json.loads(payload)["event"]["data"]
    assert data["ussd_session_id"] == "after" and data["caller"] == "+221770000002"


def test_the_log_shows_what_happened_never_what_was_sent(app, as_admin, requests_mock):
    new_endpoint(as_admin)
    requests_mock.post(URL, [{"status_code": 503}, {"status_code": 400}, {"status_code": 200}])
    at_walk(app.test_client(), ["2", "3", "2", "1"], session="logged", phone="+221770000003")
    with app.app_context():
        deliveries.dispatch_due()  # 503: to retry
        db.session.execute(db.text("UPDATE outbox_messages SET next_attempt_at = created_at"))
        db.session.commit()
        deliveries.dispatch_due()  # 400: failed
    page = as_admin.get("/editor/webhooks/1").get_data(as_text=True)
    assert "submission.created" in page and "failed" in page and "HTTP 400 in" in page
    assert "Resend" in page
    for content in ("Thies", "Juridique", "Legal", "+221770000003", "logged"):
        assert content not in page

    [(message_id,)] = rows(app, "SELECT id FROM outbox_messages")
    resend = f"/editor/webhooks/1/deliveries/{message_id}/resend"
    assert as_admin.post(resend).status_code == 400  # no CSRF token
    response = as_admin.post(resend, data={"csrf_token": token(as_admin, "/editor/webhooks/1")})
    assert response.status_code == 302
    assert rows(app, "SELECT status FROM outbox_messages")[0][0] == "pending"
    with app.app_context():
        deliveries.dispatch_due()
    page = as_admin.get("/editor/webhooks/1").get_data(as_text=True)
    assert "HTTP 200 in" in page and "Resend" not in page
    [(action,)] = rows(app, "SELECT action FROM audit_events WHERE action = 'webhook resent'")
    assert action


def test_resend_is_only_for_this_endpoints_failed_deliveries(app, as_admin, requests_mock):
    new_endpoint(as_admin)
    new_endpoint(as_admin, name="Other", url="https://other.example.org/h")
    requests_mock.post(URL, status_code=200)
    requests_mock.post("https://other.example.org/h", status_code=200)
    at_walk(app.test_client(), ["1", "1", "1", "1"])
    with app.app_context():
        deliveries.dispatch_due()
    [first, second] = [r[0] for r in rows(app, "SELECT id FROM outbox_messages ORDER BY id")]
    csrf = token(as_admin, "/editor/webhooks/1")
    other = as_admin.post(
        f"/editor/webhooks/1/deliveries/{second}/resend", data={"csrf_token": csrf}
    )
    assert other.status_code == 404
    delivered = as_admin.post(
        f"/editor/webhooks/1/deliveries/{first}/resend",
        data={"csrf_token": csrf},
        follow_redirects=True,
    )
    assert "Only a failed delivery can be sent again." in delivered.get_data(as_text=True)
    assert {r[0] for r in rows(app, "SELECT status FROM outbox_messages")} == {"delivered"}


def test_a_test_event_is_queued_signed_and_logged(app, as_admin, requests_mock):
    response = new_endpoint(as_admin, events=[])
    [secret] = SECRET.findall(response.get_data(as_text=True))
    requests_mock.post(URL, status_code=204)
    response = as_admin.post(
        "/editor/webhooks/1/test", data={"csrf_token": token(as_admin, "/editor/webhooks/1")}
    )
    assert response.status_code == 302
    with app.app_context():
        deliveries.dispatch_due()
    [request] = requests_mock.request_history
    assert Webhook(secret).verify(request.body, dict(request.headers))["type"] == "webhook.test"
    page = as_admin.get("/editor/webhooks/1").get_data(as_text=True)
    assert "webhook.test" in page and "HTTP 204 in" in page


def test_a_new_secret_replaces_the_old_one_and_is_shown_once(app, as_admin):
    first = SECRET.findall(new_endpoint(as_admin).get_data(as_text=True))[0]
    response = as_admin.post(
        "/editor/webhooks/1/secret", data={"csrf_token": token(as_admin, "/editor/webhooks/1")}
    )
    [second] = SECRET.findall(response.get_data(as_text=True))
    assert response.headers["Cache-Control"] == "no-store" and second != first
    with app.app_context():
        assert db.session.scalar(db.select(WebhookEndpoint.secret)) == second


def test_deleting_an_endpoint_takes_its_log_and_waiting_events(app, as_admin):
    new_endpoint(as_admin)
    at_walk(app.test_client(), ["1", "1", "1", "1"])
    assert rows(app, "SELECT COUNT(*) FROM outbox_messages")[0][0] == 1
    assert as_admin.get("/editor/webhooks/1/delete").status_code == 200
    response = as_admin.post(
        "/editor/webhooks/1/delete",
        data={"delete-csrf_token": token(as_admin, "/editor/webhooks/1/delete")},
    )
    assert response.status_code == 302
    assert endpoints(app) == [] and rows(app, "SELECT COUNT(*) FROM outbox_messages")[0][0] == 0
    at_walk(app.test_client(), ["1", "1", "1", "1"], session="later", phone="+221770000009")
    assert rows(app, "SELECT COUNT(*) FROM outbox_messages")[0][0] == 0
    assert as_admin.get("/editor/webhooks/1").status_code == 404


def test_key_rotation_re_encrypts_the_signing_secrets(make_app, accounts):
    old, new = crypto.new_key(), crypto.new_key()
    app = make_app(ENCRYPTION_KEYS=old)
    try:
        client = app.test_client()
        login(client, "admin")
        [secret] = SECRET.findall(new_endpoint(client).get_data(as_text=True))
        result = (
            make_app(ENCRYPTION_KEYS=f"{new},{old}")
            .test_cli_runner()
            .invoke(args=["crypto", "rotate"])
        )
        assert result.exit_code == 0, result.output
        only_new = make_app(ENCRYPTION_KEYS=new)
        with only_new.app_context():
            assert db.session.scalar(db.select(WebhookEndpoint.secret)) == secret
    finally:
        crypto.configure("")
