"""The form of a webhook endpoint: where events go, which ones, and what they may carry."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from editor.forms import EditorForm, options
from ussd.handoff import webhooks

EVENT_LABELS = {
    "submission.created": _l("A request is submitted (submission.created)"),
    "reply.read": _l("A caller reads a reply (reply.read)"),
    "handoff.failed": _l("A hand-off to Flex failed (handoff.failed)"),
}

# Why an address is refused (ussd.handoff.webhooks.url_problem), in the reader's language.
URL_PROBLEMS = {
    "not a URL": _l("This is not a URL."),
    "the URL must start with https://": _l("The URL must start with https://."),
    "http:// is only for a private address, with private addresses allowed": _l(
        "http:// is only for a private address, with private addresses allowed."
    ),
    "the URL has no host": _l("The URL has no host."),
    "the URL must not carry a user name or password": _l(
        "The URL must not carry a user name or password."
    ),
    "the port is not valid": _l("The port is not valid."),
    "a loopback address needs private addresses allowed": _l(
        "A loopback address needs private addresses allowed."
    ),
    "a private, loopback or link-local address needs private addresses allowed": _l(
        "A private, loopback or link-local address needs private addresses allowed."
    ),
}


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WebhookForm(EditorForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("For you, e.g. “Case management”."),
    )
    url = StringField(
        _l("URL"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("https://… The address that receives each event as a signed POST (JSON)."),
    )
    events = CheckboxesField(
        _l("Events"), choices=options((e, EVENT_LABELS[e]) for e in webhooks.EVENT_TYPES)
    )
    enabled = BooleanField(_l("Enabled"), default=True)
    include_phone = BooleanField(
        _l("Include the caller's number"),
        description=_l("Off unless the receiving system must call people back itself."),
    )
    allow_private = BooleanField(
        _l("Allow private addresses"),
        description=_l(
            "Only for a receiver inside your own network (10.x, 192.168.x, this machine); "
            "http:// is then allowed too, to such an address only."
        ),
    )
    submit = SubmitField(_l("Save"))

    def validate_url(self, field: Any) -> None:
        problem = webhooks.url_problem(str(field.data or ""), bool(self.allow_private.data))
        if problem:
            raise ValidationError(str(URL_PROBLEMS.get(problem, problem)))
