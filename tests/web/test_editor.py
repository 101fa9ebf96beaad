"""The editor over HTTP: sign-in, roles, CSRF, menus, nodes, publishing, simulator, i18n."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import update

from tests.conftest import PASSWORDS, at_turn, at_walk, login, rows, token
from ussd.extensions import db
from ussd.models import User


@pytest.fixture
def as_editor(client, accounts):
    assert login(client, "editor").status_code == 302
    return client


@pytest.fixture
def as_admin(client, accounts):
    assert login(client, "admin").status_code == 302
    return client


def flashes(response) -> str:
    import html

    found = re.findall(
        r'<p class="flash flash-\w+" role="\w+">(.*?)</p>', response.get_data(as_text=True), re.S
    )
    return " ".join(html.unescape(f.strip()) for f in found)


def draft(app) -> dict:
    return json.loads(rows(app, "SELECT draft FROM menus WHERE id = 1")[0][0])


def revision(app) -> int:
    return rows(app, "SELECT draft_revision FROM menus WHERE id = 1")[0][0]


# -- signing in -------------------------------------------------------------------------------


def test_sign_in_and_out(client, accounts):
    assert client.get("/editor/menus").status_code == 302
    response = login(client, "editor")
    assert response.status_code == 302 and response.headers["Location"] == "/editor/menus"
    assert "Demo hotline" in client.get("/editor/menus").get_data(as_text=True)
    out = client.post("/editor/logout", data={"csrf_token": token(client, "/editor/menus")})
    assert out.status_code == 302 and out.headers["Location"] == "/editor/login"
    assert client.get("/editor/menus").status_code == 302


def test_wrong_password_and_unknown_email_look_alike(app, client, accounts):
    wrong = login(client, "editor", "not-the-password")
    unknown = client.post(
        "/editor/login",
        data={
            "csrf_token": token(client),
            "email": "nobody@example.org",
            "password": "whatever-password",
        },
    )
    assert wrong.status_code == unknown.status_code == 200
    assert flashes(wrong) == flashes(unknown) == "Wrong email or password."


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/editor/codes", "/editor/codes"),
        ("//evil.example/x", "/editor/menus"),
        ("https://evil.example/", "/editor/menus"),
    ],
)
def test_next_only_follows_local_paths(client, accounts, target, expected):
    response = client.post(
        f"/editor/login?next={target}",
        data={
            "csrf_token": token(client),
            "email": "editor@example.org",
            "password": PASSWORDS["editor"],
        },
    )
    assert response.headers["Location"] == expected


def test_disabled_account_cannot_sign_in(app, client, accounts):
    with app.app_context():
        user = db.session.get(User, accounts["editor"])
        assert user is not None
        user.active = False
        db.session.commit()
    assert login(client, "editor").status_code == 200


def test_session_cookie_flags(client, accounts):
    response = login(client, "editor")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain-HTTP trial; secure once PUBLIC_URL is https


def test_secure_cookie_with_https_public_url(make_app):
    app = make_app(PUBLIC_URL="https://ussd.example.org")
    assert app.config["SESSION_COOKIE_SECURE"] is True


# -- roles: every editor route is checked -----------------------------------------------------

SAMPLE = {
    "menu_id": 1,
    "node_id": "location",
    "number": 1,
    "code_id": 1,
    "user_id": 1,
    "handoff_id": 1,
    "name": "sample",  # a mapped gateway's name
    "connection_id": 1,
    "endpoint_id": 1,  # a webhook endpoint
    "message_id": 1,  # one of its deliveries
    "canned_id": 1,  # a canned reply
}
PUBLIC = {"editor.login"}


def editor_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("editor.") and rule.endpoint not in PUBLIC:
            yield rule


def test_every_editor_route_declares_a_role_or_login(app):
    for rule in editor_routes(app):
        view = app.view_functions[rule.endpoint]
        role = getattr(view, "required_role", None)
        assert role in ("viewer", "editor", "admin") or rule.endpoint == "editor.logout", (
            rule.endpoint
        )


def test_anonymous_users_are_sent_to_sign_in(app, client):
    for rule in editor_routes(app):
        url = rule.build(SAMPLE)[1] if isinstance(rule.build(SAMPLE), tuple) else rule.rule
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code in (302, 400), (rule.endpoint, method)
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/editor/login")


RANK = {"viewer": 1, "editor": 2, "admin": 3}


@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
def test_roles_are_enforced_on_every_route(app, client, accounts, role):
    login(client, role)
    csrf = token(client, "/editor/menus")
    for rule in editor_routes(app):
        view = app.view_functions[rule.endpoint]
        url = rule.build(SAMPLE)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.endpoint in ("editor.logout", "editor.sign_out_everywhere"):
                continue
            needed = getattr(view, "post_role" if method == "POST" else "required_role", "viewer")
            data = {"csrf_token": csrf} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            if RANK[role] < RANK[needed]:
                assert response.status_code == 403, (role, rule.endpoint, method)
            else:
                assert response.status_code != 403, (role, rule.endpoint, method)


def test_viewer_cannot_post_node_or_codes_changes(app, client, accounts):
    login(client, "viewer")
    csrf = token(client, "/editor/menus")
    before = draft(app)
    assert (
        client.post(
            "/editor/menus/1/nodes/location", data={"csrf_token": csrf, "node_id": "x"}
        ).status_code
        == 403
    )
    assert client.post("/editor/codes", data={"csrf_token": csrf}).status_code == 403
    assert (
        client.post(
            "/editor/menus/1/messages", data={"csrf_token": csrf, "revision": 1}
        ).status_code
        == 403
    )
    assert draft(app) == before


# -- CSRF -------------------------------------------------------------------------------------


def test_posts_without_a_csrf_token_are_refused(app, as_editor):
    response = as_editor.post("/editor/menus/1/publish", data={"revision": revision(app)})
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    assert rows(app, "SELECT COUNT(*) FROM menu_versions WHERE number IS NOT NULL")[0][0] == 1
    forged = as_editor.post(
        "/editor/menus/1/publish", data={"revision": revision(app), "csrf_token": "forged"}
    )
    assert forged.status_code == 400


def test_webhooks_need_no_csrf(client):
    assert at_turn(client, "").status_code == 200


# -- menus ------------------------------------------------------------------------------------


def test_menu_page_shows_outline_budgets_and_warnings(as_editor):
    page = as_editor.get("/editor/menus/1").get_data(as_text=True)
    assert "Where are you?\n1. Dakar\n2. Touba\n3. Thiès" in page
    assert "75/80 UCS-2" in page  # the French support screen
    assert "ê forces UCS-2" in page and "Nourriture et vetements" in page
    assert "Ready to publish, with 4 warnings." in page


def test_create_duplicate_and_delete_menus(app, client, accounts):
    login(client, "admin")
    csrf = token(client, "/editor/menus/new")
    response = client.post(
        "/editor/menus/new",
        data={
            "csrf_token": csrf,
            "name": "Clinic line",
            "languages": "fr, wo",
            "start_from": "blank",
        },
    )
    assert response.status_code == 302
    [(menu_id, draft_json)] = rows(app, "SELECT id, draft FROM menus WHERE name='Clinic line'")
    assert json.loads(draft_json)["languages"] == ["fr", "wo"]
    again = client.post(
        "/editor/menus/new",
        data={"csrf_token": csrf, "name": "Clinic line", "languages": "en", "start_from": "blank"},
    )
    assert "exists already" in again.get_data(as_text=True)
    dup = client.post(
        f"/editor/menus/{menu_id}/duplicate", data={"csrf_token": csrf, "name": "Clinic copy"}
    )
    assert dup.status_code == 302
    assert rows(app, "SELECT COUNT(*) FROM menus")[0][0] == 3
    confirm = client.get(f"/editor/menus/{menu_id}/delete")
    assert confirm.status_code == 200 and "Delete the menu Clinic line?" in confirm.get_data(
        as_text=True
    )
    gone = client.post(f"/editor/menus/{menu_id}/delete", data={"csrf_token": csrf})
    assert gone.status_code == 302
    assert rows(app, "SELECT COUNT(*) FROM menus WHERE name='Clinic line'")[0][0] == 0
    refused = client.post(
        "/editor/menus/1/delete", data={"csrf_token": csrf}, follow_redirects=True
    )
    assert "default menu" in flashes(refused)
    assert rows(app, "SELECT COUNT(*) FROM menus WHERE id=1")[0][0] == 1


def location_form(app, **changes) -> dict:
    data = {
        "node_id": "location",
        "key": "location",
        "note": "",
        "next": "support_type",
        "revision": revision(app),
        "text_en": "Where are you?",
        "text_fr": "Où vous trouvez-vous ?",
    }
    options = [
        ("Dakar", "Dakar", "Dakar"),
        ("Touba", "Touba", "Touba"),
        ("Thiès", "Thiès", "Thies"),
        ("", "", ""),
        ("", "", ""),
    ]
    for i, (en, fr, value) in enumerate(options):
        data.update(
            {
                f"options-{i}-label_en": en,
                f"options-{i}-label_fr": fr,
                f"options-{i}-value": value,
                f"options-{i}-next": "",
                f"options-{i}-language": "",
                f"options-{i}-position": str(i + 1),
            }
        )
    data.update(changes)
    return data


def test_add_a_location_in_both_languages_publish_and_dial(app, as_editor):
    csrf = token(as_editor, "/editor/menus/1/nodes/location")
    form = location_form(
        app,
        **{
            "options-3-label_en": "Saint-Louis",
            "options-3-label_fr": "Saint-Louis",
            "options-3-value": "Saint-Louis",
            "csrf_token": csrf,
        },
    )
    saved = as_editor.post("/editor/menus/1/nodes/location", data=form)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#node-location")
    options = draft(app)["nodes"][1]["options"]
    assert options[3] == {
        "label": {"en": "Saint-Louis", "fr": "Saint-Louis"},
        "value": "Saint-Louis",
    }
    # not live yet: callers still see three places
    before = at_walk(as_editor, ["1"], session="before", phone="+221770000001")[-1]
    assert "4. Saint-Louis" not in before
    published = as_editor.post(
        "/editor/menus/1/publish",
        data={"csrf_token": csrf, "revision": revision(app), "note": "Saint-Louis office opened"},
        follow_redirects=True,
    )
    assert "Version 2 is live" in flashes(published)
    reply = at_walk(as_editor, ["2"], session="after", phone="+221770000002")[-1]
    assert reply == "CON Où vous trouvez-vous ?\n1. Dakar\n2. Touba\n3. Thiès\n4. Saint-Louis"
    final = at_walk(as_editor, ["1", "4", "1", "1"], session="done", phone="+221770000003")
    assert final[-1].startswith("END")
    attributes = json.loads(rows(app, "SELECT attributes FROM handoffs")[0][0])
    assert attributes["location"] == "Saint-Louis" and attributes["menu_version"] == 2


def test_stale_form_is_not_saved(app, as_editor):
    csrf = token(as_editor, "/editor/menus/1/nodes/location")
    stale = location_form(app, csrf_token=csrf, text_en="Which town?")
    stale["revision"] = revision(app) - 1
    response = as_editor.post("/editor/menus/1/nodes/location", data=stale, follow_redirects=True)
    assert "Someone else changed this menu" in flashes(response)
    assert draft(app)["nodes"][1]["text"]["en"] == "Where are you?"


def test_rename_a_node_follows_links_and_bad_ids_are_refused(app, as_editor):
    csrf = token(as_editor, "/editor/menus/1/nodes/location")
    bad = as_editor.post(
        "/editor/menus/1/nodes/location",
        data=location_form(app, csrf_token=csrf, node_id="2 places"),
    )
    assert bad.status_code == 200 and "Letters, digits" in bad.get_data(as_text=True)
    ok = as_editor.post(
        "/editor/menus/1/nodes/location", data=location_form(app, csrf_token=csrf, node_id="town")
    )
    assert ok.status_code == 302
    doc = draft(app)
    assert doc["nodes"][0]["next"] == "town" and doc["nodes"][1]["id"] == "town"


def test_add_question_node_linked_from_an_option(app, as_editor):
    csrf = token(as_editor, "/editor/menus/1/add-node")
    response = as_editor.post(
        "/editor/menus/1/add-node",
        data={
            "csrf_token": csrf,
            "kind": "input",
            "node_id": "district",
            "link_from": "location:1",
            "revision": revision(app),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/editor/menus/1/nodes/district"
    doc = draft(app)
    assert doc["nodes"][2]["id"] == "district"
    assert doc["nodes"][1]["options"][0]["next"] == "district"
    page = as_editor.get("/editor/menus/1").get_data(as_text=True)
    assert "the screen has no text" in page and "the answer leads nowhere" in page
    blocked = as_editor.post(
        "/editor/menus/1/publish",
        data={"csrf_token": csrf, "revision": revision(app)},
        follow_redirects=True,
    )
    assert "Not published: the menu has 2 error(s)" in flashes(blocked)
    assert rows(app, "SELECT COUNT(*) FROM menu_versions WHERE number IS NOT NULL")[0][0] == 1
    question = as_editor.post(
        "/editor/menus/1/nodes/district",
        data={
            "csrf_token": csrf,
            "node_id": "district",
            "key": "district",
            "revision": revision(app),
            "text_en": "Which district?",
            "text_fr": "Quel quartier ?",
            "type": "text",
            "max_length": "40",
            "date_format": "DD/MM/YYYY",
            "attempts": "3",
            "on_fail": "",
            "next": "support_type",
            "note": "",
            "error_en": "",
            "error_fr": "",
        },
    )
    assert question.status_code == 302, question.get_data(as_text=True)
    node = draft(app)["nodes"][2]
    assert node["validation"] == {"type": "text", "max_length": 40}
    assert node["next"] == "support_type"


def test_every_validation_setting_goes_through_the_question_form(app, as_editor):
    csrf = token(as_editor, "/editor/menus/1/add-node")
    as_editor.post(
        "/editor/menus/1/add-node",
        data={"csrf_token": csrf, "kind": "input", "node_id": "age", "revision": revision(app)},
    )
    form = {
        "csrf_token": csrf,
        "node_id": "age",
        "key": "age",
        "text_en": "Your age?",
        "text_fr": "Votre âge ?",
        "type": "number",
        "min_length": "1",
        "max_length": "3",
        "min": "-2.5",
        "max": "120",
        "decimals": "y",
        "pattern": "[0-9]+",
        "region": "SN",
        "date_format": "YYYY-MM-DD",
        "not_future": "y",
        "attempts": "2",
        "error_en": "A number, please.",
    }
    saved = as_editor.post("/editor/menus/1/nodes/age", data={**form, "revision": revision(app)})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    node = next(n for n in draft(app)["nodes"] if n["id"] == "age")
    assert node["validation"] == {
        "type": "number",
        "min_length": 1,
        "max_length": 3,
        "min": -2.5,
        "max": 120.0,
        "integer": False,
        "pattern": "[0-9]+",
        "region": "SN",
        "date_format": "YYYY-MM-DD",
        "not_future": True,
    }
    assert (node["attempts"], node["error"]) == (2, {"en": "A number, please."})
    page = as_editor.get("/editor/menus/1/nodes/age").get_data(as_text=True)
    names = ["type", "min_length", "max_length", "min", "max", "decimals", "pattern", "region"]
    names += ["date_format", "not_future"]
    places = [page.index(f'name="{name}"') for name in names]
    assert places == sorted(places)  # every setting is shown, in the document's order
    assert re.search(r'name="min"[^>]*value="-2.5"', page)
    assert re.search(r'checked[^>]*name="decimals"|name="decimals"[^>]*checked', page)
    refused = as_editor.post(
        "/editor/menus/1/nodes/age",
        data={**form, "revision": revision(app), "max_length": "0", "region": "sn"},
    )
    assert refused.status_code == 200
    assert "Number must be between 1 and 500." in refused.get_data(as_text=True)
    assert "Invalid input." in refused.get_data(as_text=True)
    cleared = {k: v for k, v in form.items() if k not in ("decimals", "not_future")}
    cleared.update(type="text", min_length="", max_length="", min="", max="", pattern="")
    cleared.update(region="", date_format="DD/MM/YYYY")
    as_editor.post("/editor/menus/1/nodes/age", data={**cleared, "revision": revision(app)})
    node = next(n for n in draft(app)["nodes"] if n["id"] == "age")
    assert node["validation"] == {"type": "text"}


def test_delete_node_clears_links(app, as_editor):
    csrf = token(as_editor, "/editor/menus/1/nodes/callback/delete")
    page = as_editor.get("/editor/menus/1/nodes/callback/delete").get_data(as_text=True)
    assert "support_type (next)" in page
    assert (
        as_editor.post(
            "/editor/menus/1/nodes/callback/delete", data={"csrf_token": csrf}
        ).status_code
        == 302
    )
    doc = draft(app)
    assert [n["id"] for n in doc["nodes"]] == ["language", "location", "support_type", "thanks"]
    assert "next" not in doc["nodes"][2]


def test_move_and_gsm7_spelling(app, as_editor):
    csrf = token(as_editor, "/editor/menus/1")
    as_editor.post(
        "/editor/menus/1/nodes/thanks/move", data={"csrf_token": csrf, "direction": "up"}
    )
    assert [n["id"] for n in draft(app)["nodes"]][-2:] == ["thanks", "callback"]
    response = as_editor.post(
        "/editor/menus/1/nodes/thanks/gsm7",
        data={"csrf_token": csrf, "lang": "fr"},
        follow_redirects=True,
    )
    assert "now use GSM-7 spelling" in flashes(response)
    thanks = next(n for n in draft(app)["nodes"] if n["id"] == "thanks")
    assert thanks["text"]["fr"] == "Merci. Votre demande a bien été recue."


def test_versions_and_rollback(app, as_editor):
    csrf = token(as_editor, "/editor/menus/1/nodes/location")
    as_editor.post(
        "/editor/menus/1/nodes/location",
        data=location_form(app, csrf_token=csrf, text_en="Which town?"),
    )
    as_editor.post(
        "/editor/menus/1/publish",
        data={"csrf_token": csrf, "revision": revision(app), "note": "v2"},
    )
    page = as_editor.get("/editor/menus/1/versions").get_data(as_text=True)
    assert "editor@example.org" in page and "v2" in page
    back = as_editor.post(
        "/editor/menus/1/versions/1/rollback", data={"csrf_token": csrf}, follow_redirects=True
    )
    assert "Version 1 is live again, as version 3" in flashes(back)
    assert at_walk(as_editor, ["1"], session="rb")[-1].startswith("CON Where are you?")
    assert draft(app)["nodes"][1]["text"]["en"] == "Which town?"  # draft untouched


def test_export_and_import(app, as_editor):
    exported = as_editor.get("/editor/menus/1/export?version=live")
    assert exported.status_code == 200
    assert "demo-hotline-v1.json" in exported.headers["Content-Disposition"]
    document = json.loads(exported.get_data(as_text=True))
    document["nodes"][1]["text"]["en"] = "Imported town question"
    csrf = token(as_editor, "/editor/menus/1/import")
    done = as_editor.post(
        "/editor/menus/1/import",
        data={"csrf_token": csrf, "file": (io.BytesIO(json.dumps(document).encode()), "menu.json")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 302
    assert draft(app)["nodes"][1]["text"]["en"] == "Imported town question"
    broken = as_editor.post(
        "/editor/menus/1/import",
        data={"csrf_token": csrf, "file": (io.BytesIO(b'{"nodes": 3}'), "bad.json")},
        content_type="multipart/form-data",
    )
    assert broken.status_code == 200
    assert "nodes: a non-empty list" in broken.get_data(as_text=True)
    assert draft(app)["nodes"][1]["text"]["en"] == "Imported town question"
    document["name"] = "Second line"
    new = as_editor.post(
        "/editor/menus/import",
        data={"csrf_token": csrf, "file": (io.BytesIO(json.dumps(document).encode()), "m.json")},
        content_type="multipart/form-data",
    )
    assert new.status_code == 302
    assert rows(app, "SELECT COUNT(*) FROM menus WHERE name='Second line'")[0][0] == 1


def test_service_codes(app, as_editor):
    csrf = token(as_editor, "/editor/codes")
    as_editor.post(
        "/editor/menus/new",
        data={"csrf_token": csrf, "name": "Clinic line", "languages": "en", "start_from": "blank"},
    )
    [(clinic,)] = rows(app, "SELECT id FROM menus WHERE name='Clinic line'")
    as_editor.post(
        f"/editor/menus/{clinic}/publish",
        data={
            "csrf_token": csrf,
            "revision": rows(app, "SELECT draft_revision FROM menus WHERE id=:i", i=clinic)[0][0],
        },
    )
    mapped = as_editor.post(
        "/editor/codes",
        data={
            "csrf_token": csrf,
            "code-code": "*321#",
            "code-menu": str(clinic),
            "code-submit": "1",
        },
        follow_redirects=True,
    )
    assert "*321# now serves Clinic line." in flashes(mapped)
    assert (
        at_turn(as_editor, "", session="c", code="*321#")
        .get_data(as_text=True)
        .startswith("CON Welcome. What do you need?")
    )
    invalid = as_editor.post(
        "/editor/codes",
        data={
            "csrf_token": csrf,
            "code-code": "*12a#",
            "code-menu": str(clinic),
            "code-submit": "1",
        },
    )
    assert "digits separated by" in invalid.get_data(as_text=True)
    default = as_editor.post(
        "/editor/codes",
        data={"csrf_token": csrf, "default-menu": str(clinic), "default-submit": "1"},
    )
    assert default.status_code == 302
    assert (
        at_turn(as_editor, "", session="d", code="*999#")
        .get_data(as_text=True)
        .startswith("CON Welcome. What do you need?")
    )


def test_system_messages_override(app, as_editor):
    csrf = token(as_editor, "/editor/menus/1/messages")
    response = as_editor.post(
        "/editor/menus/1/messages",
        data={
            "csrf_token": csrf,
            "revision": revision(app),
            "m-fr-more": "Plus",
            "m-en-more": "More",
        },
    )  # equal to the built-in: not stored
    assert response.status_code == 302
    assert draft(app)["messages"] == {"fr": {"more": "Plus"}}


# -- simulator --------------------------------------------------------------------------------


def simulate(client, csrf: str, action: str, entry: str = "", **fields):
    data = {
        "csrf_token": csrf,
        "sim-source": "draft",
        "sim-gateway": "africastalking",
        "sim-phone": "+221770000000",
        f"sim-{action}": "1",
        "sim-entry": entry,
    }
    data.update({f"sim-{k}": v for k, v in fields.items()})
    return client.post(
        "/editor/menus/1/simulate", data=data, headers={"Accept": "application/json"}
    ).get_json()


def test_simulator_runs_the_draft_through_the_real_engine(app, as_editor):
    csrf = token(as_editor, "/editor/menus/1/nodes/location")
    as_editor.post(
        "/editor/menus/1/nodes/location",
        data=location_form(app, csrf_token=csrf, text_fr="Dans quelle ville ?"),
    )
    assert (
        simulate(as_editor, csrf, "dial")["text"] == "Welcome / Bienvenue\n1. English\n2. Français"
    )
    reply = simulate(as_editor, csrf, "send", "2")
    assert reply["text"].startswith("Dans quelle ville ?")  # the draft, not the live version
    assert reply["transcript"] == ["2"]
    for entry in ("1", "1", "1"):
        reply = simulate(as_editor, csrf, "send", entry)
    assert reply == {
        "text": "Merci. Votre demande a bien été reçue.",
        "end": True,
        "error": False,
        "transcript": ["2", "1", "1", "1"],
        "requests": [],  # no http node in the demo
    }
    assert rows(app, "SELECT COUNT(*) FROM handoffs")[0][0] == 0  # no task unless asked
    assert rows(app, "SELECT is_simulation FROM ussd_sessions")[0][0] in (1, True)
    assert rows(app, "SELECT COUNT(*) FROM menu_versions WHERE number IS NULL")[0][0] == 1
    page = as_editor.get("/editor/menus/1").get_data(as_text=True)
    assert "Merci. Votre demande a bien été reçue." in page


def test_simulator_live_version_and_test_task(app, as_editor):
    csrf = token(as_editor, "/editor/menus/1")
    simulate(as_editor, csrf, "dial", source="live", create_task="y")
    for entry in ("1", "2", "2", "1"):
        reply = simulate(as_editor, csrf, "send", entry, source="live", create_task="y")
    assert reply["text"] == "Thank you. Your request has been received."
    attributes = json.loads(rows(app, "SELECT attributes FROM handoffs")[0][0])
    assert attributes["location"] == "Touba" and attributes["menu_version"] == 1
    assert attributes["simulation"] is True  # agents can tell a test from a caller


def test_a_viewer_simulates_but_never_makes_a_flex_task(app, client, accounts):
    assert login(client, "viewer").status_code == 302
    assert "Create a Flex task" not in client.get("/editor/menus/1").get_data(as_text=True)
    csrf = token(client, "/editor/menus/1")
    simulate(client, csrf, "dial", source="live", create_task="y")
    for entry in ("1", "2", "2", "1"):
        reply = simulate(client, csrf, "send", entry, source="live", create_task="y")
    assert reply["text"] == "Thank you. Your request has been received."
    assert rows(app, "SELECT COUNT(*) FROM handoffs")[0][0] == 0


def test_simulator_shows_why_a_broken_draft_stops(app, as_editor):
    csrf = token(as_editor, "/editor/menus/1")
    as_editor.post("/editor/menus/1/nodes/support_type/delete", data={"csrf_token": csrf})
    simulate(as_editor, csrf, "dial")
    simulate(as_editor, csrf, "send", "1")
    reply = simulate(as_editor, csrf, "send", "1")
    assert reply["error"] is True and "leads nowhere" in reply["text"]


def test_simulator_live_without_a_live_version(app, as_editor):
    csrf = token(as_editor, "/editor/menus/new")
    as_editor.post(
        "/editor/menus/new",
        data={"csrf_token": csrf, "name": "Unpublished", "languages": "en", "start_from": "blank"},
    )
    [(menu_id,)] = rows(app, "SELECT id FROM menus WHERE name='Unpublished'")
    reply = as_editor.post(
        f"/editor/menus/{menu_id}/simulate",
        data={
            "csrf_token": csrf,
            "sim-source": "live",
            "sim-gateway": "nalo",
            "sim-phone": "",
            "sim-dial": "1",
        },
        headers={"Accept": "application/json"},
    ).get_json()
    assert reply["error"] and "no live version" in reply["text"]


def test_simulator_without_javascript_redirects_back(as_editor):
    csrf = token(as_editor, "/editor/menus/1")
    response = as_editor.post(
        "/editor/menus/1/simulate",
        data={
            "csrf_token": csrf,
            "sim-source": "draft",
            "sim-gateway": "nalo",
            "sim-phone": "+221770000000",
            "sim-dial": "1",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#simulator")
    page = as_editor.get("/editor/menus/1").get_data(as_text=True)
    assert "Welcome / Bienvenue\n1. English\n2. Français</div>" in page


# -- accounts and languages -------------------------------------------------------------------


def test_viewer_sees_the_editor_in_french(client, accounts):
    login(client, "viewer")
    page = client.get("/editor/menus/1").get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in page
    assert "Plan du brouillon" in page and "Essayez-le sur un téléphone" in page
    assert "impose l&#39;UCS-2" in page  # lint messages are translated too
    assert "Publier le brouillon" not in page  # viewers cannot publish


def test_browser_language_before_sign_in(client):
    page = client.get("/editor/login", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert "Se connecter" in page.get_data(as_text=True)


def test_account_settings(app, as_editor):
    csrf = token(as_editor, "/editor/account")
    as_editor.post(
        "/editor/account",
        data={"csrf_token": csrf, "settings-language": "fr", "settings-submit": "1"},
    )
    assert rows(app, "SELECT language FROM users WHERE email='editor@example.org'")[0][0] == "fr"
    wrong = as_editor.post(
        "/editor/account",
        data={
            "csrf_token": csrf,
            "password-current": "bad",
            "password-new": "a-new-password-2",
            "password-confirm": "a-new-password-2",
            "password-submit": "1",
        },
    )
    assert "pas votre mot de passe actuel" in wrong.get_data(as_text=True)
    changed = as_editor.post(
        "/editor/account",
        data={
            "csrf_token": csrf,
            "password-current": PASSWORDS["editor"],
            "password-new": "a-new-password-2",
            "password-confirm": "a-new-password-2",
            "password-submit": "1",
        },
    )
    assert changed.status_code == 302


def test_admin_manages_accounts(app, as_admin, accounts):
    csrf = token(as_admin, "/editor/users")
    created = as_admin.post(
        "/editor/users",
        data={"csrf_token": csrf, "email": "New@Example.org", "role": "viewer", "language": "fr"},
    )
    assert created.status_code == 200
    assert "Give new@example.org this password" in created.get_data(as_text=True)
    editor_id = accounts["editor"]
    as_admin.post(
        f"/editor/users/{editor_id}",
        data={
            f"u{editor_id}-csrf_token": csrf,
            "csrf_token": csrf,
            f"u{editor_id}-role": "viewer",
            f"u{editor_id}-active": "y",
        },
    )
    assert rows(app, "SELECT role FROM users WHERE id=:i", i=editor_id)[0][0] == "viewer"
    admin_id = accounts["admin"]
    kept = as_admin.post(
        f"/editor/users/{admin_id}",
        data={"csrf_token": csrf, f"u{admin_id}-role": "editor", f"u{admin_id}-active": "y"},
        follow_redirects=True,
    )
    assert "last admin" in flashes(kept)
    assert rows(app, "SELECT role FROM users WHERE id=:i", i=admin_id)[0][0] == "admin"


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_catalogue_is_complete_and_compiled(language):
    """French and Arabic: every message translated (each plural form too), placeholders kept,
    and the .mo compiled from the .po as it is."""
    from pathlib import Path

    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    folder = Path(__file__).resolve().parents[2] / "translations" / language / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as fh:
        po = read_po(fh)
    with open(folder / "messages.mo", "rb") as fh:
        mo = read_mo(fh)
    untranslated = [
        m.id
        for m in po
        if m.id
        and (not m.string or (isinstance(m.string, tuple | list) and not all(m.string)))
    ]
    assert untranslated == []
    assert [m.id for m in po if m.id and m.fuzzy] == []
    assert [(m.id, [str(e) for e in errors]) for m, errors in po.check()] == []

    def entries(catalog):
        def flat(value):
            return tuple(value) if isinstance(value, list | tuple) else value

        return {flat(m.id): flat(m.string) for m in catalog if m.id}

    assert entries(po) == entries(mo), "run: pybabel compile -d translations"


def test_every_translatable_string_reaches_the_catalogue():
    """pybabel does not look inside f-strings: f"{_('answer')}: {key}" was never extracted,
    so a French reader saw "answer". Every string given to a gettext function in the
    editor's code and templates must be (the start of) a message of the catalogue."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2]
    with open(root / "translations/fr/LC_MESSAGES/messages.po", "rb") as fh:
        ids = [
            i for m in read_po(fh) for i in (m.id if isinstance(m.id, tuple | list) else [m.id])
        ]
    call = re.compile(r"""(?<![\w.])(?:_l?|N_|n?gettext)\(\s*(["'])((?:\\.|(?!\1).)*)\1""")
    sources = [root / "app.py", *root.glob("editor/**/*.py"), *root.glob("templates/**/*.html")]
    missing = []
    for path in sources:
        for match in call.finditer(path.read_text(encoding="utf-8")):
            text = match.group(2).encode().decode("unicode_escape").encode("latin-1").decode()
            if not any(str(i).startswith(text) for i in ids):
                missing.append(f"{path.relative_to(root)}: {text!r}")
    assert missing == [], "run pybabel extract/update (and translate), or unhide the call"


