"""Mapped gateways in the editor (admins only: list, new, edit, delete, export, import) and
at their webhook (/ussd/mapped/<name>): what is stored, what is refused, and that a change
is served at once."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TOKEN, login, rows, token
from tests.web.test_hostile_input import snapshot

EXAMPLES = Path(__file__).parents[2] / "docs" / "mapped-gateways"
FORM = "application/x-www-form-urlencoded"

# The form as an admin fills it for a JSON gateway with a flag (Arkesel's format).
ARKESEL_FORM = {
    "name": "ark",
    "title": "Arkesel by hand",
    "method": "POST",
    "body": "json",
    "session_id": "sessionID",
    "phone": "msisdn",
    "input": "userData",
    "flag_field": "newSession",
    "new_values": "true",
    "continue_values": "false",
    "network": "network",
    "service_code": "",
    "country": "GH",
    "reply_format": "json",
    "continue_prefix": "CON ",
    "end_prefix": "END ",
    "content_type": "text/plain",
    "text_field": "message",
    "continue_field": "continueSession",
    "continue_value": "true",
    "end_value": "false",
    "echo": "sessionID, userID, msisdn",
    "screen_characters": "",
}


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text("utf-8"))


@pytest.fixture
def as_admin(client, accounts):
    login(client, "admin")
    return client


def stored(app) -> list[tuple[str, dict]]:
    return [
        (name, json.loads(text))
        for name, text in rows(app, "SELECT name, definition FROM mapped_gateways ORDER BY name")
    ]


def save(client, url: str = "/editor/gateways/new", **changes: str):
    data = {**ARKESEL_FORM, **changes, "csrf_token": token(client, "/editor/gateways/new")}
    return client.post(url, data=data)


def upload(client, content: bytes, filename: str = "gateway.json"):
    return client.post(
        "/editor/gateways/import",
        data={
            "csrf_token": token(client, "/editor/gateways"),
            "file": (io.BytesIO(content), filename),
        },
        content_type="multipart/form-data",
    )


def ark_hop(client, name: str, session: str, first: bool, entry: str = ""):
    body = {
        "sessionID": session,
        "userID": "U1",
        "newSession": first,
        "msisdn": "0244123456",
        "userData": "*123*456#" if first else entry,
        "network": "MTN",
    }
    return client.post(f"/ussd/mapped/{name}", json=body, headers={"X-USSD-Token": TOKEN})


# -- roles and CSRF ---------------------------------------------------------------------------

PAGES = [
    ("GET", "/editor/gateways"),
    ("GET", "/editor/gateways/new"),
    ("POST", "/editor/gateways/new"),
    ("GET", "/editor/gateways/ark"),
    ("POST", "/editor/gateways/ark"),
    ("GET", "/editor/gateways/ark/delete"),
    ("POST", "/editor/gateways/ark/delete"),
    ("GET", "/editor/gateways/ark/export"),
    ("POST", "/editor/gateways/import"),
]


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_only_admins_reach_the_gateway_pages(app, client, accounts, role):
    login(client, "admin")
    assert save(client).status_code == 302
    before = stored(app)
    client.post("/editor/logout", data={"csrf_token": token(client, "/editor/menus")})
    login(client, role)
    csrf = token(client, "/editor/menus")
    for method, url in PAGES:
        response = client.open(url, method=method, data={"csrf_token": csrf, **ARKESEL_FORM})
        assert response.status_code == 403, (method, url)
    assert stored(app) == before
    assert "/editor/gateways" not in client.get("/editor/menus").get_data(as_text=True)


def test_admins_find_the_page_in_the_navigation(as_admin):
    page = as_admin.get("/editor/menus").get_data(as_text=True)
    assert 'href="/editor/gateways"' in page


def test_a_change_without_its_csrf_token_is_refused(app, as_admin):
    data = dict(ARKESEL_FORM)
    assert as_admin.post("/editor/gateways/new", data=data).status_code == 400
    assert stored(app) == []


# -- the form ---------------------------------------------------------------------------------


def test_a_gateway_made_in_the_form_is_stored_and_served(app, as_admin):
    response = save(as_admin)
    assert response.status_code == 302
    assert response.headers["Location"] == "/editor/gateways/ark"
    [(name, definition)] = stored(app)
    assert name == "ark"
    assert definition["request"]["new_session"] == {
        "field": "newSession",
        "new_values": ["true"],
        "continue_values": ["false"],
    }
    assert definition["reply"]["continue_value"] is True
    assert definition["reply"]["echo"] == {
        "sessionID": "sessionID",
        "userID": "userID",
        "msisdn": "msisdn",
    }
    assert rows(app, "SELECT updated_by_id FROM mapped_gateways")[0][0] is not None
    reply = ark_hop(as_admin, "ark", "s1", True)
    assert reply.status_code == 200
    assert reply.get_json() == {
        "sessionID": "s1",
        "userID": "U1",
        "msisdn": "0244123456",
        "message": "Welcome / Bienvenue\n1. English\n2. Français",
        "continueSession": True,
    }
    page = as_admin.get("/editor/gateways/ark").get_data(as_text=True)
    assert "http://localhost/ussd/mapped/ark?token=&lt;USSD_WEBHOOK_TOKEN&gt;" in page
    assert "&#34;continueSession&#34;:true" in page  # the example reply, from the definition


# Each incomplete or ambiguous form: the field it names, and what is said there.
REFUSED_FORMS = [
    ({"input": ""}, "input", "request.input: required"),
    ({"input": "sessionID"}, "input", "request.input: same field as request.session_id"),
    ({"continue_value": ""}, "continue_value", "reply.continue_value: required for a JSON reply"),
    ({"end_value": "true"}, "end_value", "reply.end_value: same as reply.continue_value"),
    ({"text_field": "continueSession"}, "continue_field", "same field as reply.text_field"),
    ({"echo": "message"}, "echo", "reply.echo.message: same field as reply.text_field"),
    ({"echo": "userID, userID"}, "echo", "userID is echoed twice"),
    ({"new_values": ""}, "new_values", "request.new_session.new_values: required"),
    ({"continue_values": "TRUE"}, "continue_values", '"TRUE" also means a new session'),
    ({"name": "Ark Gateway"}, "name", "name: 1 to 13 lower-case letters"),
    ({"name": "new"}, "name", "name: new is reserved"),
    ({"country": "ZZ"}, "country", "request.country: a two-letter country code"),
    ({"method": "GET"}, "body", ""),  # a GET gateway's fields are in the query string
    ({"screen_characters": "20"}, "screen_characters", ""),
    ({"reply_format": "text", "end_prefix": "CON "}, "end_prefix", "same as reply.continue_prefix"),
    ({"title": "tab\there"}, "title", "control character"),
]


@pytest.mark.parametrize(("changes", "field", "said"), REFUSED_FORMS)
def test_an_incomplete_or_ambiguous_form_is_refused_at_its_field(
    app, as_admin, changes, field, said
):
    if changes == {"method": "GET"}:  # GET with a JSON body: refused, the field named
        said = "request.body: a GET request has no body"
    if field == "screen_characters":
        said = "Number must be between 40 and 182."
    response = save(as_admin, **changes)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    assert error, f"no error under {field}"
    assert said.replace('"', "&#34;") in error.group(1)
    assert stored(app) == []


def test_editing_changes_what_is_served_at_once(app, as_admin):
    save(as_admin)
    ark_hop(as_admin, "ark", "s1", True)
    response = save(
        as_admin,
        "/editor/gateways/ark",
        name="ark2",
        echo="sessionID, user=userID",
        continue_value='"more"',
        end_value='"stop"',
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/editor/gateways/ark2"
    [(name, definition)] = stored(app)
    assert name == "ark2"
    assert definition["reply"]["continue_value"] == "more"
    assert ark_hop(as_admin, "ark", "s2", True).status_code == 404
    reply = ark_hop(as_admin, "ark2", "s2", True).get_json()
    assert reply == {
        "sessionID": "s2",
        "user": "U1",
        "message": "Welcome / Bienvenue\n1. English\n2. Français",
        "continueSession": "more",
    }
    form = as_admin.get("/editor/gateways/ark2").get_data(as_text=True)
    assert 'value="&#34;more&#34;"' not in form and 'value="more"' in form
    assert 'value="sessionID, user=userID"' in form


def test_a_name_is_not_taken_twice(app, as_admin):
    save(as_admin)
    save(as_admin, name="other")
    response = save(as_admin, "/editor/gateways/other", name="ark")
    assert response.status_code == 400
    assert "This name is taken." in response.get_data(as_text=True)
    assert [name for name, _ in stored(app)] == ["ark", "other"]


def test_deleting_asks_first_then_the_url_stops_answering(app, as_admin):
    save(as_admin)
    page = as_admin.get("/editor/gateways/ark/delete")
    assert page.status_code == 200 and "Delete the gateway ark?" in page.get_data(as_text=True)
    assert stored(app) != []
    response = as_admin.post(
        "/editor/gateways/ark/delete",
        data={"csrf_token": token(as_admin, "/editor/gateways/ark/delete")},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/editor/gateways"
    assert stored(app) == []
    assert ark_hop(as_admin, "ark", "s1", True).status_code == 404


def test_an_unknown_gateway_page_is_not_found(as_admin):
    assert as_admin.get("/editor/gateways/nothing").status_code == 404
    assert as_admin.get("/editor/gateways/nothing/export").status_code == 404


# -- import and export ------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["africastalking", "arkesel"])
def test_import_then_export_gives_the_file_back(app, as_admin, provider):
    content = (EXAMPLES / f"{provider}.json").read_bytes()
    response = upload(as_admin, content)
    name = example(provider)["name"]
    assert response.status_code == 302
    assert response.headers["Location"] == f"/editor/gateways/{name}"
    assert stored(app) == [(name, example(provider))]
    exported = as_admin.get(f"/editor/gateways/{name}/export")
    assert exported.status_code == 200
    assert exported.mimetype == "application/json"
    assert f'filename="gateway-{name}.json"' in exported.headers["Content-Disposition"]
    assert json.loads(exported.get_data()) == example(provider)
    # and what the form shows saves back to the same definition
    save(as_admin, f"/editor/gateways/{name}", **form_of(as_admin, name))
    assert stored(app) == [(name, example(provider))]


def form_of(client, name: str) -> dict[str, str]:
    """The values the edit page's form holds (inputs and selected options)."""
    page = client.get(f"/editor/gateways/{name}").get_data(as_text=True)
    values = {}
    for match in re.finditer(r"<input ([^>]*)>", page):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(1)))
        if attrs.get("type") == "checkbox":
            values[attrs["name"]] = "y" if "checked" in match.group(1) else ""
        elif "name" in attrs and attrs.get("type") not in ("submit", "file"):
            values[attrs["name"]] = attrs.get("value", "")
    for select in re.finditer(r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"', select.group(2)) or re.search(
            r'<option value="([^"]*)" selected', select.group(2)
        )
        assert chosen, select.group(1)
        values[select.group(1)] = chosen.group(1)
    values.pop("csrf_token", None)
    unescaped = {k: v.replace("&#34;", '"').replace("&#39;", "'") for k, v in values.items()}
    return {k: v for k, v in unescaped.items() if k in ARKESEL_FORM or k == "cumulative"}


