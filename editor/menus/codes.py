"""Service codes: which menu each dialled code serves, and the default menu for the rest."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from editor import bp, role_required
from editor.forms import ConfirmForm, options
from editor.menus.forms import DefaultMenuForm, ServiceCodeForm
from ussd.extensions import db
from ussd.models import Menu, ServiceCode
from ussd.publishing import cache, set_service_code


@bp.route("/codes", methods=["GET", "POST"])
@role_required("viewer", post="editor")
def codes() -> str | Response:
    all_menus = db.session.scalars(select(Menu).order_by(Menu.name)).all()
    choices = [(m.id, m.name) for m in all_menus]
    form = ServiceCodeForm(prefix="code")
    form.menu.choices = options(choices)
    default_menu = next((m for m in all_menus if m.is_default), None)
    default_form = DefaultMenuForm(prefix="default", menu=default_menu.id if default_menu else None)
    default_form.menu.choices = options(choices)
    if form.submit.data and form.validate_on_submit():
        menu = db.get_or_404(Menu, form.menu.data)
        try:
            entry = set_service_code(menu, form.code.data or "")
        except ValueError as exc:
            form.code.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("*%(code)s# now serves %(name)s.", code=entry.code, name=menu.name), "info")
            return redirect(url_for("editor.codes"))
    if default_form.submit.data and default_form.validate_on_submit():
        menu = db.get_or_404(Menu, default_form.menu.data)
        for other in all_menus:
            other.is_default = other.id == menu.id
        cache().clear_routes()
        db.session.commit()
        flash(
            _("%(name)s now serves every code not mapped to another menu.", name=menu.name), "info"
        )
        return redirect(url_for("editor.codes"))
    mapped = db.session.scalars(select(ServiceCode).order_by(ServiceCode.code)).all()
    return render_template(
        "editor/codes.html",
        form=form,
        default_form=default_form,
        mapped=mapped,
        default_menu=default_menu,
        confirm=ConfirmForm(),
    )


@bp.post("/codes/<int:code_id>/delete")
@role_required("editor")
def code_delete(code_id: int) -> Response:
    entry = db.get_or_404(ServiceCode, code_id)
    if ConfirmForm().validate_on_submit():
        code = entry.code
        db.session.delete(entry)
        cache().clear_routes()
        db.session.commit()
        flash(_("*%(code)s# is no longer mapped; the default menu serves it.", code=code), "info")
    return redirect(url_for("editor.codes"))
