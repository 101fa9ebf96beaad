"""`flask --app app users …`: editor accounts (roles: admin, editor, viewer)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from editor.accounts.users import (
    ROLES,
    AccountError,
    admin_count,
    clear_failures,
    create_user,
    find_user,
    generate_password,
    quoted,
    set_password,
    validate_password,
)
from ussd.extensions import db
from ussd.models import User
from ussd.privacy.retention import audit

users_cli = AppGroup("users", help="Editor accounts (roles: admin, editor, viewer).")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="editor", show_default=True)
@click.option("--language", type=click.Choice(["en", "fr", "ar"]), default="en", show_default=True)
@click.option("--password", help="Omit to be asked for it (or --generate).")
@click.option("--generate", is_flag=True, help="Generate a password and print it once.")
def users_create(
    email: str, role: str, language: str, password: str | None, generate: bool
) -> None:
    """Create an editor account."""
    if generate:
        password = generate_password()
    elif not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, password or "", role=role, language=language)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    audit("account created", f"{user.email} ({user.role}, command line)")
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")
    if generate:
        click.echo(f"Password: {password}")


@users_cli.command("ensure-admin")
@click.option("--email", default="admin@example.org", show_default=True)
def users_ensure_admin(email: str) -> None:
    """Create an admin with a generated password if there is none, and say how to log in."""
    if admin_count():
        click.echo(
            "An admin account exists. Reset a password with "
            "`flask --app app users reset-password EMAIL`."
        )
        return
    password = generate_password()
    user = create_user(email, password, role="admin")
    audit("account created", f"{user.email} (admin, command line)")
    db.session.commit()
    click.echo(
        f"Created the admin account. Log in to the editor as {user.email} "
        f"with the password: {password}"
    )
    click.echo("(Shown once. Change it in the editor, or with users reset-password.)")


@users_cli.command("reset-password")
@click.argument("email")
@click.option("--password", help="Omit to generate one.")
def users_reset_password(email: str, password: str | None) -> None:
    """Set a new password (generated unless given), end the account's sessions and lift any
    sign-in throttle on its email."""
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no account for {quoted(email)}")
    new_password = password or generate_password()
    try:
        validate_password(new_password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    set_password(user, new_password)  # also signs the account out everywhere
    clear_failures(user.email)
    audit("password reset", f"{user.email} (command line)")
    db.session.commit()
    click.echo(
        f"Password of {user.email} reset." + ("" if password else f" New password: {new_password}")
    )


@users_cli.command("list")
def users_list() -> None:
    """List accounts with their roles."""
    for user in db.session.scalars(select(User).order_by(User.email)):
        state = "active" if user.active else "disabled"
        click.echo(f"{user.email}\t{user.role}\t{state}")
