"""Webhooks in a real browser (Debian's chromium): an admin adds an endpoint and sees its
secret once; the endpoint is down for a while (503, a timeout, 503) and comes back; the
delivery log then shows every event delivered once, in order, the first after four
attempts. The pages fit a desktop and a 390-px phone. Screenshots under
test-output/screenshots/ (docs/screenshots/webhook-log.png is the desktop log); the log's
text is written to test-output/webhook-log.txt for the notes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from werkzeug.serving import make_server

from editor.accounts.users import create_user
from tests.browser.test_editor_browser import PHONE, SHOTS, browser, sign_in  # noqa: F401
from tests.conftest import at_walk
from ussd.extensions import db
from ussd.handoff import deliveries
from ussd.models import utcnow

pytestmark = pytest.mark.browser
URL = "https://cases.example.org/hooks/ussd"  # changed to a local receiver below


@pytest.fixture
def admin_app(backend, make_app):
    if backend != "sqlite":
        pytest.skip("browser tests run once, on SQLite")
    app = make_app(DISPATCHER_ENABLED=False)
    with app.app_context():
        create_user("admin@example.org", "admin-pass-12", role="admin")
        db.session.commit()
    return app


@pytest.fixture
def admin_server(admin_app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, admin_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


class Receiver:
    """A webhook receiver on a loopback port that can answer an error, go away and return."""

    def __init__(self) -> None:
        self.answer = 200
        self.events: list[dict] = []
        self.server: ThreadingHTTPServer | None = None
        self.port = 0
        self.start(200)

    def start(self, answer: int) -> None:
        self.answer = answer
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the standard library's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if owner.answer == 200:
                    owner.events.append(json.loads(body))
                self.send_response(owner.answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def deliver_pass(app) -> None:
    with app.app_context():
        deliveries.dispatch_due()
        db.session.execute(  # the back-off has passed
            db.text("UPDATE outbox_messages SET next_attempt_at = :t WHERE status = 'pending'"),
            {"t": (utcnow() - timedelta(seconds=1)).replace(tzinfo=None)},
        )
        db.session.commit()


def test_an_endpoint_through_an_outage(admin_app, admin_server, browser):  # noqa: F811
    base = admin_server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, base, "admin@example.org", "admin-pass-12")
    page.click("nav >> text=Webhooks")
    page.wait_for_url(f"{base}/editor/webhooks")
    page.fill("#name", "Case management")
    page.fill("#url", URL)
    page.check("input[value='submission.created']")
    page.check("input[value='handoff.failed']")
    page.click("#submit")
    secret = page.inner_text(".one-time-password code")
    assert secret.startswith("whsec_")
    page.screenshot(path=SHOTS / "webhook-secret.png")
    page.click("text=Back to the endpoint")
    assert "whsec_" not in page.content()

    # A receiver on this machine (private addresses allowed) that is down for a while:
    # it answers 503, then is not there at all (connection refused), then is back.
    page.goto(f"{base}/editor/webhooks/1")
    receiver = Receiver()
    page.fill("#url", f"http://127.0.0.1:{receiver.port}/hooks/ussd")
    page.check("#allow_private")
    page.click("#submit")
    assert "Endpoint Case management saved." in page.inner_text(".flashes")
    client = admin_app.test_client()
    for n, inputs in enumerate((["1", "1", "1", "1"], ["2", "3", "2", "2"], ["1", "2", "3", "1"])):
        at_walk(client, inputs, session=f"ATUid_browser{n}", phone=f"+22177000{n:04d}")
    receiver.answer = 503
    deliver_pass(admin_app)
    deliver_pass(admin_app)
    receiver.stop()
    deliver_pass(admin_app)
    page.reload()
    during = [
        r.inner_text().replace("\t", " | ").replace("\n", " ")
        for r in page.locator("table.deliveries tbody tr").all()
    ]
    assert "could not connect" in during[-1] and "pending" in during[-1]
    page.screenshot(path=SHOTS / "webhook-log-outage.png", full_page=True)
    receiver.start(200)
    deliver_pass(admin_app)
    assert [body["data"]["ussd_session_id"] for body in receiver.events] == [
        "ATUid_browser0",
        "ATUid_browser1",
        "ATUid_browser2",
    ]
    receiver.stop()

    page.reload()
    rows = page.locator("table.deliveries tbody tr")
    assert rows.count() == 3
    texts = [r.inner_text().replace("\t", " | ").replace("\n", " ") for r in rows.all()]
    assert all("delivered" in t and "HTTP 200 in" in t for t in texts)
    attempts = [r.locator("td").nth(3).inner_text() for r in rows.all()]
    assert attempts == ["1", "1", "4"]  # newest first: the first event went on the 4th try
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.locator("#log").scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "webhook-log-full.png", full_page=True)
    page.screenshot(
        path=SHOTS / "webhook-log.png", clip={"x": 0, "y": 0, "width": 1280, "height": 900}
    )
    (SHOTS.parent / "webhook-log.txt").write_text(
        "during the outage:\n" + "\n".join(during) + "\n\nafter it:\n" + "\n".join(texts) + "\n",
        encoding="utf-8",
    )

    phone = browser.new_page(viewport=PHONE)
    sign_in(phone, base, "admin@example.org", "admin-pass-12")
    for url in ("/editor/webhooks", "/editor/webhooks/1", "/editor/menus/1/insights"):
        phone.goto(base + url)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
    phone.goto(f"{base}/editor/webhooks/1")
    phone.screenshot(path=SHOTS / "webhook-phone.png", full_page=True)
    phone.goto(f"{base}/editor/menus/1/insights")
    phone.screenshot(path=SHOTS / "insights-phone.png", full_page=True)
    page.goto(f"{base}/editor/menus/1/insights")
    page.screenshot(path=SHOTS / "insights.png", full_page=True)
