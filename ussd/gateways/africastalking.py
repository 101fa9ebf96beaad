"""Africa's Talking: form posts; `text` holds every input so far joined by "*"."""

from __future__ import annotations

from flask import Request, Response

from ussd.gateways.base import MAX_INPUT, BadRequest, Gateway, Turn, phone_field, text_field
from ussd.menu.engine import Screen
from ussd.menu.numerals import is_digits

# AT's end-of-session notification statuses and what they mean for us.
EVENT_STATUSES = {"Success": "success", "Incomplete": "incomplete", "Failed": "failed"}


class AfricasTalking(Gateway):
    name = "africastalking"
    title = "Africa's Talking"

    def parse(self, request: Request) -> Turn:
        form = self.form_body(request)
        text = text_field(form, "text", required=False, limit=MAX_INPUT)
        session_id = text_field(form, "sessionId")
        if not session_id:
            raise BadRequest("field sessionId is empty")
        return Turn(
            session_id=session_id,
            phone=phone_field(form, "phoneNumber"),
            service_code=text_field(form, "serviceCode", required=False),
            network=text_field(form, "networkCode", required=False),
            # An empty text starts a session; a non-empty text on an unknown session id is a
            # caller who dialled extra digits (*384*1234*2#): AT does not say which.
            new_session=True if text == "" else None,
            input=text,
            cumulative=True,
            request_key=text,
        )

    def render(self, screen: Screen, turn: Turn | None) -> Response:
        prefix = "END " if screen.end else "CON "
        return Response(prefix + screen.text, mimetype="text/plain")

    def parse_event(self, request: Request) -> tuple[str, str, int | None]:
        """(session id, our status name, duration in ms) from an end-of-session notification."""
        form = self.form_body(request)
        session_id = text_field(form, "sessionId")
        status = text_field(form, "status")
        if status not in EVENT_STATUSES:
            raise BadRequest("field status must be Success, Incomplete or Failed")
        raw_duration = text_field(form, "durationInMillis", required=False)
        duration = None
        if raw_duration:
            if not is_digits(raw_duration):
                raise BadRequest("field durationInMillis must be a whole number")
            duration = min(int(raw_duration), 2**31 - 1)
        return session_id, EVENT_STATUSES[status], duration
