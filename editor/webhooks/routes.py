"""The admins' pages of outgoing webhooks: endpoints (new, edit, delete, a new secret), each
with its delivery log, a *resend* for failed deliveries and a test event.

A signing secret is shown once, in the response that made it (never in a flash message,
never after a redirect, never cached), and stored encrypted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, select
from werkzeug.wrappers import Response

from editor import bp, role_required
from editor.forms import ConfirmForm
from editor.webhooks.forms import WebhookForm
from ussd.extensions import db
from ussd.handoff import deliveries, webhooks
from ussd.handoff.dispatcher import notify_dispatcher
from ussd.models import OutboxMessage, WebhookEndpoint
from ussd.privacy.retention import audit

LOG_SIZE = 50


@dataclass(frozen=True)
class Delivery:
    """A line of an endpoint's delivery log: what happened, never what was sent."""

    id: int
    created_at: datetime
    event_type: str
    status: str
    attempts: int
    outcome: str
    delivered_at: datetime | None


def _load(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        abort(404)
    return endpoint


def _host(url: str) -> str:
    return urlsplit(url).hostname or "?"


def _event_type(payload: str) -> str:
    try:
        return str(json.loads(payload)["event"]["type"])
    except (ValueError, KeyError, TypeError):
        return "?"


def delivery_log(endpoint_id: int) -> list[Delivery]:
    messages = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.reference == webhooks.reference(endpoint_id))
        .order_by(OutboxMessage.id.desc())
        .limit(LOG_SIZE)
    ).all()
    return [
        Delivery(
            id=m.id,
            created_at=m.created_at,
            event_type=_event_type(m.payload),
            status=m.status,
            attempts=m.attempts,
            outcome=m.result if m.status == "delivered" else m.last_error,
            delivered_at=m.delivered_at,
        )
        for m in messages
    ]


def _one_time_secret(endpoint: WebhookEndpoint, title: str) -> Response:
    response = make_response(
        render_template("editor/webhook_secret.html", endpoint=endpoint, title=title)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _changed() -> None:
    """After a commit: this process's hops see the new endpoints at once (others within
    MENU_CACHE_SECONDS)."""
    webhooks.cache().clear()


@bp.route("/webhooks", methods=["GET", "POST"])
@role_required("admin")
def webhook_list() -> str | Response | tuple[str, int]:
    form = WebhookForm()
    if form.validate_on_submit():
        endpoint = WebhookEndpoint(secret=webhooks.new_secret(), updated_by_id=current_user.id)
        _fill(endpoint, form)
        db.session.add(endpoint)
        db.session.flush()
        audit("webhook created", f"{endpoint.name} ({_host(endpoint.url)})", current_user)
        db.session.commit()
        _changed()
        return _one_time_secret(endpoint, _("Endpoint created"))
    endpoints = db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.name)).all()
    status = 400 if form.is_submitted() else 200
    return render_template("editor/webhooks.html", form=form, endpoints=endpoints), status


def _fill(endpoint: WebhookEndpoint, form: WebhookForm) -> None:
    endpoint.name = (form.name.data or "").strip()
    endpoint.url = (form.url.data or "").strip()
    endpoint.events = ",".join(e for e in webhooks.EVENT_TYPES if e in (form.events.data or []))
    endpoint.enabled = bool(form.enabled.data)
    endpoint.include_phone = bool(form.include_phone.data)
    endpoint.allow_private = bool(form.allow_private.data)


@bp.route("/webhooks/<int:endpoint_id>", methods=["GET", "POST"])
@role_required("admin")
def webhook_edit(endpoint_id: int) -> str | Response | tuple[str, int]:
    endpoint = _load(endpoint_id)
    form = WebhookForm() if request.method == "POST" else WebhookForm(data=_stored(endpoint))
    if form.validate_on_submit():
        _fill(endpoint, form)
        endpoint.updated_by_id = current_user.id
        audit("webhook changed", f"{endpoint.name} ({_host(endpoint.url)})", current_user)
        db.session.commit()
        _changed()
        flash(_("Endpoint %(name)s saved.", name=endpoint.name), "info")
        return redirect(url_for("editor.webhook_edit", endpoint_id=endpoint.id))
    status = 400 if form.is_submitted() else 200
    return (
        render_template(
            "editor/webhook.html",
            endpoint=endpoint,
            form=form,
            log=delivery_log(endpoint.id),
        ),
        status,
    )


def _stored(endpoint: WebhookEndpoint) -> dict[str, object]:
    return {
        "name": endpoint.name,
        "url": endpoint.url,
        "events": endpoint.event_types,
        "enabled": endpoint.enabled,
        "include_phone": endpoint.include_phone,
        "allow_private": endpoint.allow_private,
    }


@bp.post("/webhooks/<int:endpoint_id>/test")
@role_required("admin")
def webhook_test(endpoint_id: int) -> Response:
    endpoint = _load(endpoint_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        webhooks.queue_test_event(endpoint)
        db.session.commit()
        notify_dispatcher(messages=True)
        flash(_("A test event is queued: its delivery shows in the log below."), "info")
    return redirect(url_for("editor.webhook_edit", endpoint_id=endpoint.id))


@bp.post("/webhooks/<int:endpoint_id>/deliveries/<int:message_id>/resend")
@role_required("admin")
def webhook_resend(endpoint_id: int, message_id: int) -> Response:
    endpoint = _load(endpoint_id)
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.reference != webhooks.reference(endpoint.id):
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        if deliveries.retry(message.id):
            audit("webhook resent", f"{endpoint.name}: delivery {message.id}", current_user)
            db.session.commit()
            notify_dispatcher(messages=True)
            flash(_("The delivery is queued again."), "info")
        else:
            flash(_("Only a failed delivery can be sent again."), "error")
    return redirect(url_for("editor.webhook_edit", endpoint_id=endpoint.id))


@bp.post("/webhooks/<int:endpoint_id>/secret")
@role_required("admin")
def webhook_secret(endpoint_id: int) -> Response:
    endpoint = _load(endpoint_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("editor.webhook_edit", endpoint_id=endpoint.id))
    endpoint.secret = webhooks.new_secret()
    endpoint.updated_by_id = current_user.id
    audit("webhook secret renewed", endpoint.name, current_user)
    db.session.commit()
    return _one_time_secret(endpoint, _("New signing secret"))


@bp.route("/webhooks/<int:endpoint_id>/delete", methods=["GET", "POST"])
@role_required("admin")
def webhook_delete(endpoint_id: int) -> str | Response:
    endpoint = _load(endpoint_id)
    form = ConfirmForm(prefix="delete")
    if form.validate_on_submit():
        name = endpoint.name
        db.session.execute(
            delete(OutboxMessage).where(OutboxMessage.reference == webhooks.reference(endpoint.id))
        )
        db.session.delete(endpoint)
        audit("webhook deleted", name, current_user)
        db.session.commit()
        _changed()
        flash(_("Endpoint %(name)s deleted.", name=name), "info")
        return redirect(url_for("editor.webhook_list"))
    return render_template(
        "editor/confirm.html",
        form=form,
        title=_("Delete the endpoint %(name)s?", name=endpoint.name),
        text=_(
            "It receives nothing more, and its delivery log is deleted with it, events "
            "still waiting included."
        ),
        back=url_for("editor.webhook_edit", endpoint_id=endpoint.id),
        danger=True,
    )
