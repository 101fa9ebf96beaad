"""Hubtel programmable services (USSD channel): JSON in, JSON out."""

from __future__ import annotations

from flask import Request, Response

from ussd.gateways.base import (
    MAX_INPUT,
    BadRequest,
    Gateway,
    Turn,
    is_dialled_string,
    json_response,
    phone_field,
    text_field,
)
from ussd.menu.engine import Screen
from ussd.menu.numerals import is_digits

# Hubtel documents the types in lower case but sends them capitalised: compare folded.
TYPES = {"initiation", "response", "release", "timeout"}


class Hubtel(Gateway):
    name = "hubtel"
    title = "Hubtel"
    country = "GH"

    def parse(self, request: Request) -> Turn:
        data = self.json_body(request)
        kind = text_field(data, "Type").strip().lower()
        if kind not in TYPES:
            raise BadRequest("field Type must be Initiation, Response, Release or Timeout")
        session_id = text_field(data, "SessionId")
        if not session_id:
            raise BadRequest("field SessionId is empty")
        message = text_field(data, "Message", required=False, limit=MAX_INPUT)
        sequence = text_field(data, "Sequence", required=False, numbers=True)
        if sequence and not is_digits(sequence):
            raise BadRequest("field Sequence must be a whole number")
        first = kind == "initiation"
        return Turn(
            session_id=session_id,
            phone=self.caller(phone_field(data, "Mobile")),
            service_code=text_field(data, "ServiceCode", required=False),
            network=text_field(data, "Operator", required=False),
            new_session=first,
            input="" if first else message,
            dialled=message if first and is_dialled_string(message) else "",
            request_key=f"seq:{sequence}" if sequence else None,
            end={"release": "release", "timeout": "timeout"}.get(kind),
        )

    def render(self, screen: Screen, turn: Turn | None) -> Response:
        return json_response(
            {
                "Type": "Release" if screen.end else "Response",
                "Message": screen.text,
                "ClientState": "",
                "DataType": "display" if screen.end else "input",
                "FieldType": "text",
            }
        )
