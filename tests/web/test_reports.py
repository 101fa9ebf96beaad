"""Submissions, analytics, privacy and operations (issue 6)."""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import inspect, text

from tests.conftest import TOKEN, Dialer, at_turn, at_walk, login, rows, token
from ussd.analytics import median_of, report, sweep, visits_from_trail
from ussd.extensions import db
from ussd.models import utcnow

PHONE = "+221771112233"


def finish(client, n: int, inputs: list[str], phone: str | None = None) -> list[str]:
    return at_walk(client, inputs, session=f"sub-{n}", phone=phone or f"+2217730{n:05d}")


def age_everything(app, seconds: int) -> None:
    """Move every session back in time, so sweeps see them idle."""
    with app.app_context():
        past = (utcnow() - timedelta(seconds=seconds)).replace(tzinfo=None)
        db.session.execute(text("UPDATE ussd_sessions SET updated_at = :t"), {"t": past})
        db.session.commit()


# -- submissions ------------------------------------------------------------------------------


@pytest.fixture
def submitted(app, client):
    finish(client, 1, ["1", "1", "1", "1"])  # English, Dakar, Shelter, callback
    finish(client, 2, ["2", "2", "2", "2"])  # French, Touba, Legal, no callback
    finish(client, 3, ["1", "1", "3", "1"])  # English, Dakar, Food and clothing
    with app.app_context():
        db.session.execute(
            text(
                "UPDATE handoffs SET status='failed', last_error='create task: "
                "HTTP 400' WHERE location='Touba'"
            )
        )
        db.session.commit()
    return app


def test_submissions_page_masks_numbers_except_for_admins(submitted, client, accounts):
    login(client, "editor")
    page = client.get("/editor/submissions").get_data(as_text=True)
    assert "3 requests" in page
    assert "+2217******01" in page and "+221773000001" not in page
    assert "Nourriture et vêtements" not in page  # English session
    client.post("/editor/logout", data={"csrf_token": token(client, "/editor/menus")})
    login(client, "admin")
    assert "+221773000001" in client.get("/editor/submissions").get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("", 3),
        ("?location=Dakar", 2),
        ("?support_type=Legal", 1),
        ("?status=failed", 1),
        ("?location=Dakar&support_type=Shelter", 1),
        ("?status=delivered", 0),
        ("?start={tomorrow}", 0),
    ],
)
def test_submission_filters(submitted, client, accounts, query, count):
    # "tomorrow" as the app counts days (UTC) when the test runs, not when it was collected:
    # a run that crosses midnight must not turn tomorrow into today
    query = query.format(tomorrow=utcnow().date() + timedelta(days=1))
    login(client, "viewer")
    page = client.get(f"/editor/submissions{query}").get_data(as_text=True)
    assert f"{count} demande" in page  # the viewer reads French


def test_csv_export_of_the_filtered_set(submitted, client, accounts):
    login(client, "editor")
    response = client.get("/editor/submissions.csv?location=Dakar")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(table) == 2
    assert {r["support_type"] for r in table} == {"Shelter", "Food and clothing"}
    # "+2217…" would be read as a formula by spreadsheets: it is escaped with a quote
    assert all(r["phone"].startswith("'+2217") and "*" in r["phone"] for r in table)
    assert table[0]["answers"].startswith("language=English; location=Dakar")
    assert table[0]["handoff_state"] == "pending"
    [(action, detail)] = rows(submitted, "SELECT action, detail FROM audit_events")
    assert action == "export" and "location=Dakar" in detail


