"""The form of a mapped gateway's definition, and its translation to and from the JSON form
that ussd.gateways.mapped reads (the one exported and imported)."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import Length, NumberRange, Optional

from editor.forms import EditorForm, options

FIELD_NAME = [Length(max=64)]
# Names, prefixes and values as the wire carries them: left to right in an Arabic page too,
# so a prefix's trailing space stays where it is sent.
WIRE = {"dir": "ltr", "autocomplete": "off", "spellcheck": "false"}


def _field(label: Any, description: Any = None, **kwargs: Any) -> StringField:
    return StringField(
        label, validators=FIELD_NAME, description=description, render_kw=WIRE, **kwargs
    )


class GatewayForm(EditorForm):
    name = StringField(
        _l("Name in the URL"),
        render_kw=WIRE,
        validators=[Length(max=13)],
        description=_l("Lower-case letters, digits and dashes, at most 13: /ussd/mapped/<name>."),
    )
    title = StringField(_l("Title"), validators=[Length(max=60)])
    method = SelectField(_l("HTTP method"), choices=options([("POST", "POST"), ("GET", "GET")]))
    body = SelectField(
        _l("Fields sent as"),
        choices=options(
            [
                ("form", _l("a form (POST)")),
                ("json", _l("JSON (POST)")),
                ("query", _l("the query string (GET)")),
            ]
        ),
    )
    session_id = _field(_l("Session id field"))
    phone = _field(_l("Phone number field"))
    input = _field(_l("Input field"))
    cumulative = BooleanField(
        _l("Cumulative input: every input so far, joined by *"),
        description=_l(
            "As Africa's Talking sends it: the new input is what follows the text seen."
        ),
    )
    flag_field = _field(
        _l("New-session flag field"),
        _l("Leave empty if the gateway sends none: a session id not seen yet starts a session."),
    )
    new_values = StringField(
        _l("Values meaning new"),
        render_kw=WIRE,
        validators=[Length(max=300)],
        description=_l("Separated by commas, such as true, 1, BEGIN."),
    )
    continue_values = StringField(
        _l("Values meaning a continuation"),
        render_kw=WIRE,
        validators=[Length(max=300)],
        description=_l("Separated by commas; leave empty to take any other value as one."),
    )
    network = _field(_l("Network field (optional)"))
    service_code = _field(_l("Service code field (optional)"))
    country = StringField(
        _l("Country of local numbers (optional)"),
        render_kw=WIRE,
        validators=[Length(max=2)],
        description=_l("Two letters, such as GH: numbers sent without a country code are of it."),
    )
    reply_format = SelectField(
        _l("Reply"),
        choices=options(
            [("text", _l("plain text with a prefix")), ("json", _l("JSON with named fields"))]
        ),
    )
    continue_prefix = StringField(
        _l("Prefix of a screen that waits for input"),
        render_kw=WIRE,
        validators=[Length(max=20)],
        default="CON ",
        description=_l("With its space, such as “CON ”."),
    )
    end_prefix = StringField(
        _l("Prefix of a last screen"),
        render_kw=WIRE,
        validators=[Length(max=20)],
        default="END ",
        description=_l("With its space, such as “END ”."),
    )
    content_type = StringField(
        _l("Content type"), validators=[Length(max=80)], default="text/plain", render_kw=WIRE
    )
    text_field = _field(_l("Text field"))
    continue_field = _field(_l("Continue/end field"))
    continue_value = StringField(
        _l("Value meaning continue"),
        render_kw=WIRE,
        validators=[Length(max=66)],
        description=_l("true, false, a number or text; in quotes for text such as “true”."),
    )
    end_value = StringField(_l("Value meaning end"), validators=[Length(max=66)], render_kw=WIRE)
    echo = StringField(
        _l("Request fields echoed in the reply"),
        render_kw=WIRE,
        validators=[Length(max=700)],
        description=_l(
            "Separated by commas, such as sessionID, userID; reply=request where names differ."
        ),
    )
    screen_characters = IntegerField(
        _l("Characters per screen (optional)"),
        validators=[Optional(), NumberRange(min=40, max=182)],
        description=_l("The gateway's own cap, such as 120; empty for 182 GSM-7 or 80 UCS-2."),
    )
    submit = SubmitField(_l("Save"))


class GatewayImportForm(EditorForm):
    file = FileField(_l("Definition file (JSON)"), validators=[FileRequired()])
    submit = SubmitField(_l("Import"))


# Which form field shows a problem of the definition, by the problem's path.
FIELD_OF_PATH = {
    "name": "name",
    "title": "title",
    "request.method": "method",
    "request.body": "body",
    "request.session_id": "session_id",
    "request.phone": "phone",
    "request.input": "input",
    "request.cumulative": "cumulative",
    "request.new_session.field": "flag_field",
    "request.new_session.new_values": "new_values",
    "request.new_session.continue_values": "continue_values",
    "request.network": "network",
    "request.service_code": "service_code",
    "request.country": "country",
    "reply.format": "reply_format",
    "reply.continue_prefix": "continue_prefix",
    "reply.end_prefix": "end_prefix",
    "reply.content_type": "content_type",
    "reply.text_field": "text_field",
    "reply.continue_field": "continue_field",
    "reply.continue_value": "continue_value",
    "reply.end_value": "end_value",
    "reply.echo": "echo",
    "screen_characters": "screen_characters",
}


def field_of(problem: str) -> str | None:
    """The form field a problem ("request.input: required") belongs to, if any."""
    path = problem.partition(":")[0]
    while path:
        if path in FIELD_OF_PATH:
            return FIELD_OF_PATH[path]
        path = path.rpartition(".")[0]
    return None


def _values(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _reply_value(text: str | None) -> Any:
    """A typed value: true, false and numbers as JSON, "quoted" text as text, else as typed."""
    raw = (text or "").strip()
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return value if isinstance(value, bool | int | float | str) else raw


def _shown_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        # text that would read as JSON (true, 1) keeps its quotes
        return json.dumps(value, ensure_ascii=False) if _reply_value(value) != value else value
    return json.dumps(value)


class EchoError(ValueError):
    pass


def _echo(text: str | None) -> dict[str, str]:
    echo: dict[str, str] = {}
    for part in _values(text):
        reply_name, _, request_name = part.partition("=")
        reply_name, request_name = reply_name.strip(), (request_name or reply_name).strip()
        if reply_name in echo:
            raise EchoError(reply_name)
        echo[reply_name] = request_name
    return echo


def form_to_data(form: GatewayForm) -> dict[str, Any]:
    """The definition as JSON data, to be read by ussd.mapped_gateways.read_definition.
    Raises EchoError for a reply field echoed twice."""
    method = form.method.data or ""
    # a GET with a form or JSON body is kept, to be refused with its field named
    request: dict[str, Any] = {"method": method, "body": form.body.data}
    flag = (form.flag_field.data or "").strip()
    request.update(
        session_id=(form.session_id.data or "").strip(),
        phone=(form.phone.data or "").strip(),
        input=(form.input.data or "").strip(),
        cumulative=bool(form.cumulative.data),
        new_session=(
            {
                "field": flag,
                "new_values": _values(form.new_values.data),
                "continue_values": _values(form.continue_values.data),
            }
            if flag
            else None
        ),
        network=(form.network.data or "").strip(),
        service_code=(form.service_code.data or "").strip(),
        country=(form.country.data or "").strip(),
    )
    if form.reply_format.data == "json":
        reply: dict[str, Any] = {
            "format": "json",
            "text_field": (form.text_field.data or "").strip(),
            "continue_field": (form.continue_field.data or "").strip(),
            "continue_value": _reply_value(form.continue_value.data),
            "end_value": _reply_value(form.end_value.data),
            "echo": _echo(form.echo.data),
        }
    else:
        reply = {
            "format": "text",
            "continue_prefix": form.continue_prefix.data or "",
            "end_prefix": form.end_prefix.data or "",
            "content_type": (form.content_type.data or "").strip(),
        }
    return {
        "name": (form.name.data or "").strip(),
        "title": (form.title.data or "").strip(),
        "request": request,
        "reply": reply,
        "screen_characters": form.screen_characters.data,
    }


def data_to_form(data: dict[str, Any], form: GatewayForm) -> None:
    """Fill the form from a definition's JSON form (definition_to_dict)."""
    request, reply = data["request"], data["reply"]
    flag = request.get("new_session") or {}
    form.name.data = data["name"]
    form.title.data = data["title"]
    form.method.data = request["method"]
    form.body.data = request.get("body", "query")
    for key in ("session_id", "phone", "input", "network", "service_code", "country"):
        getattr(form, key).data = request.get(key, "")
    form.cumulative.data = request.get("cumulative", False)
    form.flag_field.data = flag.get("field", "")
    form.new_values.data = ", ".join(flag.get("new_values", []))
    form.continue_values.data = ", ".join(flag.get("continue_values", []))
    form.reply_format.data = reply["format"]
    form.continue_prefix.data = reply.get("continue_prefix", "CON ")
    form.end_prefix.data = reply.get("end_prefix", "END ")
    form.content_type.data = reply.get("content_type", "text/plain")
    form.text_field.data = reply.get("text_field", "")
    form.continue_field.data = reply.get("continue_field", "")
    form.continue_value.data = _shown_value(reply.get("continue_value"))
    form.end_value.data = _shown_value(reply.get("end_value"))
    form.echo.data = ", ".join(
        name if name == source else f"{name}={source}"
        for name, source in reply.get("echo", {}).items()
    )
    form.screen_characters.data = data.get("screen_characters")