BAD_FILES = [
    (b"{not json", "This is not a JSON file."),
    (b"\xff\xfe{}", "This is not a JSON file."),
    (b"[" * 100_000, "larger than 64 KB"),
    (b"[]", "definition: must be an object"),
    (
        json.dumps({**example("arkesel"), "reply": {"format": "json"}}).encode(),
        "reply.text_field: required",
    ),
    (
        json.dumps(
            {
                **example("arkesel"),
                "request": {**example("arkesel")["request"], "phone": "userData"},
            }
        ).encode(),
        "request.input: same field as request.phone",
    ),
    (json.dumps({**example("arkesel"), "extra": 1}).encode(), "extra: unknown field"),
    (
        json.dumps({**example("arkesel"), "screen_characters": "120"}).encode(),
        "screen_characters: a whole number",
    ),
]


@pytest.mark.parametrize(("content", "said"), BAD_FILES)
def test_a_bad_file_is_refused_and_nothing_is_stored(app, as_admin, content, said):
    response = upload(as_admin, content)
    assert response.status_code == 400
    assert said.replace('"', "&#34;") in response.get_data(as_text=True)
    assert stored(app) == []


def test_an_import_does_not_replace_a_gateway_of_the_same_name(app, as_admin):
    upload(as_admin, (EXAMPLES / "arkesel.json").read_bytes())
    changed = {**example("arkesel"), "title": "Another"}
    response = upload(as_admin, json.dumps(changed).encode())
    assert response.status_code == 400
    assert "A gateway named arkesel exists" in response.get_data(as_text=True)
    assert stored(app) == [("arkesel", example("arkesel"))]


