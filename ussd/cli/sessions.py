"""`flask --app app sessions sweep`: fold finished sessions into the analytics."""

from __future__ import annotations

import click
from flask.cli import AppGroup

sessions_cli = AppGroup("sessions", help="Caller sessions.")


@sessions_cli.command("sweep")
def sessions_sweep() -> None:
    """Close idle sessions and write their screen visits for the analytics (also automatic)."""
    from ussd.analytics import sweep

    click.echo(f"Swept {sweep()} finished session(s).")
