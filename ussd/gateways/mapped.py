"""A gateway described without code (/ussd/mapped/<name>): an admin's definition of a wire
format, its validation, and the adapter built from it.

A definition names the request's fields (session id, number, input, the new-session flag
and its values, network, service code), says how they come (GET query, POST form or POST
JSON) and whether the input is cumulative (every input so far joined by "*", as Africa's
Talking sends it), and shapes the reply: plain text with a prefix for "more to come" and
one for "last screen", or JSON with a text field, a continue/end field and the values that
mean each, plus request fields echoed back (Arkesel's sessionID, userID, msisdn). The
adapter reads and writes exactly that, with the checks every adapter shares (base.py).

Pure: the definition is data, stored elsewhere (ussd/mapped_gateways.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from flask import Request, Response

from ussd.gateways.base import (
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
from ussd.menu.engine import Screen, compact_json
from ussd.menu.gsm import Budget

PREFIX = "mapped:"
# A session's gateway column holds "mapped:<name>" in twenty characters.
MAX_NAME = 20 - len(PREFIX)
NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
RESERVED_NAMES = frozenset({"new", "import"})  # the editor's own pages under /gateways/
MAX_FIELD_NAME = 64
MAX_TITLE = 60
MAX_PREFIX = 20
MAX_VALUES = 10
MIN_SCREEN, MAX_SCREEN = 40, 182  # as USSD_SCREEN_CAPS
CONTENT_TYPE = re.compile(r"[a-z]+/[a-z0-9][a-z0-9.+-]*")
METHODS = ("GET", "POST")
BODIES = {"GET": ("query",), "POST": ("form", "json")}
REPLY_FORMATS = ("text", "json")

ReplyValue = bool | int | float | str


class DefinitionError(ValueError):
    """The definition is incomplete or ambiguous: each problem names its field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class NewSessionFlag:
    """The request field that says a session is new, and its values (compared without
    case or surrounding spaces). Without `continue_values`, any other value continues."""

    field: str
    new_values: tuple[str, ...]
    continue_values: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequestShape:
    method: str  # GET or POST
    body: str  # query (GET), form or json (POST)
    session_id: str
    phone: str
    input: str
    cumulative: bool = False
    new_session: NewSessionFlag | None = None  # None: new when the session id is unknown
    network: str = ""
    service_code: str = ""
    country: str = ""  # the country of local numbers (ISO 3166), "" for none


@dataclass(frozen=True)
class ReplyShape:
    format: str  # text or json
    continue_prefix: str = "CON "
    end_prefix: str = "END "
    content_type: str = "text/plain"
    text_field: str = ""
    continue_field: str = ""
    continue_value: ReplyValue | None = None
    end_value: ReplyValue | None = None
    echo: tuple[tuple[str, str], ...] = ()  # (reply field, request field), in reply order


@dataclass(frozen=True)
class Definition:
    name: str
    title: str
    request: RequestShape
    reply: ReplyShape
    screen_characters: int | None = None  # the gateway's own cap, whatever the encoding

    @property
    def gateway_name(self) -> str:
        return PREFIX + self.name


# -- reading a definition -----------------------------------------------------------------------

TOP_KEYS = ("name", "title", "request", "reply", "screen_characters")
REQUEST_KEYS = (
    "method",
    "body",
    "session_id",
    "phone",
    "input",
    "cumulative",
    "new_session",
    "network",
    "service_code",
    "country",
)
FLAG_KEYS = ("field", "new_values", "continue_values")
TEXT_REPLY_KEYS = ("format", "continue_prefix", "end_prefix", "content_type")
JSON_REPLY_KEYS = ("format", "text_field", "continue_field", "continue_value", "end_value", "echo")


