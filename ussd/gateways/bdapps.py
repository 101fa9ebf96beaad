"""bdapps / Applink (Bangladesh: Robi and Airtel, on hSenid's TAP platform), asynchronous.

The platform POSTs a mo-ussd request as JSON (applicationId, password?, version, message,
sessionId, ussdOperation `mo-init` / `mo-cont`, sourceAddress `tel:8801…` or a masked
`tel:<hash>`, vlrAddress, encoding, requestId) and expects only an acknowledgement
`{"statusCode": "S1000", "statusDetail": "Success"}`. The screen goes back in a separate
POST to the platform's send URL (`mt-cont`, or `mt-fin` to end), which the outbox sends
(ussd/handoff/gateway_screens.py); this adapter only says what that POST carries.

Refusals are answered in the platform's own terms: `E1312` (invalid request) for a
malformed body, `E1313` (authentication failure) for a wrong application id or password,
`E1303` for a source address that may not call. Sources: docs/gateways.md.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from typing import Any

import phonenumbers
from flask import Request, Response, current_app

from ussd.gateways.base import (
    MAX_INPUT,
    BadRequest,
    Gateway,
    Turn,
    is_dialled_string,
    printable,
    text_field,
)
from ussd.menu.engine import Screen, compact_json
from ussd.menu.gsm import Budget
from ussd.privacy.phones import MASKED_PREFIX, is_masked

OPERATIONS = {"mo-init": True, "mo-cont": False}  # operation -> opens the session
ACKNOWLEDGED = {"statusCode": "S1000", "statusDetail": "Success"}
# HTTP status of a refusal -> the platform's code for it
REFUSAL_CODES = {400: "E1312", 401: "E1313", 403: "E1303", 405: "E1312", 413: "E1312"}
PLAIN_ASCII = "440"  # the one `encoding` value the documents define
_NUMBER = re.compile(r"\+?[0-9][0-9 -]*")
_MASKED = re.compile(r"[0-9A-Za-z_-]+")


class WrongApplication(BadRequest):
    """The request names another application, or the wrong password (HTTP 401, E1313)."""

    status = 401


def read_address(raw: str) -> tuple[str, bool]:
    """`tel:8801812345678` -> ("8801812345678", False); `tel:5C74B588F97` (a masked
    subscriber) -> ("masked:5C74B588F97", True). The documents' own samples put a space
    after `tel:`, so one is allowed. A hash that happens to be all digits cannot be told
    from a number except by length and shape: digits that are a possible Bangladeshi or
    international number are read as one."""
    value = raw.removeprefix("tel:").strip() if raw.startswith("tel:") else raw.strip()
    if not value:
        raise BadRequest("field sourceAddress has no address after tel:")
    if _NUMBER.fullmatch(value) and _possible_number(value):
        return value, False
    if not _MASKED.fullmatch(value):
        raise BadRequest("field sourceAddress is neither a number nor a masked address")
    return MASKED_PREFIX + value, True


def _possible_number(value: str) -> bool:
    digits = value.replace(" ", "").replace("-", "")
    for candidate, region in (("+" + digits.lstrip("+"), None), (digits, "BD")):
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            return True
    return False


def same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


class Bdapps(Gateway):
    name = "bdapps"
    title = "bdapps / Applink"
    country = "BD"
    # The documents give about 182 characters a screen and advise 160; the platform's
    # send API defines only plain ASCII, and Bengali (UCS-2) is 80 a screen like elsewhere.
    budget = Budget(cap=160)
    asynchronous = True  # the screen goes to the send URL; the webhook only acknowledges

    def parse(self, request: Request) -> Turn:
        data = self.json_body(request)
        self.check_application(data, current_app.config)
        for name in ("version", "vlrAddress"):
            text_field(data, name, required=False, numbers=True)
        operation = text_field(data, "ussdOperation")
        if operation not in OPERATIONS:
            raise BadRequest(
                f"unknown ussdOperation {printable(operation)}: expected mo-init or mo-cont"
            )
        session_id = text_field(data, "sessionId", numbers=True)
        request_id = text_field(data, "requestId", numbers=True)
        if not session_id or not request_id:
            raise BadRequest("fields sessionId and requestId may not be empty")
        address = text_field(data, "sourceAddress")
        phone, _ = read_address(address)
        message = text_field(data, "message", limit=MAX_INPUT)
        text_field(data, "encoding", required=False, numbers=True)  # 440: not used
        first = OPERATIONS[operation]
        return Turn(
            session_id=session_id,
            phone=phone if is_masked(phone) else self.caller(phone),
            new_session=first,
            # mo-init carries what was dialled (*141#), which is no answer
            input="" if first else message,
            dialled=message if first and is_dialled_string(message) else "",
            request_key=request_id,
            # sent back with the screen: the address exactly as it came, masked or not
            extra=(
                ("address", address),
                ("version", text_field(data, "version", required=False, numbers=True)),
            ),
        )

    def check_application(self, data: dict[str, Any], config: Mapping[str, Any]) -> None:
        """The request must name our application (and carry our password when it sends
        one); both compared in constant time."""
        given = text_field(data, "applicationId")
        expected = str(config.get("BDAPPS_APP_ID") or "")
        if not expected:
            raise WrongApplication("BDAPPS_APP_ID is not configured on the server")
        if not same_secret(given, expected):
            raise WrongApplication("applicationId is not this application's")
        password = text_field(data, "password", required=False)
        if password and not same_secret(password, str(config.get("BDAPPS_APP_PASSWORD") or "")):
            raise WrongApplication("wrong password")

    def render(self, screen: Screen, turn: Turn | None) -> Response:
        """Only an acknowledgement: the screen itself is sent from the outbox."""
        return Response(compact_json(ACKNOWLEDGED), mimetype="application/json")

    def refuse(self, status: int, reason: str) -> Response:
        code = REFUSAL_CODES.get(status, "E1312")
        body = compact_json({"statusCode": code, "statusDetail": reason.splitlines()[0]})
        return Response(body, status=status, mimetype="application/json")

    def screen_body(self, turn: Turn, screen: Screen) -> dict[str, Any]:
        """The mt-ussd request that shows `screen` (the sender adds the credentials):
        `mt-fin` ends the session. The address goes back exactly as it came, masked or not."""
        body: dict[str, Any] = {
            "message": screen.text,
            "sessionId": turn.session_id,
            "ussdOperation": "mt-fin" if screen.end else "mt-cont",
            "destinationAddress": turn.echo("address"),
        }
        if screen.text.isascii():  # the documents define no value for other text
            body["encoding"] = PLAIN_ASCII
        version = turn.echo("version")
        if version:
            body["version"] = version
        return body
