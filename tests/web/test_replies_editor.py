"""Coordinators' side of replies (issue 15, items 6 and 9): canned replies per language,
replying from Submissions, the reply status in the list, its filter and the CSV, and the
optional SMS notice (off by default; when on, one neutral SMS per reply through Twilio's
Messages API, intercepted by requests-mock at its real URL)."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs

import pytest

from tests.conftest import at_walk, login, rows, token
from tests.e2e.test_handoff_delivery import ACCOUNT, TASKS, TWILIO, task_body, task_sid
from ussd.extensions import db
from ussd.handoff.deliveries import dispatch_due
from ussd.handoff.dispatcher import dispatch_due as deliver_handoffs
from ussd.models import CannedReply

MESSAGES = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
SERVICE = "MG" + "d" * 32
PHONE = "+221771234567"
REPLY = "Go to the blue door at 10:00 tomorrow."


def signed_in(client, role: str):
    assert login(client, role).status_code == 302
    return client


def canned(app, lang: str = "en", title: str = "Opening hours", text: str = "We open at 9."):
    with app.app_context():
        row = CannedReply(lang=lang, title=title, text=text)
        db.session.add(row)
        db.session.commit()
        return row.id


def reply_page(client, handoff_id: int = 1):
    return client.get(f"/editor/submissions/{handoff_id}")


def post_reply(client, text: str, handoff_id: int = 1, canned_choice: str = ""):
    return client.post(
        f"/editor/submissions/{handoff_id}",
        data={
            "csrf_token": token(client, f"/editor/submissions/{handoff_id}"),
            "canned": canned_choice,
            "text": text,
        },
    )


def new_canned(client, **fields: str):
    data = {"lang": "en", "title": "Opening hours", "text": "We open at 9."} | fields
    return client.post(
        "/editor/canned-replies/new",
        data={"csrf_token": token(client, "/editor/canned-replies/new"), **data},
    )


# -- canned replies ------------------------------------------------------------------------


def test_an_editor_writes_changes_and_deletes_a_canned_reply(app, client, accounts):
    signed_in(client, "editor")
    made = new_canned(client, lang="fr", title="Horaires", text="Nous ouvrons à 9 h.")
    assert made.status_code == 302 and made.headers["Location"] == "/editor/canned-replies"
    assert rows(app, "SELECT lang, title, text FROM canned_replies") == [
        ("fr", "Horaires", "Nous ouvrons à 9 h.")
    ]
    listed = client.get("/editor/canned-replies").get_data(as_text=True)
    assert "Horaires" in listed and "Nous ouvrons à 9 h." in listed and "Français" in listed

    edit = "/editor/canned-replies/1"
    assert client.get(edit).status_code == 200
    changed = client.post(
        edit,
        data={"csrf_token": token(client, edit), "lang": "sw", "title": "Saa", "text": "Saa 3."},
    )
    assert changed.status_code == 302
    assert rows(app, "SELECT lang, title, text FROM canned_replies") == [("sw", "Saa", "Saa 3.")]

    confirm = client.get(f"{edit}/delete")
    assert confirm.status_code == 200 and "Delete the canned reply" in confirm.get_data(True)
    assert rows(app, "SELECT count(*) FROM canned_replies")[0][0] == 1  # asking deletes nothing
    gone = client.post(f"{edit}/delete", data={"csrf_token": token(client, f"{edit}/delete")})
    assert gone.status_code == 302
    assert rows(app, "SELECT count(*) FROM canned_replies")[0][0] == 0
    audit = [d for (d,) in rows(app, "SELECT detail FROM audit_events WHERE action='canned reply'")]
    assert audit == [
        "canned reply 1 written (fr)",
        "canned reply 1 changed (sw)",
        "canned reply 1 deleted",
    ]
    assert not any("ouvrons" in d or "Saa" in d for d in audit)  # never the words


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"text": ""}, "Write the reply."),
        ({"text": "a\x1bb"}, "control character"),
        ({"text": "x" * 800}, "Too long: 800 characters in GSM-7, at most"),
        ({"text": "é" * 20 + "😀" * 200}, "in UCS-2, at most"),
        ({"title": ""}, "This field is required."),
        ({"title": "t" * 81}, "Field cannot be longer than 80 characters."),
        ({"lang": "xx"}, "Not a valid choice."),
    ],
)
def test_a_canned_reply_that_cannot_be_sent_is_refused_at_its_field(
    app, client, accounts, fields, error
):
    signed_in(client, "editor")
    refused = new_canned(client, **fields)
    assert refused.status_code == 400
    assert error in refused.get_data(as_text=True)
    assert rows(app, "SELECT count(*) FROM canned_replies")[0][0] == 0


def test_languages_offered_are_the_live_menus_and_the_built_in_ones(client, accounts):
    signed_in(client, "editor")
    page = client.get("/editor/canned-replies/new").get_data(as_text=True)
    for code in ("en", "fr", "ar", "sw", "pt", "es", "bn"):
        assert f'<option value="{code}"' in page, code
    assert '<option value="yo"' not in page  # known, but neither built in nor live


def test_viewers_read_canned_replies_and_change_none(app, client, accounts):
    canned(app)
    signed_in(client, "viewer")
    assert "We open at 9." in client.get("/editor/canned-replies").get_data(as_text=True)
    for url in ("/editor/canned-replies/new", "/editor/canned-replies/1"):
        assert client.get(url).status_code == 403
    csrf = token(client, "/editor/canned-replies")
    data = {"csrf_token": csrf, "lang": "en", "title": "T", "text": "x"}
    assert client.post("/editor/canned-replies/new", data=data).status_code == 403
    assert client.post("/editor/canned-replies/1", data=data).status_code == 403
    assert client.post("/editor/canned-replies/1/delete", data=data).status_code == 403
    assert rows(app, "SELECT title FROM canned_replies") == [("Opening hours",)]


def test_canned_reply_forms_need_the_csrf_token(app, client, accounts):
    signed_in(client, "editor")
    data = {"lang": "en", "title": "T", "text": "x"}
    assert client.post("/editor/canned-replies/new", data=data).status_code == 400
    canned(app)
    assert client.post("/editor/canned-replies/1/delete", data={}).status_code == 400
    assert rows(app, "SELECT title FROM canned_replies") == [("Opening hours",)]


def test_an_unknown_canned_reply_is_404(client, accounts):
    signed_in(client, "editor")
    assert client.get("/editor/canned-replies/99").status_code == 404
    assert client.get("/editor/canned-replies/99/delete").status_code == 404


# -- replying from Submissions -------------------------------------------------------------


def test_an_editor_replies_to_a_request_no_agent_took(app, client, accounts):
    at_walk(client, ["1", "1", "1", "1"], session="asked", phone=PHONE)  # Flex not configured
    signed_in(client, "editor")
    page = reply_page(client)
    assert page.status_code == 200
    assert "no reply" in page.get_data(as_text=True)

    sent = post_reply(client, REPLY)
    assert sent.status_code == 302 and sent.headers["Location"] == "/editor/submissions/1"
    assert rows(app, "SELECT handoff_id, text, status, by, lang FROM replies") == [
        (1, REPLY, "waiting", "editor@example.org", "en")
    ]
    queued = rows(app, "SELECT kind, dedupe_key, reference FROM outbox_messages")
    assert queued == [("task_update", "reply-waiting:1", "reply:1")]
    (audited,) = rows(app, "SELECT detail FROM audit_events WHERE action='reply'")[0]
    assert "blue door" not in audited
    shown = reply_page(client).get_data(as_text=True)
    assert REPLY in shown and "waiting for the caller to dial" in shown

    # the caller dials again and reads it: the page says when
    at_walk(client, ["1"], session="again", phone=PHONE)
    read = reply_page(client).get_data(as_text=True)
    assert "read at " in read
    assert rows(app, "SELECT status FROM replies") == [("read",)]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("   ", "Write the reply."),
        ("x" * 500, "Too long: 500 characters in GSM-7, at most 456 (3 screens)."),
        ("ok\x07", "control character"),
    ],
)
def test_a_reply_that_cannot_be_sent_is_refused_in_words(app, client, accounts, text, error):
    at_walk(client, ["1", "1", "1", "1"], session="asked", phone=PHONE)
    signed_in(client, "editor")
    refused = post_reply(client, text)
    assert refused.status_code == 400
    assert error in refused.get_data(as_text=True)
    assert rows(app, "SELECT count(*) FROM replies")[0][0] == 0
    assert rows(app, "SELECT count(*) FROM outbox_messages")[0][0] == 0


def test_a_canned_reply_in_the_callers_language_is_offered_and_sent(app, client, accounts):
    at_walk(client, ["2", "1", "1", "1"], session="asked", phone=PHONE)  # in French
    french = canned(app, "fr", "Horaires", "Nous ouvrons à 9 h.")
    canned(app, "en", "Opening hours", "We open at 9.")
    signed_in(client, "editor")
    page = reply_page(client).get_data(as_text=True)
    assert f'<option value="{french}">Horaires</option>' in page
    assert "Opening hours" not in page  # English only when none is in the caller's language
    # without the script, choosing a canned reply and leaving the text empty sends it
    assert post_reply(client, "", canned_choice=str(french)).status_code == 302
    assert rows(app, "SELECT text, lang FROM replies") == [("Nous ouvrons à 9 h.", "fr")]


def test_viewers_see_reply_statuses_but_cannot_reply(app, client, accounts):
    at_walk(client, ["1", "1", "1", "1"], session="asked", phone=PHONE)
    signed_in(client, "editor")
    post_reply(client, REPLY)
    client.post("/editor/logout", data={"csrf_token": token(client, "/editor/menus")})
    signed_in(client, "viewer")  # reads French
    page = reply_page(client)
    assert page.status_code == 200
    shown = page.get_data(as_text=True)
    assert "en attente de l" in shown and 'name="text"' not in shown
    assert post_reply(client, "another").status_code == 403
    assert rows(app, "SELECT count(*) FROM replies")[0][0] == 1


def test_a_reply_needs_the_csrf_token_and_an_existing_request(app, client, accounts):
    at_walk(client, ["1", "1", "1", "1"], session="asked", phone=PHONE)
    signed_in(client, "editor")
    assert client.post("/editor/submissions/1", data={"text": REPLY}).status_code == 400
    assert reply_page(client, 99).status_code == 404
    assert rows(app, "SELECT count(*) FROM replies")[0][0] == 0


def test_the_list_shows_and_filters_by_reply_status_and_the_csv_never_has_the_text(
    app, client, accounts
):
    at_walk(client, ["1", "1", "1", "1"], session="one", phone=PHONE)
    at_walk(client, ["1", "1", "1", "1"], session="two", phone="+221771234568")
    signed_in(client, "editor")
    post_reply(client, REPLY, handoff_id=1)
    listed = client.get("/editor/submissions").get_data(as_text=True)
    assert "waiting for the caller to dial" in listed and "no reply" in listed
    assert 'href="/editor/submissions/1#reply"' in listed
    for wanted, count in (("waiting", 1), ("none", 1), ("read", 0), ("", 2)):
        page = client.get(f"/editor/submissions?reply={wanted}").get_data(as_text=True)
        assert f"{count} request" in page, wanted

    exported = client.get("/editor/submissions.csv")
    assert exported.status_code == 200
    text = exported.get_data(as_text=True)
    table = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["reply_status"] for r in table) == ["none", "waiting"]
    assert "blue door" not in text
    waiting_only = client.get("/editor/submissions.csv?reply=waiting").get_data(as_text=True)
    assert len(list(csv.DictReader(io.StringIO(waiting_only)))) == 1


# -- the SMS notice ------------------------------------------------------------------------


@pytest.fixture
def delivered(make_app, requests_mock):
    """Builds an app with Twilio configured (and `settings`), and a demo request delivered
    as task 1; returns the app."""

    def build(**settings):
        app = make_app(**({**TWILIO, "TWILIO_MESSAGING_SERVICE_SID": SERVICE} | settings))
        requests_mock.get(TASKS, json={"tasks": [], "meta": {"key": "tasks"}})
        requests_mock.post(TASKS, status_code=201, json=task_body(task_sid(1)))
        sid = task_sid(1)
        requests_mock.get(f"{TASKS}/{sid}", json=task_body(sid))
        requests_mock.post(f"{TASKS}/{sid}", json=task_body(sid))
        requests_mock.post(MESSAGES, status_code=201, json={"sid": "SM" + "f" * 32})
        with app.app_context():
            from editor.accounts.users import create_user

            create_user("editor@example.org", "editor-password-1", role="editor")
            db.session.commit()
        client = app.test_client()
        at_walk(client, ["1", "1", "1", "1"], session="asked", phone=PHONE)
        with app.app_context():
            assert deliver_handoffs().delivered == 1
        signed_in(client, "editor")
        return app, client

    return build


def sms_sent(requests_mock) -> list[dict[str, list[str]]]:
    return [parse_qs(r.text) for r in requests_mock.request_history if r.url == MESSAGES]


def test_the_sms_notice_is_off_by_default(delivered, requests_mock):
    app, client = delivered()
    assert post_reply(client, REPLY).status_code == 302
    with app.app_context():
        report = dispatch_due()
    assert report.delivered == 1  # the task learns a reply waits, and that is all
    assert sms_sent(requests_mock) == []
    assert rows(app, "SELECT count(*) FROM outbox_messages WHERE kind = 'sms_notice'")[0][0] == 0


def test_when_on_each_reply_sends_one_neutral_sms(delivered, requests_mock):
    app, client = delivered(REPLY_SMS_NOTICE=True)
    assert post_reply(client, REPLY).status_code == 302
    for _ in range(2):
        with app.app_context():
            dispatch_due()
    sent = sms_sent(requests_mock)
    assert sent == [
        {
            "MessagingServiceSid": [SERVICE],
            "To": [PHONE],
            "Body": ["You have a message: dial *123*456#"],
        }
    ]
    assert rows(app, "SELECT status FROM outbox_messages WHERE kind = 'sms_notice'") == [
        ("delivered",)
    ]
    assert post_reply(client, "A second answer.").status_code == 302
    with app.app_context():
        dispatch_due()
    assert len(sms_sent(requests_mock)) == 2  # one per reply
    assert not any("blue door" in (r.text or "") for r in requests_mock.request_history)


@pytest.mark.parametrize(
    ("texts", "body"),
    [
        ("", "Vous avez un message : composez le *123*456#"),
        ('{"fr": "Message : {code}"}', "Message : *123*456#"),
    ],
)
def test_the_notice_is_in_the_callers_language(requests_mock, make_app, texts, body):
    french = make_app(
        **TWILIO,
        TWILIO_MESSAGING_SERVICE_SID=SERVICE,
        REPLY_SMS_NOTICE=True,
        REPLY_SMS_NOTICE_TEXTS=texts,
    )
    requests_mock.post(MESSAGES, status_code=201, json={"sid": "SM" + "f" * 32})
    client = french.test_client()
    at_walk(client, ["2", "1", "1", "1"], session="asked", phone=PHONE)
    with french.app_context():
        from editor.accounts.users import create_user

        create_user("editor@example.org", "editor-password-1", role="editor")
        db.session.commit()
    signed_in(client, "editor")
    assert post_reply(client, "Bonjour.").status_code == 302
    with french.app_context():
        dispatch_due()
    assert [s["Body"] for s in sms_sent(requests_mock)] == [[body]]


def test_no_notice_for_a_number_not_in_e164(make_app, requests_mock):
    app = make_app(
        **TWILIO,
        TWILIO_MESSAGING_SERVICE_SID=SERVICE,
        REPLY_SMS_NOTICE=True,
        DEFAULT_PHONE_REGION="",
    )
    client = app.test_client()
    at_walk(client, ["1", "1", "1", "1"], session="asked", phone="0771234567")
    with app.app_context():
        from editor.accounts.users import create_user

        create_user("editor@example.org", "editor-password-1", role="editor")
        db.session.commit()
    signed_in(client, "editor")
    assert post_reply(client, REPLY).status_code == 302
    assert rows(app, "SELECT count(*) FROM outbox_messages WHERE kind = 'sms_notice'")[0][0] == 0


def test_the_canned_replies_page_says_why_the_notice_is_off(app, client, accounts):
    signed_in(client, "viewer")
    page = client.get("/editor/canned-replies").get_data(as_text=True)
    assert "Pourquoi il est désactivé" in page  # the viewer reads French
    admin = signed_in(app.test_client(), "admin")
    page = admin.get("/editor/canned-replies").get_data(as_text=True)
    assert "an SMS stays on the handset" in page and "REPLY_SMS_NOTICE=on" in page
    assert '<span class="tag">off</span>' in page


@pytest.mark.parametrize(
    ("status", "outcome", "attempts_left"),
    [(400, "failed", False), (500, "pending", True), (429, "pending", True)],
)
def test_twilio_refusing_a_notice_fails_it_and_an_outage_retries_it(
    delivered, requests_mock, status, outcome, attempts_left
):
    app, client = delivered(REPLY_SMS_NOTICE=True)
    requests_mock.post(MESSAGES, status_code=status, json={"code": 21211, "message": "Invalid"})
    assert post_reply(client, REPLY).status_code == 302
    with app.app_context():
        dispatch_due()
    ((state, error),) = rows(
        app, "SELECT status, last_error FROM outbox_messages WHERE kind = 'sms_notice'"
    )
    assert state == outcome and f"HTTP {status}" in error
    assert PHONE not in error and "771234567" not in error
    assert len(sms_sent(requests_mock)) == 1


@pytest.mark.parametrize(
    ("settings", "shown"),
    [
        ({"TWILIO_MESSAGING_SERVICE_SID": ""}, "nothing is sent until these are set"),
        ({"REPLY_SMS_NOTICE_TEXTS": "{not json"}, "REPLY_SMS_NOTICE_TEXTS is not JSON"),
        ({"REPLY_SMS_NOTICE_TEXTS": '{"fr": "Message"}'}, "the text for fr has no {code}"),
    ],
)
def test_a_notice_that_cannot_be_sent_waits_and_the_page_says_why(
    delivered, requests_mock, settings, shown
):
    app, client = delivered(REPLY_SMS_NOTICE=True, **settings)
    assert post_reply(client, REPLY).status_code == 302
    with app.app_context():
        dispatch_due()
    assert sms_sent(requests_mock) == []
    assert rows(app, "SELECT status FROM outbox_messages WHERE kind = 'sms_notice'") == [
        ("pending",)
    ]
    page = client.get("/editor/canned-replies").get_data(as_text=True)
    assert '<span class="tag tag-warning">on</span>' in page
    assert shown in page.replace("&#34;", '"').replace("&#39;", "'")


def test_a_reply_read_before_its_notice_is_sent_is_not_announced(delivered, requests_mock):
    app, client = delivered(REPLY_SMS_NOTICE=True)
    assert post_reply(client, REPLY).status_code == 302
    at_walk(client, ["1"], session="read-first", phone=PHONE)  # the caller dials and reads
    with app.app_context():
        dispatch_due()
    assert sms_sent(requests_mock) == []
    assert rows(app, "SELECT status, result FROM outbox_messages WHERE kind = 'sms_notice'") == [
        ("delivered", "the caller has read the reply already")
    ]
