"""The canned replies pages: listed by language for everyone signed in, written, changed
and deleted by editors and admins. The page also says whether the SMS notice is on, and
why it is off by default. Audit entries name the canned reply, never its words."""

from __future__ import annotations

from itertools import groupby

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from editor import bp, role_required
from editor.forms import ConfirmForm
from editor.replies.forms import (
    CannedReplyForm,
    language_choices,
    reply_script_data,
    strictest_limits,
)
from ussd.extensions import db
from ussd.handoff import sms_notice
from ussd.models import CannedReply
from ussd.privacy.retention import audit
from ussd.replies.service import checked_text


def _load(canned_id: int) -> CannedReply:
    canned = db.session.get(CannedReply, canned_id)
    if canned is None:
        abort(404)
    return canned


def notice_state() -> dict[str, object]:
    """What the canned replies page says about the SMS notice."""
    config = current_app.config
    return {
        "on": sms_notice.is_on(config),
        "missing": sms_notice.missing_settings(config),
        "problem": sms_notice.texts_problem(str(config.get("REPLY_SMS_NOTICE_TEXTS") or "")),
        "texts": sorted(sms_notice.notice_texts(config).items()),
    }


@bp.get("/canned-replies")
@role_required("viewer")
def canned_replies() -> str:
    rows = db.session.scalars(
        select(CannedReply).order_by(CannedReply.lang, CannedReply.title, CannedReply.id)
    ).all()
    by_language = [(lang, list(group)) for lang, group in groupby(rows, key=lambda c: c.lang)]
    return render_template(
        "editor/canned_replies.html",
        by_language=by_language,
        limits=strictest_limits(),
        notice=notice_state(),
    )


def _form_page(form: CannedReplyForm, canned: CannedReply | None) -> tuple[str, int]:
    status = 400 if form.is_submitted() else 200
    return (
        render_template(
            "editor/canned_reply.html",
            form=form,
            canned=canned,
            limits=strictest_limits(),
            reply_data=reply_script_data(),
        ),
        status,
    )


@bp.route("/canned-replies/new", methods=["GET", "POST"])
@role_required("editor")
def canned_reply_new() -> tuple[str, int] | Response:
    form = CannedReplyForm()
    form.lang.choices = language_choices()
    if form.validate_on_submit():
        canned = CannedReply(
            lang=form.lang.data,
            title=form.title.data.strip(),
            text=checked_text(form.text.data, strictest_limits()),
        )
        db.session.add(canned)
        db.session.flush()
        audit("canned reply", f"canned reply {canned.id} written ({canned.lang})", current_user)
        db.session.commit()
        flash(_("Canned reply saved."), "info")
        return redirect(url_for("editor.canned_replies"))
    return _form_page(form, None)


@bp.route("/canned-replies/<int:canned_id>", methods=["GET", "POST"])
@role_required("editor")
def canned_reply_edit(canned_id: int) -> tuple[str, int] | Response:
    canned = _load(canned_id)
    form = CannedReplyForm(obj=canned)
    form.lang.choices = language_choices(canned.lang)
    if form.validate_on_submit():
        canned.lang = form.lang.data
        canned.title = form.title.data.strip()
        canned.text = checked_text(form.text.data, strictest_limits())
        audit("canned reply", f"canned reply {canned.id} changed ({canned.lang})", current_user)
        db.session.commit()
        flash(_("Canned reply saved."), "info")
        return redirect(url_for("editor.canned_replies"))
    return _form_page(form, canned)


@bp.route("/canned-replies/<int:canned_id>/delete", methods=["GET", "POST"])
@role_required("editor")
def canned_reply_delete(canned_id: int) -> str | Response:
    canned = _load(canned_id)
    form = ConfirmForm(prefix="delete")
    if form.validate_on_submit():
        db.session.delete(canned)
        audit("canned reply", f"canned reply {canned_id} deleted", current_user)
        db.session.commit()
        flash(_("Canned reply deleted."), "info")
        return redirect(url_for("editor.canned_replies"))
    return render_template(
        "editor/confirm.html",
        form=form,
        title=_("Delete the canned reply “%(title)s”?", title=canned.title),
        text=_("Agents and coordinators will no longer be offered it. Replies sent stay."),
        back=url_for("editor.canned_reply_edit", canned_id=canned.id),
        danger=True,
    )
