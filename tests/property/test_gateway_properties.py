"""Properties of the gateway parsers over generated request bodies.

For every gateway in GATEWAYS, parse() on any body (bytes, JSON, form data, with any
content type) returns a Turn or raises BadRequest: never any other exception, which would
be an HTTP 500. A Turn that comes back is clean: a non-empty session id and phone number,
no control characters, inputs within the limits. Well-formed payloads always parse.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask, request
from hypothesis import event, given
from hypothesis import strategies as st

from ussd.gateways import GATEWAYS, BadRequest, Turn
from ussd.gateways.africastalking import AfricasTalking
from ussd.gateways.base import MAX_FIELD, MAX_INPUT
from ussd.privacy.phones import MASKED_PREFIX, is_masked

bare = Flask(__name__)
bare.config["BDAPPS_APP_ID"] = "APP_000001"  # bdapps reads only its own application's

FIELDS = {
    "africastalking": ("sessionId", "phoneNumber", "serviceCode", "networkCode", "text"),
    "hubtel": ("Type", "SessionId", "Message", "Sequence", "Mobile", "ServiceCode", "Operator"),
    "nalo": ("MSISDN", "USERID", "MSGTYPE", "USERDATA", "SESSIONID", "NETWORK"),
    "arkesel": ("sessionID", "userID", "msisdn", "newSession", "userData", "network"),
    "json": ("session_id", "phone", "service_code", "input", "new_session", "seq", "network"),
    "dmark": ("transactionId", "msisdn", "ussdServiceCode", "ussdRequestString", "response"),
    "safaricom": ("ORIG", "DEST", "SESSION_ID", "USSD_PARAMS"),
    "infobip": ("msisdn", "text", "shortCode", "imsi", "language", "optional", "ussdGwId"),
    "bdapps": (
        "applicationId",
        "sessionId",
        "requestId",
        "ussdOperation",
        "sourceAddress",
        "message",
        "encoding",
        "version",
        "vlrAddress",
    ),
}
# the path a gateway is called at, where it is not /ussd/<name> (Infobip's operation)
PATHS = {"infobip": "/ussd/infobip/session/s-1/response"}
FORM_GATEWAYS = {"africastalking", "dmark", "safaricom"}  # fields as a form (or a GET query string)
EVENT_FIELDS = ("sessionId", "status", "durationInMillis", "phoneNumber", "errorMessage")
CONTENT_TYPES = (
    "application/json",
    "application/x-www-form-urlencoded",
    "text/plain",
    "multipart/form-data; boundary=xyz",
    "application/json; charset=latin-1",
    "",
)
GATEWAY_NAMES = sorted(GATEWAYS)


def parse(name: str, body: bytes, content_type: str) -> Turn | None:
    """gateway.parse() as the webhook calls it; None for a BadRequest."""
    path = PATHS.get(name, f"/ussd/{name}")
    with bare.test_request_context(
        path, method="POST", data=body, content_type=content_type or None
    ):
        try:
            turn = GATEWAYS[name].parse(request)
        except BadRequest as exc:
            reason = str(exc)  # the body of the HTTP 400: one short line
            assert reason and "\n" not in reason and "\r" not in reason and len(reason) < 300
            return None
    check_turn(turn)
    return turn


def no_control(text: str) -> bool:
    return not any(ch < " " or "\x7f" <= ch <= "\x9f" or "\ud800" <= ch <= "\udfff" for ch in text)


def check_turn(turn: Turn) -> None:
    assert isinstance(turn, Turn)
    assert isinstance(turn.session_id, str) and turn.session_id
    assert isinstance(turn.phone, str) and turn.phone.strip()
    # a number, or the id of a caller the gateway masked (bdapps), kept whole
    assert all(ch.isdigit() or ch in "+ -" for ch in turn.phone) or (
        is_masked(turn.phone) and turn.phone.removeprefix(MASKED_PREFIX).isascii()
    )
    for value in (turn.session_id, turn.phone, turn.service_code, turn.network, turn.input):
        assert isinstance(value, str) and no_control(value)
    assert len(turn.input) <= MAX_INPUT
    assert len(turn.service_code) <= MAX_FIELD and len(turn.network) <= MAX_FIELD
    assert turn.new_session in (True, False, None)
    assert turn.request_key is None or isinstance(turn.request_key, str)
    for key, value in turn.extra:
        assert isinstance(key, str) and isinstance(value, str)
    if turn.new_session:
        assert turn.input == ""


# -- arbitrary bodies ------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["", " ", "true", "false", "True", "1", "0", "²", "+221771234567"]),
    st.sampled_from(["*123*456#", "Initiation", "Response", "Release", "Timeout", "x" * 1001]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def json_bodies(draw: st.DrawFn, name: str) -> bytes:
    fields = FIELDS[name]
    keys = st.one_of(st.sampled_from(fields), st.sampled_from(fields), st.text(max_size=12))
    top = draw(
        st.one_of(
            st.dictionaries(keys, json_values, max_size=9),
            st.dictionaries(keys, json_values, max_size=9),
            json_values,
        )
    )
    text = json.dumps(top, ensure_ascii=draw(st.booleans()), allow_nan=True)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-16", "latin-1"]))
    return text.encode(encoding, "surrogatepass" if encoding != "latin-1" else "replace")


@st.composite
def form_bodies(draw: st.DrawFn, fields: tuple[str, ...]) -> bytes:
    keys = st.one_of(st.sampled_from(fields), st.sampled_from(fields), st.text(max_size=12))
    values = st.one_of(
        st.text(max_size=40),
        st.text("0123456789*#+ ", max_size=20),
        st.sampled_from(["", "Success", "Failed", "Incomplete", "+221771234567", "٣", "1e5"]),
    )
    pairs = draw(st.lists(st.tuples(keys, values), max_size=8))
    body = urlencode(pairs, quote_via=quote, encoding="utf-8", errors="surrogatepass")
    junk = draw(st.sampled_from(["", "", "&", "%", "%ff", "%C3", "=&=", "+%2B", "&&a"]))
    return (body + junk).encode("ascii")


SAMPLES: dict[
    str, dict[str, Any]
] = {  # one valid payload per gateway (tests/contract/samples), to mutate
    "africastalking": {
        "sessionId": "ATUid_7c898d72eb11f723ed8ea05ef232f279",
        "phoneNumber": "+254739495441",
        "serviceCode": "*384*44135#",
        "networkCode": "99999",
        "text": "1*2",
    },
    "hubtel": {
        "Type": "Response",
        "Mobile": "233200585542",
        "SessionId": "3c796dac28174f739de4262d08409c51",
        "ServiceCode": "713",
        "Message": "2",
        "Operator": "vodafone",
        "Sequence": 2,
    },
    "nalo": {
        "USERID": "NALOTest",
        "MSISDN": "233244123456",
        "USERDATA": "*920*12#",
        "MSGTYPE": True,
        "NETWORK": "MTN",
        "SESSIONID": "16590115252429751",
    },
    "arkesel": {
        "sessionID": "8b1a4a6f3c2e4d5f",
        "userID": "ARK_USER_1",
        "newSession": False,
        "msisdn": "233244123456",
        "userData": "1",
        "network": "MTN",
    },
    "dmark": {
        "transactionId": "transaction-123",
        "msisdn": "+256775551122",
        "ussdServiceCode": "*121#",
        "ussdRequestString": "2",
        "response": "true",
    },
    "safaricom": {
        "ORIG": "254722000000",
        "DEST": "167",
        "SESSION_ID": "session-id",
        "USSD_PARAMS": "7*1*a",
    },
    "bdapps": {
        "message": "2",
        "ussdOperation": "mo-cont",
        "requestId": "1330933229902",
        "vlrAddress": "tel:8801812345678",
        "sessionId": "1330929317043",
        "encoding": "440",
        "sourceAddress": "tel:8801812345678",
        "applicationId": "APP_000001",
        "version": "1.0",
    },
    "infobip": {
        "msisdn": "9647701234567",
        "imsi": "418050123456789",
        "shortCode": "*123*456#",
        "text": "2",
        "optional": "o=1",
        "ussdGwId": "11",
        "language": None,
    },
    "json": {
        "session_id": "tr-5f2c9a-1700000000",
        "phone": "+221771234567",
        "service_code": "*123*456#",
        "input": "1",
        "new_session": False,
        "seq": 1,
    },
}


@st.composite
def mutated_payloads(draw: st.DrawFn, name: str) -> bytes:
    """A valid payload with some fields replaced by other JSON values, dropped or added."""
    payload: dict[str, Any] = dict(SAMPLES[name])
    for key in list(payload):
        action = draw(st.integers(0, 9))
        if action == 0:
            del payload[key]
        elif action <= 2:
            payload[key] = draw(json_values)
    for _ in range(draw(st.integers(0, 2))):
        payload[draw(st.text(max_size=10))] = draw(json_values)
    if name in FORM_GATEWAYS:  # a form post: every value a string
        form = [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in payload.items()]
        return urlencode(form, quote_via=quote, errors="surrogatepass").encode("ascii")
    return json.dumps(payload, allow_nan=True).encode("utf-8", "surrogatepass")


@st.composite
def bodies(draw: st.DrawFn, name: str) -> bytes:
    return draw(
        st.one_of(
            mutated_payloads(name),
            mutated_payloads(name),
            st.binary(max_size=300),
            json_bodies(name),
            form_bodies(FIELDS[name]),
            st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
        )
    )


@pytest.mark.parametrize("name", GATEWAY_NAMES)
@given(data=st.data())
def test_parse_returns_a_turn_or_raises_bad_request(name, data):
    body = data.draw(bodies(name), "body")
    content_type = data.draw(
        st.sampled_from(
            ("application/x-www-form-urlencoded" if name in FORM_GATEWAYS else "application/json",)
            + CONTENT_TYPES
        ),
        "content type",
    )
    turn = parse(name, body, content_type)
    event("parsed" if turn is not None else "bad request")


# -- well-formed payloads parse ----------------------------------------------------------------

clean_text = st.text(
    st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="\x7f"), max_size=30
).map(lambda t: "".join(ch for ch in t if not "\x80" <= ch <= "\x9f"))
ids = clean_text.filter(lambda t: t != "")
phones = st.from_regex(r"\+?[0-9]{6,15}", fullmatch=True)


@given(session=ids, phone=phones, code=clean_text, text=clean_text, network=clean_text)
def test_well_formed_africastalking_posts_parse(session, phone, code, text, network):
    form = {
        "sessionId": session,
        "phoneNumber": phone,
        "serviceCode": code,
        "networkCode": network,
        "text": text,
    }
    body = urlencode(form, quote_via=quote).encode("ascii")
    turn = parse("africastalking", body, "application/x-www-form-urlencoded")
    assert turn is not None
    assert (turn.session_id, turn.phone, turn.service_code, turn.input) == (
        session,
        phone.strip(),
        code,
        text,
    )
    assert turn.cumulative and turn.request_key == text
    assert turn.new_session is (True if text == "" else None)


@given(
    session=st.one_of(ids, st.integers(0, 10**12)),
    phone=st.one_of(phones, st.integers(10**6, 10**14)),
    first=st.booleans(),
    text=clean_text,
    seq=st.one_of(st.none(), st.integers(0, 10**9)),
)
def test_well_formed_json_posts_parse(session, phone, first, text, seq):
    payload: dict[str, Any] = {
        "session_id": session,
        "phone": phone,
        "service_code": "*123*456#",
        "input": text,
        "new_session": first,
    }
    if seq is not None:
        payload["seq"] = seq
    turn = parse("json", json.dumps(payload).encode(), "application/json")
    assert turn is not None
    assert turn.session_id == str(session) and turn.phone == str(phone).strip()
    assert turn.input == ("" if first else text)
    assert turn.request_key == (None if seq is None else f"seq:{seq}")


@given(
    kind=st.sampled_from(["Initiation", "Response", "Release", "Timeout", "RESPONSE", "response"]),
    session=ids,
    phone=phones,
    message=clean_text,
    sequence=st.one_of(st.none(), st.integers(0, 10**6)),
)
def test_well_formed_hubtel_posts_parse(kind, session, phone, message, sequence):
    payload: dict[str, Any] = {
        "Type": kind,
        "SessionId": session,
        "Mobile": phone,
        "Message": message,
        "ServiceCode": "711",
        "Operator": "mtn",
    }
    if sequence is not None:
        payload["Sequence"] = sequence
    turn = parse("hubtel", json.dumps(payload).encode(), "application/json")
    assert turn is not None and turn.session_id == session
    assert turn.new_session is (kind.lower() == "initiation")
    assert turn.end == {"release": "release", "timeout": "timeout"}.get(kind.lower())


@given(
    operation=st.sampled_from(["start", "response"]),
    session=st.from_regex(r"[A-Za-z0-9._~-]{1,40}", fullmatch=True),
    phone=phones,
    text=clean_text,
    code=st.one_of(st.none(), clean_text),
)
def test_well_formed_infobip_posts_parse(operation, session, phone, text, code):
    payload: dict[str, Any] = {"msisdn": phone, "text": text, "language": None}
    if code is not None:
        payload["shortCode"] = code
    with bare.test_request_context(
        f"/ussd/infobip/session/{session}/{operation}", method="POST", json=payload
    ):
        turn = GATEWAYS["infobip"].parse(request)
    check_turn(turn)
    assert turn.session_id == session and turn.phone == phone.strip()
    assert turn.new_session is (operation == "start")
    assert turn.input == ("" if operation == "start" else text)
    assert turn.service_code == (code or "")


# -- Africa's Talking end-of-session notifications -------------------------------------------


event_bodies = st.one_of(st.binary(max_size=200), form_bodies(EVENT_FIELDS))


@given(body=event_bodies, content_type=st.sampled_from(CONTENT_TYPES))
def test_at_event_parse_returns_a_triple_or_raises_bad_request(body, content_type):
    gateway = GATEWAYS["africastalking"]
    assert isinstance(gateway, AfricasTalking)
    with bare.test_request_context(
        "/ussd/africastalking/events", method="POST", data=body, content_type=content_type or None
    ):
        try:
            session_id, status, duration = gateway.parse_event(request)
        except BadRequest:
            return
    assert isinstance(session_id, str) and no_control(session_id)
    assert status in ("success", "incomplete", "failed")
    assert duration is None or 0 <= duration <= 2**31 - 1


@given(
    session=st.one_of(ids, st.integers(0, 10**15)),
    request_id=st.one_of(ids, st.integers(0, 10**15)),
    address=st.one_of(
        st.from_regex(r"8801[3-9][0-9]{8}", fullmatch=True),
        st.from_regex(r"[0-9A-F]{8,32}", fullmatch=True).filter(lambda t: not t.isdigit()),
    ),
    first=st.booleans(),
    message=clean_text,
)
def test_well_formed_bdapps_requests_parse(session, request_id, address, first, message):
    payload = {
        "applicationId": "APP_000001",
        "sessionId": session,
        "requestId": request_id,
        "ussdOperation": "mo-init" if first else "mo-cont",
        "sourceAddress": f"tel:{address}",
        "message": message,
        "encoding": "440",
        "version": "1.0",
    }
    turn = parse("bdapps", json.dumps(payload).encode(), "application/json")
    assert turn is not None
    assert turn.session_id == str(session) and turn.request_key == str(request_id)
    assert turn.phone == (address if address.isdigit() else MASKED_PREFIX + address)
    assert turn.input == ("" if first else message)
    assert turn.echo("address") == f"tel:{address}"
