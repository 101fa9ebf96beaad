"""Nalo Solutions: JSON in, JSON out, MSG at most 120 characters."""

from __future__ import annotations

from flask import Request, Response, current_app

from ussd.gateways.base import (
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
from ussd.menu.gsm import Budget
from ussd.privacy.phones import phone_hash, phone_key


class Nalo(Gateway):
    name = "nalo"
    title = "Nalo Solutions"
    budget = Budget(cap=120)
    country = "GH"

    def parse(self, request: Request) -> Turn:
        data = self.json_body(request)
        msisdn = phone_field(data, "MSISDN")
        user_id = text_field(data, "USERID")
        first = bool_field(data, "MSGTYPE")
        userdata = text_field(data, "USERDATA", required=False, limit=120)
        # Older Nalo payloads carry no SESSIONID: the number is then the session key, and a
        # first request (MSGTYPE true) replaces whatever session that number had. Its keyed
        # hash, not the number: session ids are stored and sent to Twilio in clear.
        session_id = text_field(data, "SESSIONID", required=False, numbers=True)
        reused_id = not session_id
        if reused_id:
            session_id = "msisdn:" + phone_hash(msisdn, phone_key(current_app.config))
        if first and userdata and not is_dialled_string(userdata):
            raise BadRequest("field USERDATA must be the dialled code on a first request")
        return Turn(
            session_id=session_id,
            phone=self.caller(msisdn),
            network=text_field(data, "NETWORK", required=False),
            new_session=bool(first),
            input="" if first else userdata,
            dialled=userdata if first else "",
            reused_id=reused_id,
            extra=(("USERID", user_id), ("MSISDN", msisdn)),
        )

    def render(self, screen: Screen, turn: Turn | None) -> Response:
        return json_response(
            {
                "USERID": turn.echo("USERID") if turn else "",
                "MSISDN": turn.echo("MSISDN") if turn else "",
                "MSG": screen.text,
                "MSGTYPE": not screen.end,
            }
        )
