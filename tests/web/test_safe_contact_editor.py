"""Safe contact in the editor (issue 15, item 7): a menu's safe-window hours in its settings,
and the safe window with the caller's local time beside each submission."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime

import pytest

from editor.submissions.routes import safe_window
from tests.conftest import at_walk, rows, token
from ussd.extensions import db
from ussd.menu.document import parse_menu
from ussd.publishing import create_menu, publish, set_service_code

CODE = "*123*7#"
SAFE_WINDOW_MENU = {
    "name": "Safe window line",
    "languages": ["en"],
    "start": "callback_window",
    "callback_windows": {"evening": ["20:00", "07:00"]},
    "nodes": [
        {
            "id": "callback_window",
            "kind": "menu",
            "key": "callback_window",
            "text": {"en": "When is it safe to call you?"},
            "options": [
                {"label": {"en": "Morning"}, "value": "morning"},
                {"label": {"en": "Evening"}, "value": "evening"},
                {"label": {"en": "Do not call me"}, "value": "none"},
            ],
            "next": "thanks",
        },
        {"id": "thanks", "kind": "handoff", "text": {"en": "Thank you."}},
    ],
}


@pytest.fixture
def as_editor(client, accounts):
    from tests.conftest import login

    assert login(client, "editor").status_code == 302
    return client


def _draft(app) -> dict:
    return json.loads(rows(app, "SELECT draft FROM menus WHERE id = 1")[0][0])


def _settings(app, csrf: str, **hours: str) -> dict[str, str]:
    form = {
        "csrf_token": csrf,
        "name": "Demo hotline",
        "languages": "en, fr",
        "revision": str(rows(app, "SELECT draft_revision FROM menus WHERE id = 1")[0][0]),
        "morning_from": "08:00",
        "morning_to": "12:00",
        "afternoon_from": "12:00",
        "afternoon_to": "17:00",
        "evening_from": "17:00",
        "evening_to": "20:00",
    }
    form.update(hours)
    return form


def test_settings_show_the_default_hours(as_editor):
    page = as_editor.get("/editor/menus/1/settings").get_data(as_text=True)
    for name, value in [
        ("morning_from", "08:00"),
        ("morning_to", "12:00"),
        ("afternoon_to", "17:00"),
        ("evening_to", "20:00"),
    ]:
        assert re.search(rf'name="{name}" type="time" value="{value}"', page), name


@pytest.mark.parametrize(
    ("hours", "written"),
    [
        ({"evening_from": "20:00", "evening_to": "07:00"}, {"evening": ["20:00", "07:00"]}),
        (
            {"morning_from": "06:30", "afternoon_to": "18:00"},
            {"morning": ["06:30", "12:00"], "afternoon": ["12:00", "18:00"]},
        ),
        ({}, None),  # the defaults are not written out
    ],
)
def test_settings_save_the_hours(app, as_editor, hours, written):
    csrf = token(as_editor, "/editor/menus/1/settings")
    saved = as_editor.post("/editor/menus/1/settings", data=_settings(app, csrf, **hours))
    assert saved.status_code == 302
    assert _draft(app).get("callback_windows") == written
    page = as_editor.get("/editor/menus/1/settings").get_data(as_text=True)
    for name, value in hours.items():
        assert f'name="{name}" type="time" value="{value}"' in page


def test_settings_without_the_hours_keep_them(app, as_editor):
    """A form posted without the time fields (an older page) changes no hours."""
    csrf = token(as_editor, "/editor/menus/1/settings")
    as_editor.post(
        "/editor/menus/1/settings",
        data=_settings(app, csrf, evening_from="21:00", evening_to="06:00"),
    )
    form = _settings(app, csrf, description="Kept hours")
    for name in [n for n in form if n.endswith(("_from", "_to"))]:
        del form[name]
    assert as_editor.post("/editor/menus/1/settings", data=form).status_code == 302
    assert _draft(app)["callback_windows"] == {"evening": ["21:00", "06:00"]}
    assert _draft(app)["description"] == "Kept hours"


@pytest.mark.parametrize(
    ("hours", "error"),
    [
        ({"morning_from": "8am"}, "A time on the 24-hour clock, such as 08:00."),
        ({"afternoon_to": "25:00"}, "A time on the 24-hour clock, such as 08:00."),
        ({"evening_to": ""}, "A time on the 24-hour clock, such as 08:00."),
        ({"evening_to": "17:00"}, "The window must end at another time."),
        ({"morning_from": "12:00\x00"}, "This contains a control character."),
    ],
)
def test_settings_refuse_bad_hours_and_save_nothing(app, as_editor, hours, error):
    before = _draft(app)
    csrf = token(as_editor, "/editor/menus/1/settings")
    refused = as_editor.post("/editor/menus/1/settings", data=_settings(app, csrf, **hours))
    assert refused.status_code == 200
    assert error in html.unescape(refused.get_data(as_text=True))
    assert _draft(app) == before


def _install_safe_window_menu(app) -> None:
    with app.app_context():
        menu = create_menu(parse_menu(SAFE_WINDOW_MENU))
        publish(menu)
        set_service_code(menu, CODE)
        db.session.commit()


def _dial(client, choice: str, session: str, phone: str) -> str:
    from tests.conftest import at_turn

    at_turn(client, "", session, phone, code=CODE)
    return at_turn(client, choice, session, phone, code=CODE).get_data(as_text=True)


def test_submissions_show_the_safe_window_and_the_callers_time(app, as_editor):
    _install_safe_window_menu(app)
    assert _dial(as_editor, "2", "safe-evening", "+221770000201").startswith("END")
    assert _dial(as_editor, "3", "safe-none", "+233244123456").startswith("END")
    at_walk(as_editor, ["1", "1", "1", "1"], session="demo", phone="+221770000202")
    page = html.unescape(as_editor.get("/editor/submissions").get_data(as_text=True))
    cells = re.findall(r'<p class="safe-window">(.*?)</p>', page, re.S)
    assert len(cells) == 2  # the demo's request says nothing about a safe window
    texts = [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells]
    assert re.fullmatch(
        r"Do not call: the caller dials back Caller's time now: \d\d:\d\d \(Africa/Accra\)",
        texts[0],
    ), texts[0]
    assert re.fullmatch(
        r"Safe to call: Evening 20:00–07:00 Caller's time now: \d\d:\d\d \(Africa/Dakar\) "
        r"(inside|outside) the window",
        texts[1],
    ), texts[1]


NOON = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
EVENING = {"from": "20:00", "to": "07:00"}


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        (
            {
                "callback_window": "evening",
                "callback_hours": EVENING,
                "caller_timezone": "Asia/Dhaka",
            },
            {"hours": ("20:00", "07:00"), "zone": "Asia/Dhaka", "local": "18:00", "inside": False},
        ),
        (
            {
                "callback_window": "evening",
                "callback_hours": EVENING,
                "caller_timezone": "Pacific/Auckland",
            },
            {
                "hours": ("20:00", "07:00"),
                "zone": "Pacific/Auckland",
                "local": "01:00",
                "inside": True,
            },
        ),
        (  # a request from before the zone was sent: read from the number
            {
                "callback_window": "morning",
                "callback_hours": {"from": "08:00", "to": "12:00"},
                "from": "+221771234567",
            },
            {
                "hours": ("08:00", "12:00"),
                "zone": "Africa/Dakar",
                "local": "12:00",
                "inside": False,
            },
        ),
        (
            {"callback_window": "any", "caller_timezone": "Africa/Dakar"},
            {"hours": None, "zone": "Africa/Dakar", "local": "12:00", "inside": None},
        ),
        (
            {"callback_window": "morning", "callback_hours": {"from": "8", "to": "noon"}},
            {"hours": None, "zone": None, "local": None, "inside": None},
        ),
        (
            {"callback_window": "morning", "callback_hours": EVENING, "caller_timezone": "Nowhere"},
            {"hours": ("20:00", "07:00"), "zone": "Nowhere", "local": None, "inside": None},
        ),
    ],
)
def test_safe_window_of_a_submission(attributes, expected):
    found = safe_window(attributes, NOON)
    assert found is not None
    assert {k: found[k] for k in expected} == expected


@pytest.mark.parametrize(
    "attributes",
    [{}, {"callback": "Yes"}, {"callback_window": "weekend"}, {"callback_window": None}],
)
def test_no_safe_window(attributes):
    assert safe_window(attributes, NOON) is None
