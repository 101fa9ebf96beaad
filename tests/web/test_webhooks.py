"""The webhooks over HTTP against a real database: auth, bad input, sessions, resume, errors."""

from __future__ import annotations

import base64
import io
import json
import logging
from datetime import timedelta

import pytest
from flask import request

from tests.conftest import TOKEN, Dialer, at_turn, at_walk, rows
from ussd.extensions import db
from ussd.gateways.africastalking import AfricasTalking
from ussd.menu import engine
from ussd.menu.document import parse_menu
from ussd.models import utcnow
from ussd.publishing import create_menu, publish, set_service_code


def session_count(app) -> int:
    return rows(app, "SELECT COUNT(*) FROM ussd_sessions")[0][0]


def hubtel(
    client,
    kind: str,
    message: str = "",
    sequence: int = 1,
    session: str = "hub-1",
    mobile: str = "233244123456",
):
    return Dialer(client, "hubtel").post(
        {
            "Type": kind,
            "Mobile": mobile,
            "SessionId": session,
            "ServiceCode": "123*456",
            "Message": message,
            "Operator": "mtn",
            "Sequence": sequence,
            "ClientState": "",
        }
    )


def nalo(client, userdata: str, first: bool = False, session: str | None = "N1"):
    payload = {
        "USERID": "NALOTest",
        "MSISDN": "233244123456",
        "USERDATA": userdata,
        "MSGTYPE": first,
        "NETWORK": "MTN",
    }
    if session:
        payload["SESSIONID"] = session
    return Dialer(client, "nalo").post(payload)


# -- authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "query", "status", "reason"),
    [
        ({}, "", 401, "missing webhook token"),
        ({"X-USSD-Token": "nope"}, "", 401, "wrong webhook token"),
        ({}, "?token=nope", 401, "wrong webhook token"),
        ({"X-USSD-Token": TOKEN}, "", 200, "CON"),
        ({}, f"?token={TOKEN}", 200, "CON"),
        (
            {"Authorization": "Basic " + base64.b64encode(f"gateway:{TOKEN}".encode()).decode()},
            "",
            200,
            "CON",
        ),
        (
            {"Authorization": "Basic " + base64.b64encode(b"gateway:nope").decode()},
            "",
            401,
            "wrong",
        ),
    ],
)
def test_token(app, client, headers, query, status, reason):
    response = client.post(
        f"/ussd/africastalking{query}",
        headers=headers,
        data={
            "sessionId": "s",
            "phoneNumber": "+221771234567",
            "serviceCode": "*123*456#",
            "text": "",
        },
    )
    assert response.status_code == status
    assert reason in response.get_data(as_text=True)
    assert session_count(app) == (1 if status == 200 else 0)


def test_old_and_new_token_both_work_while_rotating(make_app):
    app = make_app(USSD_WEBHOOK_TOKEN=f"new-token-0123456789, {TOKEN}")
    client = app.test_client()
    form = {"sessionId": "r", "phoneNumber": "+221771234567", "serviceCode": "*123*456#"}
    for presented, status in (("new-token-0123456789", 200), (TOKEN, 200), ("new-token", 401)):
        reply = client.post(
            "/ussd/africastalking", headers={"X-USSD-Token": presented}, data={**form, "text": ""}
        )
        assert reply.status_code == status, presented


def test_no_token_configured_refuses_everything(make_app):
    app = make_app(USSD_WEBHOOK_TOKEN="")
    response = at_turn(app.test_client(), "")
    assert response.status_code == 401
    assert "not configured" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("allowed", "proxies", "remote", "forwarded", "status"),
    [
        ("10.0.0.0/8", 0, "127.0.0.1", None, 403),
        ("10.0.0.0/8", 0, "10.1.2.3", None, 200),
        ("10.0.0.0/8, 192.168.1.5", 0, "192.168.1.5", None, 200),
        ("10.0.0.0/8", 0, "127.0.0.1", "10.1.2.3", 403),  # X-Forwarded-For not trusted
        ("10.0.0.0/8", 1, "127.0.0.1", "10.1.2.3", 200),  # one trusted proxy
        ("10.0.0.0/8", 1, "127.0.0.1", "10.9.9.9, 8.8.8.8", 403),  # only the last hop counts
        ("2001:db8::/32", 0, "2001:db8::1", None, 200),
    ],
)
def test_ip_allow_list(make_app, allowed, proxies, remote, forwarded, status):
    app = make_app(USSD_ALLOWED_IPS=allowed, USSD_TRUSTED_PROXIES=proxies)
    headers = {"X-USSD-Token": TOKEN}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    response = at_turn(app.test_client(), "", headers=headers, environ_base={"REMOTE_ADDR": remote})
    assert response.status_code == status
    if status == 403:
        assert session_count(app) == 0


