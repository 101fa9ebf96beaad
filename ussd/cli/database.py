"""`flask --app app init-db`: create or upgrade the schema, install the demo menu."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ussd.menu.demo import DemoLanguageError, check_demo_languages
from ussd.publishing import (
    demo_translations,
    install_demo,
)


def _demo_languages(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[str, ...] | None:
    """ "ar,en" -> ("ar", "en"), refused (before anything is touched) unless the demo has texts
    for every code."""
    if value is None:
        return None
    codes = [code.strip().lower() for code in value.split(",") if code.strip()]
    try:
        return check_demo_languages(codes, demo_translations())
    except DemoLanguageError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


@click.command("init-db")
@click.option(
    "--demo-languages",
    callback=_demo_languages,
    metavar="CODES",
    help="Install the demo menu in these languages, comma-separated, the first being the "
    "default: among en, fr, ar, sw, pt, es, bn (default: en,fr).",
)
@with_appcontext
def init_db(demo_languages: tuple[str, ...] | None) -> None:
    """Create or upgrade the schema; on an empty database install the demo menu."""
    from flask_migrate import upgrade

    upgrade()
    menu = install_demo(demo_languages)
    if menu is not None:
        click.echo(
            f"Installed the demo menu {menu.name!r} as the live menu (service code *123*456#)."
        )
    elif demo_languages is not None:
        click.echo(
            "The database already has menus: the demo menu was not installed "
            f"(--demo-languages {','.join(demo_languages)} ignored)."
        )
    click.echo("Database is up to date.")
