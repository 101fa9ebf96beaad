#!/usr/bin/env python3
"""Fuzz the USSD webhooks: every gateway's parse() and the whole request path.

    .venv/bin/python fuzz/fuzz_gateways.py fuzz/corpus-work/gateways fuzz/corpus/gateways \\
        -max_total_time=60 -artifact_prefix=fuzz/crashes/gateways/

The first byte of an input picks what is done with the rest (the body):
  bits 7-6  mode: 0 raw body, 1 raw body with fuzzed auth/method/path, 2 a structured
            session (the body drives a FuzzedDataProvider), 3 AT end-of-session events
  bits 5-3  gateway: africastalking, hubtel, nalo, arkesel, json (5-7: africastalking,
            json, an unknown name)
  bits 2-0  content type
Checked on every request: the status is 200, 400, 401, 404, 405 or 413 (never 500); a 4xx
adds no row to ussd_sessions; the app logs no internal error (a caller would have got an
apology); a 200 from a gateway is in that gateway's wire format with a screen that fits
its budget. parse() on the body returns a Turn or raises BadRequest, nothing else.
"""

# ruff: noqa: S101 - a fuzz target asserts, like a test
from __future__ import annotations

import json
import sys

import atheris
from _harness import TOKEN, Capture, Triage, make_app  # before instrumentation

with atheris.instrument_imports(include=["ussd", "app"]):
    import app as _app_module  # noqa: F401 - instrumented for coverage
    from ussd.gateways import GATEWAYS, BadRequest, Turn
    from ussd.sessions.service import screen_budget

import logging  # noqa: E402
from base64 import b64encode  # noqa: E402
from urllib.parse import quote, urlencode  # noqa: E402

from flask import Flask, request  # noqa: E402
from flask.logging import default_handler  # noqa: E402
from sqlalchemy import text  # noqa: E402

NAMES = ["africastalking", "hubtel", "nalo", "arkesel", "json", "africastalking", "json", "nope"]
CONTENT_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "text/plain",
    "multipart/form-data; boundary=b",
    "application/json; charset=utf-16",
    "application/x-www-form-urlencoded; charset=latin-1",
    "",
    "application/octet-stream",
]
ALLOWED = {200, 400, 401, 404, 405, 413}
TOKENS = ["1", "2", "3", "0", "00", "98", "", "1*1", "4", "99", "*123*456#", "Fatou Diop"]
PHONES = ["+221771234567", "221771234567", "0244123456", "233244123456", "+254739495441"]

APP, _TMP = make_app()
APP.logger.removeHandler(default_handler)  # errors are captured below, not printed
CLIENT = APP.test_client()
BARE = Flask("bare")
TRIAGE = Triage("gateways")
CAPTURE = Capture()
for name in ("app", "ussd", "flask.app", "werkzeug"):
    logging.getLogger(name).addHandler(CAPTURE)
logging.getLogger("app").propagate = False
logging.getLogger("ussd").propagate = False
_execs = 0


def session_rows() -> int:
    with APP.app_context():
        from ussd.extensions import db

        return int(db.session.execute(text("SELECT count(*) FROM ussd_sessions")).scalar_one())


def reset_sessions() -> None:
    with APP.app_context():
        from ussd.extensions import db

        db.session.execute(text("DELETE FROM ussd_sessions"))  # cascades to hand-offs, visits
        db.session.commit()


def check_logs() -> bool:
    """Internal errors the app logged while answering (a 500, or an apology to the caller):
    a crash unless each is a known bug; True when there was one."""
    records = CAPTURE.take()
    for record in records:
        if record.exc_info and record.exc_info[1] is not None:  # Flask: "Exception on ..."
            TRIAGE.exception(record.exc_info[1])
        elif (
            record.name == "ussd.sessions.service"
            and isinstance(record.args, tuple)
            and len(record.args) >= 3
        ):
            exc_type, frames = str(record.args[1]), str(record.args[2])
            innermost = frames.split(" <- ")[0].rsplit(":", 1)[0]
            TRIAGE.logged(exc_type, innermost, record.getMessage())
        else:
            raise AssertionError(f"error logged: {record.getMessage()}")
    return bool(records)


