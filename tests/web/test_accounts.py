"""Editor accounts: sign-in throttling, one-time passwords, ending sessions, the audit log."""

from __future__ import annotations

import json
import re
import time

import pytest

from editor import load_user
from editor.accounts import users
from tests.conftest import PASSWORDS, login, rows, token

KNOWN, UNKNOWN = "editor@example.org", "nobody@example.org"
COOKIE = "ussd_editor"


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, moved on by hand (mid-window, so no edge is crossed by chance)."""
    now = [1_800_000_300.0]
    monkeypatch.setattr(users, "clock", lambda: now[0])
    return now


def attempt(client, email, password, address="127.0.0.1"):
    return client.post(
        "/editor/login",
        data={"csrf_token": token(client), "email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def fail(client, email, times, address="127.0.0.1"):
    for _ in range(times):
        assert attempt(client, email, "wrong-password", address).status_code == 200


def user_row(app, email=KNOWN):
    return rows(app, "SELECT * FROM users WHERE email=:e", e=email)[0]


# -- throttling --------------------------------------------------------------------------------


def test_known_and_unknown_emails_answer_byte_for_byte_alike(
    app, client, accounts, clock, monkeypatch
):
    before = user_row(app)
    fail(client, KNOWN, 10, address="192.0.2.1")
    fail(client, UNKNOWN, 10, address="192.0.2.2")
    assert user_row(app) == before  # a failure writes nothing to the account

    csrf = token(client)
    frozen = time.time()
    monkeypatch.setattr(time, "time", lambda: frozen)  # the same cookie and CSRF signatures
    answers = [
        client.post(
            "/editor/login",
            data={"csrf_token": csrf, "email": email, "password": password},
            environ_base={"REMOTE_ADDR": "192.0.2.3"},
        )
        for email, password in ((KNOWN, PASSWORDS["editor"]), (UNKNOWN, "whatever-password"))
    ]
    known, unknown = answers
    assert known.status_code == unknown.status_code == 429
    assert known.headers.to_wsgi_list() == unknown.headers.to_wsgi_list()
    # alike but for the email typed, which stays in its field
    assert known.get_data().replace(KNOWN.encode(), b"@") == unknown.get_data().replace(
        UNKNOWN.encode(), b"@"
    )
    page = known.get_data(as_text=True)
    assert "Too many failed sign-ins: try again in 6 minutes." in page
    assert f'value="{KNOWN}"' in page
    assert "Location" not in known.headers  # the right password did not sign in
    assert user_row(app) == before


def flash_text(response) -> str:
    found = re.findall(r'<p class="flash flash-error" role="alert">(.*?)</p>', response.text, re.S)
    return " ".join(f.strip() for f in found)


def test_sign_in_warns_before_the_wait_and_keeps_the_email(client, accounts, clock):
    said = [flash_text(attempt(client, KNOWN, "wrong-password")) for _ in range(10)]
    assert said[:2] == ["Wrong email or password."] * 2  # a typo or two: no warning yet
    assert said[2] == (
        "Wrong email or password. 7 more tries, then sign-in pauses for up to 10 minutes."
    )
    assert said[8] == (
        "Wrong email or password. 1 more try, then sign-in pauses for up to 10 minutes."
    )
    # the tenth: the wait starts now (the window began 300 s ago, so 301 s are left)
    assert said[9] == "Wrong email or password. Too many failed sign-ins: try again in 6 minutes."
    refused = attempt(client, KNOWN, PASSWORDS["editor"])
    assert refused.status_code == 429
    assert flash_text(refused) == "Too many failed sign-ins: try again in 6 minutes."
    assert f'value="{KNOWN}"' in refused.text  # the email is not typed again
    clock[0] += 250
    assert flash_text(attempt(client, KNOWN, "x-password")) == (
        "Too many failed sign-ins: try again in 1 minute."
    )


def test_the_warning_is_the_same_with_or_without_an_account(client, accounts, clock):
    fail(client, KNOWN, 2, address="192.0.2.7")
    fail(client, UNKNOWN, 2, address="192.0.2.8")
    known = flash_text(attempt(client, KNOWN, "wrong-password", "192.0.2.7"))
    unknown = flash_text(attempt(client, UNKNOWN, "wrong-password", "192.0.2.8"))
    assert known == unknown and "7 more tries" in known


def test_every_attempt_checks_one_hash_whatever_the_email(client, accounts, clock, monkeypatch):
    checks = []
    real = users._hasher

    class Spy:
        def verify(self, hashed, password):
            checks.append(hashed)
            return real.verify(hashed, password)

        def check_needs_rehash(self, hashed):
            return real.check_needs_rehash(hashed)

    monkeypatch.setattr(users, "_hasher", Spy())
    for email in (KNOWN, UNKNOWN):
        checks.clear()
        fail(client, email, 10)
        assert attempt(client, email, "wrong-password").status_code == 429
        assert len(checks) == 11  # ten failures and the throttled attempt
        assert checks[-1] == users._DUMMY_HASH  # a throttled attempt never reads the account
        clock[0] += 601


def test_throttling_lifts_after_the_window(app, client, accounts, clock):
    fail(client, KNOWN, 10)
    assert attempt(client, KNOWN, PASSWORDS["editor"]).status_code == 429
    clock[0] += 300
    assert attempt(client, KNOWN, PASSWORDS["editor"]).status_code == 429  # still waiting
    clock[0] += 301  # a window after the last failure (waiting did not count)
    signed_in = attempt(client, KNOWN, PASSWORDS["editor"])
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/editor/menus"
    assert rows(app, "SELECT last_login_at IS NOT NULL FROM users WHERE email=:e", e=KNOWN)[0][0]


def test_counters_are_shared_by_every_worker_and_hold_no_email(app, client, accounts, clock):
    """Kept in the database by default: a second process (another gunicorn worker) sees the
    same count, and the table names keyed hashes, never an email or an address."""
    fail(client, KNOWN, 9)
    counters = rows(app, "SELECT key, count FROM sign_in_counters")
    assert sorted(c.count for c in counters) == [9, 9]
    assert not any("example.org" in c.key or "127.0.0.1" in c.key for c in counters)
    app.extensions.pop("ussd.sign_in_throttle")  # what a fresh worker starts with
    fail(client, KNOWN, 1)
    assert attempt(client, KNOWN, PASSWORDS["editor"]).status_code == 429


def test_a_window_edge_gives_no_fresh_budget(client, accounts, clock):
    clock[0] = 1_800_000_599.0  # the last second of a window
    fail(client, KNOWN, 10)
    clock[0] += 2  # the next window, where the previous one still weighs 598/600
    assert attempt(client, KNOWN, "wrong-password").status_code == 200  # 9.97 + 1
    assert attempt(client, KNOWN, PASSWORDS["editor"]).status_code == 429


def test_the_throttle_is_per_email_and_per_address(app, accounts, clock):
    client = app.test_client()
    fail(client, KNOWN, 10, address="198.51.100.1")
    # someone who guessed at an email holds it back everywhere, for one window only ...
    assert attempt(client, KNOWN, PASSWORDS["editor"], "203.0.113.9").status_code == 429
    # ... and other accounts are not affected
    admin = attempt(app.test_client(), "admin@example.org", PASSWORDS["admin"], "198.51.100.1")
    assert admin.status_code == 302

    # one address trying many emails is held back too, other addresses are not
    for n in range(20):
        fail(client, f"guess{n}@example.org", 1, address="198.51.100.2")
    viewer = ("viewer@example.org", PASSWORDS["viewer"])
    assert attempt(app.test_client(), *viewer, "198.51.100.2").status_code == 429
    assert attempt(app.test_client(), *viewer, "198.51.100.3").status_code == 302


def test_signing_in_starts_the_email_afresh(app, accounts, clock):
    fail(app.test_client(), KNOWN, 9)
    assert attempt(app.test_client(), KNOWN, PASSWORDS["editor"]).status_code == 302
    fail(app.test_client(), KNOWN, 9)  # would be the 19th failure in the window
    assert attempt(app.test_client(), KNOWN, PASSWORDS["editor"]).status_code == 302


def test_a_password_reset_lifts_the_throttle(app, accounts, clock):
    admin, editor = app.test_client(), app.test_client()
    fail(editor, KNOWN, 10, address="198.51.100.4")
    assert login(admin, "admin").status_code == 302
    password = one_time_password(
        admin.post(
            f"/editor/users/{accounts['editor']}/password",
            data={"csrf_token": token(admin, "/editor/users")},
        )
    )
    assert attempt(editor, KNOWN, password, "198.51.100.5").status_code == 302


# -- one-time passwords ------------------------------------------------------------------------


def one_time_password(response) -> str:
    match = re.search(r'<p class="one-time-password"><code>([^<]+)</code></p>', response.text)
    assert match, response.text
    return match.group(1)


def session_of(app, client) -> dict:
    cookie = client.get_cookie(COOKIE)
    if cookie is None:
        return {}
    return dict(app.session_interface.get_signing_serializer(app).loads(cookie.value))


def assert_shown_once(app, client, response) -> str:
    assert response.status_code == 200 and "Location" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    password = one_time_password(response)
    assert len(password) >= 16
    for header in response.headers.getlist("Set-Cookie"):
        assert password not in header
    assert password not in json.dumps(session_of(app, client), default=str)
    # and nothing carries it to the next page
    assert password not in client.get("/editor/users").text
    return password


def test_a_new_account_password_is_shown_in_the_response_only(app, client, accounts):
    login(client, "admin")
    created = client.post(
        "/editor/users",
        data={
            "csrf_token": token(client, "/editor/users"),
            "email": "New@Example.org",
            "role": "editor",
            "language": "en",
        },
    )
    password = assert_shown_once(app, client, created)
    assert "Give new@example.org this password" in created.text
    assert rows(app, "SELECT role, active FROM users WHERE email='new@example.org'") == [
        ("editor", True)
    ]
    newcomer = app.test_client()
    assert attempt(newcomer, "new@example.org", password).status_code == 302


def test_a_reset_password_is_shown_in_the_response_only(app, client, accounts):
    login(client, "admin")
    reset = client.post(
        f"/editor/users/{accounts['editor']}/password",
        data={"csrf_token": token(client, "/editor/users")},
    )
    password = assert_shown_once(app, client, reset)
    assert "Give editor@example.org this password" in reset.text
    assert attempt(app.test_client(), KNOWN, PASSWORDS["editor"]).status_code == 200
    assert attempt(app.test_client(), KNOWN, password).status_code == 302


# -- ending sessions ---------------------------------------------------------------------------


def copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    assert thief.get("/editor/menus").status_code == 200
    return thief


def signed_out(client) -> bool:
    response = client.get("/editor/menus")
    return response.status_code == 302 and response.headers["Location"].startswith("/editor/login")


def epoch(app, user_id) -> int:
    return rows(app, "SELECT session_epoch FROM users WHERE id=:i", i=user_id)[0][0]


def test_changing_ones_password_ends_other_sessions_but_not_this_one(app, client, accounts):
    login(client, "editor")
    copy = copy_of(app, client)
    changed = client.post(
        "/editor/account",
        data={
            "csrf_token": token(client, "/editor/account"),
            "password-current": PASSWORDS["editor"],
            "password-new": "a-new-password-2",
            "password-confirm": "a-new-password-2",
            "password-submit": "1",
        },
    )
    assert changed.status_code == 302 and changed.headers["Location"] == "/editor/account"
    assert epoch(app, accounts["editor"]) == 1
    assert signed_out(copy)
    assert client.get("/editor/account").status_code == 200  # still signed in here
    assert copy_of(app, client)  # under the new epoch
    assert attempt(app.test_client(), KNOWN, "a-new-password-2").status_code == 302


@pytest.mark.parametrize(
    "change",
    [
        {"role": "viewer", "active": "y"},  # role changed
        {"role": "editor"},  # deactivated
    ],
)
def test_an_admin_changing_an_account_ends_its_sessions(app, accounts, change):
    editor, admin = app.test_client(), app.test_client()
    login(editor, "editor")
    copy = copy_of(app, editor)
    login(admin, "admin")
    uid = accounts["editor"]
    saved = admin.post(
        f"/editor/users/{uid}",
        data={"csrf_token": token(admin, "/editor/users")}
        | {f"u{uid}-{k}": v for k, v in change.items()},
    )
    assert saved.status_code == 302 and saved.headers["Location"] == "/editor/users"
    assert epoch(app, uid) == 1
    assert signed_out(editor) and signed_out(copy)
    assert admin.get("/editor/users").status_code == 200


def test_saving_an_unchanged_account_keeps_its_sessions(app, accounts):
    editor, admin = app.test_client(), app.test_client()
    login(editor, "editor")
    login(admin, "admin")
    uid = accounts["editor"]
    admin.post(
        f"/editor/users/{uid}",
        data={
            "csrf_token": token(admin, "/editor/users"),
            f"u{uid}-role": "editor",
            f"u{uid}-active": "y",
        },
    )
    assert epoch(app, uid) == 0 and not signed_out(editor)


def test_a_password_reset_ends_the_accounts_sessions(app, accounts):
    editor, admin = app.test_client(), app.test_client()
    login(editor, "editor")
    copy = copy_of(app, editor)
    login(admin, "admin")
    admin.post(
        f"/editor/users/{accounts['editor']}/password",
        data={"csrf_token": token(admin, "/editor/users")},
    )
    assert epoch(app, accounts["editor"]) == 1
    assert signed_out(editor) and signed_out(copy)


def test_an_admin_resetting_their_own_password_stays_signed_in(app, client, accounts):
    login(client, "admin")
    copy = copy_of(app, client)
    client.post(
        f"/editor/users/{accounts['admin']}/password",
        data={"csrf_token": token(client, "/editor/users")},
    )
    assert signed_out(copy) and not signed_out(client)


def test_sign_out_everywhere(app, client, accounts):
    login(client, "viewer")
    copy = copy_of(app, client)
    csrf = token(client, "/editor/account")
    assert 'action="/editor/account/sign-out-everywhere"' in client.get("/editor/account").text
    refused = client.post("/editor/account/sign-out-everywhere")  # no CSRF token
    assert refused.status_code == 400 and epoch(app, accounts["viewer"]) == 0
    assert client.get("/editor/account/sign-out-everywhere").status_code == 405
    out = client.post("/editor/account/sign-out-everywhere", data={"csrf_token": csrf})
    assert out.status_code == 302 and out.headers["Location"] == "/editor/login"
    assert epoch(app, accounts["viewer"]) == 1
    assert signed_out(client) and signed_out(copy)
    assert login(client, "viewer").status_code == 302  # signing in again works


def test_a_session_from_another_epoch_loads_nobody(app, accounts):
    uid = accounts["editor"]
    with app.app_context():
        assert load_user(f"{uid}.0").id == uid
        for stale in (str(uid), f"{uid}.1", f"{uid}.", ".0", f"{uid}.0.0", f"{uid}.-1", "x.0"):
            assert load_user(stale) is None, stale


# -- audit log ---------------------------------------------------------------------------------


def test_account_events_are_audited_without_passwords(app, client, accounts):
    login(client, "admin")
    csrf = token(client, "/editor/users")
    created = client.post(
        "/editor/users",
        data={"csrf_token": csrf, "email": "new@example.org", "role": "viewer", "language": "en"},
    )
    secrets = [one_time_password(created)]
    new_id = rows(app, "SELECT id FROM users WHERE email='new@example.org'")[0][0]
    client.post(
        f"/editor/users/{new_id}",
        data={"csrf_token": csrf, f"u{new_id}-role": "editor", f"u{new_id}-active": "y"},
    )
    client.post(f"/editor/users/{new_id}", data={"csrf_token": csrf, f"u{new_id}-role": "editor"})
    client.post(
        f"/editor/users/{new_id}",
        data={"csrf_token": csrf, f"u{new_id}-role": "editor", f"u{new_id}-active": "y"},
    )
    reset = client.post(f"/editor/users/{new_id}/password", data={"csrf_token": csrf})
    secrets.append(one_time_password(reset))

    newcomer = app.test_client()
    assert attempt(newcomer, "new@example.org", secrets[-1]).status_code == 302
    newcomer.post(
        "/editor/account",
        data={
            "csrf_token": token(newcomer, "/editor/account"),
            "password-current": secrets[-1],
            "password-new": "my-own-password-3",
            "password-confirm": "my-own-password-3",
            "password-submit": "1",
        },
    )
    secrets.append("my-own-password-3")
    newcomer.post(
        "/editor/account/sign-out-everywhere",
        data={"csrf_token": token(newcomer, "/editor/account")},
    )

    admin_id = accounts["admin"]
    events = rows(app, "SELECT action, detail, user_id FROM audit_events ORDER BY id")
    assert [tuple(e) for e in events] == [
        ("account created", "new@example.org (viewer)", admin_id),
        ("role changed", "new@example.org: viewer -> editor", admin_id),
        ("account deactivated", "new@example.org", admin_id),
        ("account activated", "new@example.org", admin_id),
        ("password reset", "new@example.org", admin_id),
        ("password changed", "new@example.org", new_id),
        ("sign out everywhere", "new@example.org", new_id),
    ]
    for secret in secrets + list(PASSWORDS.values()):
        assert not any(secret in e.detail for e in events)


def test_an_admin_changes_an_accounts_email(app, accounts):
    """Normalised, unique and audited; the account signs in with the new email only, and
    its sessions go on (who it is has not changed, nor what it may do)."""
    editor, admin = app.test_client(), app.test_client()
    login(editor, "editor")
    login(admin, "admin")
    uid = accounts["editor"]
    page = admin.get("/editor/users").get_data(as_text=True)
    assert f'name="u{uid}-email"' in page and f'form="account-{uid}"' in page

    def save(email):
        return admin.post(
            f"/editor/users/{uid}",
            data={
                "csrf_token": token(admin, "/editor/users"),
                f"u{uid}-email": email,
                f"u{uid}-role": "editor",
                f"u{uid}-active": "y",
            },
            follow_redirects=True,
        )

    saved = save("  Coordinator@Example.ORG ")
    assert "coordinator@example.org is saved." in saved.get_data(as_text=True)
    assert rows(app, "SELECT email FROM users WHERE id=:i", i=uid)[0][0] == (
        "coordinator@example.org"
    )
    assert editor.get("/editor/account").status_code == 200  # still signed in
    assert attempt(app.test_client(), KNOWN, PASSWORDS["editor"]).status_code == 200
    again = attempt(app.test_client(), "coordinator@example.org", PASSWORDS["editor"])
    assert again.status_code == 302

    taken = save("viewer@example.org")
    assert "An account for viewer@example.org already exists." in taken.get_data(as_text=True)
    bad = save("b" * 200 + " not an email")
    said = bad.get_data(as_text=True)
    assert "is not an email address" in said and "b" * 80 not in said
    assert rows(app, "SELECT email FROM users WHERE id=:i", i=uid)[0][0] == (
        "coordinator@example.org"
    )
    events = rows(app, "SELECT action, detail, user_id FROM audit_events ORDER BY id")
    assert [tuple(e) for e in events] == [
        ("email changed", "editor@example.org -> coordinator@example.org", accounts["admin"])
    ]
