"""The one interface every gateway adapter implements, and the checks they share.

A gateway only translates: its wire request -> `Turn`, and a `Screen` -> its wire response.
It knows nothing of menus, sessions or the database.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from flask import Request, Response

from ussd.menu.engine import Screen, compact_json
from ussd.menu.gsm import Budget
from ussd.privacy.phones import to_e164
from ussd.responses import plain

MAX_FIELD = 200  # ids, phone numbers, codes, networks
MAX_INPUT = 1000  # one input (AT: all inputs so far) — the body cap bounds it anyway


def printable(value: str, limit: int = 40) -> str:
    """A caller-supplied name as it may appear in a one-line reason: escaped and short."""
    return value.encode("unicode_escape", "backslashreplace").decode("ascii")[:limit]


class BadRequest(ValueError):
    """The request is malformed; the message is a one-line reason for the HTTP 400 body."""

    status = 400  # a subclass may say the request is refused for another reason (401)


@dataclass(frozen=True)
class Turn:
    """One request from a gateway, in gateway-independent terms."""

    session_id: str
    phone: str
    service_code: str = ""
    network: str = ""
    # True: the gateway says this is the first request; False: a continuation;
    # None: it does not say (Africa's Talking), so an unknown session id starts a session.
    new_session: bool | None = None
    input: str = ""  # the caller's latest input ("" on a first request)
    cumulative: bool = False  # `input` holds every input so far joined by "*" (AT)
    dialled: str = ""  # the full dialled string when the gateway sends it (*123*456*1#)
    request_key: str | None = None  # identifies this request within its session, if any
    end: str | None = None  # the gateway reports the session over: "release", "timeout"
    reused_id: bool = False  # the session id is not unique per session (Nalo's MSISDN key)
    extra: tuple[tuple[str, str], ...] = ()  # values to echo back (Nalo USERID, ...)

    def echo(self, name: str, default: str = "") -> str:
        return dict(self.extra).get(name, default)


class Gateway:
    name: ClassVar[str]
    title: ClassVar[str]
    budget: ClassVar[Budget] = Budget()
    # The country of a national provider (ISO 3166 code): numbers it sends in local form
    # (0244123456) are of that country. None: a provider serving several countries, whose
    # local numbers only DEFAULT_PHONE_REGION can place.
    country: ClassVar[str | None] = None
    # The HTTP methods the provider calls the webhook with (DMARK and Safaricom send GET).
    methods: ClassVar[tuple[str, ...]] = ("POST",)
    # True for a provider whose webhook is only acknowledged, the screen being sent back
    # in a request of our own (bdapps): the hop queues `screen_body` in the outbox.
    asynchronous: ClassVar[bool] = False

    def parse(self, request: Request) -> Turn:
        raise NotImplementedError

    def render(self, screen: Screen, turn: Turn | None) -> Response:
        raise NotImplementedError

    def refuse(self, status: int, reason: str) -> Response:
        """A refusal (malformed request, wrong token) in the provider's terms."""
        return plain(status, reason)

    def screen_body(self, turn: Turn, screen: Screen) -> dict[str, Any]:
        """What an asynchronous gateway sends to show `screen` (its send API's request)."""
        raise NotImplementedError(f"{self.name} answers in the webhook's response")

    # Helpers shared by the adapters -------------------------------------------------------

    def caller(self, raw: str) -> str:
        """The caller's number as sent, except a national provider's local number
        (Arkesel's own sample sends 0244000000), which is given in E.164 with the
        provider's country: an agent could not call it back as sent."""
        if self.country and to_e164(raw) is None:
            return to_e164(raw, self.country) or raw
        return raw

    @staticmethod
    def json_body(request: Request) -> dict[str, Any]:
        raw = request.get_data(cache=True)
        if not raw:
            raise BadRequest("empty body: expected a JSON object")
        try:
            data = json.loads(raw.decode("utf-8"))  # JSON on the wire is UTF-8 (RFC 8259)
        except UnicodeDecodeError:
            raise BadRequest("body is not valid UTF-8") from None
        except ValueError:
            raise BadRequest("body is not valid JSON") from None
        except RecursionError:  # [[[[... within the size cap: no gateway nests this deep
            raise BadRequest("body is nested too deeply") from None
        if not isinstance(data, dict):
            raise BadRequest("body must be a JSON object")
        return data

    @staticmethod
    def form_body(request: Request) -> dict[str, str]:
        return form_fields(request.get_data(cache=True), "body")

    def fields(self, request: Request) -> dict[str, str]:
        """The fields of a gateway that sends them as a GET query string or as a POST form
        body (DMARK, Safaricom): the query's `token`, our webhook secret, is not one."""
        if request.method == "GET":
            fields = form_fields(request.query_string, "query string")
            fields.pop("token", None)
            return fields
        return self.form_body(request)


def form_fields(raw: bytes, where: str) -> dict[str, str]:
    """Percent-encoded name=value pairs (a form body or a query string), strictly UTF-8,
    each name at most once."""
    try:
        text = raw.decode("ascii")  # a form body or a query string is percent-encoded ASCII
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
        )
    except UnicodeDecodeError:
        raise BadRequest(f"{where} is not valid UTF-8 form data") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise BadRequest(f"field {printable(key)} is given twice")
        form[key] = value
    return form


def text_field(
    data: dict[str, Any],
    name: str,
    *,
    required: bool = True,
    limit: int = MAX_FIELD,
    numbers: bool = False,
) -> str:
    """A string field, checked: present (if required), a string, short, no control chars."""
    value = data.get(name)
    if value is None:
        if required:
            raise BadRequest(f"missing field {name}")
        return ""
    if numbers and isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise BadRequest(f"field {name} must be a string")
    if len(value) > limit:
        raise BadRequest(f"field {name} is too long ({len(value)} > {limit} characters)")
    check_text(value, name)
    return value


def bool_field(data: dict[str, Any], name: str, *, required: bool = True) -> bool | None:
    """A boolean field; "true"/"false" strings are accepted (gateways are not consistent)."""
    value = data.get(name)
    if value is None:
        if required:
            raise BadRequest(f"missing field {name}")
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise BadRequest(f"field {name} must be true or false")


# Control characters and lone surrogates, which no handset can send.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_PHONE = re.compile("[0-9+ -]+")


def check_text(value: str, name: str) -> None:
    """Refuse control characters and lone surrogates."""
    if _CONTROL.search(value):
        raise BadRequest(f"field {name} contains a control character")


def phone_field(data: dict[str, Any], name: str) -> str:
    """A number as gateways send it: ASCII digits, "+", spaces and dashes."""
    value = text_field(data, name, limit=40, numbers=True).strip()
    if not _PHONE.fullmatch(value):
        raise BadRequest(f"field {name} is not a phone number")
    return value


def json_response(payload: dict[str, Any]) -> Response:
    body = compact_json(payload)
    return Response(body, mimetype="application/json")


def is_dialled_string(value: str) -> bool:
    """True for a dialled USSD string such as "*123*456#" (first requests of some gateways)."""
    return value.startswith("*") and value.endswith("#")
