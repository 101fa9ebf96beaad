"""`flask --app app purge|erase|crypto|backup|restore`: personal data and backups."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from ussd.extensions import db


@click.command("purge")
@click.option("--days", type=int, help="Keep this many days (default: RETENTION_DAYS).")
@with_appcontext
def purge_command(days: int | None) -> None:
    """Delete sessions, hand-offs and visits older than the retention period (runs daily)."""
    from flask import current_app

    from ussd.privacy.retention import purge

    keep = days if days is not None else int(current_app.config.get("RETENTION_DAYS", 90))
    if keep <= 0:
        click.echo("RETENTION_DAYS is 0: nothing is deleted.")
        return
    click.echo(f"Deleted {purge(days=keep)} older than {keep} days.")


@click.command("erase")
@click.argument("phone")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase_command(phone: str, yes: bool) -> None:
    """Delete everything stored about one phone number (a person's request).

    A number without its country code is read with DEFAULT_PHONE_REGION, or refused when
    that is empty: "77 123 45 67" is a number in dozens of countries.
    """
    from ussd.privacy.phones import UnreadableNumber, explain, pretty
    from ussd.privacy.retention import count_for_phone, erase_phone, erasure_number

    try:
        number = erasure_number(phone)
        found = count_for_phone(phone)
    except UnreadableNumber as exc:
        raise click.ClickException(explain(exc)) from None
    click.echo(f"Read as {pretty(number)}.")
    if not yes:
        click.confirm(f"Delete {found} session(s) and all that belongs to them?", abort=True)
    click.echo(
        f"Deleted {erase_phone(phone)}. The audit log records that an erasure happened, not whose."
    )


crypto_cli = AppGroup("crypto", help="Encryption at rest of phone numbers and answers.")


@crypto_cli.command("new-key")
def crypto_new_key() -> None:
    """Print a new Fernet key to put first in ENCRYPTION_KEYS."""
    from ussd.privacy.crypto import new_key

    click.echo(new_key())


@crypto_cli.command("rotate")
def crypto_rotate() -> None:
    """Re-encrypt every stored number and answer with the first key of ENCRYPTION_KEYS."""
    from ussd.privacy.crypto import CryptoError
    from ussd.privacy.retention import rotate_keys

    try:
        count = rotate_keys()
    except CryptoError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Re-encrypted {count} row(s) with the newest key. Older keys may now be "
        "removed from ENCRYPTION_KEYS."
    )


@click.command("backup")
@click.option("--out", type=click.Path(dir_okay=False), help="File to write.")
@with_appcontext
def backup_command(out: str | None) -> None:
    """Back up the database while the service runs (SQLite: online backup; PostgreSQL: pg_dump)."""
    from flask import current_app

    from ussd.privacy.backup import BackupError, backup, default_path

    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    target = Path(out) if out else default_path(current_app.instance_path, uri)
    try:
        written = backup(uri, target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written to {written}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(file: str, yes: bool) -> None:
    """Replace the database with a backup. Stop the service first."""
    from flask import current_app

    from ussd.privacy.backup import BackupError, restore

    if not yes:
        click.confirm("Replace everything in the database with this backup?", abort=True)
    db.session.remove()
    db.engine.dispose()
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], Path(file))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("Restored. Run init-db to apply any newer migrations, then start the service.")