# -- every page in French ---------------------------------------------------------------------


class _Texts(HTMLParser):
    """What a reader of a page sees or hears: its text, the labels of its controls (aria-label,
    title, placeholder, the value of buttons), and the strings editor.js shows (JSON data
    blocks). Code, a menu's own texts shown as a caller's screen, and parts declared in
    another language (lang="en": the menu format, written in English) are left out."""

    SKIPPED = {"code", "pre", "textarea", "style"}
    VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr"}

    def __init__(self, language: str = "fr") -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.found: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.json_block = False

    def _skipping(self) -> bool:
        return any(skipped for _, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        skipped = (
            tag in self.SKIPPED
            or attributes.get("lang", self.language) != self.language
            or "phone-screen" in (attributes.get("class") or "")
        )
        if not self._skipping() and not skipped:
            for name in ("aria-label", "title", "placeholder", "alt"):
                if attributes.get(name):
                    self.found.append(attributes[name])
            if tag == "input" and attributes.get("type") in ("submit", "button"):
                self.found.append(attributes.get("value") or "")
            for name in ("data-ended", "data-waiting", "data-label", "data-confirm"):
                if attributes.get(name):  # texts editor.js shows
                    self.found.append(attributes[name])
        if tag not in self.VOID:
            self.stack.append((tag, skipped))
        self.json_block = tag == "script" and attributes.get("type") == "application/json"

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break
        self.json_block = False

    def handle_data(self, data):
        if self.json_block:
            self.found.extend(_strings(json.loads(data).get("strings", {})))
        elif not self._skipping() and not (self.stack and self.stack[-1][0] == "script"):
            self.found.append(data)


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def shown_texts(page: str, language: str = "fr") -> list[str]:
    parser = _Texts(language)
    parser.feed(page)
    return [" ".join(t.split()) for t in parser.found if t.strip()]


def _english_patterns(language: str = "fr"):
    """A pattern per English message of our catalogue whose translation differs."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    po_path = (
        Path(__file__).resolve().parents[2] / f"translations/{language}/LC_MESSAGES/messages.po"
    )
    with open(po_path, "rb") as fh:
        catalog = read_po(fh)
    patterns = {}
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        for english in ids:
            if not english or english in strings or message.fuzzy:
                continue
            text = " ".join(str(english).split())
            pattern = re.escape(text)
            pattern = re.sub(r"%\\\(\w+\\\)d", r"\\d+", pattern)
            pattern = re.sub(r"%\\\(\w+\\\)s", ".+?", pattern).replace("%%", "%")
            # a word is only itself (a menu's "location" is not "Location"); a phrase of two
            # words or more (placeholders aside) is looked for inside longer texts too
            if len(re.sub(r"%\(\w+\)[sd]", "", text).split()) >= 2:
                pattern = rf"(?<!\w){pattern}(?!\w)"
            else:
                pattern = rf"^{pattern}$"
            patterns[text] = re.compile(pattern)
    return patterns


@pytest.mark.parametrize(
    ("language", "direction", "accept"),
    [("fr", "ltr", "fr-FR,fr;q=0.9"), ("ar", "rtl", "ar-SY,ar;q=0.9,en;q=0.5")],
)
def test_every_page_in_french_shows_no_english_that_has_a_translation(
    app, client, accounts, language, direction, accept
):
    """Each page rendered for a French (or Arabic) reader: no text, control label or choice
    of a select may be English when the catalogue has its translation (choices once were
    built in English when the module loaded). An Arabic page runs right to left."""
    from tests.web.pages import PAGES, prepare

    prepare(app, client)
    with app.app_context():
        db.session.execute(update(User).values(language=language))
        db.session.commit()
    patterns = _english_patterns(language)
    english: dict[str, list[str]] = {}

    def check(url: str, page: str) -> None:
        assert f'<html lang="{language}" dir="{direction}">' in page, url
        for text in shown_texts(page, language):
            for message, pattern in patterns.items():
                if pattern.search(text):
                    english.setdefault(url, []).append(f"{message!r} in {text!r}")

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = accept  # before signing in
    check("/editor/login", client.get("/editor/login").get_data(as_text=True))
    login(client, "admin")
    csrf = token(client, "/editor/menus/1")
    client.post(
        "/editor/menus/1/simulate",
        data={
            "csrf_token": csrf,
            "sim-source": "draft",
            "sim-gateway": "africastalking",
            "sim-phone": "+221770000000",
            "sim-dial": "1",
        },
    )
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        check(url, response.get_data(as_text=True))
    assert english == {}


# -- smaller things a new user saw (issue 14, item 8) -------------------------------------------


def test_system_messages_are_listed_by_what_they_say(as_editor, client, accounts):
    from editor.menus.forms import MESSAGE_DESCRIPTIONS
    from ussd.menu.texts import MESSAGE_NAMES

    assert set(MESSAGE_DESCRIPTIONS) == set(MESSAGE_NAMES)  # a new message needs its words
    page = as_editor.get("/editor/menus/1/messages").get_data(as_text=True)
    row = re.search(r'<th scope="row">([^<]*)<code class="message-name">err_whole_number', page)
    assert row and "a decimal number where a whole number is asked" in row.group(1)
    assert (
        'aria-label="Answer refused: a decimal number where a whole number is asked (English)"'
        in page
    )
    as_editor.post("/editor/logout", data={"csrf_token": token(as_editor, "/editor/menus")})
    login(client, "viewer")  # reads French
    french = client.get("/editor/menus/1/messages").get_data(as_text=True)
    assert "un nombre décimal là où un nombre entier est demandé" in french


def test_the_demo_menu_describes_itself_without_our_design_notes():
    from ussd.publishing import demo_document

    description = demo_document()["description"]
    assert "DESIGN" not in description and ".md" not in description
    assert "language" in description and "agent" in description


def test_the_import_page_links_the_menu_format(app, client, accounts):
    assert client.get("/editor/help/menu-format").status_code == 302  # sign in first
    login(client, "editor")
    for url in ("/editor/menus/1/import", "/editor/menus"):
        page = client.get(url).get_data(as_text=True)
        assert '<a href="/editor/help/menu-format">the menu format</a>' in page, url
    help_page = client.get("/editor/help/menu-format").get_data(as_text=True)
    assert "<h1>Menu format (JSON, version 1)</h1>" in help_page
    assert '<h3 id="input-free-text-with-validation"><code>input</code>: free text' in help_page
    assert '<th scope="col">field</th>' in help_page  # its tables are tables
    assert "<code>err_whole_number</code>" in help_page


def test_erasing_a_number_asks_for_confirmation(app, client, accounts):
    at_walk(client, ["1"], session="erase-me", phone="+221771234500")
    login(client, "admin")
    page = client.post(
        "/editor/privacy",
        data={
            "csrf_token": token(client, "/editor/privacy"),
            "phone": "+221771234500",
            "check": "1",
        },
    ).get_data(as_text=True)
    # the button Enter presses is "Find what is stored"; erasing is behind a second step that
    # says it cannot be undone, in the danger style
    assert page.index('name="check"') < page.index('name="erase"')
    step = re.search(r'<details class="confirm-danger">(.*?)</details>', page, re.S)
    assert step, "no confirmation step"
    assert '<summary class="button danger solid">Erase everything about this number</summary>' in (
        step.group(1)
    )
    assert "cannot be undone" in step.group(1)
    assert re.search(
        r'<input class="danger solid" id="erase" name="erase" type="submit"', step.group(1)
    )


def test_a_long_email_is_not_echoed_whole(as_admin):
    typed = "a" * 240 + "@example.org x"  # 254 characters at most, and not an email
    page = as_admin.post(
        "/editor/users",
        data={
            "csrf_token": token(as_admin, "/editor/users"),
            "email": typed,
            "role": "viewer",
            "language": "en",
        },
    ).get_data(as_text=True)
    [error] = re.findall(r'<p class="error" id="email-error">(.*?)</p>', page, re.S)
    assert "is not an email address" in error and len(error) < 120
    assert "a" * 100 not in error


def test_every_page_names_its_icon_and_the_icon_is_served(client):
    page = client.get("/editor/login").get_data(as_text=True)
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', page)
    assert icons
    for href in [*icons, "/favicon.ico"]:
        response = client.get(href)
        response.close()  # a file sent as it is read
        assert response.status_code == 200, href
        assert response.mimetype.startswith("image/"), href
