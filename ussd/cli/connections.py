"""`flask --app app connections …`: the stand-in service that menus with an http node can
be tried against."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from ussd.connections.standin import BENEFICIARIES, STATUS_PATH, serve


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
