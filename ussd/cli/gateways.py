"""`flask --app app gateway list|check|import|export`: mapped gateways as JSON files
(docs/gateways.md, "Mapped gateways"), for operators who script what an admin does in the
editor's Gateways area."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from ussd.extensions import db
from ussd.gateways.mapped import Definition, DefinitionError
from ussd.mapped_gateways import (
    cache,
    definition_of,
    definition_text,
    find_definition,
    read_definition,
    save_definition,
    stored_definitions,
)

gateway_cli = AppGroup(
    "gateway", help="Mapped gateways (/ussd/mapped/<name>) as JSON, see docs/gateways.md."
)


def _read(path: str) -> Definition:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        data: Any = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from None
    try:
        return read_definition(data)
    except DefinitionError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        raise click.ClickException(
            f"the definition has {len(exc.problems)} problem(s); nothing was stored"
        ) from None


@gateway_cli.command("check")
@click.argument("file")
def gateway_check(file: str) -> None:
    """Check a definition without storing it. Exits 1 when it is incomplete or ambiguous."""
    definition = _read(file)
    click.echo(
        f"{definition.name}: a complete definition, served at /ussd/mapped/{definition.name}"
    )


@gateway_cli.command("import")
@click.argument("file")
@click.option("--replace", is_flag=True, help="Replace a gateway of the same name.")
def gateway_import(file: str, replace: bool) -> None:
    """Store a definition (read from FILE, or - for stdin)."""
    definition = _read(file)
    row = find_definition(definition.name)
    if row is not None and not replace:
        raise click.ClickException(
            f"a gateway named {definition.name} exists: add --replace to replace it"
        )
    save_definition(definition, None, row)
    db.session.commit()
    cache().clear()
    click.echo(
        f"{'Replaced' if row is not None else 'Stored'} {definition.name}: "
        f"/ussd/mapped/{definition.name}"
    )


@gateway_cli.command("export")
@click.argument("name")
@click.option(
    "--out", "out", type=click.Path(dir_okay=False), help="File to write (default: stdout)."
)
def gateway_export(name: str, out: str | None) -> None:
    """Write a stored definition as JSON."""
    row = find_definition(name)
    if row is None:
        raise click.ClickException(f"no mapped gateway named {name}")
    try:
        text = definition_text(definition_of(row))
    except (ValueError, DefinitionError):
        text = row.definition  # as stored, to be fixed by hand and imported again
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@gateway_cli.command("list")
def gateway_list() -> None:
    """The mapped gateways: name, URL, screen and title."""
    for row in stored_definitions():
        try:
            definition = definition_of(row)
        except (ValueError, DefinitionError):
            click.echo(f"{row.name}\t(cannot be read: export it, fix it, import it with --replace)")
            continue
        screen = definition.screen_characters or "182/80"
        click.echo(f"{row.name}\t/ussd/mapped/{row.name}\t{screen}\t{definition.title}")