def check_reply(name: str, response) -> None:  # type: ignore[no-untyped-def]
    """A 200 from a gateway webhook is in its wire format, and its screen fits."""
    gateway = GATEWAYS.get(name)
    if gateway is None or response.status_code != 200:
        return
    body = response.get_data()
    if name == "africastalking":
        reply = body.decode("utf-8")
        assert reply.startswith(("CON ", "END ")), reply
        screen = reply[4:]
    else:
        data = json.loads(body)
        screen = {"hubtel": "Message", "nalo": "MSG", "arkesel": "message", "json": "text"}[name]
        screen = data[screen]
        assert isinstance(screen, str)
    with APP.app_context():
        budget = screen_budget(gateway)
    assert budget.fits(screen), f"{name} screen over budget {budget.measure(screen)}: {screen!r}"


def post(path: str, name: str, **kwargs) -> None:  # type: ignore[no-untyped-def]
    before = session_rows()
    method = kwargs.pop("method", "POST")
    response = CLIENT.open(path, method=method, **kwargs)
    status = response.status_code
    if check_logs():
        return  # a known bug (anything else raised): its status says nothing more
    assert status in ALLOWED, f"{method} {path}: HTTP {status} {response.get_data()[:200]!r}"
    if 400 <= status < 500:
        after = session_rows()
        assert after == before, f"HTTP {status} but ussd_sessions grew {before} -> {after}"
    elif path.startswith("/ussd/") and not path.endswith("/events"):
        check_reply(name, response)


def parse_directly(name: str, body: bytes, content_type: str) -> None:
    gateway = GATEWAYS.get(name)
    if gateway is None:
        return
    with BARE.test_request_context(
        f"/ussd/{name}", method="POST", data=body, content_type=content_type or None
    ):
        try:
            turn = gateway.parse(request)
        except BadRequest:
            return
        except Exception as exc:  # noqa: BLE001 - triaged: known bug or crash
            TRIAGE.exception(exc)
            return
    assert isinstance(turn, Turn) and turn.session_id and turn.phone


def raw(name: str, body: bytes, content_type: str) -> None:
    parse_directly(name, body, content_type)
    post(
        f"/ussd/{name}",
        name,
        data=body,
        content_type=content_type or None,
        headers={"X-USSD-Token": TOKEN},
    )


def raw_with_auth(name: str, body: bytes, content_type: str) -> None:
    if not body:
        return
    choice, body = body[0], body[1:]
    headers: dict[str, str] = {}
    path = f"/ussd/{name}"
    auth = choice & 7
    if auth == 0:
        headers["X-USSD-Token"] = TOKEN
    elif auth == 1:
        path += f"?token={TOKEN}"
    elif auth == 2:
        headers["Authorization"] = "Basic " + b64encode(f"gw:{TOKEN}".encode()).decode()
    elif auth == 3:
        headers["X-USSD-Token"] = TOKEN[:-1] + "X"  # wrong
    elif auth == 4:
        headers["Authorization"] = "Basic " + b64encode(body[:20]).decode()  # garbage basic
    elif auth == 5:
        path += "?token=" + quote(body[:10].decode("latin-1"))
    # 6, 7: no token
    method = ("POST", "POST", "GET", "PUT", "DELETE", "PATCH", "POST", "HEAD")[(choice >> 3) & 7]
    if choice >> 6 == 3:
        path = "/ussd/" + quote(body[:12].decode("latin-1"), safe="")
    if choice >> 6 == 2:
        headers["Content-Length"] = str(10**6)  # announces more than the cap
    post(path, name, method=method, data=body, content_type=content_type or None, headers=headers)


