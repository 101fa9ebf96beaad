"""The forms of menus: create, settings, duplicate, publish, import, system messages, codes."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.widgets import HiddenInput

from editor.forms import EditorForm, options
from ussd.menu.templates import TEMPLATES


def language_codes(field: Any) -> list[str]:
    """The codes of a languages field, in order (the first is the menu's default)."""
    return [c.strip() for c in (field.data or "").split(",") if c.strip()]


def _languages(form: Any, field: Any) -> None:
    codes = language_codes(field)
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
        choices=options((t.id, _l(t.title)) for t in TEMPLATES.values()),
    )
    submit = SubmitField(_l("Create menu"))


def _time(form: Any, field: Any) -> None:
    if not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", (field.data or "").strip()):
        raise ValidationError(_l("A time on the 24-hour clock, such as 08:00."))


def _time_field(label: Any) -> StringField:
    # type=time: a phone's own time picker; browsers send it as HH:MM whatever they show.
    return StringField(label, validators=[_time], render_kw={"type": "time"})


# The safe windows a caller may choose (ussd/menu/safe_contact.py), named for coordinators.
WINDOW_NAMES = {"morning": _l("Morning"), "afternoon": _l("Afternoon"), "evening": _l("Evening")}


class MenuSettingsForm(EditorForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Length(max=500)])
    languages = StringField(
        _l("Languages"),
        validators=[_languages],
        description=_l("Codes separated by commas; the first is the default."),
    )
    morning_from = _time_field(_l("Starts"))
    morning_to = _time_field(_l("Ends"))
    afternoon_from = _time_field(_l("Starts"))
    afternoon_to = _time_field(_l("Ends"))
    evening_from = _time_field(_l("Starts"))
    evening_to = _time_field(_l("Ends"))
    revision = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    submit = SubmitField(_l("Save settings"))

    def window_fields(self, window: str) -> tuple[Any, Any]:
        return self[f"{window}_from"], self[f"{window}_to"]

    def callback_windows(self) -> dict[str, tuple[str, str]]:
        """The hours of each safe window as typed (valid once the form is)."""
        return {
            window: (start.data.strip(), end.data.strip())
            for window in WINDOW_NAMES
            for start, end in [self.window_fields(window)]
        }

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for window in WINDOW_NAMES:
            start, end = self.window_fields(window)
            if not start.errors and not end.errors and start.data.strip() == end.data.strip():
                end.errors = [*end.errors, _l("The window must end at another time.")]
                valid = False
        return valid


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


# What each system message is for, as the System messages page lists them (the names are
# the document's keys, ussd/menu/texts.py, shown beside in small print).
MESSAGE_DESCRIPTIONS = {
    "more": _l("Option that shows the next page of a long screen"),
    "back": _l("Option that goes back to the previous page"),
    "continue": _l("Option that continues after a message, or an unfinished request"),
    "start_over": _l("Option that starts an unfinished request again from the beginning"),
    "resume": _l("Offer to continue an unfinished request, on the next dial"),
    "invalid_option": _l("The caller typed a number that is not one of the options"),
    "too_many_attempts": _l("Last screen after too many refused answers"),
    "expired": _l("Last screen when the caller took too long to answer"),
    "ended": _l("Last screen when the caller answers a session that is over"),
    "apology": _l("Last screen after an error of the service"),
    "unavailable": _l("Last screen when no menu is live for the code dialled"),
    "handoff": _l("Thank-you screen of a hand-off that has no text of its own"),
    "already_queued": _l("Last screen when the caller's earlier request is still waiting"),
    "limit_reached": _l("Last screen when the caller has made too many requests"),
    "reply_offer": _l("First screen when a reply waits for the caller ({organisation})"),
    "reply_offer_plain": _l("First screen when a reply waits, if no organisation name is set"),
    "read": _l("Option that reads a reply that waits for the caller"),
    "menu": _l("Option that goes from the replies to the menu"),
    "end": _l("Option that ends the session after reading a reply"),
    "next_reply": _l("Option that shows the next reply"),
    "pin_prompt": _l("Asks for the caller's PIN before a reply is shown"),
    "pin_wrong": _l("The PIN typed is not the caller's"),
    "pin_locked": _l("Reading replies is locked after three wrong PINs"),
    "goodbye": _l("Last screen when the caller ends after reading a reply"),
    "err_required": _l("Answer refused: nothing was typed"),
    "err_too_short": _l("Answer refused: shorter than the shortest allowed ({min})"),
    "err_too_long": _l("Answer refused: longer than the longest allowed ({max})"),
    "err_number": _l("Answer refused: not a number"),
    "err_whole_number": _l("Answer refused: a decimal number where a whole number is asked"),
    "err_min": _l("Answer refused: a number below the smallest allowed ({min})"),
    "err_max": _l("Answer refused: a number above the largest allowed ({max})"),
    "err_phone": _l("Answer refused: not a phone number"),
    "err_date": _l("Answer refused: not a date in the format asked ({format})"),
    "err_future": _l("Answer refused: a date in the future"),
    "err_pattern": _l("Answer refused: it does not match the pattern"),
}


class MessagesForm(EditorForm):
    revision = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    submit = SubmitField(_l("Save messages"))


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
