"""Replying from the editor in a real browser (Debian's chromium): a coordinator writes canned
replies, opens a request from Submissions, picks a canned reply (the script fills the text and
counts characters and screens), changes it, sends it; the caller dials again and reads it,
and the request's page says when. The pages fit a 390-px phone in English, French and
Arabic. Screenshots under test-output/screenshots/ (docs/screenshots/submissions-reply.png
and canned-replies.png are the desktop ones)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
from werkzeug.serving import make_server

from editor.accounts.users import create_user
from tests.browser.test_editor_browser import PHONE, SHOTS, browser, sign_in  # noqa: F401
from tests.conftest import TOKEN, at_walk
from ussd.extensions import db
from ussd.models import CannedReply

pytestmark = pytest.mark.browser
CALLER = "+221771234567"


@pytest.fixture
def reply_server(backend, make_app) -> Iterator[str]:
    if backend != "sqlite":
        pytest.skip("browser tests run once, on SQLite")
    app = make_app(DISPATCHER_ENABLED=False, ORGANISATION_NAME="Hope Line")
    with app.app_context():
        create_user("coordinator@example.org", "coordinator-pass-1", role="editor")
        create_user(
            "coordinatrice@example.org", "coordinatrice-pass-1", role="editor", language="fr"
        )
        create_user("munassiq@example.org", "munassiq-pass-123", role="editor", language="ar")
        db.session.add(
            CannedReply(
                lang="en",
                title="Office hours",
                text="Our office in Dakar is open Monday to Friday, 9:00 to 17:00.",
            )
        )
        db.session.commit()
    at_walk(app.test_client(), ["1", "1", "1", "1"], session="asked-1", phone=CALLER)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def dial(base: str, session: str, text: str) -> str:
    answer = requests.post(
        f"{base}/ussd/africastalking",
        headers={"X-USSD-Token": TOKEN},
        data={
            "sessionId": session,
            "phoneNumber": CALLER,
            "serviceCode": "*123*456#",
            "text": text,
        },
        timeout=5,
    )
    return answer.text


def test_write_a_canned_reply_and_answer_a_request_from_submissions(reply_server, browser):  # noqa: F811
    base = reply_server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, base, "coordinator@example.org", "coordinator-pass-1")

    # A canned reply in French: the counter follows the text, UCS-2 for an emoji.
    page.click("nav >> text=Canned replies")
    page.wait_for_url(f"{base}/editor/canned-replies")
    page.click("text=New canned reply")
    page.select_option("#lang", "fr")
    page.fill("#title", "Documents")
    counter = page.locator("output[data-reply-counter]")
    page.fill("#text", "Apportez une pièce d'identité si vous en avez une.")
    assert "GSM-7" in counter.inner_text() and "1 of 3 screens" in counter.inner_text()
    page.fill("#text", "Apportez une pièce d'identité 🙂")
    assert "UCS-2" in counter.inner_text()
    page.fill("#text", "Apportez une pièce d'identité si vous en avez une.")
    page.click("#submit")
    page.wait_for_url(f"{base}/editor/canned-replies")
    assert "Canned reply saved." in page.inner_text(".flashes")
    assert "Why it is off:" in page.inner_text("#sms-notice")
    page.screenshot(
        path=SHOTS / "canned-replies.png", clip={"x": 0, "y": 0, "width": 1280, "height": 900}
    )

    # The request in Submissions: no reply yet; reply with the canned text, changed.
    page.click("nav >> text=Submissions")
    row = page.locator("table.submissions tbody tr").first
    assert "no reply" in row.inner_text()
    row.get_by_role("link", name="Reply").click()
    page.wait_for_url(f"{base}/editor/submissions/1#reply")
    page.select_option("#canned", label="Office hours")
    text = page.locator("#text")
    assert text.input_value().startswith("Our office in Dakar is open")
    text.fill(text.input_value() + " Ask for Awa.")
    assert "GSM-7" in counter.inner_text()
    page.screenshot(path=SHOTS / "submissions-reply.png", full_page=True)
    with page.expect_navigation():
        page.click("#submit")
    assert "Reply saved" in page.inner_text(".flashes")
    assert "waiting for the caller to dial" in page.inner_text("main")

    # Too long: refused in words at the field, nothing stored.
    page.fill("#text", "x" * 600)
    assert "Too long for 3 screens." in counter.inner_text()
    with page.expect_navigation():
        page.click("#submit")
    assert "Too long: 600 characters in GSM-7" in page.inner_text("#text-error")

    # The caller dials again and reads it; the page says it was read.
    assert dial(base, "again-1", "").startswith("CON You have a reply from Hope Line.")
    assert "Ask for Awa." in dial(base, "again-1", "1")
    page.goto(f"{base}/editor/submissions/1")
    assert "read at " in page.inner_text("main")
    page.goto(f"{base}/editor/submissions?reply=read")
    assert "1 request" in page.inner_text("main")
    assert "reply read" in page.inner_text("table.submissions")
    page.screenshot(path=SHOTS / "submissions-reply-read.png", full_page=True)


@pytest.mark.parametrize(
    ("email", "password", "lang"),
    [
        ("coordinator@example.org", "coordinator-pass-1", "en"),
        ("coordinatrice@example.org", "coordinatrice-pass-1", "fr"),
        ("munassiq@example.org", "munassiq-pass-123", "ar"),
    ],
)
def test_reply_pages_fit_a_phone(reply_server, browser, email, password, lang):  # noqa: F811
    base = reply_server
    page = browser.new_page(viewport=PHONE)
    sign_in(page, base, email, password)
    for url in ("/editor/canned-replies", "/editor/canned-replies/1", "/editor/submissions/1"):
        page.goto(base + url)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
        name = url.removeprefix("/editor/").replace("/", "-")
        page.screenshot(path=SHOTS / f"replies-phone-{lang}-{name}.png", full_page=True)
    if lang == "ar":
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
