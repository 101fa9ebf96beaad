"""A mapped gateway in a real browser (Debian's chromium): an admin imports the shipped
Arkesel definition, reads the URL to give the provider and the example exchange, and the
page fits a desktop and a 390-px phone. Screenshots under test-output/screenshots/
(docs/screenshots/mapped-gateway.png is the desktop one)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from editor.accounts.users import create_user
from tests.browser.test_editor_browser import PHONE, SHOTS, browser, sign_in  # noqa: F401
from ussd.extensions import db

pytestmark = pytest.mark.browser
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "mapped-gateways" / "arkesel.json"


@pytest.fixture
def admin_server(backend, make_app) -> Iterator[str]:
    if backend != "sqlite":
        pytest.skip("browser tests run once, on SQLite")
    app = make_app(DISPATCHER_ENABLED=False)
    with app.app_context():
        create_user("admin@example.org", "admin-pass-12", role="admin")
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_import_a_definition_and_read_its_page(admin_server, browser):  # noqa: F811
    base = admin_server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, base, "admin@example.org", "admin-pass-12")
    page.click("nav >> text=Gateways")
    page.wait_for_url(f"{base}/editor/gateways")
    page.set_input_files("#file", str(EXAMPLE))
    page.click("text=Import >> nth=-1")
    page.wait_for_url(f"{base}/editor/gateways/arkesel")
    assert "Gateway arkesel imported." in page.inner_text(".flashes")
    assert f"{base}/ussd/mapped/arkesel?token=<USSD_WEBHOOK_TOKEN>" in page.inner_text("main")
    exchange = page.locator("pre.exchange").all_inner_texts()
    assert len(exchange) == 3
    assert '"newSession": true' in exchange[0]
    assert '"continueSession":true' in exchange[1] and '"continueSession":false' in exchange[2]
    assert page.input_value("#flag_field") == "newSession"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.screenshot(
        path=SHOTS / "mapped-gateway.png", clip={"x": 0, "y": 0, "width": 1280, "height": 900}
    )
    page.screenshot(path=SHOTS / "mapped-gateway-full.png", full_page=True)

    phone = browser.new_page(viewport=PHONE)
    sign_in(phone, base, "admin@example.org", "admin-pass-12")
    for url in ("/editor/gateways", "/editor/gateways/arkesel", "/editor/gateways/new"):
        phone.goto(base + url)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
    phone.goto(f"{base}/editor/gateways/arkesel")
    phone.screenshot(path=SHOTS / "mapped-gateway-phone.png", full_page=True)
