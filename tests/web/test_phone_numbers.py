"""Phone numbers as people and gateways give them (issue 14, items 1 and 2): erasure never
answers a false "nothing stored", and a Flex task's `from` is always E.164."""

from __future__ import annotations

import json
import logging

import pytest

from tests.conftest import Dialer, at_walk, login, rows, token
from tests.e2e.test_dial_demo import dial

PHONE = "+221771112233"


def sessions(app) -> int:
    return int(rows(app, "SELECT COUNT(*) FROM ussd_sessions")[0][0])


def check(client, phone: str, action: str = "check") -> str:
    csrf = token(client, "/editor/privacy")
    page = client.post(
        "/editor/privacy",
        data={"csrf_token": csrf, "phone": phone, action: "1"},
        follow_redirects=True,
    )
    return page.get_data(as_text=True)


# -- 1. erasure: a number without its country code ----------------------------------------------


def test_privacy_page_refuses_a_number_without_country_code_when_no_region_is_set(
    make_app, accounts
):
    app = make_app(DEFAULT_PHONE_REGION="")
    client = app.test_client()
    at_walk(client, ["1", "1", "1", "1"], session="local-1", phone=PHONE)
    at_walk(client, ["1"], session="local-2", phone=PHONE)
    login(client, "admin")

    page = check(client, "77 111 22 33")  # as a person says it
    assert "sessions are stored" not in page and "session is stored" not in page
    assert "has no country code" in page and "DEFAULT_PHONE_REGION" in page
    assert 'aria-invalid="true"' in page
    page = check(client, "77 111 22 33", "erase")
    assert "has no country code" in page and "Erased" not in page
    assert sessions(app) == 2

    page = check(client, "+221 77 111 22 33")
    assert "Read as +221 77 111 22 33." in page
    assert "2 sessions are stored for this number." in page


def test_privacy_page_reads_a_local_number_with_the_configured_region(app, client, accounts):
    at_walk(client, ["1", "1", "1", "1"], session="region-1", phone=PHONE)
    login(client, "admin")
    page = check(client, "77 111 22 33")
    assert "Read as +221 77 111 22 33." in page
    assert "1 session is stored for this number." in page
    page = check(client, "0244 000 000")  # a Ghanaian number where the region is Senegal
    assert "is not a number of SN" in page and "stored for this number" not in page


def test_erase_command_refuses_a_number_without_country_code_when_no_region_is_set(make_app):
    app = make_app(DEFAULT_PHONE_REGION="")
    at_walk(app.test_client(), ["1"], session="cli-local", phone="+221770000001")
    result = app.test_cli_runner().invoke(args=["erase", "77 000 00 01"], input="n\n")
    assert result.exit_code == 1, result.output
    assert "has no country code" in result.output and "Delete 0" not in result.output
    assert sessions(app) == 1

    with_region = make_app(DEFAULT_PHONE_REGION="SN")
    result = with_region.test_cli_runner().invoke(args=["erase", "77 000 00 01"], input="y\n")
    assert result.exit_code == 0, result.output
    assert "Read as +221 77 000 00 01." in result.output
    assert "Delete 1 session(s)" in result.output and "Deleted 1 session(s)" in result.output
    assert sessions(app) == 0


def test_erasure_finds_what_was_stored_under_a_local_form(make_app):
    """A local number a multi-country gateway sent while no region was set is stored as
    sent; its E.164 form must still find it."""
    app = make_app(DEFAULT_PHONE_REGION="")
    dial(app.test_client(), "json", ["1"], "json-local", "0244000000")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["erase", "+233 24 400 0000"], input="y\n")
    assert result.exit_code == 0, result.output
    assert "Delete 1 session(s)" in result.output
    assert sessions(app) == 0


# -- 2. numbers sent to Flex ----------------------------------------------------------------------


@pytest.mark.parametrize("gateway", ["arkesel", "hubtel", "nalo"])
def test_national_gateway_local_number_reaches_flex_in_e164(make_app, gateway):
    """Arkesel's own sample sends msisdn "0244000000"; with DEFAULT_PHONE_REGION empty the
    task must still say +233244000000 (Hubtel, Nalo and Arkesel serve Ghana only)."""
    app = make_app(DEFAULT_PHONE_REGION="")
    client = app.test_client()
    screens = dial(client, gateway, ["1", "3", "2", "1"], f"{gateway}-local", "0244000000")
    assert screens[-1] == ("Thank you. Your request has been received.", True)
    attributes = json.loads(rows(app, "SELECT attributes FROM handoffs")[0][0])
    assert attributes["from"] == attributes["name"] == "+233244000000"
    assert "from_unverified" not in attributes