# -- bad input changes nothing ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("gateway", "body", "content_type", "status", "reason"),
    [
        (
            "africastalking",
            "sessionId=s&text=",
            "application/x-www-form-urlencoded",
            400,
            "missing field phoneNumber",
        ),
        (
            "africastalking",
            "sessionId=s&phoneNumber=%2B221771234567&text=%C3%28",
            "application/x-www-form-urlencoded",
            400,
            "not valid UTF-8",
        ),
        (
            "africastalking",
            "sessionId=s&phoneNumber=%2B221771234567&text=1%0D%0A2",
            "application/x-www-form-urlencoded",
            400,
            "control character",
        ),
        (
            "africastalking",
            "sessionId=s&phoneNumber=%2B221771234567&text=" + "%2A" * 3000,
            "application/x-www-form-urlencoded",
            413,
            "too large",
        ),
        ("hubtel", '{"Type": "Initiation"}', "application/json", 400, "missing field SessionId"),
        ("hubtel", "not json", "application/json", 400, "not valid JSON"),
        (
            "nalo",
            '{"USERID": "u", "MSISDN": 233244123456, "MSGTYPE": true, "USERDATA": "*920#",'
            ' "SESSIONID": {"a": 1}}',
            "application/json",
            400,
            "must be a string",
        ),
        (
            "json",
            '{"session_id": "s", "phone": "+221771234567", "new_session": "yes"}',
            "application/json",
            400,
            "new_session must be true or false",
        ),
        (
            "json",
            '{"session_id": "s", "phone": "\'; DROP TABLE ussd_sessions; --", "new_session": true}',
            "application/json",
            400,
            "not a phone number",
        ),
    ],
)
def test_malformed_requests_get_a_reason_and_store_nothing(
    app, client, gateway, body, content_type, status, reason
):
    response = client.post(
        f"/ussd/{gateway}", data=body, content_type=content_type, headers={"X-USSD-Token": TOKEN}
    )
    assert response.status_code == status
    text = response.get_data(as_text=True)
    assert reason in text and text.count("\n") == 1 and "Traceback" not in text
    assert session_count(app) == 0


def test_unknown_gateway_is_404(client):
    assert client.post("/ussd/carrier-pigeon", headers={"X-USSD-Token": TOKEN}).status_code == 404


def test_get_is_not_allowed(client):
    assert client.get("/ussd/africastalking", headers={"X-USSD-Token": TOKEN}).status_code == 405


def test_a_chunked_body_over_the_cap_is_refused(app, client):
    """No Content-Length to check up front: the cap is enforced while reading."""

    def post_chunked(body: bytes):
        return client.post(
            "/ussd/africastalking",
            input_stream=io.BytesIO(body),
            content_type="application/x-www-form-urlencoded",
            headers={"X-USSD-Token": TOKEN},
            # what gunicorn hands over for a chunked request: a terminated stream, no length
            environ_overrides={"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"},
        )

    response = post_chunked(b"sessionId=s&phoneNumber=%2B221771234567&text=" + b"1*" * 5000)
    assert response.status_code == 413  # not cut at the cap and parsed
    assert session_count(app) == 0
    short = b"sessionId=s&phoneNumber=%2B221771234567&serviceCode=*123*456%23&text="
    response = post_chunked(short)
    assert response.status_code == 200 and session_count(app) == 1