def test_csv_cells_cannot_become_spreadsheet_formulas(app, client, accounts):
    from ussd.menu.document import parse_menu
    from ussd.publishing import create_menu, publish, set_service_code

    with app.app_context():
        menu = create_menu(
            parse_menu(
                {
                    "format": 1,
                    "name": "Names",
                    "languages": ["en"],
                    "start": "name",
                    "nodes": [
                        {
                            "id": "name",
                            "kind": "input",
                            "key": "name",
                            "text": {"en": "Name?"},
                            "next": "done",
                        },
                        {"id": "done", "kind": "handoff"},
                    ],
                }
            )
        )
        publish(menu)
        set_service_code(menu, "*555#")
        db.session.commit()
    at_turn(client, "", session="csv", code="*555#")
    at_turn(client, '=HYPERLINK("http://evil.example","x")', session="csv", code="*555#")
    login(client, "editor")
    table = list(
        csv.DictReader(io.StringIO(client.get("/editor/submissions.csv").get_data(as_text=True)))
    )
    assert table[0]["answers"].startswith("name==HYPERLINK")  # inside the cell: harmless
    assert all(
        not value.startswith(("=", "+", "-", "@")) for row in table for value in row.values()
    )


def test_retry_a_failed_handoff(submitted, client, accounts):
    login(client, "editor")
    [(handoff_id,)] = rows(submitted, "SELECT id FROM handoffs WHERE status='failed'")
    csrf = token(client, "/editor/submissions")
    response = client.post(f"/editor/submissions/{handoff_id}/retry", data={"csrf_token": csrf})
    assert response.status_code == 302
    assert (
        rows(submitted, "SELECT status FROM handoffs WHERE id=:i", i=handoff_id)[0][0] == "pending"
    )
    assert rows(submitted, "SELECT action, detail FROM audit_events")[0] == (
        "retry",
        f"hand-off {handoff_id} queued again",
    )


# -- analytics --------------------------------------------------------------------------------

TRAILS = [
    # trail (node, ms since start), session lasted s, how its last screen ended
    #   -> (node, seconds, answered, left, in progress): one outcome per screen
    (
        [["language", 0], ["location", 4000], ["support_type", 9000]],
        20.0,
        "left",
        [
            ("language", 4, True, False, False),
            ("location", 5, True, False, False),
            ("support_type", 11, False, True, False),
        ],
    ),
    (  # back to language and on again: location is where the session is, not answered
        [["language", 0], ["location", 2000], ["language", 3000], ["location", 5000]],
        6.5,
        "left",
        [("language", 4, True, False, False), ("location", 2, False, True, False)],
    ),
    (
        [["__resume__", 0], ["callback", 1000], ["thanks", 3000]],
        3.0,
        "ended",
        [("callback", 2, True, False, False), ("thanks", 0, False, False, False)],
    ),
    (  # continued after a redial: the session that continued it counts its last screen
        [["language", 0], ["location", 2000]],
        9.0,
        "continued",
        [("language", 2, True, False, False)],
    ),
    (
        [["language", 0], ["location", 2000]],
        0,
        "in progress",
        [("language", 2, True, False, False), ("location", 0, False, False, True)],
    ),
    ([], 0, "left", []),
]


@pytest.mark.parametrize(("trail", "seconds", "last", "expected"), TRAILS)
def test_visits_from_trail(trail, seconds, last, expected):
    visits = visits_from_trail(trail, seconds, last)
    assert [
        (v["node"], v["seconds"], v["answered"], v["left"], v["in_progress"]) for v in visits
    ] == expected


@pytest.mark.parametrize(
    ("histogram", "median"),
    [
        ({}, None),
        ({5: 1}, 5.0),
        ({1: 1, 2: 1, 9: 1}, 2.0),
        ({1: 2, 2: 2}, 1.0),
        ({0: 10, 60: 1}, 0.0),
        ({3: 1, 4: 3}, 4.0),
    ],
)
def test_median_of_histogram(histogram, median):
    assert median_of(histogram) == median


