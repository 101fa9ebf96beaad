"""Operator commands: `flask --app app <command>` (pinned names, DESIGN §3), one module
per command group."""

from __future__ import annotations

from flask import Flask

from ussd.cli.connections import connections_cli
from ussd.cli.database import init_db
from ussd.cli.flex import flex_cli
from ussd.cli.gateways import gateway_cli
from ussd.cli.handoff import handoff_cli
from ussd.cli.menus import menu_cli
from ussd.cli.privacy import (
    backup_command,
    crypto_cli,
    erase_command,
    purge_command,
    restore_command,
)
from ussd.cli.sessions import sessions_cli


def register(app: Flask) -> None:
    for command in (
        init_db,
        menu_cli,
        handoff_cli,
        flex_cli,
        sessions_cli,
        purge_command,
        erase_command,
        crypto_cli,
        backup_command,
        restore_command,
        connections_cli,
        gateway_cli,
    ):
        app.cli.add_command(command)