class _Reader:
    """Collects every problem of a definition, each as "path: reason"."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, path: str, reason: str) -> None:
        self.problems.append(f"{path}: {reason}")

    def mapping(self, value: Any, path: str, keys: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.problem(path, "must be an object")
            return {}
        for key in value:
            if key not in keys:
                self.problem(f"{path}.{printable(str(key))}", "unknown field")
        return value

    def text(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        *,
        limit: int,
        required: bool = True,
        default: str = "",
    ) -> str:
        value = data.get(key)
        where = f"{path}.{key}" if path else key
        if value is None or value == "":
            if required:
                self.problem(where, "required")
            return default if value is None else ""
        if not isinstance(value, str):
            self.problem(where, "must be a string")
            return default
        if len(value) > limit:
            self.problem(where, f"too long ({len(value)} > {limit} characters)")
            return default
        try:
            check_text(value, where)
        except BadRequest:
            self.problem(where, "contains a control character")
            return default
        return value

    def field_name(self, data: Mapping[str, Any], key: str, path: str, required: bool) -> str:
        value = self.text(data, key, path, limit=MAX_FIELD_NAME, required=required)
        if value and value != value.strip():
            self.problem(f"{path}.{key}", "a field name has no spaces around it")
            return ""
        return value

    def choice(self, data: Mapping[str, Any], key: str, path: str, allowed: tuple[str, ...]) -> str:
        value = data.get(key)
        if value is None or value == "":
            self.problem(f"{path}.{key}", "required: " + " or ".join(allowed))
            return ""
        if value not in allowed:
            self.problem(f"{path}.{key}", "must be " + " or ".join(allowed))
            return ""
        return str(value)

    def boolean(self, data: Mapping[str, Any], key: str, path: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.problem(f"{path}.{key}", "must be true or false")
            return False
        return value

    def values(self, data: Mapping[str, Any], key: str, path: str, required: bool) -> list[str]:
        raw = data.get(key)
        where = f"{path}.{key}"
        if raw is None or raw == []:
            if required:
                self.problem(where, "required: at least one value")
            return []
        if not isinstance(raw, list) or len(raw) > MAX_VALUES:
            self.problem(where, f"must be a list of at most {MAX_VALUES} values")
            return []
        out: list[str] = []
        for item in raw:
            text = _flag_text(item)
            if text is None or len(text) > MAX_FIELD_NAME or _has_control(text):
                self.problem(where, "each value must be a short string, number or true/false")
                return []
            if text.strip() == "":
                self.problem(where, "a value may not be empty")
                return []
            out.append(text)
        return out

    def reply_value(self, data: Mapping[str, Any], key: str, path: str) -> ReplyValue | None:
        value = data.get(key)
        where = f"{path}.{key}"
        if value is None or value == "":
            self.problem(where, "required for a JSON reply")
            return None
        if isinstance(value, str):
            if len(value) > MAX_FIELD_NAME or _has_control(value):
                self.problem(where, "must be a short string without control characters")
                return None
            return value
        if isinstance(value, bool | int | float):
            return value
        self.problem(where, "must be true, false, a number or a string")
        return None


def _has_control(value: str) -> bool:
    try:
        check_text(value, "")
    except BadRequest:
        return True
    return False


def _flag_text(value: Any) -> str | None:
    """A flag's value as text: JSON true/false as "true"/"false", numbers as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value
    return None


def _same(value: str) -> str:
    """How flag values compare: without case or surrounding spaces."""
    return value.strip().lower()


