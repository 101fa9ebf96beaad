"""`flask --app app menu import|export|lint|template`: menus as JSON files
(docs/menu-format.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ussd.connections.registry import connection_names
from ussd.extensions import db
from ussd.menu.document import MenuFormatError, menu_to_dict, parse_menu
from ussd.menu.lint import has_errors, lint
from ussd.menu.templates import TEMPLATES
from ussd.menu.templates import build as build_template
from ussd.models import Menu, MenuVersion
from ussd.publishing import (
    PublishError,
    create_menu,
    find_menu,
    gateway_budgets,
    publish,
    save_draft,
    set_service_code,
)

menu_cli = AppGroup("menu", help="Import, export and lint menus (JSON, see docs/menu-format.md).")


def _read_document(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        return json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from None


def _parse_or_fail(data: Any):  # type: ignore[no-untyped-def]
    try:
        return parse_menu(data)
    except MenuFormatError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        raise click.ClickException(f"the menu has {len(exc.problems)} format error(s)") from None


@menu_cli.command("lint")
@click.argument("file")
def menu_lint(file: str) -> None:
    """Report unreachable nodes, dangling links, dead ends, missing translations and screens
    over budget. Exits 1 when there are errors."""
    doc = _parse_or_fail(_read_document(file))
    problems = lint(doc, gateway_budgets(), connection_names())
    for problem in problems:
        click.echo(str(problem))
    errors = sum(p.severity == "error" for p in problems)
    click.echo(f"{errors} error(s), {len(problems) - errors} warning(s)")
    if has_errors(problems):
        sys.exit(1)


@menu_cli.command("import")
@click.argument("file")
@click.option("--publish", "publish_now", is_flag=True, help="Publish it as the live version.")
@click.option(
    "--code", "codes", multiple=True, help="Service code(s) this menu serves, e.g. *123*456#."
)
@click.option("--default", "make_default", is_flag=True, help="Serve codes no other menu serves.")
def menu_import(file: str, publish_now: bool, codes: tuple[str, ...], make_default: bool) -> None:
    """Import a menu as the draft of the menu with the same name (created if new)."""
    doc = _parse_or_fail(_read_document(file))
    menu = db.session.scalar(select(Menu).where(Menu.name == doc.name))
    if menu is None:
        menu = create_menu(doc)
        click.echo(f"Created menu {doc.name!r}.")
    else:
        save_draft(menu, doc)
        click.echo(f"Updated the draft of {doc.name!r}.")
    if make_default:
        for other in db.session.scalars(select(Menu).where(Menu.is_default.is_(True))):
            other.is_default = False
        menu.is_default = True
    for code in codes:
        try:
            set_service_code(menu, code)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    problems = lint(doc, gateway_budgets(), connection_names())
    for problem in problems:
        click.echo(str(problem))
    if publish_now:
        try:
            version = publish(menu, note=f"Imported from {Path(file).name}")
        except PublishError as exc:
            db.session.rollback()
            raise click.ClickException(f"not published: {exc}") from None
        click.echo(f"Published version {version.number}; it is now live.")
    db.session.commit()


@menu_cli.command("export")
@click.option(
    "--out", "out", type=click.Path(dir_okay=False), help="File to write (default: stdout)."
)
@click.option("--menu", "name", help="Menu name (default: the default menu).")
@click.option("--draft", is_flag=True, help="Export the draft instead of the live version.")
@click.option("--version", "number", type=int, help="Export this published version.")
def menu_export(out: str | None, name: str | None, draft: bool, number: int | None) -> None:
    """Export a menu as JSON: the live version unless --draft or --version is given."""
    menu = find_menu(name)
    if menu is None:
        raise click.ClickException(f"no menu named {name!r}" if name else "no default menu")
    if draft:
        document = json.loads(menu.draft)
    else:
        query = select(MenuVersion).where(MenuVersion.menu_id == menu.id)
        if number is not None:
            query = query.where(MenuVersion.number == number)
        else:
            query = query.where(MenuVersion.id == menu.live_version_id)
        version = db.session.scalar(query)
        if version is None:
            raise click.ClickException("no such published version (try --draft)")
        document = json.loads(version.document)
    text = json.dumps(menu_to_dict(parse_menu(document)), ensure_ascii=False, indent=2) + "\n"
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {out}.", err=True)
    else:
        click.echo(text, nl=False)


@menu_cli.command("template")
@click.argument("template", type=click.Choice(list(TEMPLATES)))
@click.option("--name", required=True, help="The menu's name.")
@click.option(
    "--languages", default="en,fr", show_default=True, help="Codes, the first the default."
)
@click.option("--out", type=click.Path(dir_okay=False), help="File to write (default: stdout).")
def menu_template(template: str, name: str, languages: str, out: str | None) -> None:
    """Write a menu to start from (the editor's New menu → Start from) as a JSON file, to
    edit and `menu import`."""
    codes = [c.strip() for c in languages.split(",") if c.strip()]
    if not codes:
        raise click.ClickException("--languages: at least one language code")
    try:
        document = menu_to_dict(parse_menu(build_template(template, name, codes)))
    except MenuFormatError as exc:
        raise click.ClickException("; ".join(exc.problems)) from None
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {out}.")
    else:
        click.echo(text, nl=False)
