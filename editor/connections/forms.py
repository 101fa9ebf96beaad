"""The form of a connection."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DecimalField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, ValidationError

from editor.forms import EditorForm, options
from ussd.connections.addresses import HEADER_NAME, RESERVED_HEADERS, SLUG, base_url_problem

MAX_SECONDS = 3  # DESIGN §4: a hop must stay inside the gateway's deadline

URL_PROBLEMS = {
    "at most 500 characters": _l("At most 500 characters."),
    "not a URL": _l("This is not a URL."),
    "must start with https://": _l("The address must start with https://."),
    "must start with https:// (http:// only for a private address, when allowed)": _l(
        "The address must start with https:// (http:// only for a private address, when "
        "private addresses are allowed)."
    ),
    "has no host": _l("The address has no host."),
    "must not hold a user name or password (use the secret header)": _l(
        "The address must not hold a user name or password: use the secret header."
    ),
    "must not hold a query or fragment": _l(
        "The address must not hold a query (?…) or a fragment (#…)."
    ),
    "has no valid port": _l("The address has no valid port."),
    "is a private, loopback or reserved address, which this connection does not allow": _l(
        "This is a private, loopback or reserved address: tick “Allow private addresses” "
        "if the service runs on your own network."
    ),
}


def _slug(form: Any, field: Any) -> None:
    if not SLUG.match(field.data or ""):
        raise ValidationError(
            _l("Lower-case letters, digits, - or _, starting with a letter, such as cash-lookup.")
        )


def _header(form: Any, field: Any) -> None:
    name = (field.data or "").strip()
    if not name:
        return
    if not HEADER_NAME.match(name):
        raise ValidationError(_l("A header name: letters, digits and -, such as X-Api-Key."))
    if name.lower() in RESERVED_HEADERS:
        raise ValidationError(_l("This header is set by the service itself."))


class ConnectionForm(EditorForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=64), _slug],
        description=_l("What an http node of a menu names, such as cash-lookup."),
    )
    base_url = StringField(
        _l("Base URL"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("Such as https://api.example.org/v1: a node adds its path to it."),
    )
    method = SelectField(_l("Method"), choices=options([("POST", "POST"), ("GET", "GET")]))
    secret_header = StringField(
        _l("Secret header name"),
        validators=[Length(max=80), _header],
        description=_l("Optional, such as Authorization or X-Api-Key."),
    )
    secret_value = PasswordField(
        _l("Secret header value"),
        validators=[Length(max=2000)],
        description=_l("Stored encrypted and never shown again. Leave blank to keep it."),
    )
    clear_secret = BooleanField(_l("Remove the secret header"))
    timeout_seconds = DecimalField(
        _l("Time budget (seconds)"),
        default=2,
        places=1,
        validators=[NumberRange(min=0.1, max=MAX_SECONDS)],
        description=_l("At most 3 seconds, so the caller's screen comes back in time."),
    )
    allow_private = BooleanField(
        _l("Allow private addresses"),
        description=_l(
            "Only for a service on your own network (10.x, 192.168.x, this machine). "
            "Addresses of a cloud's metadata service are never allowed."
        ),
    )
    submit = SubmitField(_l("Save connection"))

    def validate_base_url(self, field: Any) -> None:
        problem = base_url_problem((field.data or "").strip(), bool(self.allow_private.data))
        if problem is not None:
            raise ValidationError(URL_PROBLEMS.get(problem, problem))
