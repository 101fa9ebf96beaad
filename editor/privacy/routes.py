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
from ussd.privacy.phones import UnreadableNumber, pretty
from ussd.privacy.retention import count_for_phone, erase_phone, erasure_number, purge


def unreadable(error: UnreadableNumber) -> str:
    """Why a number was refused, for the admin: what is missing and how to give it."""
    if error.reason == "no_country_code":
        return _(
            "“%(number)s” has no country code, so it could be a number of any country. "
            "Give it with + and its country code (such as +221 for Senegal or +233 for "
            "Ghana), or ask your operator to set DEFAULT_PHONE_REGION.",
            number=error.raw,
        )
    if error.reason == "not_in_region":
        return _(
            "“%(number)s” is not a number of %(region)s. If it is from another country, "
            "give it with + and its country code.",
            number=error.raw,
            region=error.region or "",
        )
    return _("“%(number)s” is not a complete phone number.", number=error.raw)


@bp.route("/privacy", methods=["GET", "POST"])
@role_required("admin")
def privacy() -> str | Response:
    form = EraseForm()
    found = None
    if form.validate_on_submit():
        phone = form.phone.data or ""
        try:
            # shown under the field: the number as it was read, before anything is erased
            form.phone.description = _("Read as %(number)s.", number=pretty(erasure_number(phone)))
            if form.erase.data:
                deleted = erase_phone(phone, current_user)
                flash(
                    _(
                        "Erased: %(what)s. The audit log records that an erasure happened, "
                        "not whose.",
                        what=str(deleted),
                    ),
                    "info",
                )
                return redirect(url_for("editor.privacy"))
            found = count_for_phone(phone)
        except UnreadableNumber as exc:  # never a false "nothing is stored"
            form.phone.errors = [*form.phone.errors, unreadable(exc)]
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