def test_a_hop_takes_flasks_one_request_path_without_the_editors_behaviour(make_app):
    """Every request, webhooks included, goes through Flask's routing and the hooks of the
    app and of its blueprint; what belongs to the editor (browser session, CSRF, security
    headers) does not run for a gateway."""
    app = make_app()
    seen: list[tuple[str, str | None]] = []

    @app.before_request
    def note() -> None:  # what a future app-wide hook (request id, tracing) would see
        seen.append((request.path, request.blueprint))

    client = app.test_client()
    replies = at_walk(client, ["1", "2", "3", "2"], session="routed")
    assert replies[-1].startswith("END ")
    assert seen == [("/ussd/africastalking", "ussd")] * 5
    query = "SELECT status, hops, current_node FROM ussd_sessions WHERE external_id = :s"
    assert rows(app, query, s="routed") == [("completed", 5, "thanks")]
    assert rows(app, "SELECT COUNT(*) FROM handoffs")[0][0] == 1
    response = at_turn(client, "", session="routed-2")  # no CSRF token, no cookie: answered
    headers = response.headers
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert headers["Content-Length"] == str(len(replies[0].encode()))
    assert "Set-Cookie" not in headers and "Vary" not in headers
    assert "Content-Security-Policy" not in headers
    assert client.post("/ussd/africastalking").status_code == 401
    unknown = client.post("/ussd/carrier-pigeon", headers={"X-USSD-Token": TOKEN})
    assert unknown.status_code == 404


def test_an_error_outside_the_hop_is_a_plain_500_without_a_number(app, client, monkeypatch, caplog):
    def explode(self, screen, turn):
        raise RuntimeError("rendering for +221771234567")

    monkeypatch.setattr(AfricasTalking, "render", explode)
    with caplog.at_level(logging.INFO):
        response = at_turn(client, "")
    assert response.status_code == 500
    assert response.get_data(as_text=True) == "internal error\n"
    assert "RuntimeError" in caplog.text and "771234567" not in caplog.text


def test_continuation_of_unknown_session_ends_cleanly(app, client):
    response = hubtel(client, "Response", "1", 2, session="never-seen")
    assert response.status_code == 200
    assert response.get_json()["Type"] == "Release"
    assert session_count(app) == 0


def test_out_of_range_option_repeats_the_screen(app, client):
    replies = at_walk(client, ["1", "7"])
    assert replies[-1] == "CON Invalid choice.\nWhere are you?\n1. Dakar\n2. Touba\n3. Thiès"
    state = json.loads(rows(app, "SELECT state FROM ussd_sessions")[0][0])
    assert state["n"] == "location" and len(state["a"]) == 1


def test_tampered_sql_and_template_strings_are_just_text(app, client):
    # Free text travels as bound parameters and is never rendered as a template.
    menu_with_input(app)
    at_turn(client, "", session="inj", code="*777#")
    nasty = "{{ 7*7 }}'; DROP TABLE ussd_sessions; --"
    at_turn(client, nasty, session="inj", code="*777#")
    reply = at_turn(client, nasty + "*1", session="inj", code="*777#").get_data(as_text=True)
    assert reply.startswith("END")
    attrs = json.loads(rows(app, "SELECT attributes FROM handoffs")[0][0])
    assert attrs["answers"][0]["value"] == "{{ 7*7 }}'; DROP TABLE ussd_sessions; --"


# -- sessions ---------------------------------------------------------------------------------


def menu_with_input(app, code: str = "*777#"):
    document = {
        "format": 1,
        "name": "Intake",
        "languages": ["en"],
        "start": "name",
        "nodes": [
            {
                "id": "name",
                "kind": "input",
                "key": "name",
                "text": {"en": "Your name?"},
                "validation": {"type": "text", "max_length": 60},
                "next": "ok",
            },
            {
                "id": "ok",
                "kind": "menu",
                "key": "callback",
                "text": {"en": "Call back?"},
                "options": [{"label": {"en": "Yes"}, "value": "Yes", "next": "done"}],
            },
            {"id": "done", "kind": "handoff", "text": {"en": "Thanks"}},
        ],
    }
    with app.app_context():
        menu = create_menu(parse_menu(document))
        publish(menu)
        set_service_code(menu, code)
        db.session.commit()


def test_africastalking_free_text_with_star_survives(app, client):
    menu_with_input(app)
    assert (
        at_turn(client, "", session="star", code="*777#").get_data(as_text=True) == "CON Your name?"
    )
    reply = at_turn(client, "Awa * Ndiaye", session="star", code="*777#")
    assert reply.get_data(as_text=True) == "CON Call back?\n1. Yes"
    assert (
        at_turn(client, "Awa * Ndiaye*1", session="star", code="*777#").get_data(as_text=True)
        == "END Thanks"
    )
    attrs = json.loads(rows(app, "SELECT attributes FROM handoffs")[0][0])
    assert attrs["answers"][0] == {"key": "name", "label": "Awa * Ndiaye", "value": "Awa * Ndiaye"}