# -- where the editor shows screens -----------------------------------------------------------


def test_a_mapped_gateway_is_a_screen_and_simulator_choice_with_its_budget(app, as_admin):
    narrow = {**example("arkesel"), "name": "narrow", "title": "Narrow", "screen_characters": 60}
    assert upload(as_admin, json.dumps(narrow).encode()).status_code == 302
    page = as_admin.get("/editor/menus/1?gateway=mapped:narrow").get_data(as_text=True)
    assert '<option value="mapped:narrow" selected>Narrow</option>' in page
    data = re.search(r'<script[^>]*id="screen-data"[^>]*>(.*?)</script>', page, re.S)
    assert data, "no screen data"
    budgets = json.loads(data.group(1))["budgets"]
    assert budgets["mapped:narrow"] == {"gsm7": 182, "ucs2": 80, "cap": 60, "title": "Narrow"}
    assert 'value="mapped:narrow"' in page.split('id="sim-gateway"')[1].split("</select>")[0]
    reply = as_admin.post(
        "/editor/menus/1/simulate",
        data={
            "csrf_token": token(as_admin, "/editor/menus/1"),
            "sim-source": "draft",
            "sim-gateway": "mapped:narrow",
            "sim-phone": "+221770000000",
            "sim-dial": "1",
        },
        headers={"Accept": "application/json"},
    ).get_json()
    assert reply["error"] is False and reply["text"].startswith("Welcome")


