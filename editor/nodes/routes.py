"""Node editing: a node's page and form, adding a node (linked from where it is reached),
deleting, moving, and rewriting a node's texts in GSM-7 spelling."""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from editor import bp, role_required
from editor.forms import ConfirmForm, options
from editor.menus.drafts import draft_dict, load_menu, store
from editor.menus.screens import gateway_choice, screen_data
from editor.nodes.forms import NewNodeForm, node_form_class
from editor.nodes.http_form import HttpNodeForm
from ussd.connections.registry import connection_names
from ussd.menu.document import MenuDocument, Node, menu_to_dict
from ussd.menu.editing import (
    add_node,
    apply_gsm7,
    delete_node,
    move_node,
    new_node,
    references,
    replace_node,
)
from ussd.menu.lint import lint
from ussd.publishing import draft_document, gateway_budgets


@bp.route("/menus/<int:menu_id>/nodes/<node_id>", methods=["GET", "POST"])
@role_required("viewer", post="editor")
def node_edit(menu_id: int, node_id: str) -> str | Response | tuple[str, int]:
    menu = load_menu(menu_id)
    doc = draft_document(menu)
    node = doc.nodes.get(node_id) or abort(404)
    if node.http is not None:
        return _http_node(menu, doc, node)
    languages = list(doc.languages)
    form_class = node_form_class(node.kind, languages, draft_dict(menu))
    if request.method == "POST":
        form = form_class()
    else:
        form = form_class(data=form_class.data_for(node, menu.draft_revision))
    if form.validate_on_submit():
        edited = form.to_node()
        try:
            document = replace_node(draft_dict(menu), node_id, edited)
        except ValueError as exc:
            form.node_id.errors.append(str(exc))
        else:
            if store(menu, document, form.revision.data):
                flash(_("Node %(id)s saved.", id=edited["id"]), "info")
                return redirect(url_for("editor.menu", menu_id=menu.id) + f"#node-{edited['id']}")
            return redirect(url_for("editor.node_edit", menu_id=menu.id, node_id=node_id))
    compiled_problems = [
        p for p in lint(doc, gateway_budgets(), connection_names()) if p.node == node_id
    ]
    gateway = gateway_choice()
    return render_template(
        "editor/node.html",
        menu=menu,
        doc=doc,
        node=node,
        form=form,
        languages=languages,
        problems=compiled_problems,
        screen_data=screen_data(languages, gateway),
        gateway=gateway,
        refs=references(draft_dict(menu), node_id),
    )


def _http_node(menu: Any, doc: MenuDocument, node: Node) -> str | Response | tuple[str, int]:
    """An http node (a look-up) has a form of its own; the page also shows the node as the
    menu file has it."""
    form = HttpNodeForm() if request.method == "POST" else None
    if form is None:
        form = HttpNodeForm(data=HttpNodeForm.data_for(node, menu.draft_revision))
    form.fill_choices(
        list(doc.nodes), connection_names(), node.http.connection if node.http else ""
    )
    if form.validate_on_submit():
        edited = form.to_node()
        try:
            document = replace_node(draft_dict(menu), node.id, edited)
        except ValueError as exc:
            form.node_id.errors.append(str(exc))
        else:
            if store(menu, document, form.revision.data):
                flash(_("Node %(id)s saved.", id=edited["id"]), "info")
                return redirect(url_for("editor.menu", menu_id=menu.id) + f"#node-{edited['id']}")
            return redirect(url_for("editor.node_edit", menu_id=menu.id, node_id=node.id))
    problems = [p for p in lint(doc, gateway_budgets(), connection_names()) if p.node == node.id]
    text = json.dumps(menu_to_dict(doc)["nodes"][list(doc.nodes).index(node.id)], indent=2)
    page = render_template(
        "editor/node_http.html", menu=menu, node=node, form=form, problems=problems, node_json=text
    )
    return page, 400 if form.is_submitted() else 200