def test_too_long_answer_is_refused_with_reason(app, client):
    menu_with_input(app)
    at_turn(client, "", session="long", code="*777#")
    reply = at_turn(client, "x" * 200, session="long", code="*777#").get_data(as_text=True)
    assert reply == "CON Please enter at most 60 characters.\nYour name?"


def test_repeated_requests_return_same_screen_and_advance_once(app, client):
    first = at_turn(client, "", session="dup").get_data(as_text=True)
    assert at_turn(client, "", session="dup").get_data(as_text=True) == first
    second = at_turn(client, "1", session="dup").get_data(as_text=True)
    assert at_turn(client, "1", session="dup").get_data(as_text=True) == second
    assert rows(app, "SELECT hops FROM ussd_sessions")[0][0] == 2
    # an older request arriving late changes nothing either
    assert at_turn(client, "", session="dup").get_data(as_text=True) == second
    assert rows(app, "SELECT hops FROM ussd_sessions")[0][0] == 2


def test_the_stored_request_identity_is_a_keyed_hash(app, client):
    """last_request identifies a retry; a plain hash of "1*2" could be matched by guessing."""
    import hashlib

    at_turn(client, "")
    at_turn(client, "1*2")
    [(stored,)] = rows(app, "SELECT last_request FROM ussd_sessions")
    for guess in ("in:1*2", "in:2", "1*2"):
        assert hashlib.sha256(guess.encode()).hexdigest()[: len(stored)] != stored
    assert len(stored) == 32


def test_hubtel_repeat_by_sequence(app, client):
    hubtel(client, "Initiation", "*123*456#", 1)
    a = hubtel(client, "Response", "1", 2).get_json()
    b = hubtel(client, "Response", "1", 2).get_json()
    c = hubtel(client, "Response", "1", 3).get_json()  # the same key pressed on the next screen
    assert a == b and a["Message"].startswith("Where are you?")
    assert c["Message"].startswith("What support")


def test_nalo_repeat_within_window_only(app, client):
    nalo(client, "*123*456#", first=True)
    a = nalo(client, "1").get_json()
    assert nalo(client, "1").get_json() == a  # a retry within the window
    with app.app_context():
        db.session.execute(
            db.text("UPDATE ussd_sessions SET updated_at = :t"),
            {"t": (utcnow() - timedelta(seconds=30)).replace(tzinfo=None)},
        )
        db.session.commit()
    b = nalo(client, "1").get_json()  # the caller really pressed 1 again
    assert b["MSG"].startswith("What support")


def test_nalo_without_sessionid_starts_over_on_a_new_dial(app, client):
    nalo(client, "*123*456#", first=True, session=None)
    assert nalo(client, "2", session=None).get_json()["MSG"].startswith("Où")
    again = nalo(client, "*123*456#", first=True, session=None).get_json()
    assert again["MSG"].startswith("Vous avez une demande non terminée")  # resume offer
    assert session_count(app) == 2


def test_dialled_shortcut_answers_first_questions(app, client):
    at = at_turn(client, "2*1", session="short").get_data(as_text=True)
    assert at.startswith("CON Quel soutien")
    hub = hubtel(client, "Initiation", "*123*456*2#", 1, session="hub-short").get_json()
    assert hub["Message"].startswith("Où vous trouvez-vous")


def test_session_timeout(app, client):
    at_turn(client, "", session="slow")
    with app.app_context():
        db.session.execute(
            db.text("UPDATE ussd_sessions SET updated_at = :t"),
            {"t": (utcnow() - timedelta(minutes=5)).replace(tzinfo=None)},
        )
        db.session.commit()
    reply = at_turn(client, "1", session="slow").get_data(as_text=True)
    assert reply == "END Your session has expired. Please dial again."
    assert rows(app, "SELECT status FROM ussd_sessions")[0][0] == "timed_out"


def test_finished_session_answers_ended(app, client):
    at_walk(client, ["1", "1", "1", "1"], session="fin")
    reply = at_turn(client, "1*1*1*1*5", session="fin").get_data(as_text=True)
    assert reply == "END This session has ended. Please dial again."


# -- resume -----------------------------------------------------------------------------------


