"""Menus: list, create, edit nodes, lint, publish, versions, import/export, service codes."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from editor import bp, outline, role_required
from editor.forms import (
    CONTROL,
    EXTRA_ROWS,
    ConfirmForm,
    DefaultMenuForm,
    DuplicateForm,
    ImportForm,
    MenuSettingsForm,
    MessagesForm,
    NewMenuForm,
    NewNodeForm,
    PublishForm,
    ServiceCodeForm,
    SimulatorForm,
    language_label,
    node_form_class,
    options,
)
from ussd.extensions import db
from ussd.gateways import GATEWAYS
from ussd.menu.document import MenuFormatError, Node, Validation, parse_menu
from ussd.menu.editing import (
    add_node,
    apply_gsm7,
    blank_document,
    delete_node,
    move_node,
    references,
    replace_node,
    set_languages,
)
from ussd.menu.gsm import GSM7_BASIC, GSM7_EXTENSION, GSM7_SPELLING
from ussd.menu.lint import lint
from ussd.menu.numerals import is_digits
from ussd.menu.texts import DEFAULT_MESSAGES, MESSAGE_NAMES
from ussd.models import Menu, MenuVersion, ServiceCode, UssdSession
from ussd.publishing import (
    PublishError,
    cache,
    create_menu,
    delete_menu,
    demo_document,
    draft_differs_from_live,
    draft_document,
    duplicate_menu,
    gateway_budgets,
    publish,
    published_versions,
    rollback,
    save_draft,
    set_service_code,
)
from ussd.sessions.service import screen_budget

MAX_IMPORT_BYTES = 2 * 1024 * 1024


def load_menu(menu_id: int) -> Menu:
    return db.get_or_404(Menu, menu_id)


def draft_dict(menu: Menu) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(menu.draft)
    return data


def store(menu: Menu, document: dict[str, Any], revision: int | None) -> bool:
    """Save an edited draft, unless someone saved another edit since the form was opened,
    or the result is malformed. Says why on failure."""
    if revision is not None and revision != menu.draft_revision:
        flash(
            _(
                "Someone else changed this menu since you opened the page: your change was not "
                "saved. Here is the menu as it is now."
            ),
            "error",
        )
        return False
    try:
        doc = parse_menu(document)
    except MenuFormatError as exc:
        for problem in exc.problems[:5]:
            flash(problem, "error")
        return False
    save_draft(menu, doc, current_user)
    db.session.commit()
    return True


def _gateway_choice() -> str:
    name = request.args.get("gateway") or session.get("editor_gateway") or "africastalking"
    if name not in GATEWAYS:
        name = "africastalking"
    session["editor_gateway"] = name
    return name


def screen_data(languages: list[str], gateway: str) -> dict[str, Any]:
    """What editor.js needs to measure screens as callers will see them."""
    budgets = {}
    for name, gw in GATEWAYS.items():
        budget = screen_budget(gw)
        budgets[name] = {
            "gsm7": budget.gsm7,
            "ucs2": budget.ucs2,
            "cap": budget.cap,
            "title": gw.title,
        }
    return {
        "basic": "".join(sorted(GSM7_BASIC)),
        "extension": "".join(sorted(GSM7_EXTENSION)),
        "spelling": GSM7_SPELLING,
        "budgets": budgets,
        "gateway": gateway,
        "languages": languages,
        "strings": {
            "gsm7": _("GSM-7"),
            "ucs2": _("UCS-2"),
            "forces": _("%(chars)s forces UCS-2: the screen holds 80 characters instead of 182."),
            "suggest": _("Use the GSM-7 spelling"),
            "over": _("Longer than one screen: callers will see it on several pages."),
        },
    }


# -- menus ------------------------------------------------------------------------------------


@bp.get("/")
@role_required("viewer")
def home() -> Response:
    return redirect(url_for("editor.menus"))


@bp.get("/menus")
@role_required("viewer")
def menus() -> str:
    all_menus = db.session.scalars(select(Menu).order_by(Menu.name)).all()
    sessions = dict(
        db.session.execute(
            select(MenuVersion.menu_id, func.count(UssdSession.id))
            .join(UssdSession, UssdSession.menu_version_id == MenuVersion.id)
            .where(UssdSession.is_simulation.is_(False))
            .group_by(MenuVersion.menu_id)
        ).all()
    )
    return render_template(
        "editor/menus.html",
        menus=all_menus,
        sessions=sessions,
        new_form=NewMenuForm(),
        import_form=ImportForm(),
        draft_changed={m.id: draft_differs_from_live(m) for m in all_menus},
    )


@bp.route("/menus/new", methods=["GET", "POST"])
@role_required("editor")
def menu_new() -> str | Response:
    form = NewMenuForm()
    if form.validate_on_submit():
        name = (form.name.data or "").strip()
        languages = [c.strip() for c in (form.languages.data or "").split(",") if c.strip()]
        if db.session.scalar(select(Menu).where(Menu.name == name)):
            form.name.errors.append(_("A menu with this name exists already."))
        else:
            if form.start_from.data == "demo":
                document = set_languages(demo_document(), languages)
                document["name"] = name
            else:
                document = blank_document(name, languages)
            menu = create_menu(parse_menu(document), current_user)
            db.session.commit()
            flash(
                _("Menu %(name)s created. Edit it, try it in the phone, then publish.", name=name),
                "info",
            )
            return redirect(url_for("editor.menu", menu_id=menu.id))
    return render_template("editor/menu_new.html", form=form)


@bp.get("/menus/<int:menu_id>")
@role_required("viewer")
def menu(menu_id: int) -> str:
    menu = load_menu(menu_id)
    doc = draft_document(menu)
    gateway = _gateway_choice()
    problems = lint(doc, gateway_budgets())
    rows, unreachable = outline.build(doc, screen_budget(GATEWAYS[gateway]), problems)
    simulator = SimulatorForm(prefix="sim")
    simulator.gateway.choices = options((n, g.title) for n, g in GATEWAYS.items())
    sim_state = session.get("sim", {}).get(str(menu.id), {})
    sim_screen = None
    if sim_state.get("session"):
        row = db.session.execute(
            select(UssdSession.last_screen, UssdSession.last_end).where(
                UssdSession.gateway == "simulator", UssdSession.external_id == sim_state["session"]
            )
        ).first()
        if row is not None:
            sim_screen = {"text": row.last_screen, "end": row.last_end}
    if sim_state.get("error"):
        sim_screen = {"text": sim_state["error"], "end": True, "error": True}
    for name in ("source", "gateway", "phone"):
        if sim_state.get(name):
            getattr(simulator, name).data = sim_state[name]
    simulator.create_task.data = bool(sim_state.get("create_task"))
    return render_template(
        "editor/menu.html",
        menu=menu,
        doc=doc,
        rows=rows,
        unreachable=unreachable,
        problems=problems,
        menu_problems=[p for p in problems if p.node is None],
        errors=sum(p.severity == "error" for p in problems),
        warnings=sum(p.severity == "warning" for p in problems),
        gateway=gateway,
        gateways=GATEWAYS,
        publish_form=PublishForm(revision=menu.draft_revision),
        duplicate_form=DuplicateForm(name=_("Copy of %(name)s", name=menu.name)),
        confirm=ConfirmForm(),
        simulator=simulator,
        sim_screen=sim_screen,
        sim_transcript=sim_state.get("transcript", []),
        draft_changed=draft_differs_from_live(menu),
        screen_data=screen_data(list(doc.languages), gateway),
        language_label=language_label,
    )


@bp.route("/menus/<int:menu_id>/settings", methods=["GET", "POST"])
@role_required("editor")
def menu_settings(menu_id: int) -> str | Response:
    menu = load_menu(menu_id)
    document = draft_dict(menu)
    form = MenuSettingsForm(
        name=menu.name,
        description=document.get("description", ""),
        languages=", ".join(document["languages"]),
        revision=menu.draft_revision,
    )
    if form.validate_on_submit():
        name = (form.name.data or "").strip()
        other = db.session.scalar(select(Menu).where(Menu.name == name, Menu.id != menu.id))
        if other:
            form.name.errors.append(_("A menu with this name exists already."))
        else:
            languages = [c.strip() for c in (form.languages.data or "").split(",") if c.strip()]
            document = set_languages(document, languages)
            document["name"] = name
            document["description"] = (form.description.data or "").strip()
            if not document["description"]:
                document.pop("description")
            if store(menu, document, form.revision.data):
                flash(_("Settings saved."), "info")
            return redirect(url_for("editor.menu", menu_id=menu.id))
    return render_template("editor/menu_settings.html", menu=menu, form=form)


@bp.post("/menus/<int:menu_id>/duplicate")
@role_required("editor")
def menu_duplicate(menu_id: int) -> Response:
    menu = load_menu(menu_id)
    form = DuplicateForm()
    if form.validate_on_submit():
        name = (form.name.data or "").strip()
        if db.session.scalar(select(Menu).where(Menu.name == name)):
            flash(_("A menu with this name exists already."), "error")
            return redirect(url_for("editor.menu", menu_id=menu.id))
        copy = duplicate_menu(menu, name, current_user)
        db.session.commit()
        flash(
            _("%(name)s is a copy of the draft; it serves no code until you map one.", name=name),
            "info",
        )
        return redirect(url_for("editor.menu", menu_id=copy.id))
    flash(_("Give the copy a name."), "error")
    return redirect(url_for("editor.menu", menu_id=menu.id))


@bp.route("/menus/<int:menu_id>/delete", methods=["GET", "POST"])
@role_required("admin")
def menu_delete(menu_id: int) -> str | Response:
    menu = load_menu(menu_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            name = menu.name
            delete_menu(menu)
            db.session.commit()
        except ValueError as exc:
            db.session.rollback()
            flash(_("Not deleted: %(reason)s.", reason=str(exc)), "error")
            return redirect(url_for("editor.menu", menu_id=menu_id))
        flash(_("Menu %(name)s deleted.", name=name), "info")
        return redirect(url_for("editor.menus"))
    return render_template(
        "editor/confirm.html",
        form=form,
        title=_("Delete the menu %(name)s?", name=menu.name),
        text=_(
            "Its draft and every published version are deleted. Past "
            "sessions are kept for the submissions and analytics."
        ),
        back=url_for("editor.menu", menu_id=menu.id),
        danger=True,
    )


# -- nodes ------------------------------------------------------------------------------------


def _node_form(menu: Menu, doc_languages: list[str], kind: str) -> type:
    document = draft_dict(menu)
    node_ids = [n["id"] for n in document["nodes"]]
    keys = sorted({n["key"] for n in document["nodes"] if n.get("key")})
    return node_form_class(kind, doc_languages, node_ids, keys)


def _form_data(node: Node, languages: list[str], revision: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "node_id": node.id,
        "note": node.note,
        "key": node.key or "",
        "next": node.next or "",
        "revision": revision,
    }
    for lang in languages:
        data[f"text_{lang}"] = node.text.get(lang, node.text.get("*", ""))
    if node.kind == "menu":
        data["options"] = [
            {
                **{f"label_{lang}": o.label.get(lang, o.label.get("*", "")) for lang in languages},
                "value": o.value,
                "next": o.next or "",
                "language": o.language or "",
                "position": i,
            }
            for i, o in enumerate(node.options, 1)
        ] + [{"position": len(node.options) + i} for i in range(1, EXTRA_ROWS + 1)]
    if node.kind == "input":
        v = node.validation or Validation()
        data.update(
            {
                "input_type": v.type,
                "min_length": v.min_length,
                "max_length": v.max_length,
                "min_value": v.min,
                "max_value": v.max,
                "decimals": not v.integer,
                "pattern": v.pattern or "",
                "region": v.region or "",
                "date_format": v.date_format,
                "not_future": v.not_future,
                "attempts": node.attempts,
                "on_fail": node.on_fail or "",
            }
        )
        for lang in languages:
            data[f"error_{lang}"] = node.error.get(lang, "")
    if node.kind == "branch":
        rules = []
        for rule in node.rules:
            row: dict[str, Any] = {"next": rule.next}
            for suffix, cond in zip(("", "2"), rule.when[:2], strict=False):
                value = cond.value
                row[f"on{suffix}"] = cond.on
                row[f"op{suffix}"] = cond.op
                row[f"value{suffix}"] = (
                    ", ".join(value) if isinstance(value, tuple) else value or ""
                )
            rules.append(row)
        data["rules"] = rules + [{} for _ in range(EXTRA_ROWS)]
        data["default"] = node.default or ""
    return data


def _node_from_form(form: Any, kind: str, languages: list[str]) -> dict[str, Any]:
    node: dict[str, Any] = {"id": form.node_id.data.strip(), "kind": kind}
    if getattr(form, "key", None) is not None:
        node["key"] = form.key.data.strip()
    if kind != "branch":
        node["text"] = {
            lang: getattr(form, f"text_{lang}").data.strip()
            for lang in languages
            if (getattr(form, f"text_{lang}").data or "").strip()
        }
    if form.note.data:
        node["note"] = form.note.data.strip()
    if kind in ("menu", "input", "message") and form.next.data:
        node["next"] = form.next.data
    if kind == "menu":
        options: list[tuple[int, int, dict[str, Any]]] = []
        for entry in form.options.entries:
            row = entry.form
            labels = {
                lang: (getattr(row, f"label_{lang}").data or "").strip() for lang in languages
            }
            labels = {k: v for k, v in labels.items() if v}
            value = (row.value.data or "").strip() or next(iter(labels.values()), "")
            if row.remove.data or not value:
                continue
            option: dict[str, Any] = {"label": labels, "value": value}
            if row.next.data:
                option["next"] = row.next.data
            if row.language.data:
                option["language"] = row.language.data
            options.append((row.position.data or 999, len(options), option))
        node["options"] = [o for _, _, o in sorted(options, key=lambda t: (t[0], t[1]))]
    if kind == "input":
        validation: dict[str, Any] = {"type": form.input_type.data}
        for field, name in (
            ("min_length", "min_length"),
            ("max_length", "max_length"),
            ("min_value", "min"),
            ("max_value", "max"),
        ):
            value = getattr(form, field).data
            if value is not None:
                validation[name] = int(value) if name.endswith("length") else value
        if form.decimals.data:
            validation["integer"] = False
        if form.pattern.data:
            validation["pattern"] = form.pattern.data
        if form.region.data:
            validation["region"] = form.region.data
        if form.date_format.data != "DD/MM/YYYY":
            validation["date_format"] = form.date_format.data
        if form.not_future.data:
            validation["not_future"] = True
        node["validation"] = validation
        errors = {
            lang: getattr(form, f"error_{lang}").data.strip()
            for lang in languages
            if (getattr(form, f"error_{lang}").data or "").strip()
        }
        if errors:
            node["error"] = errors
        node["attempts"] = form.attempts.data
        if form.on_fail.data:
            node["on_fail"] = form.on_fail.data
    if kind == "branch":
        rules = []
        for entry in form.rules.entries:
            row = entry.form
            if row.remove.data or not row.on.data or not row.next.data:
                continue
            when = []
            for suffix in ("", "2"):
                on = getattr(row, f"on{suffix}").data
                if not on:
                    continue
                op = getattr(row, f"op{suffix}").data
                raw = (getattr(row, f"value{suffix}").data or "").strip()
                condition: dict[str, Any] = {"on": on, "op": op}
                if op in ("in", "not_in"):
                    condition["value"] = [v.strip() for v in raw.split(",") if v.strip()]
                elif op not in ("exists", "missing"):
                    condition["value"] = raw
                when.append(condition)
            rules.append({"when": when, "next": row.next.data})
        node["rules"] = rules
        if form.default.data:
            node["default"] = form.default.data
    return node


@bp.route("/menus/<int:menu_id>/nodes/<node_id>", methods=["GET", "POST"])
@role_required("viewer", post="editor")
def node_edit(menu_id: int, node_id: str) -> str | Response:
    menu = load_menu(menu_id)
    doc = draft_document(menu)
    node = doc.nodes.get(node_id) or abort(404)
    languages = list(doc.languages)
    form_class = _node_form(menu, languages, node.kind)
    if request.method == "POST":
        form = form_class()
    else:
        form = form_class(data=_form_data(node, languages, menu.draft_revision))
    if form.validate_on_submit():
        try:
            document = replace_node(
                draft_dict(menu), node_id, _node_from_form(form, node.kind, languages)
            )
        except ValueError as exc:
            form.node_id.errors.append(str(exc))
        else:
            new_id = document["nodes"][
                [n["id"] for n in document["nodes"]].index(form.node_id.data.strip())
            ]["id"]
            if store(menu, document, form.revision.data):
                flash(_("Node %(id)s saved.", id=new_id), "info")
                return redirect(url_for("editor.menu", menu_id=menu.id) + f"#node-{new_id}")
            return redirect(url_for("editor.node_edit", menu_id=menu.id, node_id=node_id))
    compiled_problems = [p for p in lint(doc, gateway_budgets()) if p.node == node_id]
    gateway = _gateway_choice()
    return render_template(
        "editor/node.html",
        menu=menu,
        doc=doc,
        node=node,
        form=form,
        languages=languages,
        problems=compiled_problems,
        language_label=language_label,
        screen_data=screen_data(languages, gateway),
        gateway=gateway,
        refs=references(draft_dict(menu), node_id),
    )


_SKELETONS: dict[str, dict[str, Any]] = {
    "menu": {"options": [{"label": {"*": "1"}, "value": "1"}]},
    "input": {"validation": {"type": "text"}},
    "branch": {"rules": []},
    "message": {},
    "end": {},
    "handoff": {},
}


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
            sources.append((f"{n['id']}:{i}", f"{n['id']}, {_('option')} {i} ({label})"))
    form.link_from.choices = options(sources)
    if form.validate_on_submit():
        kind = form.kind.data
        node_id = form.node_id.data.strip()
        node = {"id": node_id, "kind": kind, **json.loads(json.dumps(_SKELETONS[kind]))}
        if kind in ("menu", "input"):
            node["key"] = node_id
        if kind != "branch":
            node["text"] = {}
        try:
            document = add_node(document, node, form.link_from.data or None)
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


@bp.route("/menus/<int:menu_id>/messages", methods=["GET", "POST"])
@role_required("viewer", post="editor")
def menu_messages(menu_id: int) -> str | Response:
    """The system texts callers see (navigation, errors), per language, overridable."""
    menu = load_menu(menu_id)
    document = draft_dict(menu)
    languages = document["languages"]
    current = document.get("messages", {})
    form = MessagesForm(revision=menu.draft_revision)
    if form.validate_on_submit():
        messages: dict[str, dict[str, str]] = {}
        for lang in languages:
            for name in MESSAGE_NAMES:
                value = (request.form.get(f"m-{lang}-{name}") or "").strip()[:300]
                if CONTROL.search(value):
                    continue  # a control character has no place on a caller's screen
                if value and value != DEFAULT_MESSAGES.get(lang, {}).get(name):
                    messages.setdefault(lang, {})[name] = value
        document["messages"] = messages
        if not messages:
            document.pop("messages")
        if store(menu, document, form.revision.data):
            flash(_("Messages saved."), "info")
        return redirect(url_for("editor.menu_messages", menu_id=menu.id))
    return render_template(
        "editor/messages.html",
        menu=menu,
        form=form,
        languages=languages,
        names=MESSAGE_NAMES,
        current=current,
        defaults=DEFAULT_MESSAGES,
        language_label=language_label,
    )


# -- publishing -------------------------------------------------------------------------------


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


# -- import / export --------------------------------------------------------------------------


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "menu"


@bp.get("/menus/<int:menu_id>/export")
@role_required("viewer")
def menu_export(menu_id: int) -> Response:
    menu = load_menu(menu_id)
    which = request.args.get("version", "draft")
    if which == "draft":
        document, suffix = draft_document(menu).to_dict(), "draft"
    else:
        number = menu.live_version.number if which == "live" and menu.live_version else None
        if which not in ("live",):
            number = int(which) if is_digits(which) else None
        version = (
            db.session.scalar(
                select(MenuVersion).where(
                    MenuVersion.menu_id == menu.id, MenuVersion.number == number
                )
            )
            if number
            else None
        )
        if version is None:
            abort(404)
        document, suffix = parse_menu(json.loads(version.document)).to_dict(), f"v{number}"
    body = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{_slug(menu.name)}-{suffix}.json"'},
    )


def _read_upload(form: ImportForm) -> dict[str, Any] | None:
    raw = form.file.data.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        form.file.errors.append(_("The file is larger than 2 MB."))
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        form.file.errors.append(_("This is not a JSON file."))
        return None
    try:
        parse_menu(data)
    except MenuFormatError as exc:
        form.file.errors.extend(exc.problems[:10])
        return None
    return data  # type: ignore[no-any-return]


@bp.route("/menus/<int:menu_id>/import", methods=["GET", "POST"])
@role_required("editor")
def menu_import(menu_id: int) -> str | Response:
    menu = load_menu(menu_id)
    form = ImportForm()
    if form.validate_on_submit():
        data = _read_upload(form)
        if data is not None:
            data["name"] = menu.name  # importing into a menu keeps its name
            if store(menu, data, None):
                flash(_("The file replaced the draft. Check it, then publish."), "info")
                return redirect(url_for("editor.menu", menu_id=menu.id))
    return render_template("editor/import.html", menu=menu, form=form)


@bp.post("/menus/import")
@role_required("editor")
def menus_import() -> str | Response | tuple[str, int]:
    form = ImportForm()
    if form.validate_on_submit():
        data = _read_upload(form)
        if data is not None:
            doc = parse_menu(data)
            if db.session.scalar(select(Menu).where(Menu.name == doc.name)):
                form.file.errors.append(
                    _(
                        "A menu named %(name)s exists: open it and import "
                        "there to replace its draft.",
                        name=doc.name,
                    )
                )
            else:
                menu = create_menu(doc, current_user)
                db.session.commit()
                flash(_("Menu %(name)s imported as a draft.", name=doc.name), "info")
                return redirect(url_for("editor.menu", menu_id=menu.id))
    return render_template("editor/import.html", menu=None, form=form), 400


# -- service codes ----------------------------------------------------------------------------


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