def test_analytics_figures_on_known_sessions(app, client):
    # 4 finish in English, 2 in French; 2 stop on location, 1 on support_type, 1 on callback.
    for n in range(4):
        finish(client, n, ["1", "1", "1", "1"])
    for n in range(4, 6):
        finish(client, n, ["2", "2", "2", "2"])
    finish(client, 6, ["1"])  # reaches location and stops
    finish(client, 7, ["2"])
    finish(client, 8, ["1", "3"])  # stops on support_type
    finish(client, 9, ["2", "1", "1"])  # stops on callback
    start = (utcnow() - timedelta(hours=1)).replace(tzinfo=None, microsecond=0)
    with app.app_context():  # known times: every session started an hour ago ...
        db.session.execute(
            text("UPDATE ussd_sessions SET started_at = :s, updated_at = :u"),
            {"s": start, "u": start + timedelta(seconds=10)},
        )
        # ... and the caller who stopped on support_type spent 3, 5 and 12 seconds
        db.session.execute(
            text(
                "UPDATE ussd_sessions SET trail = :t, updated_at = :u WHERE external_id = 'sub-8'"
            ),
            {
                "t": json.dumps([["language", 0], ["location", 3000], ["support_type", 8000]]),
                "u": start + timedelta(seconds=20),
            },
        )
        db.session.commit()
    with app.app_context():
        assert sweep() == 10
        assert sweep() == 0  # idempotent
        today = utcnow().date()
        figures = report(
            today - timedelta(days=1),
            today,
            menu_id=1,
            node_order=["language", "location", "support_type", "callback", "thanks"],
        )
    assert (figures.total.sessions, figures.total.completed) == (10, 6)
    nodes = {n.node: (n.reached, n.answered, n.left) for n in figures.nodes}
    assert nodes == {
        "language": (10, 10, 0),
        "location": (10, 8, 2),
        "support_type": (8, 7, 1),
        "callback": (7, 6, 1),
        "thanks": (6, 0, 0),
    }
    assert [n.node for n in figures.nodes] == [
        "language",
        "location",
        "support_type",
        "callback",
        "thanks",
    ]
    assert {k: (t.sessions, t.completed) for k, t in figures.by_language.items()} == {
        "en": (6, 4),
        "fr": (4, 2),
    }
    assert {k: t.sessions for k, t in figures.by_gateway.items()} == {"africastalking": 10}
    assert rows(app, "SELECT COUNT(*) FROM ussd_sessions WHERE status='timed_out'")[0][0] == 4
    by_node = {n.node: n for n in figures.nodes}
    assert by_node["location"].seconds.get(5) == 1  # sub-8's 5 seconds there
    assert by_node["support_type"].seconds.get(12) == 1  # and the 12 before giving up
    assert by_node["support_type"].median_seconds == 0  # the 7 others answered at once


DEMO_PATH = ["language", "location", "support_type", "callback", "thanks"]


def test_analytics_right_after_use_add_up_and_say_what_is_in_progress(app, client, accounts):
    """Straight after callers used the menu: some finished, some are still on a screen (or
    may redial), one redialled and continued, one came through a gateway naming no network.
    Every screen's figures add up, and no later screen is reached more often than an
    earlier one."""
    for n in range(3):
        finish(client, n, ["1", "1", "1", "1"])  # completed
    finish(client, 3, [])  # on the language screen
    finish(client, 4, ["1"])  # on location
    finish(client, 5, ["2", "2"])  # on support_type
    finish(client, 6, ["2", "2", "1"])  # on callback
    at_walk(client, ["1", "3"], session="drop-1", phone=PHONE)  # dropped on support_type ...
    at_walk(client, ["1", "1", "2"], session="drop-2", phone=PHONE)  # ... continued, done
    for seq, entry in enumerate(("", "1", "1", "1", "1")):  # a gateway naming no network
        Dialer(client, "json").post(
            {
                "session_id": "no-network",
                "phone": "+221770009999",
                "service_code": "*123*456#",
                "input": entry,
                "new_session": seq == 0,
                "seq": seq,
            }
        )
    login(client, "editor")
    page = client.get("/editor/analytics?menu=1").get_data(as_text=True)
    with app.app_context():
        today = utcnow().date()
        figures = report(today, today, menu_id=1, node_order=DEMO_PATH)
    assert (figures.total.sessions, figures.total.completed) == (5, 5)
    assert figures.in_progress == 4
    nodes = {n.node: n for n in figures.nodes}
    for stats in figures.nodes:
        assert stats.reached == stats.answered + stats.ended + stats.left + stats.in_progress
    assert {
        node: (s.reached, s.answered, s.ended, s.left, s.in_progress) for node, s in nodes.items()
    } == {
        "language": (9, 8, 0, 0, 1),
        "location": (8, 7, 0, 0, 1),
        "support_type": (7, 6, 0, 0, 1),  # drop-1 left it to drop-2, which continued it
        "callback": (6, 5, 0, 0, 1),
        "thanks": (5, 0, 5, 0, 0),
    }
    reached = [nodes[node].reached for node in DEMO_PATH]
    assert reached == sorted(reached, reverse=True)
    kpis = dict(
        (label, value)
        for value, label in re.findall(
            r'<span class="kpi-value">([^<]*)</span><span class="kpi-label">([^<]*)</span>', page
        )
    )
    assert kpis["still in progress"] == "4" and kpis["finished sessions"] == "5"
    assert kpis["completion rate of the finished sessions"] == "100 %"
    networks = re.findall(r'<th scope="row">([^<]*)</th><td>\d+</td><td>\d+ \(', page)
    assert "unknown" in networks and "?" not in networks and "" not in networks