def parse_definition(data: Any, known_countries: frozenset[str] | None = None) -> Definition:
    """A definition from its JSON form, or DefinitionError naming every problem's field.

    `known_countries` (ISO 3166 codes) checks `request.country` when given."""
    reader = _Reader()
    top = reader.mapping(data, "definition", TOP_KEYS)
    if not isinstance(data, dict):
        raise DefinitionError(reader.problems)
    name = reader.text(top, "name", "", limit=MAX_NAME + 100)
    if name and (len(name) > MAX_NAME or not NAME.fullmatch(name)):
        reader.problem(
            "name",
            f"1 to {MAX_NAME} lower-case letters, digits and dashes, "
            "starting and ending with a letter or digit",
        )
    elif name in RESERVED_NAMES:
        reader.problem("name", f"{name} is reserved: choose another name")
    title = reader.text(top, "title", "", limit=MAX_TITLE)
    request = _read_request(reader, top.get("request"), known_countries)
    reply = _read_reply(reader, top.get("reply"), request)
    screen = top.get("screen_characters")
    if screen is not None and (
        not isinstance(screen, int)
        or isinstance(screen, bool)
        or not MIN_SCREEN <= screen <= MAX_SCREEN
    ):
        reader.problem(
            "screen_characters",
            f"a whole number from {MIN_SCREEN} to {MAX_SCREEN}, or null for the usual screen",
        )
        screen = None
    if reader.problems or request is None or reply is None:
        raise DefinitionError(reader.problems)
    return Definition(
        name=name,
        title=title,
        request=request,
        reply=reply,
        screen_characters=screen,
    )


def _read_request(
    reader: _Reader, raw: Any, known_countries: frozenset[str] | None
) -> RequestShape | None:
    path = "request"
    if raw is None:
        reader.problem(path, "required")
        return None
    data = reader.mapping(raw, path, REQUEST_KEYS)
    method = reader.choice(data, "method", path, METHODS)
    body = data.get("body")
    if method == "GET":
        if body not in (None, "", "query"):
            reader.problem(f"{path}.body", "a GET request has no body: use query (or leave it out)")
        body = "query"
    elif method == "POST":
        body = reader.choice(data, "body", path, BODIES["POST"])
    names = {
        key: reader.field_name(data, key, path, required=key in ("session_id", "phone", "input"))
        for key in ("session_id", "phone", "input", "network", "service_code")
    }
    cumulative = reader.boolean(data, "cumulative", path)
    flag = _read_flag(reader, data.get("new_session"))
    if flag is not None:
        names["new_session.field"] = flag.field
    seen: dict[str, str] = {}
    for key, value in names.items():
        if not value:
            continue
        if value in seen:
            reader.problem(f"{path}.{key}", f"same field as {path}.{seen[value]}")
        else:
            seen[value] = key
        if body == "query" and value == "token":
            reader.problem(f"{path}.{key}", "token is the webhook secret's query parameter")
    country = reader.text(data, "country", path, limit=2, required=False)
    if country:
        country = country.upper()
        if not re.fullmatch("[A-Z]{2}", country) or (
            known_countries is not None and country not in known_countries
        ):
            reader.problem(f"{path}.country", "a two-letter country code such as GH, or empty")
            country = ""
    if not method or not body or not all(names[k] for k in ("session_id", "phone", "input")):
        return None
    return RequestShape(
        method=method,
        body=str(body),
        session_id=names["session_id"],
        phone=names["phone"],
        input=names["input"],
        cumulative=cumulative,
        new_session=flag,
        network=names["network"],
        service_code=names["service_code"],
        country=country,
    )


def _read_flag(reader: _Reader, raw: Any) -> NewSessionFlag | None:
    path = "request.new_session"
    if raw is None:
        return None
    data = reader.mapping(raw, path, FLAG_KEYS)
    name = reader.field_name(data, "field", path, required=True)
    new_values = reader.values(data, "new_values", path, required=True)
    continue_values = reader.values(data, "continue_values", path, required=False)
    new_keys = {_same(v) for v in new_values}
    for value in continue_values:
        if _same(value) in new_keys:
            reader.problem(
                f"{path}.continue_values", f'"{printable(value)}" also means a new session'
            )
    if not name or not new_values:
        return None
    return NewSessionFlag(name, tuple(new_values), tuple(continue_values))


