"""The canned reply form, and the checks every reply text written in the editor goes
through: the rules of ussd.replies.service, said in the editor's language."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from editor.forms import EditorForm, language_label, options
from ussd.extensions import db
from ussd.mapped_gateways import all_gateways
from ussd.menu.gsm import GSM7_BASIC, GSM7_EXTENSION
from ussd.menu.texts import DEFAULT_MESSAGES
from ussd.models import Menu, MenuVersion
from ussd.replies.service import (
    MAX_SCREENS,
    NAVIGATION_ROOM,
    Limits,
    ReplyRefused,
    checked_text,
    encoding_of,
    length_in,
)
from ussd.sessions.service import screen_budget

TITLE_LENGTH = 80
# Long enough for any reply that fits its screens; the screens decide, not this.
TEXT_LENGTH = 2000


def strictest_limits() -> Limits:
    """The reply budget on the gateway that shows the least: a canned reply may be offered
    to any caller, whichever gateway they dialled through."""
    budgets = [screen_budget(gateway) for gateway in all_gateways().values()]
    room: dict[str, int] = {}
    for encoding in ("gsm7", "ucs2"):
        room[encoding] = min(
            min(getattr(b, encoding), b.cap) if b.cap else getattr(b, encoding) for b in budgets
        )
        room[encoding] -= NAVIGATION_ROOM[encoding]
    return Limits(MAX_SCREENS, room)


def text_problem(raw: str, limits: Limits) -> str | None:
    """Why a reply text cannot be sent, in the editor's language; None when it can."""
    try:
        checked_text(raw, limits)
    except ReplyRefused:
        text = raw.strip()
        if not text:
            return _("Write the reply.")
        encoding = encoding_of(text)
        used, most = length_in(text, encoding), limits.most(encoding)
        if used > most:
            return _(
                "Too long: %(used)d characters in %(encoding)s, at most %(most)d "
                "(%(screens)d screens).",
                used=used,
                encoding="GSM-7" if encoding == "gsm7" else "UCS-2",
                most=most,
                screens=limits.screens,
            )
        return _("This contains a control character.")
    return None


def live_languages() -> list[str]:
    """The languages of the menus callers reach now (their live versions)."""
    documents = db.session.scalars(
        select(MenuVersion.document).join(Menu, Menu.live_version_id == MenuVersion.id)
    ).all()
    found: list[str] = []
    for document in documents:
        try:
            languages = json.loads(document).get("languages") or []
        except (ValueError, AttributeError):
            continue
        found.extend(str(code) for code in languages if str(code) not in found)
    return found


def language_choices(current: str = "") -> list[Any]:
    """The live menus' languages first, then the built-in ones (and the reply's own)."""
    codes: list[str] = []
    for code in [*live_languages(), *DEFAULT_MESSAGES, current]:
        if code and code not in codes:
            codes.append(code)
    return options([(code, f"{language_label(code)} ({code})") for code in codes])


class CannedReplyForm(EditorForm):
    lang = SelectField(_l("Language"))
    title = StringField(
        _l("Title"),
        validators=[DataRequired(), Length(max=TITLE_LENGTH)],
        description=_l("What agents pick it by, at most 80 characters. Callers never see it."),
    )
    text = TextAreaField(_l("Reply"), validators=[Length(max=TEXT_LENGTH)], render_kw={"rows": 5})
    submit = SubmitField(_l("Save"))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        problem = text_problem(self.text.data or "", strictest_limits())
        if problem:
            self.text.errors = [*self.text.errors, problem]
            valid = False
        return valid


class ReplyForm(EditorForm):
    """A reply to one request, from Submissions."""

    canned = SelectField(
        _l("Canned reply"), validate_choice=False, render_kw={"data-canned": "true"}
    )
    text = TextAreaField(_l("Reply"), validators=[Length(max=TEXT_LENGTH)], render_kw={"rows": 5})
    submit = SubmitField(_l("Send the reply"))


def reply_script_data(canned: dict[int, str] | None = None) -> dict[str, Any]:
    """What static/replies.js needs: the GSM-7 tables, its words, and the canned texts a
    choice fills in (by id)."""
    return {
        "basic": "".join(sorted(GSM7_BASIC)),
        "extension": "".join(sorted(GSM7_EXTENSION)),
        "canned": {str(key): text for key, text in (canned or {}).items()},
        "strings": {
            "counter": _(
                "%(used)s of %(most)s characters in %(encoding)s: %(screens)s of %(max)s screens"
            ),
            "over": _("Too long for %(max)s screens."),
            "ucs2": _("A character here needs UCS-2: a screen holds fewer characters."),
        },
    }