def test_redial_offers_to_continue_and_continues(app, client):
    at_walk(client, ["2", "1"], session="drop-1")  # French, Dakar, then the network drops
    offer = at_turn(client, "", session="drop-2").get_data(as_text=True)
    assert offer == "CON Vous avez une demande non terminée.\n1. Continuer\n2. Recommencer"
    resumed = at_turn(client, "1", session="drop-2").get_data(as_text=True)
    assert resumed.startswith("CON Quel soutien")
    at_turn(client, "1*1", session="drop-2")
    final = at_turn(client, "1*1*2", session="drop-2").get_data(as_text=True)
    assert final == "END Merci. Votre demande a bien été reçue."
    attrs = json.loads(rows(app, "SELECT attributes FROM handoffs")[0][0])
    assert [a["value"] for a in attrs["answers"]] == ["French", "Dakar", "Shelter", "No"]
    assert attrs["ussd_session_id"] == "drop-2"
    statuses = dict(rows(app, "SELECT external_id, status FROM ussd_sessions"))
    assert statuses == {"drop-1": "superseded", "drop-2": "completed"}


def test_redial_start_over(app, client):
    at_walk(client, ["1", "2"], session="so-1")
    at_turn(client, "", session="so-2")
    assert (
        at_turn(client, "2", session="so-2")
        .get_data(as_text=True)
        .startswith("CON Welcome / Bienvenue")
    )


@pytest.mark.parametrize("setup", ["window_off", "completed", "other_phone", "no_answers"])
def test_no_resume_offer(make_app, setup):
    app = make_app(RESUME_WINDOW_MINUTES=0 if setup == "window_off" else 10)
    client = app.test_client()
    inputs = {"completed": ["1", "1", "1", "1"], "no_answers": []}.get(setup, ["1", "2"])
    at_walk(client, inputs, session="a")
    phone = "+221770000000" if setup == "other_phone" else "+221771234567"
    reply = at_turn(client, "", session="b", phone=phone).get_data(as_text=True)
    assert reply.startswith("CON Welcome")


def test_hubtel_release_and_at_event_mark_the_session_dropped(app, client):
    hubtel(client, "Initiation", "*123*456#", 1)
    hubtel(client, "Response", "1", 2)
    assert hubtel(client, "Release", "", 3).get_json()["Type"] == "Release"
    at_walk(client, ["1"], session="ev")
    response = client.post(
        "/ussd/africastalking/events",
        headers={"X-USSD-Token": TOKEN},
        data={
            "sessionId": "ev",
            "status": "Incomplete",
            "durationInMillis": "8123",
            "phoneNumber": "+221771234567",
            "serviceCode": "*123*456#",
            "networkCode": "60801",
        },
    )
    assert response.status_code == 200
    found = dict(rows(app, "SELECT external_id, status FROM ussd_sessions"))
    assert found == {"hub-1": "dropped", "ev": "dropped"}
    assert (
        rows(app, "SELECT gateway_duration_ms FROM ussd_sessions WHERE external_id='ev'")[0][0]
        == 8123
    )


def test_event_for_unknown_session_is_accepted(client):
    response = client.post(
        "/ussd/africastalking/events",
        headers={"X-USSD-Token": TOKEN},
        data={"sessionId": "ghost", "status": "Success"},
    )
    assert response.status_code == 200 and "unknown session" in response.get_data(as_text=True)


# -- failures ---------------------------------------------------------------------------------


def test_internal_error_gives_translated_apology_and_logs_no_number(
    app, client, monkeypatch, caplog
):
    at_walk(client, ["2"], session="boom")

    def explode(*args, **kwargs):
        raise RuntimeError("caller +221771234567 said something")

    monkeypatch.setattr(engine, "step", explode)
    with caplog.at_level(logging.INFO):
        response = at_turn(client, "2*1", session="boom")
    assert response.status_code == 200
    assert (
        response.get_data(as_text=True)
        == "END Désolé, une erreur est survenue. Réessayez plus tard."
    )
    assert "internal error" in caplog.text and "RuntimeError" in caplog.text
    assert "771234567" not in caplog.text and "said something" not in caplog.text
    assert rows(app, "SELECT hops FROM ussd_sessions")[0][0] == 2  # unchanged by the failure


def test_no_live_menu(app, client, caplog):
    with app.app_context():
        db.session.execute(db.text("UPDATE menus SET is_default = :f"), {"f": False})
        db.session.execute(db.text("DELETE FROM service_codes"))
        db.session.commit()
    with caplog.at_level(logging.INFO):
        reply = at_turn(client, "", code="*999*4711#").get_data(as_text=True)
    assert reply == "END This service is not available now. Please try later."
    assert "no live menu" in caplog.text and "4711" not in caplog.text
    assert session_count(app) == 0