def _read_reply(reader: _Reader, raw: Any, request: RequestShape | None) -> ReplyShape | None:
    path = "reply"
    if raw is None:
        reader.problem(path, "required")
        return None
    if not isinstance(raw, dict):
        reader.problem(path, "must be an object")
        return None
    kind = reader.choice(raw, "format", path, REPLY_FORMATS)
    if kind == "text":
        if "echo" in raw:
            reader.problem(f"{path}.echo", "only a JSON reply echoes request fields")
        data = reader.mapping(raw, path, (*TEXT_REPLY_KEYS, "echo"))
        continue_prefix = _prefix(reader, data, "continue_prefix", "CON ")
        end_prefix = _prefix(reader, data, "end_prefix", "END ")
        if continue_prefix == end_prefix:
            reader.problem(f"{path}.end_prefix", f"same as {path}.continue_prefix")
        content_type = reader.text(
            data, "content_type", path, limit=80, required=False, default="text/plain"
        )
        content_type = content_type or "text/plain"
        if not CONTENT_TYPE.fullmatch(content_type):
            reader.problem(f"{path}.content_type", "a media type such as text/plain")
        return ReplyShape(
            "text",
            continue_prefix=continue_prefix,
            end_prefix=end_prefix,
            content_type=content_type,
        )
    if kind != "json":
        return None
    data = reader.mapping(raw, path, JSON_REPLY_KEYS)
    text_name = reader.field_name(data, "text_field", path, required=True)
    continue_name = reader.field_name(data, "continue_field", path, required=True)
    if text_name and text_name == continue_name:
        reader.problem(f"{path}.continue_field", f"same field as {path}.text_field")
    continue_value = reader.reply_value(data, "continue_value", path)
    end_value = reader.reply_value(data, "end_value", path)
    if (
        continue_value is not None
        and end_value is not None
        and compact_json(continue_value) == compact_json(end_value)
    ):
        reader.problem(f"{path}.end_value", f"same as {path}.continue_value")
    taken = {text_name: "text_field", continue_name: "continue_field"}
    echo = _read_echo(reader, data.get("echo"), taken, request)
    return ReplyShape(
        "json",
        text_field=text_name,
        continue_field=continue_name,
        continue_value=continue_value,
        end_value=end_value,
        echo=echo,
    )


def _prefix(reader: _Reader, data: Mapping[str, Any], key: str, default: str) -> str:
    if key not in data:
        return default
    value = data[key]
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_PREFIX or _has_control(value):
        reader.problem(f"reply.{key}", f"a string of at most {MAX_PREFIX} characters")
        return default
    return value


def _read_echo(
    reader: _Reader,
    raw: Any,
    taken: dict[str, str],
    request: RequestShape | None,
) -> tuple[tuple[str, str], ...]:
    path = "reply.echo"
    if raw is None:
        return ()
    if not isinstance(raw, dict) or len(raw) > MAX_VALUES:
        reader.problem(
            path, f"must be an object of at most {MAX_VALUES} reply field: request field"
        )
        return ()
    pairs: list[tuple[str, str]] = []
    for reply_name, request_name in raw.items():
        where = f"{path}.{printable(str(reply_name))}"
        if not reply_name or len(reply_name) > MAX_FIELD_NAME or _has_control(reply_name):
            reader.problem(where, "a reply field name of at most 64 characters")
            continue
        if reply_name in taken and taken[reply_name]:
            reader.problem(where, f"same field as reply.{taken[reply_name]}")
            continue
        if (
            not isinstance(request_name, str)
            or not request_name
            or len(request_name) > MAX_FIELD_NAME
            or _has_control(request_name)
        ):
            reader.problem(where, "the name of a request field to echo")
            continue
        if request is not None and request.body == "query" and request_name == "token":
            reader.problem(where, "the webhook secret is never echoed")
            continue
        pairs.append((reply_name, request_name))
    return tuple(pairs)


