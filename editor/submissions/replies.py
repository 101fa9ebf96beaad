"""A request's page in Submissions: what the caller asked, the replies written to them and
whether each was read; editors and admins write a reply there (for a task no agent picked
up, or where Flex is not used), stored exactly as one from Flex (ussd.replies.service)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from editor import bp, role_required
from editor.forms import options
from editor.replies.forms import ReplyForm, reply_script_data, text_problem
from editor.submissions.routes import _row
from ussd.extensions import db
from ussd.models import CannedReply, Handoff, UssdSession
from ussd.replies import service
from ussd.replies.service import ReplyRefused


def answered(handoff: Handoff) -> Handoff:
    """The request a reply is stored against: a repeat request folded into an earlier
    task is answered through that task's request (as service.create_reply does)."""
    if handoff.kind == "update" and handoff.target_id:
        target = db.session.get(Handoff, handoff.target_id)
        return target if target is not None else handoff
    return handoff


def _canned(lang: str) -> dict[int, CannedReply]:
    """The canned replies offered for a caller: in their language, else in English."""
    offered = {c["id"] for c in service.canned_for(lang)}
    found = db.session.scalars(select(CannedReply).where(CannedReply.id.in_(offered))).all()
    return {c.id: c for c in sorted(found, key=lambda c: (c.title, c.id))}


@bp.route("/submissions/<int:handoff_id>", methods=["GET", "POST"])
@role_required("viewer", post="editor")
def submission_replies(handoff_id: int) -> Response | tuple[str, int]:
    handoff = db.get_or_404(Handoff, handoff_id)
    session = db.get_or_404(UssdSession, handoff.session_id)
    target = answered(handoff)
    lang = service.caller_language(target)
    limits = service.limits_for(target)
    canned = _canned(lang)
    form = ReplyForm()
    form.canned.choices = options(
        [("", _("None: write the reply")), *((str(i), c.title) for i, c in canned.items())]
    )
    if form.validate_on_submit():
        text = form.text.data or ""
        if not text.strip() and form.canned.data and form.canned.data.isdigit():
            chosen = canned.get(int(form.canned.data))  # sent as it is, without the script
            text = chosen.text if chosen is not None else text
        problem = text_problem(text, limits)
        if problem is None:
            try:
                by = current_user.email
                service.create_reply(handoff, text, by=by, user=current_user)
            except ReplyRefused as refused:
                problem = refused.reason
        if problem is None:
            flash(_("Reply saved: the caller reads it when they next dial."), "info")
            return redirect(url_for("editor.submission_replies", handoff_id=handoff.id))
        form.text.errors = [*form.text.errors, problem]
    replies = service.replies_of(handoff)
    status = 400 if form.is_submitted() else 200
    return (
        render_template(
            "editor/submission.html",
            row=_row(handoff, session.gateway, session.network, current_user.can("admin")),
            handoff=handoff,
            replies=replies,
            reply_status=service.reply_status(handoff),
            caller_language=lang,
            limits=limits,
            form=form,
            reply_data=reply_script_data({i: c.text for i, c in canned.items()}),
        ),
        status,
    )
