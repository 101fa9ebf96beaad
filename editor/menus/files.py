"""Menus as JSON files: export a draft or a version; import a file into a menu's draft or as
a new menu."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from editor import bp, role_required
from editor.menus.drafts import load_menu, store
from editor.menus.forms import ImportForm
from ussd.extensions import db
from ussd.menu.document import MenuFormatError, parse_menu
from ussd.menu.numerals import is_digits
from ussd.models import Menu, MenuVersion
from ussd.publishing import create_menu, draft_document

MAX_IMPORT_BYTES = 2 * 1024 * 1024


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "menu"


@bp.get("/menus/<int:menu_id>/export")
@role_required("viewer")
def menu_export(menu_id: int) -> Response:
    menu = load_menu(menu_id)
    which = request.args.get("version", "draft")
    if which == "draft":
        document, suffix = draft_document(menu).to_dict(), "draft"
    else:
        number = menu.live_version.number if which == "live" and menu.live_version else None
        if which not in ("live",):
            number = int(which) if is_digits(which) else None
        version = (
            db.session.scalar(
                select(MenuVersion).where(
                    MenuVersion.menu_id == menu.id, MenuVersion.number == number
                )
            )
            if number
            else None
        )
        if version is None:
            abort(404)
        document, suffix = parse_menu(json.loads(version.document)).to_dict(), f"v{number}"
    body = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{_slug(menu.name)}-{suffix}.json"'},
    )


def _read_upload(form: ImportForm) -> dict[str, Any] | None:
    raw = form.file.data.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        form.file.errors.append(_("The file is larger than 2 MB."))
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        form.file.errors.append(_("This is not a JSON file."))
        return None
    try:
        parse_menu(data)
    except MenuFormatError as exc:
        form.file.errors.extend(exc.problems[:10])
        return None
    return data  # type: ignore[no-any-return]


@bp.route("/menus/<int:menu_id>/import", methods=["GET", "POST"])
@role_required("editor")
def menu_import(menu_id: int) -> str | Response:
    menu = load_menu(menu_id)
    form = ImportForm()
    if form.validate_on_submit():
        data = _read_upload(form)
        if data is not None:
            data["name"] = menu.name  # importing into a menu keeps its name
            if store(menu, data, None):
                flash(_("The file replaced the draft. Check it, then publish."), "info")
                return redirect(url_for("editor.menu", menu_id=menu.id))
    return render_template("editor/import.html", menu=menu, form=form)


@bp.post("/menus/import")
@role_required("editor")
def menus_import() -> str | Response | tuple[str, int]:
    form = ImportForm()
    if form.validate_on_submit():
        data = _read_upload(form)
        if data is not None:
            doc = parse_menu(data)
            if db.session.scalar(select(Menu).where(Menu.name == doc.name)):
                form.file.errors.append(
                    _(
                        "A menu named %(name)s exists: open it and import "
                        "there to replace its draft.",
                        name=doc.name,
                    )
                )
            else:
                menu = create_menu(doc, current_user)
                db.session.commit()
                flash(_("Menu %(name)s imported as a draft.", name=doc.name), "info")
                return redirect(url_for("editor.menu", menu_id=menu.id))
    return render_template("editor/import.html", menu=None, form=form), 400
