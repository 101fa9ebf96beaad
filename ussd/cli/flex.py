"""`flask --app app flex setup`: check and prepare the Twilio TaskRouter workspace."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

flex_cli = AppGroup("flex", help="Twilio Flex / TaskRouter set-up.")


@flex_cli.command("setup")
@click.option("--events-url", help="Public URL of POST /flex/events to register on the workspace.")
def flex_setup(events_url: str | None) -> None:
    """Check credentials, workspace and workflow; create the ussd task channel if missing."""
    from flask import current_app

    from ussd.gateways import region_warning
    from ussd.handoff.taskrouter import TaskRouter, check_setup, missing_settings

    warning = region_warning(current_app.config.get("DEFAULT_PHONE_REGION"))
    if warning:  # tasks whose caller an agent cannot call back
        click.echo(f"Warning: {warning}\n")
    missing = missing_settings(current_app.config)
    if missing:
        raise click.ClickException(f"set {', '.join(missing)} in .env first")
    report = check_setup(TaskRouter.from_config(current_app.config), events_url=events_url)
    for line in report.lines:
        click.echo(line)
    if report.todo:
        click.echo("\nStill to do:")
        for item in report.todo:
            click.echo(f"  - {item}")
    if not report.ok:
        sys.exit(1)
