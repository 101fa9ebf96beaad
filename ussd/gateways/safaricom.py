"""Safaricom's own USSD gateway (Kenya): GET with ORIG (the caller), DEST (the service
code), SESSION_ID and USSD_PARAMS; the screen back as plain text `CON …` or `END …`.

USSD_PARAMS holds everything typed in the session so far, joined by "*", like Africa's
Talking's `text`: the digits dialled after the code (*167*7# gives "7") and then every
answer. The service takes the new input as what follows the text already seen, so an
answer containing "*" is kept whole. Some payloads start USSD_PARAMS with a "*"
(*7*a rather than 7*a): both are read alike.
"""

from __future__ import annotations

from flask import Request, Response

from ussd.gateways.base import (
    MAX_INPUT,
    BadRequest,
    Gateway,
    Turn,
    is_dialled_string,
    phone_field,
    text_field,
)
from ussd.menu.engine import Screen
from ussd.menu.gsm import Budget


class Safaricom(Gateway):
    name = "safaricom"
    title = "Safaricom"
    budget = Budget(cap=160)  # DESIGN §4: Safaricom shows at most 160 characters
    country = "KE"
    methods = ("GET",)

    def parse(self, request: Request) -> Turn:
        fields = self.fields(request)
        session_id = text_field(fields, "SESSION_ID")
        if not session_id:
            raise BadRequest("field SESSION_ID is empty")
        dest = text_field(fields, "DEST").strip()
        if not dest.strip("*#"):
            raise BadRequest("field DEST is empty")
        params = text_field(fields, "USSD_PARAMS", limit=MAX_INPUT)
        if params.startswith("*"):
            params = params[1:]
        code = dest.strip("*#")
        return Turn(
            session_id=session_id,
            phone=self.caller(phone_field(fields, "ORIG")),
            service_code=dest if is_dialled_string(dest) else f"*{code}#",
            # An empty USSD_PARAMS opens a session; a non-empty one on a session id we do
            # not know is a caller who dialled digits after the code (*167*2#): the whole
            # dialled string, so a menu served at *167*2# itself is found.
            new_session=True if params == "" else None,
            input=params,
            cumulative=True,
            request_key=params,
            dialled=f"*{code}*{params}#" if params else "",
        )

    def render(self, screen: Screen, turn: Turn | None) -> Response:
        prefix = "END " if screen.end else "CON "
        return Response(prefix + screen.text, mimetype="text/plain")
