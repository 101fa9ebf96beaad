"""The simulator's phone: which version, whose screens, which caller, and the keys."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import Length, Regexp

from editor.forms import EditorForm, options
from ussd.mapped_gateways import all_gateways


class SimulatorForm(EditorForm):
    source = SelectField(
        _l("Run"), choices=options([("draft", _l("the draft")), ("live", _l("the live version"))])
    )
    gateway = SelectField(_l("Screen of"))
    phone = StringField(
        _l("Caller number"),
        default="+221770000000",
        validators=[Length(max=20), Regexp(r"^\+?[0-9 ]*$")],
    )
    create_task = BooleanField(_l("Create a Flex task at the end"))
    entry = StringField(
        _l("Answer"), validators=[Length(max=200)], render_kw={"autocomplete": "off"}
    )
    send = SubmitField(_l("Send"))
    dial = SubmitField(_l("Dial"))
    hang_up = SubmitField(_l("Hang up"))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(prefix="sim", **kwargs)
        self.gateway.choices = options((n, g.title) for n, g in all_gateways().items())