def test_national_gateway_number_is_read_as_its_country_whatever_the_region(app, client):
    dial(client, "arkesel", ["1", "3", "2", "1"], "ark-sn", "0244000000")  # region: SN
    attributes = json.loads(rows(app, "SELECT attributes FROM handoffs")[0][0])
    assert attributes["from"] == "+233244000000"


def test_a_number_that_cannot_be_made_e164_is_never_sent_as_from(make_app):
    app = make_app(DEFAULT_PHONE_REGION="")
    client = app.test_client()
    dial(client, "json", ["1", "1", "1", "1"], "json-local", "0771234567")
    attributes = json.loads(rows(app, "SELECT attributes FROM handoffs")[0][0])
    assert "from" not in attributes
    assert attributes["from_unverified"] == "0771234567"
    assert attributes["name"] == "0771234567 (unverified)"
    # with the region, the same number is E.164
    other = make_app(DEFAULT_PHONE_REGION="SN")
    dial(other.test_client(), "json", ["1", "1", "1", "1"], "json-sn", "771234568")
    attributes = json.loads(rows(other, "SELECT attributes FROM handoffs ORDER BY id DESC")[0][0])
    assert "from_unverified" not in attributes and attributes["from"].startswith("+")


def test_start_up_warns_when_local_numbers_cannot_be_made_e164(make_app, caplog):
    with caplog.at_level(logging.WARNING, logger="ussd.config"):
        make_app(DEFAULT_PHONE_REGION="")
    warnings = [r.getMessage() for r in caplog.records if r.name == "ussd.config"]
    assert any(
        "DEFAULT_PHONE_REGION is empty" in w and "Africa's Talking" in w and "E.164" in w
        for w in warnings
    ), warnings
    assert not any("Hubtel" in w for w in warnings)  # national: read as Ghana's
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="ussd.config"):
        make_app(DEFAULT_PHONE_REGION="SN")
    assert not [r for r in caplog.records if "DEFAULT_PHONE_REGION" in r.getMessage()]


def test_flex_setup_warns_when_local_numbers_cannot_be_made_e164(make_app):
    result = make_app(DEFAULT_PHONE_REGION="").test_cli_runner().invoke(args=["flex", "setup"])
    assert "Warning: DEFAULT_PHONE_REGION is empty" in result.output
    assert "from_unverified" in result.output
    result = make_app(DEFAULT_PHONE_REGION="SN").test_cli_runner().invoke(args=["flex", "setup"])
    assert "Warning" not in result.output


def test_default_phone_region_is_checked_and_upper_cased(make_app):
    assert make_app(DEFAULT_PHONE_REGION="sn").config["DEFAULT_PHONE_REGION"] == "SN"
    with pytest.raises(SystemExit, match="DEFAULT_PHONE_REGION"):
        make_app(DEFAULT_PHONE_REGION="Senegal")


def test_a_number_with_its_country_code_but_no_plus_is_stored_in_e164(make_app):
    app = make_app(DEFAULT_PHONE_REGION="")
    reply = Dialer(app.test_client(), "json").post(
        {"session_id": "s1", "phone": "221771112233", "new_session": True, "input": ""}
    )
    assert reply.status_code == 200
    assert rows(app, "SELECT phone FROM ussd_sessions")[0][0] == "+221771112233"


# -- 3. the phone-hash key ------------------------------------------------------------------------


def test_phone_hash_key_survives_a_new_secret_key(make_app):
    """PHONE_HASH_KEY (which scripts/run.sh generates) keys the hashes: SECRET_KEY may then
    change and erasure still finds the number; without it, SECRET_KEY keys them."""
    first = make_app(PHONE_HASH_KEY="phone-key-1", SECRET_KEY="secret-1")
    at_walk(first.test_client(), ["1"], session="hk-1", phone=PHONE)
    rotated = make_app(PHONE_HASH_KEY="phone-key-1", SECRET_KEY="secret-2")
    result = rotated.test_cli_runner().invoke(args=["erase", PHONE], input="n\n")
    assert "Delete 1 session(s)" in result.output
    lost = make_app(PHONE_HASH_KEY="", SECRET_KEY="secret-2")
    result = lost.test_cli_runner().invoke(args=["erase", PHONE], input="n\n")
    assert "Delete 0 session(s)" in result.output


def test_submissions_show_a_number_that_could_not_be_made_e164(make_app):
    from editor.accounts.users import create_user
    from tests.conftest import PASSWORDS
    from ussd.extensions import db

    app = make_app(DEFAULT_PHONE_REGION="")
    client = app.test_client()
    dial(client, "json", ["1", "1", "1", "1"], "json-shown", "0771234567")
    with app.app_context():
        create_user("editor@example.org", PASSWORDS["editor"], role="editor")
        db.session.commit()
    login(client, "editor")
    assert "07712***67" in client.get("/editor/submissions").get_data(as_text=True)
