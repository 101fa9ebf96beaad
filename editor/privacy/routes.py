"""Privacy, for admins: what is stored about a phone number and its erasure, the audit log,
and purging what the retention periods let go."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from editor import bp, role_required
from editor.forms import ConfirmForm
from editor.privacy.forms import EraseForm
from ussd.extensions import db
from ussd.models import AuditEvent, User
from ussd.privacy.retention import count_for_phone, erase_phone, purge


@bp.route("/privacy", methods=["GET", "POST"])
@role_required("admin")
def privacy() -> str | Response:
    form = EraseForm()
    found = None
    if form.validate_on_submit():
        phone = form.phone.data or ""
        if form.erase.data:
            deleted = erase_phone(phone, current_user)
            flash(
                _(
                    "Erased: %(what)s. The audit log records that an erasure happened, not whose.",
                    what=str(deleted),
                ),
                "info",
            )
            return redirect(url_for("editor.privacy"))
        found = count_for_phone(phone)
    events = db.session.execute(
        select(AuditEvent, User.email)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .order_by(AuditEvent.at.desc())
        .limit(50)
    ).all()
    return render_template(
        "editor/privacy.html",
        form=form,
        found=found,
        events=events,
        purge_form=ConfirmForm(prefix="purge"),
    )


@bp.post("/privacy/purge")
@role_required("admin")
def privacy_purge() -> Response:
    if ConfirmForm(prefix="purge").validate_on_submit():
        deleted = purge(user=current_user)
        flash(_("Purged: %(what)s.", what=str(deleted)), "info")
    return redirect(url_for("editor.privacy"))
