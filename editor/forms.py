"""What every area's forms share: the base form that refuses control characters, the
confirm button, select choices, and the names of menu languages."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, SubmitField
from wtforms.fields.choices import SelectChoice

from ussd.menu.languages import native_name


def options(pairs: Any) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs (WTForms 3.3 retires plain tuples)."""
    return [SelectChoice(value, str(label)) for value, label in pairs]


def language_label(code: str) -> str:
    """A language as the editor shows it: in its own name ("Français")."""
    return native_name(code)


CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _leaves(fields: Any) -> Any:
    for field in fields:
        if isinstance(field, FieldList | FormField):
            yield from _leaves(field)
        else:
            yield field


class EditorForm(FlaskForm):
    """Every editor form: text with control characters (NUL, ESC, …) is refused, whatever
    the field. Such text has no use in a menu, and PostgreSQL cannot even store NUL."""

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in _leaves(self):
            if isinstance(field.data, str) and CONTROL.search(field.data):
                field.errors = [*field.errors, _l("This contains a control character.")]
                valid = False
        return valid


class ConfirmForm(EditorForm):
    """A button that only needs CSRF protection (delete, move, roll back, sign out)."""

    submit = SubmitField(_l("Confirm"))