def payload(name: str, session: str, phone: str, first: bool, entry: str, seq: int) -> dict:
    if name == "hubtel":
        return {
            "Type": "Initiation" if first else "Response",
            "Mobile": phone,
            "SessionId": session,
            "ServiceCode": "123*456",
            "Message": "*123*456#" if first else entry,
            "Operator": "mtn",
            "Sequence": seq,
        }
    if name == "nalo":
        return {
            "USERID": "FUZZ",
            "MSISDN": phone,
            "USERDATA": "*123*456#" if first else entry,
            "MSGTYPE": first,
            "NETWORK": "MTN",
            "SESSIONID": session,
        }
    if name == "arkesel":
        return {
            "sessionID": session,
            "userID": "FUZZ",
            "newSession": first,
            "msisdn": phone,
            "userData": "*123*456#" if first else entry,
            "network": "MTN",
        }
    return {
        "session_id": session,
        "phone": phone,
        "service_code": "*123*456#",
        "input": "" if first else entry,
        "new_session": first,
        "seq": seq,
    }


def session(name: str, body: bytes) -> None:
    """A dial and a few inputs on one gateway, as the provider would send them."""
    if name not in GATEWAYS:
        name = "json"
    reset_sessions()  # each input runs on an empty session table: deterministic
    fdp = atheris.FuzzedDataProvider(body)
    sid = "fz-" + fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 12))
    phone = PHONES[fdp.ConsumeIntInRange(0, len(PHONES) - 1)]
    typed: list[str] = []
    for seq in range(fdp.ConsumeIntInRange(1, 10)):
        first = seq == 0
        if not first:
            pick = fdp.ConsumeIntInRange(0, len(TOKENS) + 2)
            if pick < len(TOKENS):
                entry = TOKENS[pick]
            elif pick == len(TOKENS):  # hang up and redial: a new session id, resume offer
                sid, first, typed, entry = sid + "r", True, [], ""
            else:
                entry = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 40))
        else:
            entry = ""
        if name == "africastalking":
            if not first:
                typed.append(entry)
            form = {
                "sessionId": sid,
                "phoneNumber": phone,
                "serviceCode": "*123*456#",
                "networkCode": "60801",
                "text": "*".join(typed),
            }
            post(
                f"/ussd/{name}",
                name,
                data=urlencode(form, quote_via=quote, errors="surrogatepass"),
                content_type="application/x-www-form-urlencoded",
                headers={"X-USSD-Token": TOKEN},
            )
        else:
            post(
                f"/ussd/{name}",
                name,
                data=json.dumps(payload(name, sid, phone, first, entry, seq + 1)),
                content_type="application/json",
                headers={"X-USSD-Token": TOKEN},
            )
    if fdp.ConsumeBool() and name == "africastalking":
        status = ("Success", "Incomplete", "Failed", "")[fdp.ConsumeIntInRange(0, 3)]
        duration = fdp.ConsumeUnicodeNoSurrogates(6)
        form = {"sessionId": sid, "status": status, "durationInMillis": duration}
        post(
            "/ussd/africastalking/events",
            name,
            data=urlencode(form, quote_via=quote, errors="surrogatepass"),
            content_type="application/x-www-form-urlencoded",
            headers={"X-USSD-Token": TOKEN},
        )


def events(body: bytes, content_type: str) -> None:
    post(
        "/ussd/africastalking/events",
        "africastalking",
        data=body,
        content_type=content_type or None,
        headers={"X-USSD-Token": TOKEN},
    )


def TestOneInput(data: bytes) -> None:  # noqa: N802 - atheris' name
    global _execs
    if not data:
        return
    _execs += 1
    if _execs % 5000 == 0:
        reset_sessions()  # keep the database small whatever the raw bodies create
    TRIAGE.current = data
    head, body = data[0], data[1:]
    mode, name, content_type = head >> 6, NAMES[(head >> 3) & 7], CONTENT_TYPES[head & 7]
    if mode == 0:
        raw(name, body, content_type)
    elif mode == 1:
        raw_with_auth(name, body, content_type)
    elif mode == 2:
        session(name, body)
    else:
        events(body, content_type)


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
