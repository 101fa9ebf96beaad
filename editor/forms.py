"""The editor's forms. Node forms are built per menu, with a text field per language."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    Form,
    FormField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from editor.users import ROLES
from ussd.menu.document import (
    CONDITION_OPS,
    CONDITION_SUBJECTS,
    DATE_FORMATS,
    ID_PATTERN,
    INPUT_TYPES,
    MAX_BOUND,
)


def options(pairs: Any) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs (WTForms 3.3 retires plain tuples)."""
    return [SelectChoice(value, str(label)) for value, label in pairs]


LANGUAGE_CHOICES = [("en", "English"), ("fr", "Français")]
ID_RULE = Regexp(ID_PATTERN.pattern, message=_l("Letters, digits, _ or -, starting with a letter."))
LANGUAGE_NAMES = {
    "en": "English",
    "fr": "Français",
    "pt": "Português",
    "es": "Español",
    "ar": "العربية",
    "sw": "Kiswahili",
    "wo": "Wolof",
    "ha": "Hausa",
}
EXTRA_ROWS = 2  # empty option/rule rows offered for adding, so no JavaScript is needed


def language_label(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


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


class ConfirmForm(EditorForm):
    """A button that only needs CSRF protection (delete, move, roll back, sign out)."""

    submit = SubmitField(_l("Confirm"))


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
    role = SelectField(_l("Role"), choices=options((r, r) for r in ROLES), default="editor")
    language = SelectField(_l("Editor language"), choices=options(LANGUAGE_CHOICES))
    submit = SubmitField(_l("Create account"))


class UserRoleForm(EditorForm):
    role = SelectField(_l("Role"), choices=options((r, r) for r in ROLES))
    active = BooleanField(_l("Active"))
    submit = SubmitField(_l("Save"))


def _languages(form: Any, field: Any) -> None:
    codes = [c.strip() for c in field.data.split(",") if c.strip()]
    if not codes or not all(re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?", c) for c in codes):
        raise ValidationError(_l("Language codes separated by commas, such as: en, fr"))
    if len(set(codes)) != len(codes):
        raise ValidationError(_l("A language is listed twice."))


class NewMenuForm(EditorForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    languages = StringField(
        _l("Languages"),
        default="en, fr",
        validators=[_languages],
        description=_l("Codes separated by commas, such as: en, fr, wo"),
    )
    start_from = SelectField(
        _l("Start from"),
        choices=options([("blank", _l("A blank menu")), ("demo", _l("A copy of the demo menu"))]),
    )
    submit = SubmitField(_l("Create menu"))


class MenuSettingsForm(EditorForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Length(max=500)])
    languages = StringField(
        _l("Languages"),
        validators=[_languages],
        description=_l("Codes separated by commas; the first is the default."),
    )
    revision = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    submit = SubmitField(_l("Save settings"))


class DuplicateForm(EditorForm):
    name = StringField(_l("Name of the copy"), validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Duplicate"))


class PublishForm(EditorForm):
    note = StringField(_l("What changed (optional)"), validators=[Length(max=200)])
    revision = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    submit = SubmitField(_l("Publish"))


class ImportForm(EditorForm):
    file = FileField(_l("Menu file (JSON)"), validators=[FileRequired()])
    submit = SubmitField(_l("Import"))


class ServiceCodeForm(EditorForm):
    code = StringField(
        _l("Service code"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("As callers dial it, such as *123*456#"),
    )
    menu = SelectField(_l("Menu"), coerce=int)
    submit = SubmitField(_l("Map code"))


class DefaultMenuForm(EditorForm):
    menu = SelectField(
        _l("Default menu"), coerce=int, description=_l("Serves every code not mapped above.")
    )
    submit = SubmitField(_l("Set default"))


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


def _choices(ids: list[str], empty: str | None) -> list[SelectChoice]:
    head = [("", empty)] if empty is not None else []
    return options(head + [(i, i) for i in ids])


def node_form_class(
    kind: str, languages: list[str], node_ids: list[str], answer_keys: list[str]
) -> type[FlaskForm]:
    """A form for one node of `kind`, with a field per language and selects of node ids."""
    targets = _choices(node_ids, str(_l("— none —")))

    class NodeForm(EditorForm):
        node_id = StringField(
            _l("Node id"),
            validators=[DataRequired(), ID_RULE],
            description=_l("A short name for this screen, used in links."),
        )
        note = StringField(_l("Note for coordinators"), validators=[Length(max=200)])
        revision = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
        submit = SubmitField(_l("Save node"))

    if kind in ("menu", "input"):
        NodeForm.key = StringField(
            _l("Answer stored as"),
            validators=[DataRequired(), ID_RULE],
            description=_l(
                "location, support_type, callback and language appear as such in "
                "Flex; any other name appears in the answers list."
            ),
        )
    if kind != "branch":
        for lang in languages:
            setattr(
                NodeForm,
                f"text_{lang}",
                TextAreaField(
                    language_label(lang),
                    validators=[Length(max=1000)],
                    render_kw={"rows": 3, "data-screen-lang": lang, "data-screen-part": "text"},
                ),
            )
    if kind in ("menu", "input", "message"):
        NodeForm.next = SelectField(_l("Then go to"), choices=targets, validate_choice=False)

    if kind == "menu":

        class OptionForm(Form):
            value = StringField(_l("Stored value"), validators=[Length(max=100)])
            next = SelectField(
                _l("Goes to"),
                choices=_choices(node_ids, str(_l("the node's next"))),
                validate_choice=False,
            )
            language = SelectField(
                _l("Switches language to"),
                choices=options(
                    [("", str(_l("— no change —")))]
                    + [(lang, language_label(lang)) for lang in languages]
                ),
                validate_choice=False,
            )
            position = IntegerField(_l("Position"), validators=[Optional()])
            remove = BooleanField(_l("Remove"))

        for lang in languages:
            setattr(
                OptionForm,
                f"label_{lang}",
                StringField(
                    language_label(lang),
                    validators=[Length(max=200)],
                    render_kw={"data-screen-lang": lang, "data-screen-part": "option"},
                ),
            )
        NodeForm.options = FieldList(FormField(OptionForm), min_entries=1)

    if kind == "input":
        NodeForm.input_type = SelectField(
            _l("Expected answer"),
            choices=options(
                zip(
                    INPUT_TYPES,
                    (
                        _l("Text"),
                        _l("Number"),
                        _l("Phone number"),
                        _l("Date"),
                        _l("Text matching a pattern"),
                    ),
                    strict=True,
                )
            ),
        )
        NodeForm.min_length = IntegerField(
            _l("Shortest answer (characters)"), validators=[Optional(), NumberRange(0, 500)]
        )
        NodeForm.max_length = IntegerField(
            _l("Longest answer (characters)"), validators=[Optional(), NumberRange(1, 500)]
        )
        bound = NumberRange(-MAX_BOUND, MAX_BOUND)  # what the menu format accepts
        NodeForm.min_value = FloatField(_l("Smallest number"), validators=[Optional(), bound])
        NodeForm.max_value = FloatField(_l("Largest number"), validators=[Optional(), bound])
        NodeForm.decimals = BooleanField(_l("Allow decimals"))
        NodeForm.pattern = StringField(
            _l("Pattern (regular expression)"), validators=[Length(max=200)]
        )
        NodeForm.region = StringField(
            _l("Country for local numbers"),
            validators=[Optional(), Regexp(r"^[A-Z]{2}$")],
            description=_l("Two letters, such as SN"),
        )
        NodeForm.date_format = SelectField(
            _l("Date format"), choices=options((d, d) for d in DATE_FORMATS)
        )
        NodeForm.not_future = BooleanField(_l("Refuse dates in the future"))
        NodeForm.attempts = IntegerField(
            _l("Attempts"), default=3, validators=[InputRequired(), NumberRange(1, 10)]
        )
        NodeForm.on_fail = SelectField(
            _l("After the last failed attempt go to"),
            choices=_choices(node_ids, str(_l("— end the session —"))),
            validate_choice=False,
        )
        for lang in languages:
            setattr(
                NodeForm,
                f"error_{lang}",
                StringField(
                    f"{_l('Error message')} ({language_label(lang)})",
                    validators=[Length(max=200)],
                    description=_l("Leave empty for the built-in message."),
                ),
            )

    if kind == "branch":
        subjects = [(f"answer.{k}", f"{_l('answer')}: {k}") for k in answer_keys] + [
            (s, s) for s in CONDITION_SUBJECTS
        ]

        class RuleForm(Form):
            on = SelectField(
                _l("If"), choices=options([("", "—")] + subjects), validate_choice=False
            )
            op = SelectField(
                _l("is"), choices=options((o, o.replace("_", " ")) for o in CONDITION_OPS)
            )
            value = StringField(
                _l("Value"),
                validators=[Length(max=200)],
                description=_l("Several values separated by commas for in / not in"),
            )
            on2 = SelectField(
                _l("and if"), choices=options([("", "—")] + subjects), validate_choice=False
            )
            op2 = SelectField(
                _l("is"), choices=options((o, o.replace("_", " ")) for o in CONDITION_OPS)
            )
            value2 = StringField(_l("Value"), validators=[Length(max=200)])
            next = SelectField(_l("go to"), choices=targets, validate_choice=False)
            remove = BooleanField(_l("Remove"))

        NodeForm.rules = FieldList(FormField(RuleForm), min_entries=1)
        NodeForm.default = SelectField(
            _l("Otherwise go to"), choices=targets, validate_choice=False
        )
    return NodeForm


class NewNodeForm(EditorForm):
    kind = SelectField(
        _l("Kind"),
        choices=options(
            [
                ("menu", _l("Menu: numbered options")),
                ("input", _l("Question: free answer")),
                ("branch", _l("Branch: route on answers, no screen")),
                ("message", _l("Message: text, then continue")),
                ("end", _l("End: text, then hang up")),
                ("handoff", _l("Hand-off: thank-you, then a Flex task")),
            ]
        ),
    )
    node_id = StringField(_l("Node id"), validators=[DataRequired(), ID_RULE])
    link_from = SelectField(
        _l("Reached from"),
        validate_choice=False,
        description=_l("Optional: where this node is linked from."),
    )
    revision = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    submit = SubmitField(_l("Add node"))


class MessagesForm(EditorForm):
    revision = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    submit = SubmitField(_l("Save messages"))


class EraseForm(EditorForm):
    phone = StringField(
        _l("Phone number"),
        validators=[DataRequired(), Length(max=40), Regexp(r"^[+0-9 ()\-]+$")],
        description=_l("As the person gives it, such as +221 77 123 45 67"),
    )
    check = SubmitField(_l("Find what is stored"))
    erase = SubmitField(_l("Erase everything about this number"))
