"""PostgreSQL goes away for a moment (a restart, a failover) in the middle of a caller's
session: the caller's next screen comes late, not as an apology, and the session
advances once. Issue 14, finding 12."""

from __future__ import annotations

import threading
import time

import pytest

from bench.harness.faults import database_outage
from tests.conftest import PG_URL, at_turn, at_walk, rows

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL")


def database_away(app, seconds: float) -> threading.Thread:
    """Refuse new connections to the app's database and cut the open ones, for `seconds`
    (the soak's fault, bench/harness/faults.py)."""
    return database_outage("postgresql", app.config["SQLALCHEMY_DATABASE_URI"], seconds)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_short_outage_is_a_slower_screen_not_an_apology(make_app):
    app = make_app(HOP_DATABASE_WAIT_SECONDS=5)
    client = app.test_client()
    assert at_walk(client, ["1"], session="away")[-1].startswith("CON Where are you?")
    thread = database_away(app, 1.5)
    started = time.monotonic()
    reply = at_turn(client, "1*2", session="away").get_data(as_text=True)
    waited = time.monotonic() - started
    thread.join()
    assert reply.startswith("CON What support do you need?"), reply
    assert waited >= 1.0  # it did wait for the database
    # the session advanced once, and goes on to its hand-off as usual
    assert at_turn(client, "1*2", session="away").get_data(as_text=True) == reply
    assert at_walk(client, ["1", "2", "1", "1"], session="away")[-1].startswith("END Thank")
    assert rows(app, "SELECT hops FROM ussd_sessions WHERE external_id='away'") == [(5,)]
    assert rows(app, "SELECT COUNT(*) FROM handoffs")[0][0] == 1


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_an_outage_longer_than_the_wait_ends_in_an_apology(make_app):
    app = make_app(HOP_DATABASE_WAIT_SECONDS=0.3)
    client = app.test_client()
    at_walk(client, ["1"], session="long")
    thread = database_away(app, 1.5)
    reply = at_turn(client, "1*2", session="long").get_data(as_text=True)
    thread.join()
    assert reply == "END Sorry, something went wrong. Please try again later."