def test_analytics_page_and_median_wait(app, client, accounts):
    finish(client, 1, ["1", "1", "1", "1"])
    finish(client, 2, ["1", "2", "1", "1"])
    finish(client, 3, ["1", "3", "1", "1"])
    from ussd.analytics import add_wait

    with app.app_context():  # as TaskRouter's acceptance events record them
        for wait in (60, 300, 120):
            add_wait(utcnow(), 1, wait)
        db.session.commit()
    login(client, "viewer")
    page = client.get("/editor/analytics").get_data(as_text=True)
    assert "2.0 min" in page  # median of 60, 120 and 300 seconds
    assert "<svg" in page and 'role="img"' in page
    assert "<table>" in page  # the numbers for screen readers


def test_simulated_sessions_are_not_counted(app, client, accounts):
    login(client, "editor")
    csrf = token(client, "/editor/menus/1")
    client.post(
        "/editor/menus/1/simulate",
        data={
            "csrf_token": csrf,
            "sim-source": "live",
            "sim-gateway": "africastalking",
            "sim-phone": "+221770000000",
            "sim-dial": "1",
        },
    )
    with app.app_context():
        sweep()
        today = utcnow().date()
        assert report(today, today).total.sessions == 0


# -- privacy ----------------------------------------------------------------------------------


def every_value(app) -> str:
    """Every stored text of every table, for searching what is left."""
    found: list[str] = []
    with app.app_context():
        inspector = inspect(db.engine)
        for table in inspector.get_table_names():
            for row in db.session.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                found.extend(str(value) for value in row)
    return "\n".join(found)


def test_erasure_leaves_nothing_behind(app, client, accounts):
    from ussd.privacy.phones import phone_hash

    at_walk(client, ["2", "3", "2", "1"], session="erase-1", phone=PHONE)
    at_walk(client, ["1"], session="erase-2", phone=PHONE)
    finish(client, 9, ["1", "1", "1", "1"])  # someone else
    with app.app_context():
        sweep()
        hashed = phone_hash(PHONE, app.config["SECRET_KEY"])
    before = every_value(app)
    assert PHONE in before and hashed in before
    login(client, "admin")
    csrf = token(client, "/editor/privacy")
    check = client.post(
        "/editor/privacy", data={"csrf_token": csrf, "phone": "77 111 22 33", "check": "1"}
    )
    assert "2 sessions are stored for this number." in check.get_data(as_text=True)
    erased = client.post(
        "/editor/privacy",
        data={"csrf_token": csrf, "phone": "77 111 22 33", "erase": "1"},
        follow_redirects=True,
    )
    assert "Erased: 2 session(s), 1 hand-off(s)" in erased.get_data(as_text=True)
    after = every_value(app)
    assert PHONE not in after and hashed not in after and "111 22 33" not in after
    assert "+221773000009" in after  # the other caller is untouched
    audit = rows(app, "SELECT action, detail FROM audit_events")
    assert [tuple(a) for a in audit] == [
        ("erasure", "erased on request: 2 session(s), 1 hand-off(s)")
    ]


