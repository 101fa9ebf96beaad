"""What every area's forms share: the base form that refuses control characters, the
confirm button, select choices, and the names of menu languages."""

from __future__ import annotations

import re
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, SubmitField
from wtforms.fields.choices import SelectChoice

from ussd.menu.languages import native_name


def options(pairs: Any) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs (WTForms 3.3 retires plain tuples).

    A label stays as given: a lazy_gettext label is translated when the page is rendered,
    in the language of whoever reads it. Turning it into a string here would fix it in the
    language of the request that built the choices, or at import time in English."""
    return [SelectChoice(value, cast(str, label)) for value, label in pairs]


def language_label(code: str) -> str:
    """A language as the editor shows it: in its own name ("Français")."""
    return native_name(code)


# Languages written right to left (ISO 639-1 codes, and the 639-3 ones a menu may use).
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur", "ps", "sd", "ug", "yi", "dv", "ckb", "arz"})


def text_direction(code: str) -> str:
    """The `dir` of a text in a language ("ar-SA" as "ar"): "rtl" or "ltr"; "auto" when the
    language is not known (a "*" text, an answer), so the browser reads its first letter."""
    base = str(code or "").replace("_", "-").split("-")[0].lower()
    if not base or base == "*":
        return "auto"
    return "rtl" if base in RIGHT_TO_LEFT else "ltr"


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
