"""The Flex Insights mapping in the editor: editors set it in the draft, viewers only look,
CSRF on the form, a label without its answer refused, nothing saved from bad input."""

from __future__ import annotations

import json

import pytest

from tests.conftest import login, rows, token

PAGE = "/editor/menus/1/insights"


def draft(app) -> dict:
    return json.loads(rows(app, "SELECT draft FROM menus WHERE id = 1")[0][0])


def revision(app) -> int:
    return int(rows(app, "SELECT draft_revision FROM menus WHERE id = 1")[0][0])


def post(client, app, **fields: str):
    data = {"csrf_token": token(client, PAGE), "revision": str(revision(app))}
    data.update(fields)
    return client.post(PAGE, data=data)


@pytest.fixture
def as_editor(client, accounts):
    assert login(client, "editor").status_code == 302
    return client


def test_the_page_shows_the_demo_mapping(app, as_editor):
    page = as_editor.get(PAGE).get_data(as_text=True)
    assert "conversation_attribute_10" in page
    assert '<option selected value="location">location</option>' in page
    assert 'value="Call back wanted"' in page


def test_an_editor_maps_answers_and_the_draft_keeps_it(app, as_editor):
    response = post(
        as_editor,
        app,
        key_1="support_type",
        label_1="Need",
        key_5="location",
        label_5="",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    assert draft(app)["insights"] == {
        "conversation_attribute_1": {"key": "support_type", "label": "Need"},
        "conversation_attribute_5": "location",
    }
    assert post(as_editor, app).status_code == 302  # nothing chosen: the setting goes
    assert "insights" not in draft(app)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"key_2": "", "label_2": "Location"}, "Choose the answer this label describes."),
        ({"key_2": "district"}, "Not a valid choice"),
        ({"key_2": "location", "label_2": "x" * 81}, "Field cannot be longer than 80"),
        ({"key_3": "location", "label_3": "bad\x01"}, "control character"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(app, as_editor, fields, error):
    before = draft(app)
    response = post(as_editor, app, **fields)
    assert response.status_code == 400
    assert error.lower() in response.get_data(as_text=True).lower()
    assert draft(app) == before


def test_viewers_look_but_do_not_change_and_csrf_is_required(app, client, accounts):
    login(client, "viewer")
    assert client.get(PAGE).status_code == 403
    csrf = token(client, "/editor/menus")
    assert client.post(PAGE, data={"csrf_token": csrf, "key_1": "location"}).status_code == 403
    client.post("/editor/logout", data={"csrf_token": csrf})
    login(client, "editor")
    assert client.post(PAGE, data={"key_1": "location", "revision": "1"}).status_code == 400
    assert draft(app)["insights"]["conversation_attribute_2"]["key"] == "location"