def definition_to_dict(definition: Definition) -> dict[str, Any]:
    """The JSON form of a definition, as exported (parse_definition reads it back)."""
    request = definition.request
    flag = request.new_session
    request_data: dict[str, Any] = {"method": request.method}
    if request.method == "POST":
        request_data["body"] = request.body
    request_data.update(
        session_id=request.session_id,
        phone=request.phone,
        input=request.input,
        cumulative=request.cumulative,
        new_session=(
            None
            if flag is None
            else {
                "field": flag.field,
                "new_values": list(flag.new_values),
                **({"continue_values": list(flag.continue_values)} if flag.continue_values else {}),
            }
        ),
        network=request.network,
        service_code=request.service_code,
        country=request.country,
    )
    reply = definition.reply
    if reply.format == "text":
        reply_data: dict[str, Any] = {
            "format": "text",
            "continue_prefix": reply.continue_prefix,
            "end_prefix": reply.end_prefix,
            "content_type": reply.content_type,
        }
    else:
        reply_data = {
            "format": "json",
            "text_field": reply.text_field,
            "continue_field": reply.continue_field,
            "continue_value": reply.continue_value,
            "end_value": reply.end_value,
            "echo": dict(reply.echo),
        }
    data: dict[str, Any] = {
        "name": definition.name,
        "title": definition.title,
        "request": request_data,
        "reply": reply_data,
        "screen_characters": definition.screen_characters,
    }
    return data


# -- the adapter --------------------------------------------------------------------------------


class MappedGateway(Gateway):
    """The adapter a definition describes."""

    def __init__(self, definition: Definition):
        self.definition = definition
        self.name = definition.gateway_name  # type: ignore[misc]
        self.title = definition.title  # type: ignore[misc]
        self.budget = Budget(cap=definition.screen_characters)  # type: ignore[misc]
        self.country = definition.request.country or None  # type: ignore[misc]
        self.methods = (definition.request.method,)  # type: ignore[misc]

    def read_fields(self, request: Request) -> dict[str, Any]:
        if self.definition.request.body == "json":
            return self.json_body(request)
        return self.fields(request)  # a GET query string or a POST form

    def parse(self, request: Request) -> Turn:
        shape = self.definition.request
        data = self.read_fields(request)
        text = text_field(data, shape.input, required=False, limit=MAX_INPUT)
        session_id = text_field(data, shape.session_id, numbers=True)
        if not session_id:
            raise BadRequest(f"field {shape.session_id} is empty")
        raw_phone = phone_field(data, shape.phone)
        first = self.is_new(data)
        if shape.cumulative:
            if first is None:
                # an empty text can only open a session; a non-empty one on an unknown
                # session id is a caller who dialled digits after the code (*384*1234*2#)
                first = True if text == "" else None
            entry, dialled, request_key = text, "", text
        else:
            entry = "" if first else text
            dialled = text if first and is_dialled_string(text) else ""
            request_key = None
        return Turn(
            session_id=session_id,
            phone=self.caller(raw_phone),
            service_code=text_field(data, shape.service_code, required=False)
            if shape.service_code
            else "",
            network=text_field(data, shape.network, required=False) if shape.network else "",
            new_session=first,
            input=entry,
            cumulative=shape.cumulative,
            dialled=dialled,
            request_key=request_key,
            extra=self.echoed(data, session_id, raw_phone),
        )

    def is_new(self, data: Mapping[str, Any]) -> bool | None:
        """What the flag says (None when the definition has none)."""
        flag = self.definition.request.new_session
        if flag is None:
            return None
        value = data.get(flag.field)
        if value is None:
            raise BadRequest(f"missing field {flag.field}")
        text = _flag_text(value)
        if text is None:
            raise BadRequest(f"field {flag.field} must be a string")
        said = _same(text)
        if said in {_same(v) for v in flag.new_values}:
            return True
        if not flag.continue_values or said in {_same(v) for v in flag.continue_values}:
            return False
        allowed = ", ".join(flag.new_values + flag.continue_values)
        raise BadRequest(f"field {flag.field} must be one of {allowed}")

    def echoed(
        self, data: dict[str, Any], session_id: str, phone: str
    ) -> tuple[tuple[str, str], ...]:
        """The request values the reply gives back, each as JSON (a number stays a number)."""
        shape = self.definition.request
        out: list[tuple[str, str]] = []
        for reply_name, request_name in self.definition.reply.echo:
            if request_name == shape.phone:
                value: Any = phone  # as read: without the spaces around it
            elif request_name == shape.session_id:
                value = session_id
            else:
                text_field(data, request_name, numbers=True)  # present, short, printable
                value = data[request_name]
            out.append((reply_name, compact_json(value)))
        return tuple(out)

    def render(self, screen: Screen, turn: Turn | None) -> Response:
        reply = self.definition.reply
        if reply.format == "text":
            prefix = reply.end_prefix if screen.end else reply.continue_prefix
            return Response(prefix + screen.text, mimetype=reply.content_type)
        payload: dict[str, Any] = {}
        echoed = dict(turn.extra) if turn is not None else {}
        for reply_name, _ in reply.echo:
            payload[reply_name] = json.loads(echoed[reply_name]) if reply_name in echoed else ""
        payload[reply.text_field] = screen.text
        payload[reply.continue_field] = reply.end_value if screen.end else reply.continue_value
        return json_response(payload)


