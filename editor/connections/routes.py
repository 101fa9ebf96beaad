"""The admins' pages of connections: list, new, edit, delete. A secret is written, never
read back: the page shows it masked."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from editor import bp, role_required
from editor.connections.forms import ConnectionForm
from editor.forms import ConfirmForm
from ussd.connections.client import mask
from ussd.extensions import db
from ussd.models import Connection
from ussd.privacy.retention import audit


def _load(connection_id: int) -> Connection:
    row = db.session.get(Connection, connection_id)
    if row is None:
        abort(404)
    return row


def _taken(name: str, row: Connection | None) -> bool:
    other = db.session.scalar(select(Connection).where(Connection.name == name))
    return other is not None and other is not row


def _save(form: ConnectionForm, row: Connection | None) -> Response | None:
    name = form.name.data.strip()
    if _taken(name, row):
        form.name.errors = [*form.name.errors, _("This name is taken.")]
        return None
    removed = bool(form.clear_secret.data)
    header = "" if removed else (form.secret_header.data or "").strip()
    value = "" if removed else form.secret_value.data or ""
    keeps = row is not None and bool(row.secret_value)
    if header and not value and not keeps:
        form.secret_value.errors = [*form.secret_value.errors, _("Give the header's value.")]
        return None
    if value and not header:
        form.secret_header.errors = [*form.secret_header.errors, _("Give the header's name.")]
        return None
    if row is None:
        row = Connection()
        db.session.add(row)
    row.name = name
    row.base_url = form.base_url.data.strip()
    row.method = form.method.data
    row.timeout_seconds = float(form.timeout_seconds.data)
    row.allow_private = bool(form.allow_private.data)
    row.updated_by_id = current_user.id
    row.secret_header = header
    if value:
        row.secret_value = value
    if not row.secret_header:
        row.secret_value = ""
    db.session.flush()
    audit("connection.saved", f"connection {row.name}", current_user)
    db.session.commit()
    flash(_("Connection %(name)s saved.", name=row.name), "info")
    return redirect(url_for("editor.connection_edit", connection_id=row.id))


@bp.get("/connections")
@role_required("admin")
def connections() -> str:
    rows = db.session.scalars(select(Connection).order_by(Connection.name)).all()
    return render_template("editor/connections.html", rows=rows, mask=mask)


@bp.route("/connections/new", methods=["GET", "POST"])
@role_required("admin")
def connection_new() -> str | Response | tuple[str, int]:
    form = ConnectionForm()
    if form.validate_on_submit():
        done = _save(form, None)
        if done is not None:
            return done
    status = 400 if form.is_submitted() else 200
    return render_template("editor/connection.html", form=form, row=None, mask=mask), status


@bp.route("/connections/<int:connection_id>", methods=["GET", "POST"])
@role_required("admin")
def connection_edit(connection_id: int) -> str | Response | tuple[str, int]:
    row = _load(connection_id)
    form = ConnectionForm(obj=row)
    if form.validate_on_submit():
        done = _save(form, row)
        if done is not None:
            return done
    form.secret_value.data = ""  # a password field never carries the secret back
    status = 400 if form.is_submitted() else 200
    return (
        render_template(
            "editor/connection.html",
            form=form,
            row=row,
            mask=mask,
            delete_form=ConfirmForm(prefix="delete"),
        ),
        status,
    )


@bp.route("/connections/<int:connection_id>/delete", methods=["GET", "POST"])
@role_required("admin")
def connection_delete(connection_id: int) -> str | Response:
    row = _load(connection_id)
    form = ConfirmForm(prefix="delete")
    if form.validate_on_submit():
        name = row.name
        db.session.delete(row)
        audit("connection.deleted", f"connection {name}", current_user)
        db.session.commit()
        flash(_("Connection %(name)s deleted.", name=name), "info")
        return redirect(url_for("editor.connections"))
    return render_template(
        "editor/confirm.html",
        form=form,
        title=_("Delete the connection %(name)s?", name=row.name),
        text=_(
            "Menus that call it take their failure branch from the next call, and cannot "
            "be published until their http nodes name another connection."
        ),
        back=url_for("editor.connection_edit", connection_id=row.id),
        danger=True,
    )