# -- the webhook ------------------------------------------------------------------------------


def install(app, *names: str) -> None:
    from ussd.extensions import db
    from ussd.mapped_gateways import read_definition, save_definition

    with app.app_context():
        for name in names:
            save_definition(read_definition(example(name)), None)
        db.session.commit()


def test_an_unknown_name_is_404_after_the_token(app, client):
    assert client.post("/ussd/mapped/nothing").status_code == 401
    response = client.post("/ussd/mapped/nothing", headers={"X-USSD-Token": TOKEN})
    assert response.status_code == 404
    assert response.get_data(as_text=True) == "no mapped gateway named nothing\n"


def test_a_method_the_definition_does_not_use_is_405(app, client):
    install(app, "arkesel")
    response = client.get("/ussd/mapped/arkesel", headers={"X-USSD-Token": TOKEN})
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_a_get_definition_reads_the_query_and_not_the_token(app, client):
    dmark = {
        "name": "dmark-like",
        "title": "DMARK-like",
        "request": {
            "method": "GET",
            "session_id": "transactionId",
            "phone": "msisdn",
            "input": "ussdRequestString",
            "new_session": {"field": "response", "new_values": ["false"]},
            "service_code": "ussdServiceCode",
        },
        "reply": {
            "format": "json",
            "text_field": "responseString",
            "continue_field": "action",
            "continue_value": "request",
            "end_value": "end",
        },
        "screen_characters": None,
    }
    from ussd.extensions import db
    from ussd.mapped_gateways import read_definition, save_definition

    with app.app_context():
        save_definition(read_definition(dmark), None)
        db.session.commit()
    query = (
        "transactionId=t1&msisdn=%2B256775123456&ussdRequestString=%2A123%2A456%23"
        "&response=false&ussdServiceCode=%2A123%2A456%23"
    )
    reply = client.get(f"/ussd/mapped/dmark-like?{query}&token={TOKEN}")
    assert reply.status_code == 200
    assert reply.get_json() == {
        "responseString": "Welcome / Bienvenue\n1. English\n2. Français",
        "action": "request",
    }
    second = query.replace("response=false", "response=true").replace(
        "ussdRequestString=%2A123%2A456%23", "ussdRequestString=1"
    )
    assert (
        client.get(f"/ussd/mapped/dmark-like?{second}&token={TOKEN}")
        .get_json()["responseString"]
        .startswith("Where are you?")
    )


