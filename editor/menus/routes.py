"""Menus: the list, a new menu, the menu page (outline, lint, phone), its settings and system
messages, duplicating and deleting."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from editor import bp, role_required
from editor.forms import CONTROL, ConfirmForm
from editor.menus import outline
from editor.menus.drafts import draft_dict, load_menu, store
from editor.menus.forms import (
    MESSAGE_DESCRIPTIONS,
    WINDOW_NAMES,
    DuplicateForm,
    ImportForm,
    MenuSettingsForm,
    MessagesForm,
    NewMenuForm,
    PublishForm,
    language_codes,
)
from editor.menus.screens import gateway_choice, screen_data
from editor.simulator.routes import phone
from ussd.connections.registry import connection_names
from ussd.extensions import db
from ussd.mapped_gateways import all_gateways
from ussd.menu.document import parse_menu
from ussd.menu.editing import set_languages
from ussd.menu.lint import lint
from ussd.menu.safe_contact import windows_to_dict
from ussd.menu.templates import TEMPLATES
from ussd.menu.texts import DEFAULT_MESSAGES, MESSAGE_NAMES
from ussd.models import Menu, MenuVersion, UssdSession
from ussd.publishing import (
    create_menu,
    delete_menu,
    draft_differs_from_live,
    draft_document,
    duplicate_menu,
    gateway_budgets,
)
from ussd.sessions.service import screen_budget


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
        languages = language_codes(form.languages)
        if db.session.scalar(select(Menu).where(Menu.name == name)):
            form.name.errors.append(_("A menu with this name exists already."))
        else:
            template = TEMPLATES[form.start_from.data]
            document = template.build(name, languages)
            menu = create_menu(parse_menu(document), current_user)
            db.session.commit()
            flash(
                _("Menu %(name)s created. Edit it, try it in the phone, then publish.", name=name),
                "info",
            )
            needed = template.needs_connection
            if needed and needed not in connection_names():
                flash(
                    _(
                        "This menu calls the connection %(connection)s: an admin adds it under "
                        "Connections before the menu can be published.",
                        connection=needed,
                    ),
                    "info",
                )
            return redirect(url_for("editor.menu", menu_id=menu.id))
    return render_template("editor/menu_new.html", form=form)


@bp.get("/menus/<int:menu_id>")
@role_required("viewer")
def menu(menu_id: int) -> str:
    menu = load_menu(menu_id)
    doc = draft_document(menu)
    gateway = gateway_choice()
    problems = lint(doc, gateway_budgets(), connection_names())
    gateways = all_gateways()  # the built-in ones and the mapped ones
    rows, unreachable = outline.build(doc, screen_budget(gateways[gateway]), problems)
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
        gateways=gateways,
        publish_form=PublishForm(revision=menu.draft_revision),
        duplicate_form=DuplicateForm(name=_("Copy of %(name)s", name=menu.name)),
        confirm=ConfirmForm(),
        **phone(menu),
        draft_changed=draft_differs_from_live(menu),
        screen_data=screen_data(list(doc.languages), gateway),
    )


@bp.route("/menus/<int:menu_id>/settings", methods=["GET", "POST"])
@role_required("editor")
def menu_settings(menu_id: int) -> str | Response:
    menu = load_menu(menu_id)
    document = draft_dict(menu)
    hours = {
        f"{window}_{end}": time
        for window, times in draft_document(menu).callback_windows.items()
        for end, time in zip(("from", "to"), times, strict=True)
    }
    form = MenuSettingsForm(
        name=menu.name,
        description=document.get("description", ""),
        languages=", ".join(document["languages"]),
        revision=menu.draft_revision,
        **hours,
    )
    if form.validate_on_submit():
        name = (form.name.data or "").strip()
        other = db.session.scalar(select(Menu).where(Menu.name == name, Menu.id != menu.id))
        if other:
            form.name.errors.append(_("A menu with this name exists already."))
        else:
            languages = language_codes(form.languages)
            document = set_languages(document, languages)
            document["name"] = name
            document["description"] = (form.description.data or "").strip()
            if not document["description"]:
                document.pop("description")
            document["callback_windows"] = windows_to_dict(form.callback_windows())
            if not document["callback_windows"]:  # the defaults are not written out
                document.pop("callback_windows")
            if store(menu, document, form.revision.data):
                flash(_("Settings saved."), "info")
            return redirect(url_for("editor.menu", menu_id=menu.id))
    return render_template("editor/menu_settings.html", menu=menu, form=form, windows=WINDOW_NAMES)


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
        descriptions=MESSAGE_DESCRIPTIONS,
        current=current,
        defaults=DEFAULT_MESSAGES,
    )
