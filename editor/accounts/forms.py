"""The forms of signing in, one's own account and the admins' page of accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from editor.accounts.users import ROLES
from editor.forms import EditorForm, options

# the editor's own languages, each in its own name
LANGUAGE_CHOICES = [("en", "English"), ("fr", "Français"), ("ar", "العربية")]
ROLE_LABELS = {"admin": _l("admin"), "editor": _l("editor"), "viewer": _l("viewer")}


def role_label(role: str) -> object:
    """A role as the editor shows it, in the reader's language."""
    return ROLE_LABELS.get(role, role)


ROLE_CHOICES = [(r, role_label(r)) for r in ROLES]


class LoginForm(EditorForm):
    email = StringField(
        _l("Email"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Sign in"))


class AccountForm(EditorForm):
    language = SelectField(_l("Editor language"), choices=options(LANGUAGE_CHOICES))
    submit = SubmitField(_l("Save"))


class PasswordForm(EditorForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=10, max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("new", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))


class UserForm(EditorForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), choices=options(ROLE_CHOICES), default="editor")
    language = SelectField(_l("Editor language"), choices=options(LANGUAGE_CHOICES))
    submit = SubmitField(_l("Create account"))


class UserRoleForm(EditorForm):
    """An account as an admin changes it (an empty email leaves it as it is)."""

    email = StringField(
        _l("Email"), validators=[Optional(), Length(max=254)], render_kw={"autocomplete": "off"}
    )
    role = SelectField(_l("Role"), choices=options(ROLE_CHOICES))
    active = BooleanField(_l("Active"))
    submit = SubmitField(_l("Save"))
