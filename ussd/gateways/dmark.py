"""DMARK Mobile (Uganda): the caller's request as GET query parameters (or a POST form),
the screen back as JSON `{responseString, action: request|end}`.

Fields: transactionId (the session), msisdn, ussdServiceCode, ussdRequestString (the
caller's latest input; on a first request the dialled string, or empty), response
("false" on a first request, "true" after). transactionTime and creationTime are not used.
"""

from __future__ import annotations

from flask import Request, Response

from ussd.gateways.base import (
    MAX_INPUT,
    BadRequest,
    Gateway,
    Turn,
    bool_field,
    is_dialled_string,
    json_response,
    phone_field,
    text_field,
)
from ussd.menu.engine import Screen


class Dmark(Gateway):
    name = "dmark"
    title = "DMARK Mobile"
    country = "UG"
    methods = ("GET", "POST")

    def parse(self, request: Request) -> Turn:
        fields = self.fields(request)
        session_id = text_field(fields, "transactionId")
        if not session_id:
            raise BadRequest("field transactionId is empty")
        # "response" is "false" on the request that opens the session
        continued = bool_field(fields, "response")
        text = text_field(fields, "ussdRequestString", limit=MAX_INPUT)
        first = not continued
        return Turn(
            session_id=session_id,
            phone=self.caller(phone_field(fields, "msisdn")),
            service_code=text_field(fields, "ussdServiceCode", required=False),
            new_session=first,
            # a first request carries the dialled string (*130#), which is no answer
            input="" if first else text,
            dialled=text if first and is_dialled_string(text) else "",
        )

    def render(self, screen: Screen, turn: Turn | None) -> Response:
        return json_response(
            {"responseString": screen.text, "action": "end" if screen.end else "request"}
        )