def test_erase_command(app, runner):
    at_walk(app.test_client(), ["1", "1", "1", "1"], session="cli-erase", phone=PHONE)
    result = runner.invoke(args=["erase", PHONE, "--yes"])
    assert result.exit_code == 0 and "Deleted 1 session(s), 1 hand-off(s)" in result.output
    assert PHONE not in every_value(app)


def test_purge_deletes_old_data_only(app, client, runner):
    finish(client, 1, ["1", "1", "1", "1"])
    finish(client, 2, ["1", "1", "1", "1"])
    with app.app_context():
        sweep()
        old = (utcnow() - timedelta(days=91)).replace(tzinfo=None)
        db.session.execute(
            text("UPDATE ussd_sessions SET started_at = :t WHERE external_id = 'sub-1'"), {"t": old}
        )
        db.session.commit()
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "Deleted 1 session(s), 1 hand-off(s)" in result.output
    left = every_value(app)
    assert "+221773000001" not in left and "+221773000002" in left
    assert rows(app, "SELECT COUNT(*) FROM handoffs")[0][0] == 1
    # the daily figures hold no personal data and outlive the purge
    assert rows(app, "SELECT SUM(sessions) FROM daily_sessions")[0][0] == 2


def test_daily_purge_runs_once_across_processes(make_app):
    from ussd.housekeeping import run as housekeeping

    first, second = make_app(), make_app()
    for app in (first, second):
        with app.app_context():
            housekeeping()
    assert rows(first, "SELECT COUNT(*) FROM audit_events WHERE action='purge'")[0][0] == 1


def test_encryption_at_rest_and_key_rotation(make_app, runner):
    from ussd.privacy import crypto

    key1, key2 = crypto.new_key(), crypto.new_key()
    app = make_app(ENCRYPTION_KEYS=key1)
    try:
        client = app.test_client()
        at_walk(client, ["2", "3", "2", "1"], session="enc", phone=PHONE)
        with app.app_context():
            raw = db.session.execute(
                text(
                    "SELECT s.phone, s.state, s.seen_text, h.attributes FROM ussd_sessions s "
                    "JOIN handoffs h ON h.session_id = s.id"
                )
            ).one()
        assert all(value.startswith("enc1:") for value in raw)
        assert PHONE not in "".join(raw) and "Juridique" not in "".join(raw)
        # the application reads them back
        assert rows(app, "SELECT phone_hash FROM ussd_sessions")  # still queryable by hash
        with app.app_context():
            from ussd.models import UssdSession

            assert db.session.scalar(db.select(UssdSession.phone)) == PHONE
        rotated = make_app(ENCRYPTION_KEYS=f"{key2},{key1}")
        result = rotated.test_cli_runner().invoke(args=["crypto", "rotate"])
        assert result.exit_code == 0, result.output
        only_new = make_app(ENCRYPTION_KEYS=key2)
        with only_new.app_context():
            from ussd.models import Handoff

            attributes = json.loads(db.session.scalar(db.select(Handoff.attributes)))
        assert attributes["location"] == "Thies" and attributes["from"] == PHONE
    finally:
        crypto.configure("")


def test_encrypted_values_need_their_key(make_app):
    from ussd.privacy import crypto

    app = make_app(ENCRYPTION_KEYS=crypto.new_key())
    try:
        at_walk(app.test_client(), ["1"], session="nokey", phone=PHONE)
        crypto.configure("")
        with app.app_context(), pytest.raises(crypto.CryptoError):
            from ussd.models import UssdSession

            db.session.scalar(db.select(UssdSession.phone))
    finally:
        crypto.configure("")


# -- operations -------------------------------------------------------------------------------


