"""Infobip USSD (global): Infobip calls the application at `{base}/session/{sessionId}/{op}`,
with the base the operator gives Infobip (`/ussd/infobip`), and reads JSON back.

Operations: `start` (POST, the caller dialled), `response` (POST, the caller's latest
answer), `end` (PUT, the session is over) and `status` (GET, is the session active?).
Request fields: msisdn, text (the dialled string on `start`, the answer on `response`),
shortCode (optional, and not always sent), imsi, language, optional and ussdGwId (read
for their type only). Reply: `{ussdMenu, shouldClose, responseExitCode, responseMessage}`;
`end` and `status` are answered with the exit code and no menu.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Request, Response

from ussd.gateways.base import (
    MAX_FIELD,
    MAX_INPUT,
    BadRequest,
    Gateway,
    Turn,
    check_text,
    is_dialled_string,
    json_response,
    phone_field,
    printable,
    text_field,
)
from ussd.menu.engine import Screen

# operation -> the methods Infobip calls it with (an `end` by POST is read alike)
OPERATIONS: dict[str, tuple[str, ...]] = {
    "start": ("POST",),
    "response": ("POST",),
    "end": ("PUT", "POST"),
    "status": ("GET",),
}
_PATH = re.compile(r"/session/(?P<session>[^/]*)/(?P<operation>[^/]*)/?\Z")
# optional fields whose type is checked though their value is not used (ussdGwId, not
# in the document, may come as a number)
_UNUSED = {"imsi": False, "language": False, "optional": False, "ussdGwId": True}


def unknown_operation(operation: str) -> BadRequest:
    return BadRequest(
        f"unknown operation {printable(operation)}: expected start, response, end or status"
    )


class Infobip(Gateway):
    name = "infobip"
    title = "Infobip"
    methods = ("POST", "PUT", "GET")  # the union of OPERATIONS; each checks its own

    def operation(self, request: Request) -> tuple[str, str]:
        """The session id and operation named by the path, checked."""
        match = _PATH.search(request.path)
        if match is None:
            raise BadRequest("Infobip calls /ussd/infobip/session/<sessionId>/<operation>")
        session_id, operation = match["session"], match["operation"]
        if operation not in OPERATIONS:
            raise unknown_operation(operation)
        if not session_id:
            raise BadRequest("the session id in the path is empty")
        if len(session_id) > MAX_FIELD:
            raise BadRequest(f"the session id is too long ({len(session_id)} > {MAX_FIELD})")
        check_text(session_id, "sessionId")
        return session_id, operation

    def parse(self, request: Request) -> Turn:
        session_id, operation = self.operation(request)
        if operation == "status":
            raise BadRequest("status is a GET without a body")  # the route answers it
        data = self.json_body(request)
        for name, numbers in _UNUSED.items():
            text_field(data, name, required=False, numbers=numbers)
        if operation == "end":
            text_field(data, "reason", required=False, limit=MAX_INPUT)
            exit_code = data.get("exitCode")
            if exit_code is not None and (
                not isinstance(exit_code, int) or isinstance(exit_code, bool)
            ):
                raise BadRequest("field exitCode must be a whole number")
            # the number is not needed to end a session, and Infobip may leave it out
            phone = phone_field(data, "msisdn") if data.get("msisdn") is not None else ""
            return Turn(session_id=session_id, phone=self.caller(phone), end="release")
        text = text_field(data, "text", limit=MAX_INPUT)
        first = operation == "start"
        return Turn(
            session_id=session_id,
            phone=self.caller(phone_field(data, "msisdn")),
            service_code=text_field(data, "shortCode", required=False),
            new_session=first,
            # `start` carries what was dialled (*123*456#), which is no answer
            input="" if first else text,
            dialled=text if first and is_dialled_string(text) else "",
        )

    def render(self, screen: Screen, turn: Turn | None) -> Response:
        done: dict[str, Any] = {"responseExitCode": 200, "responseMessage": ""}
        if turn is not None and turn.end:
            return json_response(done)  # `end` is acknowledged, with no menu
        return json_response({"ussdMenu": screen.text, "shouldClose": screen.end, **done})

    def render_status(self, active: bool) -> Response:
        return json_response(
            {"sessionActive": active, "responseExitCode": 200, "responseMessage": ""}
        )