# -- an example exchange, shown to the admin ------------------------------------------------------

EXAMPLE_WELCOME = "Welcome / Bienvenue\n1. English\n2. Français"
EXAMPLE_THANKS = "Thank you. Your request has been received."


@dataclass(frozen=True)
class Example:
    """A first request as the provider would send it, and our two kinds of reply to it."""

    request: str
    reply_continue: str
    reply_end: str


def _example_value(definition: Definition, name: str) -> Any:
    request = definition.request
    samples: dict[str, Any] = {
        request.session_id: "example-1",
        request.phone: "+233244123456",
        request.network: "MTN",
        request.service_code: "*123*456#",
        # a first request: nothing typed yet, or (with a flag) the dialled string
        request.input: "*123*456#" if request.new_session and not request.cumulative else "",
    }
    if request.new_session is not None:
        flag = request.new_session.new_values[0]
        samples[request.new_session.field] = flag
        if request.body == "json":
            samples[request.new_session.field] = {"true": True, "false": False}.get(
                _same(flag), int(flag) if flag.isdigit() else flag
            )
    return samples.get(name, "example")


def example_exchange(definition: Definition, path: str) -> Example:
    """The first request of a session as `definition` describes it (sent to `path`, the
    webhook's path with its token parameter), read by the adapter and answered with the
    demo's first screen and with a last screen."""
    # only the editor shows examples: a worker that serves hops never imports these
    from urllib.parse import urlencode

    from werkzeug.test import EnvironBuilder

    request = definition.request
    names = [request.session_id, request.phone, request.input]
    names += [n for n in (request.network, request.service_code) if n]
    if request.new_session is not None:
        names.append(request.new_session.field)
    names += [n for _, n in definition.reply.echo if n not in names]
    fields = {name: _example_value(definition, name) for name in names}
    query = path.partition("?")[2]
    if request.body == "query":
        query = urlencode(fields) + (f"&{query}" if query else "")
        builder = EnvironBuilder(path=path.partition("?")[0], query_string=query, method="GET")
        shown = f"GET {path.partition('?')[0]}?{query}"
    elif request.body == "form":
        body = urlencode(fields)
        builder = EnvironBuilder(
            path=path, method="POST", data=body, content_type="application/x-www-form-urlencoded"
        )
        shown = f"POST {path}\nContent-Type: application/x-www-form-urlencoded\n\n{body}"
    else:
        body = json.dumps(fields, ensure_ascii=False, indent=2)
        builder = EnvironBuilder(
            path=path, method="POST", data=body.encode(), content_type="application/json"
        )
        shown = f"POST {path}\nContent-Type: application/json\n\n{body}"
    gateway = MappedGateway(definition)
    turn = gateway.parse(cast(Request, builder.get_request(Request)))

    def reply(screen: Screen) -> str:
        response = gateway.render(screen, turn)
        return f"Content-Type: {response.content_type}\n\n{response.get_data(as_text=True)}"

    return Example(
        shown,
        reply(Screen(EXAMPLE_WELCOME, end=False)),
        reply(Screen(EXAMPLE_THANKS, end=True)),
    )