@bp.route("/menus/<int:menu_id>/add-node", methods=["GET", "POST"])
@role_required("editor")
def node_new(menu_id: int) -> str | Response:
    menu = load_menu(menu_id)
    document = draft_dict(menu)
    form = NewNodeForm(
        revision=menu.draft_revision,
        link_from=request.args.get("link_from", ""),
        kind=request.args.get("kind", "menu"),
    )
    sources = [("", _("— not linked yet —"))]
    for n in document["nodes"]:
        if n["kind"] in ("menu", "input", "message", "branch"):
            sources.append((n["id"], n["id"]))
        for i, o in enumerate(n.get("options", []), 1):
            label = next(iter(o.get("label", {}).values()), o.get("value", ""))
            shown = _(
                "%(node)s, option %(number)d (%(label)s)", node=n["id"], number=i, label=label
            )
            sources.append((f"{n['id']}:{i}", shown))
    form.link_from.choices = options(sources)
    if form.validate_on_submit():
        node_id = form.node_id.data.strip()
        try:
            document = add_node(
                document, new_node(form.kind.data, node_id), form.link_from.data or None
            )
        except (ValueError, KeyError, IndexError) as exc:
            form.node_id.errors.append(str(exc))
        else:
            if store(menu, document, form.revision.data):
                flash(_("Node %(id)s added: now write its text.", id=node_id), "info")
                return redirect(url_for("editor.node_edit", menu_id=menu.id, node_id=node_id))
            return redirect(url_for("editor.menu", menu_id=menu.id))
    return render_template("editor/node_new.html", menu=menu, form=form)


@bp.route("/menus/<int:menu_id>/nodes/<node_id>/delete", methods=["GET", "POST"])
@role_required("editor")
def node_delete(menu_id: int, node_id: str) -> str | Response:
    menu = load_menu(menu_id)
    document = draft_dict(menu)
    if not any(n["id"] == node_id for n in document["nodes"]):
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        if store(menu, delete_node(document, node_id), None):
            flash(_("Node %(id)s deleted.", id=node_id), "info")
        return redirect(url_for("editor.menu", menu_id=menu.id))
    refs = [f"{node} ({where})" for node, where in references(document, node_id)]
    text = (
        _("Nothing links to it.")
        if not refs
        else _(
            "These links to it will lead nowhere until you change them: %(refs)s.",
            refs=", ".join(refs),
        )
    )
    return render_template(
        "editor/confirm.html",
        form=form,
        danger=True,
        title=_("Delete the node %(id)s?", id=node_id),
        text=text,
        back=url_for("editor.node_edit", menu_id=menu.id, node_id=node_id),
    )


@bp.post("/menus/<int:menu_id>/nodes/<node_id>/move")
@role_required("editor")
def node_move(menu_id: int, node_id: str) -> Response:
    menu = load_menu(menu_id)
    if ConfirmForm().validate_on_submit():
        delta = -1 if request.form.get("direction") == "up" else 1
        try:
            store(menu, move_node(draft_dict(menu), node_id, delta), None)
        except KeyError:
            abort(404)
    return redirect(url_for("editor.menu", menu_id=menu.id) + f"#node-{node_id}")


@bp.post("/menus/<int:menu_id>/nodes/<node_id>/gsm7")
@role_required("editor")
def node_gsm7(menu_id: int, node_id: str) -> Response:
    menu = load_menu(menu_id)
    lang = request.form.get("lang", "")
    if ConfirmForm().validate_on_submit():
        try:
            document, changed = apply_gsm7(draft_dict(menu), node_id, lang)
        except KeyError:
            abort(404)
        if changed and store(menu, document, None):
            flash(
                _("%(count)d text(s) of %(id)s now use GSM-7 spelling.", count=changed, id=node_id),
                "info",
            )
    return redirect(url_for("editor.menu", menu_id=menu.id) + f"#node-{node_id}")
