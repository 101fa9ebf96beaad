"""Publishing a menu's draft, its published versions, and rolling back to one of them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from editor import bp, role_required
from editor.forms import ConfirmForm
from editor.menus.drafts import load_menu
from editor.menus.forms import PublishForm
from ussd.extensions import db
from ussd.publishing import PublishError, publish, published_versions, rollback


@bp.post("/menus/<int:menu_id>/publish")
@role_required("editor")
def menu_publish(menu_id: int) -> Response:
    menu = load_menu(menu_id)
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    if form.revision.data != menu.draft_revision:
        flash(
            _("The draft changed since you opened the page: check it, then publish again."), "error"
        )
        return redirect(url_for("editor.menu", menu_id=menu.id))
    try:
        version = publish(menu, current_user, note=form.note.data or "")
    except PublishError as exc:
        db.session.rollback()
        errors = [p for p in exc.problems if p.severity == "error"]
        flash(
            _("Not published: the menu has %(count)d error(s). Fix them first.", count=len(errors)),
            "error",
        )
        for problem in errors[:5]:
            flash(f"{problem.node or _('menu')}: {problem.text.render(_)}", "error")
        return redirect(url_for("editor.menu", menu_id=menu.id))
    db.session.commit()
    flash(
        _(
            "Version %(number)d is live. Callers already in a session finish on the version "
            "they started.",
            number=version.number,
        ),
        "info",
    )
    return redirect(url_for("editor.menu", menu_id=menu.id))


@bp.get("/menus/<int:menu_id>/versions")
@role_required("viewer")
def menu_versions(menu_id: int) -> str:
    menu = load_menu(menu_id)
    return render_template(
        "editor/versions.html", menu=menu, versions=published_versions(menu), confirm=ConfirmForm()
    )


@bp.post("/menus/<int:menu_id>/versions/<int:number>/rollback")
@role_required("editor")
def menu_rollback(menu_id: int, number: int) -> Response:
    menu = load_menu(menu_id)
    if ConfirmForm().validate_on_submit():
        try:
            version = rollback(menu, number, current_user)
        except (ValueError, PublishError) as exc:
            db.session.rollback()
            flash(_("Not rolled back: %(reason)s", reason=str(exc)), "error")
        else:
            db.session.commit()
            flash(
                _(
                    "Version %(old)d is live again, as version %(new)d. The draft is unchanged.",
                    old=number,
                    new=version.number,
                ),
                "info",
            )
    return redirect(url_for("editor.menu_versions", menu_id=menu.id))
