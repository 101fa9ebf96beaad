"""Our own JSON format, for Telerivet (through a Cloud Script) and any other gateway.

Request: {"session_id", "phone", "service_code", "input", "new_session", "seq"?}
Response: {"text", "end"}. Being our format, unknown fields are refused (catches typos).
"""

from __future__ import annotations

from flask import Request, Response

from ussd.gateways.base import (
    MAX_INPUT,
    BadRequest,
    Gateway,
    Turn,
    bool_field,
    json_response,
    phone_field,
    printable,
    text_field,
)
from ussd.menu.engine import Screen

FIELDS = {"session_id", "phone", "service_code", "input", "new_session", "seq", "network"}


class GenericJson(Gateway):
    name = "json"
    title = "Generic JSON (Telerivet and others)"

    def parse(self, request: Request) -> Turn:
        data = self.json_body(request)
        unknown = sorted(set(data) - FIELDS)
        if unknown:
            shown = ", ".join(printable(name) for name in unknown[:5])
            raise BadRequest(f"unknown field(s): {shown}")
        session_id = text_field(data, "session_id", numbers=True)
        if not session_id:
            raise BadRequest("field session_id is empty")
        seq = data.get("seq")
        if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool) or seq < 0):
            raise BadRequest("field seq must be a whole number")
        first = bool_field(data, "new_session")
        return Turn(
            session_id=session_id,
            phone=phone_field(data, "phone"),
            service_code=text_field(data, "service_code", required=False),
            network=text_field(data, "network", required=False),
            new_session=first,
            input="" if first else text_field(data, "input", required=False, limit=MAX_INPUT),
            request_key=f"seq:{seq}" if seq is not None else None,
        )

    def render(self, screen: Screen, turn: Turn | None) -> Response:
        return json_response({"text": screen.text, "end": screen.end})
