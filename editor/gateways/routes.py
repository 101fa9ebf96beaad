"""The admins' pages of mapped gateways: list, new, edit, delete, export and import.

Every definition goes through one reader (ussd.mapped_gateways.read_definition), so the form
and an imported file are refused alike, with the field of each problem named."""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from editor import bp, role_required
from editor.forms import ConfirmForm
from editor.gateways.forms import (
    EchoError,
    GatewayForm,
    GatewayImportForm,
    data_to_form,
    field_of,
    form_to_data,
)
from ussd.extensions import db
from ussd.gateways.base import BadRequest
from ussd.gateways.mapped import Definition, DefinitionError, definition_to_dict, example_exchange
from ussd.mapped_gateways import (
    cache,
    definition_of,
    definition_text,
    delete_definition,
    find_definition,
    read_definition,
    save_definition,
    stored_definitions,
)
from ussd.models import MappedGatewayDefinition

MAX_IMPORT_BYTES = 64 * 1024
TOKEN_PLACEHOLDER = "<USSD_WEBHOOK_TOKEN>"  # noqa: S105 - shown instead of the token


def _load(name: str) -> MappedGatewayDefinition:
    row = find_definition(name)
    if row is None:
        abort(404)
    return row


def _readable(row: MappedGatewayDefinition) -> Definition | None:
    try:
        return definition_of(row)
    except (ValueError, DefinitionError):
        return None


def webhook_url(name: str) -> str:
    return url_for("ussd.mapped_webhook", name=name, _external=True) + "?token=" + TOKEN_PLACEHOLDER


def _example(definition: Definition) -> Any:
    path = url_for("ussd.mapped_webhook", name=definition.name) + "?token=" + TOKEN_PLACEHOLDER
    try:
        return example_exchange(definition, path)
    except BadRequest as exc:  # the definition reads, but its own example does not
        return str(exc)


def _check(form: GatewayForm) -> Definition | None:
    """The form's definition, or None with each problem shown at its field."""
    try:
        data = form_to_data(form)
    except EchoError as exc:
        form.echo.errors = [*form.echo.errors, _("%(name)s is echoed twice.", name=str(exc))]
        return None
    try:
        return read_definition(data)
    except DefinitionError as exc:
        for problem in exc.problems:
            name = field_of(problem)
            target = getattr(form, name) if name else None
            if target is None:
                form.form_errors.append(problem)
            else:
                target.errors = [*target.errors, problem]
        return None


def _save(form: GatewayForm, row: MappedGatewayDefinition | None) -> Response | None:
    definition = _check(form)
    if definition is None:
        return None
    try:
        row = save_definition(definition, current_user, row)
    except ValueError:
        form.name.errors = [*form.name.errors, _("This name is taken.")]
        return None
    db.session.commit()
    cache().clear()  # after the commit: no worker of this process keeps the old one
    flash(_("Gateway %(name)s saved.", name=definition.name), "info")
    return redirect(url_for("editor.gateway_edit", name=row.name))


@bp.get("/gateways")
@role_required("admin")
def gateways() -> str:
    listed = [(row, _readable(row)) for row in stored_definitions()]
    return render_template(
        "editor/gateways.html",
        listed=listed,
        import_form=GatewayImportForm(),
        webhook_url=webhook_url,
    )


@bp.route("/gateways/new", methods=["GET", "POST"])
@role_required("admin")
def gateway_new() -> str | Response | tuple[str, int]:
    form = GatewayForm()
    if form.validate_on_submit():
        done = _save(form, None)
        if done is not None:
            return done
    status = 400 if form.is_submitted() else 200
    return render_template("editor/gateway.html", form=form, row=None, example=None), status


@bp.route("/gateways/<name>", methods=["GET", "POST"])
@role_required("admin")
def gateway_edit(name: str) -> str | Response | tuple[str, int]:
    row = _load(name)
    form = GatewayForm()
    if form.validate_on_submit():
        done = _save(form, row)
        if done is not None:
            return done
    definition = _readable(row)
    if not form.is_submitted() and definition is not None:
        data_to_form(definition_to_dict(definition), form)
    status = 400 if form.is_submitted() else 200
    return (
        render_template(
            "editor/gateway.html",
            form=form,
            row=row,
            definition=definition,
            url=webhook_url(row.name),
            example=_example(definition) if definition else None,
            delete_form=ConfirmForm(prefix="delete"),
        ),
        status,
    )


@bp.route("/gateways/<name>/delete", methods=["GET", "POST"])
@role_required("admin")
def gateway_delete(name: str) -> str | Response:
    row = _load(name)
    form = ConfirmForm(prefix="delete")
    if form.validate_on_submit():
        delete_definition(row)
        db.session.commit()
        cache().clear()
        flash(_("Gateway %(name)s deleted.", name=name), "info")
        return redirect(url_for("editor.gateways"))
    return render_template(
        "editor/confirm.html",
        form=form,
        title=_("Delete the gateway %(name)s?", name=name),
        text=_(
            "Its URL stops answering at once: the provider's next request gets a 404. "
            "Past sessions are kept."
        ),
        back=url_for("editor.gateway_edit", name=name),
        danger=True,
    )


@bp.get("/gateways/<name>/export")
@role_required("admin")
def gateway_export(name: str) -> Response:
    row = _load(name)
    definition = _readable(row)
    body = definition_text(definition) if definition else row.definition
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="gateway-{row.name}.json"'},
    )


@bp.post("/gateways/import")
@role_required("admin")
def gateways_import() -> str | Response | tuple[str, int]:
    form = GatewayImportForm()
    if form.validate_on_submit():
        definition = _read_upload(form)
        if definition is not None:
            if find_definition(definition.name) is not None:
                form.file.errors.append(
                    _(
                        "A gateway named %(name)s exists: delete it first, or change the "
                        "name in the file.",
                        name=definition.name,
                    )
                )
            else:
                save_definition(definition, current_user)
                db.session.commit()
                cache().clear()
                flash(_("Gateway %(name)s imported.", name=definition.name), "info")
                return redirect(url_for("editor.gateway_edit", name=definition.name))
    listed = [(row, _readable(row)) for row in stored_definitions()]
    return (
        render_template(
            "editor/gateways.html", listed=listed, import_form=form, webhook_url=webhook_url
        ),
        400,
    )


def _read_upload(form: GatewayImportForm) -> Definition | None:
    raw = form.file.data.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        form.file.errors.append(_("The file is larger than 64 KB."))
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        form.file.errors.append(_("This is not a JSON file."))
        return None
    try:
        return read_definition(data)
    except DefinitionError as exc:
        form.file.errors.extend(exc.problems[:10])
        return None
