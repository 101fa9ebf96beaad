"""bdapps / Applink in the editor (issue 16, item 4): its budget in the "Screens as on" list and
the simulator, which shows its screens without sending anything."""

from __future__ import annotations

import pytest

from tests.conftest import login, rows, token


@pytest.fixture
def as_editor(client, accounts):
    assert login(client, "editor").status_code == 302
    return client


def test_screens_as_on_bdapps(as_editor):
    page = as_editor.get("/editor/menus/1?gateway=bdapps").get_data(as_text=True)
    assert '<option value="bdapps" selected>bdapps / Applink</option>' in page


def test_the_simulator_shows_bdapps_screens_and_sends_none(app, as_editor):
    csrf = token(as_editor, "/editor/menus/1")

    def simulate(action: str, entry: str = "") -> dict:
        data = {
            "csrf_token": csrf,
            "sim-source": "live",
            "sim-gateway": "bdapps",
            "sim-phone": "+8801812345678",
            f"sim-{action}": "1",
            "sim-entry": entry,
        }
        reply = as_editor.post(
            "/editor/menus/1/simulate", data=data, headers={"Accept": "application/json"}
        )
        return dict(reply.get_json())

    replies = [simulate("dial")] + [simulate("send", entry) for entry in ("1", "1", "1", "1")]
    assert replies[-1]["text"] == "Thank you. Your request has been received."
    assert replies[-1]["end"] is True
    assert all(len(reply["text"]) <= 160 for reply in replies)
    assert rows(app, "SELECT COUNT(*) FROM outbox_messages")[0][0] == 0
