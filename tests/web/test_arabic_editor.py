"""The editor in Arabic, a third interface language (issue 16, item 8): chosen per user like
English and French (account page, users CLI, the browser's language before signing in), the
whole page right to left, and a menu's right-to-left texts marked as such (item 7)."""

from __future__ import annotations

import re

from tests.conftest import login, rows, token


def test_the_browser_language_picks_arabic_before_signing_in(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ar-IQ,ar;q=0.9,en;q=0.5"
    page = client.get("/editor/login").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert "تسجيل الدخول" in page
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de-DE,de;q=0.9"
    assert '<html lang="en" dir="ltr">' in client.get("/editor/login").get_data(as_text=True)


def test_a_user_chooses_arabic_on_the_account_page(app, client, accounts):
    login(client, "editor")
    page = client.get("/editor/account").get_data(as_text=True)
    assert '<option value="ar">العربية</option>' in page
    saved = client.post(
        "/editor/account",
        data={
            "csrf_token": token(client, "/editor/account"),
            "settings-csrf_token": token(client, "/editor/account"),
            "settings-language": "ar",
            "settings-submit": "y",
        },
        follow_redirects=True,
    )
    assert rows(app, "SELECT language FROM users WHERE email='editor@example.org'") == [("ar",)]
    menu = client.get("/editor/menus/1").get_data(as_text=True)
    assert saved.status_code == 200 and '<html lang="ar" dir="rtl">' in menu
    assert "جرّبها على هاتف" in menu and "نشر المسودة" in menu
    # an onward arrow points the reader's way; the keys typed stay left to right
    assert "→" not in re.sub(r"<(pre|script|code)[^>]*>.*?</\1>", "", menu, flags=re.S)


def test_an_admin_creates_an_arabic_account(app, client, accounts):
    login(client, "admin")
    client.post(
        "/editor/users",
        data={
            "csrf_token": token(client, "/editor/users"),
            "email": "munassiq@example.org",
            "role": "editor",
            "language": "ar",
        },
    )
    assert rows(app, "SELECT language FROM users WHERE email='munassiq@example.org'") == [("ar",)]


def test_the_users_cli_takes_arabic(app, runner):
    created = runner.invoke(
        args=["users", "create", "a@example.org", "--language", "ar", "--generate"]
    )
    assert created.exit_code == 0, created.output
    assert rows(app, "SELECT language FROM users WHERE email='a@example.org'") == [("ar",)]
    refused = runner.invoke(
        args=["users", "create", "b@example.org", "--language", "xx", "--generate"]
    )
    assert refused.exit_code != 0


def test_text_direction_follows_the_language():
    from editor.forms import text_direction

    assert [text_direction(c) for c in ("ar", "ar-SY", "fa", "ur", "en", "fr", "sw")] == [
        "rtl",
        "rtl",
        "rtl",
        "rtl",
        "ltr",
        "ltr",
        "ltr",
    ]
    assert text_direction("*") == text_direction("") == "auto"


def test_dates_and_times_read_left_to_right_in_an_arabic_page(app, client, accounts):
    """In a right-to-left paragraph the space in "2026-11-30 18:14" would put the time
    first: every date and time is its own left-to-right run."""
    from tests.conftest import at_walk

    at_walk(client, ["1", "1", "1", "1"], session="ar-dates")
    with app.app_context():
        from ussd.extensions import db
        from ussd.models import User

        db.session.execute(db.update(User).values(language="ar"))
        db.session.commit()
    login(client, "admin")
    for url in ("/editor/submissions", "/editor/submissions/1", "/editor/users"):
        page = client.get(url).get_data(as_text=True)
        assert 'dir="rtl"' in page
        stamps = re.findall(r'<time dir="ltr" datetime="[^"]+">([^<]+)</time>', page)
        assert stamps and all(re.fullmatch(r"[\d\-: ]+", s) for s in stamps), url