def test_backup_and_restore_give_back_the_same_menu_and_submissions(backend, app, runner, tmp_path):
    import shutil

    if backend == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    client = app.test_client()
    finish(client, 1, ["1", "1", "1", "1"])
    finish(client, 2, ["2", "3", "3", "2"])
    snapshot = "SELECT session_id, attributes FROM handoffs ORDER BY id"
    before = (rows(app, "SELECT document FROM menu_versions"), rows(app, snapshot))
    out = tmp_path / "backup.bin"
    result = runner.invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    finish(client, 3, ["1", "1", "1", "1"])  # changes after the backup
    with app.app_context():
        db.session.execute(text("UPDATE menus SET name = 'Changed'"))
        db.session.commit()
    restored = runner.invoke(args=["restore", str(out), "--yes"])
    assert restored.exit_code == 0, restored.output
    after = (rows(app, "SELECT document FROM menu_versions"), rows(app, snapshot))
    assert [tuple(r) for r in after[0]] == [tuple(r) for r in before[0]]
    assert [tuple(r) for r in after[1]] == [tuple(r) for r in before[1]]
    assert rows(app, "SELECT name FROM menus")[0][0] == "Demo hotline"


def test_restore_refuses_a_file_that_is_not_a_backup(backend, app, runner, tmp_path):
    if backend != "sqlite":
        pytest.skip("the SQLite check")
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    result = runner.invoke(args=["restore", str(junk), "--yes"])
    assert result.exit_code == 1 and "not a SQLite database" in result.output


def test_health_and_readiness(app, client):
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {
        "database": "ok",
        "oldest_pending_handoff_seconds": 0,
        "dispatcher": "off",
        "status": "ready",
    }
    at_walk(client, ["1", "1", "1", "1"])
    with app.app_context():
        db.session.execute(
            text("UPDATE handoffs SET created_at = :t"),
            {"t": (utcnow() - timedelta(seconds=90)).replace(tzinfo=None)},
        )
        db.session.commit()
    assert client.get("/readyz").get_json()["oldest_pending_handoff_seconds"] >= 90


def test_readiness_flips_when_the_database_is_unreachable(make_app):
    make_app()  # the test database itself is prepared as usual
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"].startswith("unreachable")
    assert app.test_client().get("/healthz").status_code == 200


def test_json_log_lines():
    from app import JsonFormatter

    record = logging.LogRecord(
        "ussd.sessions.service", logging.WARNING, __file__, 1, "hop %s", ("x",), None
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "WARNING" and entry["logger"] == "ussd.sessions.service"
    assert entry["message"] == "hop x"


def test_concurrent_workers_keep_sessions_apart(make_app):
    """Several app instances (workers) on one database, many callers at once."""
    apps = [make_app() for _ in range(3)]
    errors: list[str] = []

    def caller(n: int) -> None:
        client = apps[n % len(apps)].test_client()
        dialer = Dialer(client, "json")
        session = {
            "session_id": f"conc-{n}",
            "phone": f"+22177400{n:04d}",
            "service_code": "*123*456#",
            "new_session": True,
            "input": "",
        }
        try:
            dialer.post(session)
            for seq, entry in enumerate(["1", str(n % 3 + 1), "2", "1"], 1):
                reply = dialer.post(
                    {**session, "new_session": False, "input": entry, "seq": seq}
                ).get_json()
            if reply != {"text": "Thank you. Your request has been received.", "end": True}:
                errors.append(f"{n}: {reply}")
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(f"{n}: {exc!r}")

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    found = rows(
        apps[0], "SELECT location, COUNT(*) FROM handoffs GROUP BY location ORDER BY location"
    )
    assert [tuple(r) for r in found] == [("Dakar", 8), ("Thies", 8), ("Touba", 8)]
    assert rows(apps[0], "SELECT COUNT(*) FROM ussd_sessions WHERE status='completed'")[0][0] == 24


def test_webhook_token_is_not_needed_for_health(client):
    assert client.get("/healthz", headers={"X-USSD-Token": TOKEN}).status_code == 200
