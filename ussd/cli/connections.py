"""`flask --app app connections …`: the services http nodes of menus call (add, list), and
the stand-in service that such menus can be tried against."""

from __future__ import annotations

import os
import time

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ussd.connections.addresses import HEADER_NAME, RESERVED_HEADERS, SLUG, base_url_problem
from ussd.connections.client import mask
from ussd.connections.standin import BENEFICIARIES, STATUS_PATH, serve
from ussd.extensions import db
from ussd.models import Connection
from ussd.privacy.retention import audit

SECRET_VARIABLE = "CONNECTION_SECRET"  # noqa: S105 - the name of a variable, not a secret


@click.group("connections")
def connections_cli() -> None:
    """Services that menus call."""


@connections_cli.command("stand-in")
@click.option("--port", default=8765, show_default=True, help="Port on 127.0.0.1.")
@with_appcontext
def stand_in(port: int) -> None:
    """Run the stand-in cash-assistance service on 127.0.0.1 until Ctrl-C."""
    server = serve(port)
    click.echo(f"Stand-in cash-assistance service at http://127.0.0.1:{server.server_port}")
    click.echo(f'  POST {STATUS_PATH} {{"member_id": ...}}; known IDs: {", ".join(BENEFICIARIES)}')
    click.echo(
        "  In the editor (Connections, as an admin): base URL "
        f"http://127.0.0.1:{server.server_port}, method POST, private addresses allowed."
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.shutdown()


@connections_cli.command("add")
@click.argument("name")
@click.argument("base_url")
@click.option("--method", type=click.Choice(["POST", "GET"]), default="POST", show_default=True)
@click.option(
    "--timeout", "seconds", type=click.FloatRange(0.1, 3.0), default=2.0, show_default=True
)
@click.option("--allow-private", is_flag=True, help="Allow private and loopback addresses.")
@click.option(
    "--secret-header",
    default="",
    help=f"A header sent with every request; its value is read from ${SECRET_VARIABLE}.",
)
@click.option("--replace", is_flag=True, help="Change the connection if it exists.")
@with_appcontext
def connections_add(
    name: str,
    base_url: str,
    method: str,
    seconds: float,
    allow_private: bool,
    secret_header: str,
    replace: bool,
) -> None:
    """Add a connection (the editor's Connections page does the same)."""
    if not SLUG.match(name):
        raise click.BadParameter("lower-case letters, digits, - or _", param_hint="NAME")
    problem = base_url_problem(base_url, allow_private)
    if problem:
        raise click.BadParameter(problem, param_hint="BASE_URL")
    secret = os.environ.get(SECRET_VARIABLE, "")
    if secret_header and (
        not HEADER_NAME.match(secret_header) or secret_header.lower() in RESERVED_HEADERS
    ):
        raise click.BadParameter("a header name such as X-Api-Key", param_hint="--secret-header")
    if secret_header and not secret:
        raise click.UsageError(f"set {SECRET_VARIABLE} to the header's value")
    row = db.session.scalar(select(Connection).where(Connection.name == name))
    if row is not None and not replace:
        raise click.ClickException(f"the connection {name} exists (--replace to change it)")
    if row is None:
        row = Connection(name=name)
        db.session.add(row)
    row.base_url, row.method = base_url, method
    row.timeout_seconds, row.allow_private = seconds, allow_private
    row.secret_header, row.secret_value = secret_header, secret if secret_header else ""
    audit("connection.saved", f"connection {name} (command line)")
    db.session.commit()
    click.echo(f"Saved the connection {name}.")


@connections_cli.command("list")
@with_appcontext
def connections_list() -> None:
    """The connections, their secret masked."""
    for row in db.session.scalars(select(Connection).order_by(Connection.name)):
        secret = f" {row.secret_header}: {mask(row.secret_value)}" if row.secret_header else ""
        private = " private addresses allowed" if row.allow_private else ""
        click.echo(
            f"{row.name}\t{row.method} {row.base_url}\t{row.timeout_seconds:g} s{private}{secret}"
        )