ARKESEL_FIRST = {
    "sessionID": "h1",
    "userID": "U1",
    "newSession": True,
    "msisdn": "0244123456",
    "userData": "*123*456#",
    "network": "MTN",
}
# (gateway, body, content type, status, the one-line reason)
HOSTILE = [
    ("arkesel", b"", "application/json", 400, "empty body: expected a JSON object"),
    ("arkesel", b"\xff\xfe", "application/json", 400, "body is not valid UTF-8"),
    ("arkesel", b"[1]", "application/json", 400, "body must be a JSON object"),
    ("arkesel", {**ARKESEL_FIRST, "sessionID": None}, "json", 400, "missing field sessionID"),
    ("arkesel", {**ARKESEL_FIRST, "sessionID": ""}, "json", 400, "field sessionID is empty"),
    (
        "arkesel",
        {**ARKESEL_FIRST, "msisdn": "call me"},
        "json",
        400,
        "field msisdn is not a phone number",
    ),
    ("arkesel", {**ARKESEL_FIRST, "newSession": None}, "json", 400, "missing field newSession"),
    (
        "arkesel",
        {**ARKESEL_FIRST, "newSession": "maybe"},
        "json",
        400,
        "field newSession must be one of true, false",
    ),
    (
        "arkesel",
        {**ARKESEL_FIRST, "newSession": [True]},
        "json",
        400,
        "field newSession must be a string",
    ),
    ("arkesel", {**ARKESEL_FIRST, "userData": 5}, "json", 400, "field userData must be a string"),
    ("arkesel", {**ARKESEL_FIRST, "userID": None}, "json", 400, "missing field userID"),
    (
        "arkesel",
        {**ARKESEL_FIRST, "userID": {"a": 1}},
        "json",
        400,
        "field userID must be a string",
    ),
    (
        "arkesel",
        {**ARKESEL_FIRST, "network": "a\x00b"},
        "json",
        400,
        "field network contains a control character",
    ),
    (
        "arkesel",
        {**ARKESEL_FIRST, "userData": "x" * 1001},
        "json",
        400,
        "field userData is too long (1001 > 1000 characters)",
    ),
    ("arkesel", b"{" + b" " * 70_000 + b"}", "application/json", 413, "body too large"),
    (
        "africastalk",
        b"sessionId=a&phoneNumber=%2B221771234567&text=%FF",
        "form",
        400,
        "body is not valid UTF-8 form data",
    ),
    ("africastalk", b"phoneNumber=%2B221771234567&text=", "form", 400, "missing field sessionId"),
    (
        "africastalk",
        b"sessionId=a&sessionId=b&phoneNumber=1&text=",
        "form",
        400,
        "field sessionId is given twice",
    ),
]


@pytest.mark.parametrize(("name", "body", "kind", "status", "reason"), HOSTILE)
def test_hostile_requests_get_one_line_and_change_nothing(
    app, client, name, body, kind, status, reason
):
    install(app, "arkesel", "africastalking")
    before = snapshot(app)
    if isinstance(body, dict):
        data, content_type = json.dumps(body).encode(), "application/json"
    else:
        data, content_type = body, FORM if kind == "form" else kind
    response = client.post(
        f"/ussd/mapped/{name}",
        data=data,
        content_type=content_type,
        headers={"X-USSD-Token": TOKEN},
    )
    assert response.status_code == status
    text = response.get_data(as_text=True)
    assert text.startswith(reason) and text.count("\n") == 1
    assert snapshot(app) == before


def test_a_title_is_shown_as_written_never_evaluated(app, as_admin):
    title = "{{ 7*7 }} <b>x</b>"
    assert save(as_admin, title=title).status_code == 302
    page = as_admin.get("/editor/gateways/ark").get_data(as_text=True)
    assert "{{ 7*7 }} &lt;b&gt;x&lt;/b&gt;" in page and "49" not in page.split("<h1>")[1][:60]


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "x" * 5000},
        {"session_id": "s" * 5000},
        {"echo": "a" * 5000},
        {"screen_characters": "many"},
        {"method": "DELETE"},
        {"reply_format": "xml"},
    ],
)
def test_oversize_or_unknown_form_values_are_refused(app, as_admin, changes):
    assert save(as_admin, **changes).status_code == 400
    assert stored(app) == []


def test_the_lint_measures_screens_on_a_mapped_gateway_too(app, as_admin):
    """A screen longer than a mapped gateway's cap is named, as on Nalo: it will take pages."""
    page = as_admin.get("/editor/menus/1").get_data(as_text=True)
    assert "on mapped:narrow" not in page
    narrow = {**example("arkesel"), "name": "narrow", "title": "Narrow", "screen_characters": 40}
    assert upload(as_admin, json.dumps(narrow).encode()).status_code == 302
    page = as_admin.get("/editor/menus/1").get_data(as_text=True)
    assert "screen is 66/40 GSM-7 on mapped:narrow" in page
