"""The erasure form: a phone number, to see what is stored about it, then to erase it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp

from editor.forms import EditorForm


class EraseForm(EditorForm):
    phone = StringField(
        _l("Phone number"),
        validators=[DataRequired(), Length(max=40), Regexp(r"^[+0-9 ()\-]+$")],
        description=_l("As the person gives it, such as +221 77 123 45 67"),
    )
    check = SubmitField(_l("Find what is stored"))
    erase = SubmitField(_l("Erase everything about this number"))
