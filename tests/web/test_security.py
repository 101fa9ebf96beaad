"""Abuse limits and web security headers (issue 8)."""

from __future__ import annotations

import pytest

from tests.conftest import at_turn, at_walk, login, rows, token

# -- abuse limits -----------------------------------------------------------------------------


def test_a_number_starting_too_many_sessions_is_told_to_try_later(make_app):
    app = make_app(MAX_SESSIONS_PER_PHONE_PER_HOUR=3, RESUME_WINDOW_MINUTES=0)
    client = app.test_client()
    for n in range(3):
        assert at_turn(client, "", session=f"many-{n}").get_data(as_text=True).startswith("CON")
    blocked = at_turn(client, "", session="many-3").get_data(as_text=True)
    assert blocked == "END You have reached the limit of requests. Try again later."
    assert rows(app, "SELECT COUNT(*) FROM ussd_sessions")[0][0] == 3  # nothing stored
    other = at_turn(client, "", session="other", phone="+221770000077")
    assert other.get_data(as_text=True).startswith("CON")  # others are not affected


def test_a_closing_screen_is_shortened_to_a_small_network_screen(make_app):
    app = make_app(
        MAX_SESSIONS_PER_PHONE_PER_HOUR=1,
        RESUME_WINDOW_MINUTES=0,
        USSD_SCREEN_CAPS="africastalking=40",
    )
    client = app.test_client()
    at_turn(client, "", session="small-1")
    blocked = at_turn(client, "", session="small-2").get_data(as_text=True)
    assert blocked == "END You have reached the limit of..."


def test_a_number_asking_for_too_many_tasks_gets_no_more(make_app):
    app = make_app(MAX_TASKS_PER_PHONE_PER_DAY=2, CALLBACK_DEDUP_HOURS=0, RESUME_WINDOW_MINUTES=0)
    client = app.test_client()
    for n in range(2):
        assert at_walk(client, ["1", "1", "1", "1"], session=f"t-{n}")[-1].startswith(
            "END Thank you"
        )
    refused = at_walk(client, ["2", "1", "1", "1"], session="t-2")[-1]
    assert refused == ("END Limite de demandes atteinte. Réessayez plus tard.")
    assert rows(app, "SELECT COUNT(*) FROM handoffs")[0][0] == 2
    assert rows(app, "SELECT status, end_reason FROM ussd_sessions WHERE external_id='t-2'")[0] == (
        "ended",
        "task limit",
    )
    # a repeat of the refused request gets the same answer
    assert at_turn(client, "2*1*1*1", session="t-2").get_data(as_text=True) == refused


def test_limits_can_be_turned_off(make_app):
    app = make_app(MAX_SESSIONS_PER_PHONE_PER_HOUR=0, RESUME_WINDOW_MINUTES=0)
    client = app.test_client()
    for n in range(40):
        assert at_turn(client, "", session=f"free-{n}").get_data(as_text=True).startswith("CON")


def test_sign_in_attempts_are_limited_per_address(make_app):
    """One address failing to sign in under many emails is held back (the throttle per
    address: Flask-Limiter is gone, this is what it guarded); other addresses are not."""
    from editor.accounts.users import ADDRESS_THROTTLE

    app = make_app()
    client = app.test_client()

    def sign_in(n, address="198.51.100.7"):
        return client.post(
            "/editor/login",
            data={
                "csrf_token": token(client),
                "email": f"x{n}@example.org",
                "password": "wrong-password",
            },
            environ_base={"REMOTE_ADDR": address},
        ).status_code

    statuses = [sign_in(n) for n in range(ADDRESS_THROTTLE.limit + 1)]
    assert statuses == [200] * ADDRESS_THROTTLE.limit + [429]
    assert client.get("/editor/login").status_code == 200  # reading the page is not limited
    assert sign_in(0, address="198.51.100.8") == 200


# -- headers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/editor/login", "/healthz", "/readyz", "/editor/nowhere"])
def test_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP


def test_hsts_over_tls(client):
    response = client.get("/editor/login", base_url="https://ussd.example.org")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_hsts_behind_a_trusted_proxy(make_app):
    app = make_app(USSD_TRUSTED_PROXIES=1)
    response = app.test_client().get("/editor/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers


def test_editor_pages_carry_no_inline_script_or_style(app, client, accounts):
    import re

    login(client, "admin")
    for path in (
        "/editor/menus",
        "/editor/menus/1",
        "/editor/menus/1/nodes/location",
        "/editor/analytics",
        "/editor/submissions",
        "/editor/codes",
        "/editor/users",
        "/editor/privacy",
        "/editor/account",
        "/editor/menus/1/versions",
    ):
        page = client.get(path).get_data(as_text=True)
        scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page)
        assert all('type="application/json"' in s for s in scripts), (path, scripts)
        assert not re.search(r"\son[a-z]+=", page), path  # no onclick=... handlers
        assert " style=" not in page, path
