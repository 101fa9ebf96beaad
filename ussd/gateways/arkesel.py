"""Arkesel: JSON in, JSON out (note the mixed casing: sessionID, userID, msisdn)."""

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


class Arkesel(Gateway):
    name = "arkesel"
    title = "Arkesel"
    country = "GH"

    def parse(self, request: Request) -> Turn:
        data = self.json_body(request)
        session_id = text_field(data, "sessionID")
        if not session_id:
            raise BadRequest("field sessionID is empty")
        msisdn = phone_field(data, "msisdn")
        first = bool_field(data, "newSession")
        user_data = text_field(data, "userData", required=False, limit=MAX_INPUT)
        return Turn(
            session_id=session_id,
            phone=self.caller(msisdn),
            network=text_field(data, "network", required=False),
            new_session=bool(first),
            input="" if first else user_data,
            dialled=user_data if first and is_dialled_string(user_data) else "",
            extra=(
                ("sessionID", session_id),
                ("userID", text_field(data, "userID")),
                ("msisdn", msisdn),
            ),
        )

    def render(self, screen: Screen, turn: Turn | None) -> Response:
        return json_response(
            {
                "sessionID": turn.echo("sessionID") if turn else "",
                "userID": turn.echo("userID") if turn else "",
                "msisdn": turn.echo("msisdn") if turn else "",
                "message": screen.text,
                "continueSession": not screen.end,
            }
        )
