"""Hostile input on every webhook and editor form: a 4xx or a clean final screen, never a
500, and a rejected request never changes what is stored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.conftest import TOKEN, at_turn, login, token
from ussd.extensions import db

GATEWAYS = ["africastalking", "hubtel", "nalo", "arkesel", "json"]
FORM = "application/x-www-form-urlencoded"
NASTY_STRINGS = [
    "'; DROP TABLE ussd_sessions; --",
    '" OR 1=1 --',
    "{{ 7*7 }}",
    "{% raw %}",
    "${7*7}",
    "<script>alert(1)</script>",
    "\x00",
    "a\x00b",
    "\u202e1",
    "\ud800",
    "*" * 10_000,
    "9" * 400,
    "١٢٣",
    "😀" * 50,
    "%00",
    "../../etc/passwd",
    "\r\n",
    " ",
    "",
]


def snapshot(app) -> list:
    """Everything a webhook could change."""
    with app.app_context():
        return [
            list(db.session.execute(text(f"SELECT * FROM {t} ORDER BY 1")))  # noqa: S608
            for t in ("ussd_sessions", "handoffs", "menus", "menu_versions")
        ]


def post(client, gateway: str, body, content_type: str):
    data = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    return client.post(
        f"/ussd/{gateway}", data=data, content_type=content_type, headers={"X-USSD-Token": TOKEN}
    )


def check(app, client, gateway: str, body, content_type: str) -> int:
    before = snapshot(app)
    response = post(client, gateway, body, content_type)
    assert response.status_code in (200, 400, 413), (gateway, body[:80], response.status_code)
    if response.status_code != 200:
        assert snapshot(app) == before, (gateway, body[:80])
        text_ = response.get_data(as_text=True)
        assert text_.count("\n") <= 1 and "Traceback" not in text_
    return response.status_code


def bodies_for(gateway: str, value) -> list[tuple[Any, str]]:
    """Each field of the gateway set to `value`, in turn."""
    base: dict[str, Any]
    if gateway == "africastalking":
        base = {
            "sessionId": "h1",
            "phoneNumber": "+221771234567",
            "serviceCode": "*123*456#",
            "networkCode": "60801",
            "text": "",
        }
        from urllib.parse import urlencode

        out = []
        for key in base:
            fields = dict(base, **{key: value if isinstance(value, str) else json.dumps(value)})
            out.append((urlencode(fields, encoding="utf-8", errors="surrogatepass"), FORM))
        return out
    base = {
        "hubtel": {
            "Type": "Initiation",
            "SessionId": "h1",
            "Mobile": "233244123456",
            "Message": "*123*456#",
            "ServiceCode": "123*456",
            "Operator": "mtn",
            "Sequence": 1,
        },
        "nalo": {
            "USERID": "u",
            "MSISDN": "233244123456",
            "USERDATA": "*123*456#",
            "MSGTYPE": True,
            "NETWORK": "MTN",
            "SESSIONID": "h1",
        },
        "arkesel": {
            "sessionID": "h1",
            "userID": "u",
            "newSession": True,
            "msisdn": "233244123456",
            "userData": "*123*456#",
            "network": "MTN",
        },
        "json": {
            "session_id": "h1",
            "phone": "+221771234567",
            "service_code": "*123*456#",
            "input": "",
            "new_session": True,
        },
    }[gateway]
    return [(json.dumps(dict(base, **{key: value})), "application/json") for key in base]


@pytest.mark.parametrize("gateway", GATEWAYS)
@pytest.mark.parametrize(
    "value", NASTY_STRINGS + [None, 12, 1.5, True, [], {}, [1, "a"], {"a": {"b": []}}, 10**30]
)
def test_hostile_field_values(app, client, gateway, value):
    for body, content_type in bodies_for(gateway, value):
        check(app, client, gateway, body, content_type)


@pytest.mark.parametrize("gateway", GATEWAYS)
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"", FORM),
        (b"", "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        (b"\x00" * 100, FORM),
        (b"%ZZ=%", FORM),
        (b"null", "application/json"),
        (b"[1,2,3]", "application/json"),
        (b'"text"', "application/json"),
        (b"{" * 5000, "application/json"),
        (b'{"a":' * 2000 + b"1" + b"}" * 2000, "application/json"),
        (b"x" * 9000, FORM),
        (b"x" * 9000, "application/json"),
        (b"<xml/>", "application/xml"),
    ],
)
def test_hostile_bodies(app, client, gateway, body, content_type):
    check(app, client, gateway, body, content_type)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(
        st.binary(max_size=300),
        st.dictionaries(
            st.text(max_size=12),
            st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=40)),
            max_size=8,
        )
        .map(json.dumps)
        .map(str.encode),
    )
)
def test_generated_bodies_never_cause_a_500(app, client, body):
    for gateway in GATEWAYS:
        check(
            app, client, gateway, body, FORM if gateway == "africastalking" else "application/json"
        )


def test_replayed_and_out_of_order_requests_change_nothing(app, client):
    at_turn(client, "", session="replay")
    at_turn(client, "1", session="replay")
    at_turn(client, "1*2", session="replay")
    before = snapshot(app)
    for text_ in ("", "1", "1", "", "1*2"):  # replays of earlier hops, in any order
        reply = at_turn(client, text_, session="replay").get_data(as_text=True)
        assert reply.startswith("CON What support")
    assert snapshot(app) == before


def test_ten_thousand_stars(app, client):
    at_turn(client, "", session="stars")
    before = snapshot(app)
    response = at_turn(client, "*" * 10_000, session="stars")
    assert response.status_code == 413  # over the webhook body cap: refused whole
    assert snapshot(app) == before


# -- editor forms -----------------------------------------------------------------------------

EDITOR_POSTS = [
    ("/editor/menus/new", {"name": "{{ 7*7 }}", "languages": "en, fr", "start_from": "blank"}),
    ("/editor/menus/new", {"name": "x" * 5000, "languages": "en", "start_from": "blank"}),
    (
        "/editor/menus/new",
        {"name": "a\x00b", "languages": "'; DROP TABLE menus; --", "start_from": "demo"},
    ),
    (
        "/editor/menus/1/nodes/location",
        {"node_id": "../../etc", "key": "{{x}}", "revision": "1", "text_en": "x" * 5000},
    ),
    (
        "/editor/menus/1/nodes/location",
        {"node_id": "location", "key": "location", "revision": "not a number"},
    ),
    ("/editor/menus/1/add-node", {"kind": "rocket", "node_id": "x", "revision": "1"}),
    ("/editor/menus/1/publish", {"revision": "9999999999999999999999", "note": "x" * 500}),
    ("/editor/menus/1/settings", {"name": "", "languages": "", "revision": "1"}),
    ("/editor/codes", {"code-code": "*1'; --#", "code-menu": "999", "code-submit": "1"}),
    (
        "/editor/menus/1/simulate",
        {"sim-source": "nowhere", "sim-gateway": "x", "sim-phone": "<script>", "sim-send": "1"},
    ),
    ("/editor/users", {"email": "not an email", "role": "superuser", "language": "xx"}),
    ("/editor/privacy", {"phone": "'; DROP TABLE ussd_sessions; --", "check": "1"}),
]


@pytest.mark.parametrize(("path", "data"), EDITOR_POSTS)
def test_hostile_editor_forms(app, client, accounts, path, data):
    login(client, "admin")
    csrf = token(client, "/editor/menus")
    before = snapshot(app)
    response = client.post(path, data={"csrf_token": csrf, **data})
    assert response.status_code in (200, 302, 400, 403, 404), (path, response.status_code)
    if response.status_code == 302 and path == "/editor/menus/new":
        # an odd name is still a name: stored as text, never evaluated
        names = [row[1] for row in snapshot(app)[2]]
        assert data["name"] in names
    elif path != "/editor/menus/1/simulate":  # the simulator may record a simulated session
        assert snapshot(app) == before, path  # a refused form stores nothing


def test_menu_text_is_shown_not_evaluated(app, client, accounts):
    login(client, "admin")
    csrf = token(client, "/editor/menus/1/nodes/thanks")
    with app.app_context():
        revision = db.session.execute(text("SELECT draft_revision FROM menus")).scalar()
    client.post(
        "/editor/menus/1/nodes/thanks",
        data={
            "csrf_token": csrf,
            "node_id": "thanks",
            "revision": revision,
            "note": "",
            "text_en": "{{ 7*7 }} <b>bold</b> {% if 1 %}x{% endif %}",
            "text_fr": "Merci",
        },
    )
    page = client.get("/editor/menus/1").get_data(as_text=True)
    # as callers see it: "{{" and "}}" write one brace (docs/menu-format.md), nothing runs
    assert "{ 7*7 } &lt;b&gt;bold&lt;/b&gt; {% if 1 %}x{% endif %}" in page
    assert "49" not in page.split("thanks", 1)[1][:400]


@pytest.mark.parametrize(
    ("path", "field"), [("/editor/menus/new", "name"), ("/editor/users", "email")]
)
def test_control_characters_in_editor_text_are_refused(app, client, accounts, path, field):
    login(client, "admin")
    data = {
        "csrf_token": token(client, "/editor/menus"),
        "name": "Clinic",
        "languages": "en",
        "start_from": "blank",
        "email": "new@example.org",
        "role": "viewer",
        "language": "en",
    }
    data[field] = data[field][:3] + "\x00\x07" + data[field][3:]
    before = snapshot(app)
    response = client.post(path, data=data)
    assert response.status_code == 200
    assert "control character" in response.get_data(as_text=True)
    assert snapshot(app) == before


# -- gateways that send GET (issue 16): the same hostility in a query string -------------------

GET_BASES: dict[str, dict[str, str]] = {
    "dmark": {
        "transactionId": "h1",
        "msisdn": "256775551122",
        "ussdServiceCode": "*123*456#",
        "ussdRequestString": "*123*456#",
        "response": "false",
    },
    "safaricom": {
        "ORIG": "254722000000",
        "DEST": "123",
        "SESSION_ID": "h1",
        "USSD_PARAMS": "456",
    },
}


def get_check(app, client, gateway: str, query: bytes | str) -> int:
    """A GET with `query` (token added) answers 200, 400 or 413, never stores on a refusal."""
    raw = query if isinstance(query, bytes) else query.encode("utf-8", "surrogatepass")
    before = snapshot(app)
    # the raw bytes as a server hands them over (WSGI: latin-1), not re-encoded by the client
    wire = (raw + b"&token=" + TOKEN.encode()).decode("latin-1")
    response = client.get(f"/ussd/{gateway}", environ_overrides={"QUERY_STRING": wire})
    assert response.status_code in (200, 400, 413), (gateway, raw[:80], response.status_code)
    if response.status_code != 200:
        assert snapshot(app) == before, (gateway, raw[:80])
        text_ = response.get_data(as_text=True)
        assert text_.count("\n") <= 1 and "Traceback" not in text_
    return response.status_code


@pytest.mark.parametrize("gateway", sorted(GET_BASES))
@pytest.mark.parametrize("value", NASTY_STRINGS + [None])
def test_hostile_query_values(app, client, gateway, value):
    from urllib.parse import urlencode

    base = GET_BASES[gateway]
    for key in base:
        fields = dict(base)
        if value is None:
            del fields[key]  # a missing field
        else:
            fields[key] = value
        get_check(app, client, gateway, urlencode(fields, encoding="utf-8", errors="surrogatepass"))


@pytest.mark.parametrize("gateway", sorted(GET_BASES))
@pytest.mark.parametrize(
    "query",
    [b"", b"%FF=1", b"transactionId=%C3%28", b"%ZZ=%", b"a=1&a=2", b"x" * 9000, b"\x00=\x00"],
)
def test_hostile_query_strings(app, client, gateway, query):
    status = get_check(app, client, gateway, query)
    assert status in (400, 413)


@pytest.mark.parametrize(
    ("gateway", "query", "reason"),
    [
        ("dmark", "transactionId=h1&msisdn=256775551122&ussdRequestString=1", "missing field"),
        (
            "dmark",
            "transactionId=h1&msisdn=256775551122&ussdRequestString=1&response=yes",
            "response must be true or false",
        ),
        (
            "dmark",
            "transactionId=h1&msisdn=256775551122&ussdRequestString=%FF&response=true",
            "not valid UTF-8",
        ),
        ("dmark", "x=" + "9" * 9000, "too large"),
        ("safaricom", "ORIG=254722000000&DEST=123&SESSION_ID=s", "missing field USSD_PARAMS"),
        (
            "safaricom",
            "ORIG=254722000000&DEST=123&SESSION_ID=s&USSD_PARAMS=1%0D%0A2",
            "control character",
        ),
        ("safaricom", "ORIG=254722000000&DEST=123&SESSION_ID=&USSD_PARAMS=", "is empty"),
    ],
)
def test_get_refusals_say_why_in_one_line(app, client, gateway, query, reason):
    before = snapshot(app)
    response = client.get(f"/ussd/{gateway}?{query}&token={TOKEN}")
    text_ = response.get_data(as_text=True)
    assert response.status_code in (400, 413) and reason in text_ and text_.count("\n") == 1
    assert snapshot(app) == before


@pytest.mark.parametrize(
    "body",
    [b"", b"\xff\xfe", b"transactionId=%FF", b"{}", b"x" * 9000, b"response=true&response=true"],
)
def test_hostile_dmark_post_bodies(app, client, body):
    check(app, client, "dmark", body, FORM)


# -- Infobip (issue 16): JSON at /ussd/infobip/session/<id>/<operation> ----------------------

INFOBIP_BASE: dict[str, Any] = {
    "msisdn": "9647701234567",
    "imsi": "418050123456789",
    "shortCode": "*123*456#",
    "text": "*123*456#",
    "ussdGwId": "live2",
}
INFOBIP_METHOD = {"start": "POST", "response": "POST", "end": "PUT"}


def infobip_check(app, client, operation: str, body: bytes, session: str = "h1") -> int:
    """200 or a one-line 4xx, never a 500, and nothing stored on a refusal."""
    before = snapshot(app)
    response = client.open(
        f"/ussd/infobip/session/{session}/{operation}",
        method=INFOBIP_METHOD.get(operation, "POST"),
        data=body,
        content_type="application/json",
        headers={"X-USSD-Token": TOKEN},
    )
    assert response.status_code in (200, 400, 404, 405, 413), (operation, body[:80])
    if response.status_code != 200:
        assert snapshot(app) == before, (operation, body[:80])
        text_ = response.get_data(as_text=True)
        assert text_.count("\n") <= 1 and "Traceback" not in text_
    return response.status_code


@pytest.mark.parametrize("operation", ["start", "response", "end"])
@pytest.mark.parametrize("value", NASTY_STRINGS + [None, 12, 1.5, True, [], {}])
def test_hostile_infobip_values(app, client, operation, value):
    for key in INFOBIP_BASE:
        fields: dict[str, Any] = dict(INFOBIP_BASE)
        if value is None:
            del fields[key]
        else:
            fields[key] = value
        body = json.dumps(fields).encode("utf-8", "surrogatepass")
        infobip_check(app, client, operation, body)


@pytest.mark.parametrize("operation", ["start", "response", "end", "restart", "status"])
@pytest.mark.parametrize(
    "body",
    [b"", b"\xff\xfe", b"{", b"[]", b"null", b'{"text": "\\ud800"}', b"[" * 5000, b"x" * 9000],
)
def test_hostile_infobip_bodies(app, client, operation, body):
    status = infobip_check(app, client, operation, body)
    assert status in (400, 405, 413) or operation == "end"


@pytest.mark.parametrize("session", ["%00", "a%0Ab", "%FF%FE", "x" * 300, "..", "%2F"])
def test_hostile_infobip_session_ids(app, client, session):
    body = json.dumps(INFOBIP_BASE).encode()
    infobip_check(app, client, "start", body, session=session)
