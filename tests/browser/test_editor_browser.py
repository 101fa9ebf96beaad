"""The editor in a real browser: Debian's chromium driven by Playwright (no downloaded browser).

A coordinator signs in, adds a location in both languages, tries it in the phone
simulator, publishes, and a caller dialling the Africa's Talking webhook sees it.
Screenshots of the main pages are saved under test-output/screenshots/.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from editor.accounts.users import create_user
from tests.conftest import TOKEN
from ussd.extensions import db

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


@pytest.fixture
def live_server(backend, make_app) -> Iterator[str]:
    if backend != "sqlite":
        pytest.skip("browser tests run once, on SQLite")
    app = make_app(DISPATCHER_ENABLED=False)
    with app.app_context():
        create_user("coordinator@example.org", "coordinator-pass-1", role="editor")
        create_user("lecteur@example.org", "lecteur-pass-1", role="viewer", language="fr")
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (scripts/test.sh installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/editor/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#submit")
    page.wait_for_url(f"{base}/editor/menus")


def test_add_a_location_try_it_publish_and_dial(live_server, browser):
    base = live_server
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{base}/editor/login")
    page.screenshot(path=SHOTS / "login.png")
    sign_in(page, base, "coordinator@example.org", "coordinator-pass-1")
    page.screenshot(path=SHOTS / "menus.png", full_page=True)
    page.click("text=Demo hotline")
    page.screenshot(path=SHOTS / "menu.png", full_page=True)

    # Add Saint-Louis to the locations, in English and French.
    page.click("#node-location >> text=Edit")
    page.fill("#options-3-label_en", "Saint-Louis")
    page.fill("#options-3-label_fr", "Saint-Louis")
    page.fill("#options-3-value", "Saint-Louis")
    counter = page.locator('output[data-counter-lang="fr"]')
    assert "GSM-7" in counter.inner_text()
    page.screenshot(path=SHOTS / "node.png", full_page=True)
    page.click("#submit")
    page.wait_for_url(f"{base}/editor/menus/1#node-location")
    outline = page.locator("#node-location").inner_text()
    assert outline.count("4. Saint-Louis") == 2  # both languages

    # Try the draft in the simulator: French, then the location screen.
    page.click("#sim-dial")
    # (locators, not wait_for_function: the page's CSP rightly forbids evaluating strings)
    page.locator("#sim-screen", has_text="Welcome").wait_for()
    page.fill("#sim-entry", "2")
    page.click("#sim-send")
    page.locator("#sim-screen", has_text="Saint").wait_for()
    assert page.inner_text("#sim-screen") == (
        "Où vous trouvez-vous ?\n1. Dakar\n2. Touba\n3. Thiès\n4. Saint-Louis"
    )
    page.locator("#simulator").screenshot(path=SHOTS / "simulator.png")

    # Callers do not see it before publishing ...
    def dial(session: str, text: str) -> str:
        reply = requests.post(
            f"{base}/ussd/africastalking",
            headers={"X-USSD-Token": TOKEN},
            data={
                "sessionId": session,
                "phoneNumber": f"+22177{session[-7:]}",
                "serviceCode": "*123*456#",
                "text": text,
            },
            timeout=5,
        )
        return reply.text

    dial("before-0000001", "")
    assert "Saint-Louis" not in dial("before-0000001", "1")
    page.fill("#note", "Saint-Louis office opened")
    page.click("text=Publish the draft")
    assert "Version 2 is live" in page.inner_text(".flashes")
    # ... and do once it is published.
    dial("after-00000002", "")
    assert dial("after-00000002", "1") == (
        "CON Where are you?\n1. Dakar\n2. Touba\n3. Thiès\n4. Saint-Louis"
    )
    page.goto(f"{base}/editor/menus/1/versions")
    assert "Saint-Louis office opened" in page.inner_text("table")
    page.screenshot(path=SHOTS / "versions.png", full_page=True)


def test_gsm7_suggestion_keyboard_and_french_interface(live_server, browser):
    base = live_server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, base, "coordinator@example.org", "coordinator-pass-1")
    page.goto(f"{base}/editor/menus/1/nodes/callback")
    page.fill("#text_fr", "Voulez-vous être rappelé ?")
    counter = page.locator('output[data-counter-lang="fr"]')
    assert "UCS-2" in counter.inner_text() and "ê" in counter.inner_text()
    counter.locator("button").click()
    assert page.input_value("#text_fr") == "Voulez-vous etre rappelé ?"
    assert "GSM-7" in counter.inner_text()

    # The skip link is the first stop of the keyboard and leads to the content.
    page.goto(f"{base}/editor/menus")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"

    viewer = browser.new_page(viewport={"width": 390, "height": 844})
    sign_in(viewer, base, "lecteur@example.org", "lecteur-pass-1")
    viewer.goto(f"{base}/editor/menus/1")
    assert "Plan du brouillon" in viewer.inner_text("main")
    assert viewer.locator("text=Publier le brouillon").count() == 0
    viewer.screenshot(path=SHOTS / "menu-phone-fr.png", full_page=False)


# -- every page on a phone --------------------------------------------------------------------

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def prepared_server(backend, make_app) -> Iterator[str]:
    """The editor with something on every page (tests/web/pages.py), an admin reading
    English and one reading French."""
    from tests.web.pages import prepare

    if backend != "sqlite":
        pytest.skip("browser tests run once, on SQLite")
    app = make_app(DISPATCHER_ENABLED=False)
    with app.app_context():
        create_user("admin@example.org", "admin-pass-12", role="admin")
        create_user("admine@example.org", "admine-pass-12", role="admin", language="fr")
        create_user("mudir@example.org", "mudir-pass-123", role="admin", language="ar")
        db.session.commit()
    prepare(app, app.test_client())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


# Form controls in a box that scrolls sideways would be cut off at the box's edge: only
# tables of figures may scroll inside their .table-wrap on a phone, never a form's fields.
CUT_CONTROLS = """() => Array.from(document.querySelectorAll('.table-wrap'))
    .filter(w => w.scrollWidth > w.clientWidth + 1 && w.querySelector('input, select, textarea'))
    .map(w => w.querySelector('table') ? w.querySelector('table').className : 'table-wrap')"""


@pytest.mark.parametrize(
    ("email", "password", "lang"),
    [
        ("admin@example.org", "admin-pass-12", "en"),
        ("admine@example.org", "admine-pass-12", "fr"),
        ("mudir@example.org", "mudir-pass-123", "ar"),
    ],
)
def test_every_page_fits_a_phone(prepared_server, browser, email, password, lang):
    """At 390 px (a common phone) no editor page scrolls sideways, and no form field sits in
    a box that does (the node page was 959 px wide, its Goes to lists cut off)."""
    from tests.web.pages import PAGES

    base = prepared_server
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{base}/editor/login")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    sign_in(page, base, email, password)
    direction = page.evaluate("getComputedStyle(document.body).direction")
    assert direction == ("rtl" if lang == "ar" else "ltr")
    too_wide = {}
    for url in PAGES:
        page.goto(base + url)
        width = page.evaluate("document.documentElement.scrollWidth")
        cut = page.evaluate(CUT_CONTROLS)
        if width > PHONE["width"] or cut:
            too_wide[url] = (width, cut)
        name = url.removeprefix("/editor/").replace("/", "-")
        page.screenshot(path=SHOTS / f"phone-{lang}-{name}.png", full_page=True)
    assert too_wide == {}


def test_erasing_takes_a_second_step(prepared_server, browser):
    """The erase button is behind a step that says it cannot be undone; Enter in the number
    field only looks (it once pressed the first submit button: erase)."""
    base = prepared_server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, base, "admin@example.org", "admin-pass-12")
    page.goto(f"{base}/editor/privacy")
    page.fill("#phone", "+221770000102")  # a caller of tests/web/pages.py
    page.press("#phone", "Enter")
    page.locator("p[role=status]", has_text="1 session").wait_for()
    erase = page.locator("#erase")
    assert not erase.is_visible()
    page.press("#phone", "Enter")  # looks again, erases nothing
    page.locator("p[role=status]", has_text="1 session").wait_for()
    page.click("summary:has-text('Erase everything about this number')")
    assert erase.is_visible() and "cannot be undone" in page.inner_text("details.confirm-danger")
    page.locator("details.confirm-danger").screenshot(path=SHOTS / "erase-confirm.png")
    erase.click()
    assert "Erased" in page.inner_text(".flashes")


# -- right to left (issue 16, item 7) -----------------------------------------------------------

ARABIC_MENU = {
    "format": 1,
    "name": "خط المساعدة",
    "languages": ["ar", "en"],
    "default_language": "ar",
    "start": "location",
    "nodes": [
        {
            "id": "location",
            "kind": "menu",
            "key": "location",
            "text": {"ar": "أين أنت؟", "en": "Where are you?"},
            "options": [
                {"label": {"ar": "دمشق", "en": "Damascus"}, "value": "Damascus"},
                {"label": {"ar": "حلب", "en": "Aleppo"}, "value": "Aleppo"},
                {"label": {"ar": "الموصل", "en": "Mosul"}, "value": "Mosul"},
            ],
            "next": "thanks",
        },
        {
            "id": "thanks",
            "kind": "handoff",
            "text": {
                "ar": "شكرا. سيتصل بك موظف خلال 24 ساعة.",
                "en": "Thank you. An agent will call you within 24 hours.",
            },
        },
    ],
}

# Where, on screen, the digits of "1." and the word after them are: in a right-to-left line
# the option's number stands to the right of its label.
DIGIT_AND_WORD = """(el, [digit, word]) => {
    const node = el.firstChild, text = node.textContent;
    const box = (part) => {
        const range = document.createRange(), at = text.indexOf(part);
        range.setStart(node, at); range.setEnd(node, at + part.length);
        return range.getBoundingClientRect();
    };
    const d = box(digit), w = box(word);
    return {digitLeft: d.left, wordRight: w.right, sameLine: Math.abs(d.top - w.top) < 4};
}"""


def _number_before_label(locator, digit: str = "1.", word: str = "دمشق") -> None:
    where = locator.evaluate(DIGIT_AND_WORD, [digit, word])
    assert where["sameLine"] and where["digitLeft"] >= where["wordRight"], where


@pytest.fixture
def arabic_menu_server(backend, make_app) -> Iterator[tuple[str, int]]:
    """The editor with a published menu in Arabic (and English), an editor reading English."""
    from ussd.menu.document import parse_menu
    from ussd.publishing import create_menu, publish

    if backend != "sqlite":
        pytest.skip("browser tests run once, on SQLite")
    app = make_app(DISPATCHER_ENABLED=False)
    with app.app_context():
        create_user("coordinator@example.org", "coordinator-pass-1", role="editor")
        menu = create_menu(parse_menu(ARABIC_MENU))
        publish(menu, note="نسخة أولى")
        menu_id = menu.id
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", menu_id
    server.shutdown()


def test_an_arabic_menu_reads_right_to_left(arabic_menu_server, browser):
    """Outline, node editor and phone: an Arabic screen runs right to left with "1." to the
    right of its option; the English screen beside it stays left to right."""
    base, menu_id = arabic_menu_server
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    sign_in(page, base, "coordinator@example.org", "coordinator-pass-1")
    page.goto(f"{base}/editor/menus/{menu_id}")

    arabic = page.locator('#node-location pre.screen[lang="ar"]')
    english = page.locator('#node-location pre.screen[lang="en"]')
    assert arabic.get_attribute("dir") == "rtl" and english.get_attribute("dir") == "ltr"
    assert arabic.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert english.evaluate("el => getComputedStyle(el).direction") == "ltr"
    _number_before_label(arabic)
    _number_before_label(page.locator('#node-thanks pre.screen[lang="ar"]'), "24", "ساعة")
    page.locator("#node-location").screenshot(path=SHOTS / "outline-ar.png")

    page.click("#node-location >> text=Edit")
    assert page.get_attribute("#text_ar", "dir") == "rtl"
    assert page.get_attribute("#text_en", "dir") == "ltr"
    assert page.get_attribute("#options-0-label_ar", "dir") == "rtl"
    assert page.get_attribute("#options-0-value", "dir") == "auto"
    assert page.eval_on_selector("#text_ar", "el => getComputedStyle(el).direction") == "rtl"
    page.screenshot(path=SHOTS / "node-ar.png", full_page=True)

    page.goto(f"{base}/editor/menus/{menu_id}")
    page.click("#sim-dial")
    screen = page.locator("#sim-screen")
    screen.filter(has_text="دمشق").wait_for()
    assert page.inner_text("#sim-screen") == "أين أنت؟\n1. دمشق\n2. حلب\n3. الموصل"
    assert screen.get_attribute("dir") == "auto"
    assert screen.evaluate("el => getComputedStyle(el).direction") == "rtl"
    _number_before_label(screen)
    _number_before_label(screen, "3.", "الموصل")
    page.locator("#simulator").screenshot(path=SHOTS / "simulator-ar.png")
    page.fill("#sim-entry", "1")
    page.click("#sim-send")
    screen.filter(has_text="ساعة").wait_for()
    assert screen.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert page.inner_text("#sim-transcript").endswith("1")


def test_the_whole_editor_in_arabic(prepared_server, browser):
    """An Arabic reader: the page runs right to left (navigation from the right, the outline's
    coloured edge on the right), at desktop width and on a phone."""
    base = prepared_server
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    sign_in(page, base, "mudir@example.org", "mudir-pass-123")
    page.goto(f"{base}/editor/menus/1")
    assert page.get_attribute("html", "lang") == "ar" and page.get_attribute("html", "dir") == "rtl"
    assert "مخطط المسودة" in page.inner_text("main")
    brand = page.locator(".brand").bounding_box()
    assert brand and brand["x"] > 683  # the brand stands at the right
    node = page.locator("#node-location")
    assert node.evaluate("el => getComputedStyle(el).borderRightWidth") == "5px"
    page.screenshot(
        path=SHOTS / "editor-ar-menu.png", clip={"x": 0, "y": 0, "width": 1366, "height": 700}
    )
    phone = browser.new_page(viewport=PHONE)
    sign_in(phone, base, "mudir@example.org", "mudir-pass-123")
    phone.goto(f"{base}/editor/menus/1")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=SHOTS / "editor-ar-phone.png")
