"""A menu's Flex Insights mapping (ussd/menu/insights.py): which answer fills each of the
task's conversation attributes 1 to 10, with a label saying what it holds."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import HiddenInput

from editor import bp, role_required
from editor.forms import EditorForm, options
from editor.menus.drafts import draft_dict, load_menu, store
from ussd.menu.insights import ATTRIBUTES, MAX_LABEL, NEVER_SENT, parse_insights

NUMBERS = range(1, len(ATTRIBUTES) + 1)


class InsightsForm(EditorForm):
    revision = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    submit = SubmitField(_l("Save the mapping"))

    def rows(self) -> list[tuple[str, Any, Any]]:
        return [(ATTRIBUTES[n - 1], self[f"key_{n}"], self[f"label_{n}"]) for n in NUMBERS]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for _attribute, key, label in self.rows():
            if (label.data or "").strip() and not key.data:
                label.errors = [*label.errors, _l("Choose the answer this label describes.")]
                valid = False
        return valid


for number in NUMBERS:
    setattr(InsightsForm, f"key_{number}", SelectField(_l("Answer"), choices=[], default=""))
    setattr(
        InsightsForm,
        f"label_{number}",
        StringField(_l("Label"), validators=[Length(max=MAX_LABEL)]),
    )


def _asked_keys(document: dict[str, Any]) -> list[str]:
    keys = [n.get("key") for n in document.get("nodes", []) if isinstance(n, dict)]
    return list(dict.fromkeys(k for k in keys if isinstance(k, str) and k and k not in NEVER_SENT))


@bp.route("/menus/<int:menu_id>/insights", methods=["GET", "POST"])
@role_required("editor")
def menu_insights(menu_id: int) -> str | Response | tuple[str, int]:
    menu = load_menu(menu_id)
    document = draft_dict(menu)
    current = parse_insights(document.get("insights"), [])
    if request.method == "POST":
        form = InsightsForm()
    else:
        data: dict[str, Any] = {"revision": menu.draft_revision}
        for number, attribute in zip(NUMBERS, ATTRIBUTES, strict=True):
            if attribute in current:
                data[f"key_{number}"] = current[attribute].key
                data[f"label_{number}"] = current[attribute].label
        form = InsightsForm(data=data)
    keys = _asked_keys(document)
    stored_elsewhere = [f.key for f in current.values() if f.key not in keys]
    choices = options([("", _l("(not used)"))] + [(k, k) for k in keys + stored_elsewhere])
    for _attribute, key, _label in form.rows():
        key.choices = choices
    if form.validate_on_submit():
        mapping: dict[str, Any] = {}
        for attribute, key, label in form.rows():
            text = (label.data or "").strip()
            if key.data:
                mapping[attribute] = {"key": key.data, "label": text} if text else key.data
        if mapping:
            document["insights"] = mapping
        else:
            document.pop("insights", None)
        if store(menu, document, form.revision.data):
            flash(_("Flex Insights mapping saved."), "info")
        return redirect(url_for("editor.menu_insights", menu_id=menu.id))
    status = 400 if form.is_submitted() else 200
    return render_template("editor/menu_insights.html", menu=menu, form=form, keys=keys), status
