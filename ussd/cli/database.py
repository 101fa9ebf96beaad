"""`flask --app app init-db`: create or upgrade the schema, install the demo menu."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ussd.publishing import (
    install_demo,
)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the schema; on an empty database install the demo menu."""
    from flask_migrate import upgrade

    upgrade()
    menu = install_demo()
    if menu is not None:
        click.echo(
            f"Installed the demo menu {menu.name!r} as the live menu (service code *123*456#)."
        )
    click.echo("Database is up to date.")
