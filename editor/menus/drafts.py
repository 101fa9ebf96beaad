"""A menu's draft as the editor pages read and save it: every save is checked against the
revision the page was opened on, and parsed, so no edit stores a malformed draft."""

from __future__ import annotations

import json
from typing import Any

from flask import flash
from flask_babel import gettext as _
from flask_login import current_user

from ussd.extensions import db
from ussd.menu.document import MenuFormatError, parse_menu
from ussd.models import Menu
from ussd.publishing import save_draft


def load_menu(menu_id: int) -> Menu:
    return db.get_or_404(Menu, menu_id)


def draft_dict(menu: Menu) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(menu.draft)
    return data


def store(menu: Menu, document: dict[str, Any], revision: int | None) -> bool:
    """Save an edited draft, unless someone saved another edit since the form was opened,
    or the result is malformed. Says why on failure."""
    if revision is not None and revision != menu.draft_revision:
        flash(
            _(
                "Someone else changed this menu since you opened the page: your change was not "
                "saved. Here is the menu as it is now."
            ),
            "error",
        )
        return False
    try:
        doc = parse_menu(document)
    except MenuFormatError as exc:
        for problem in exc.problems[:5]:
            flash(problem, "error")
        return False
    save_draft(menu, doc, current_user)
    db.session.commit()
    return True
