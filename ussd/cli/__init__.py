"""Operator commands: `flask --app app <command>` (pinned names, DESIGN §3)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from editor.users import (
    ROLES,
    AccountError,
    admin_count,
    clear_failures,
    create_user,
    find_user,
    generate_password,
    set_password,
    validate_password,
)
from ussd.extensions import db
from ussd.menu.document import MenuFormatError, menu_to_dict, parse_menu
from ussd.menu.lint import has_errors, lint
from ussd.models import Handoff, Menu, MenuVersion, User, utcnow
from ussd.privacy.retention import audit
from ussd.publishing import (
    PublishError,
    create_menu,
    find_menu,
    gateway_budgets,
    install_demo,
    publish,
    save_draft,
    set_service_code,
)


def register(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(menu_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(handoff_cli)
    app.cli.add_command(flex_cli)
    app.cli.add_command(sessions_cli)
    app.cli.add_command(purge_command)
    app.cli.add_command(erase_command)
    app.cli.add_command(crypto_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


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


menu_cli = AppGroup("menu", help="Import, export and lint menus (JSON, see docs/menu-format.md).")


def _read_document(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        return json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from None


def _parse_or_fail(data: Any):  # type: ignore[no-untyped-def]
    try:
        return parse_menu(data)
    except MenuFormatError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        raise click.ClickException(f"the menu has {len(exc.problems)} format error(s)") from None


@menu_cli.command("lint")
@click.argument("file")
def menu_lint(file: str) -> None:
    """Report unreachable nodes, dangling links, dead ends, missing translations and screens
    over budget. Exits 1 when there are errors."""
    doc = _parse_or_fail(_read_document(file))
    problems = lint(doc, gateway_budgets())
    for problem in problems:
        click.echo(str(problem))
    errors = sum(p.severity == "error" for p in problems)
    click.echo(f"{errors} error(s), {len(problems) - errors} warning(s)")
    if has_errors(problems):
        sys.exit(1)


@menu_cli.command("import")
@click.argument("file")
@click.option("--publish", "publish_now", is_flag=True, help="Publish it as the live version.")
@click.option(
    "--code", "codes", multiple=True, help="Service code(s) this menu serves, e.g. *123*456#."
)
@click.option("--default", "make_default", is_flag=True, help="Serve codes no other menu serves.")
def menu_import(file: str, publish_now: bool, codes: tuple[str, ...], make_default: bool) -> None:
    """Import a menu as the draft of the menu with the same name (created if new)."""
    doc = _parse_or_fail(_read_document(file))
    menu = db.session.scalar(select(Menu).where(Menu.name == doc.name))
    if menu is None:
        menu = create_menu(doc)
        click.echo(f"Created menu {doc.name!r}.")
    else:
        save_draft(menu, doc)
        click.echo(f"Updated the draft of {doc.name!r}.")
    if make_default:
        for other in db.session.scalars(select(Menu).where(Menu.is_default.is_(True))):
            other.is_default = False
        menu.is_default = True
    for code in codes:
        try:
            set_service_code(menu, code)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    problems = lint(doc, gateway_budgets())
    for problem in problems:
        click.echo(str(problem))
    if publish_now:
        try:
            version = publish(menu, note=f"Imported from {Path(file).name}")
        except PublishError as exc:
            db.session.rollback()
            raise click.ClickException(f"not published: {exc}") from None
        click.echo(f"Published version {version.number}; it is now live.")
    db.session.commit()


@menu_cli.command("export")
@click.option(
    "--out", "out", type=click.Path(dir_okay=False), help="File to write (default: stdout)."
)
@click.option("--menu", "name", help="Menu name (default: the default menu).")
@click.option("--draft", is_flag=True, help="Export the draft instead of the live version.")
@click.option("--version", "number", type=int, help="Export this published version.")
def menu_export(out: str | None, name: str | None, draft: bool, number: int | None) -> None:
    """Export a menu as JSON: the live version unless --draft or --version is given."""
    menu = find_menu(name)
    if menu is None:
        raise click.ClickException(f"no menu named {name!r}" if name else "no default menu")
    if draft:
        document = json.loads(menu.draft)
    else:
        query = select(MenuVersion).where(MenuVersion.menu_id == menu.id)
        if number is not None:
            query = query.where(MenuVersion.number == number)
        else:
            query = query.where(MenuVersion.id == menu.live_version_id)
        version = db.session.scalar(query)
        if version is None:
            raise click.ClickException("no such published version (try --draft)")
        document = json.loads(version.document)
    text = json.dumps(menu_to_dict(parse_menu(document)), ensure_ascii=False, indent=2) + "\n"
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {out}.", err=True)
    else:
        click.echo(text, nl=False)


users_cli = AppGroup("users", help="Editor accounts (roles: admin, editor, viewer).")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="editor", show_default=True)
@click.option("--language", type=click.Choice(["en", "fr"]), default="en", show_default=True)
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
        raise click.ClickException(f"no account for {email}")
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


handoff_cli = AppGroup("handoff", help="The Flex hand-off outbox.")


@handoff_cli.command("dispatch")
@click.option("--limit", default=50, show_default=True, help="Hand-offs claimed per batch.")
def handoff_dispatch(limit: int) -> None:
    """Deliver every hand-off that is due, once, then exit (for cron and tests)."""
    from ussd.handoff.dispatcher import dispatch_due

    report = dispatch_due(limit=limit)
    click.echo(f"Dispatch: {report}.")
    for note in report.notes:
        click.echo(note)


@handoff_cli.command("list")
@click.option("--status", type=click.Choice(["pending", "delivering", "delivered", "failed"]))
@click.option("--limit", default=20, show_default=True)
def handoff_list(status: str | None, limit: int) -> None:
    """Recent hand-offs: state, attempts, Task SID and the last error (no personal data)."""
    query = select(Handoff).order_by(Handoff.id.desc()).limit(limit)
    if status:
        query = query.where(Handoff.status == status)
    handoffs = db.session.scalars(query).all()
    if not handoffs:
        click.echo("No hand-offs.")
        return
    click.echo(
        f"{'id':>6}  {'created (UTC)':16}  {'kind':6}  {'status':10}  {'tries':>5}  "
        f"{'next try':8}  {'task':34}  last error"
    )
    now = utcnow()
    for h in handoffs:
        wait = ""
        if h.status == "pending":
            seconds = max(0, int((h.next_attempt_at - now).total_seconds()))
            wait = "now" if seconds == 0 else f"in {seconds}s"
        click.echo(
            f"{h.id:>6}  {h.created_at:%Y-%m-%d %H:%M}  {h.kind:6}  {h.status:10}  "
            f"{h.attempts:>5}  {wait:8}  {h.task_sid or '-':34}  {h.last_error}"
        )


@handoff_cli.command("retry")
@click.argument("handoff_id", type=int)
def handoff_retry(handoff_id: int) -> None:
    """Queue a failed hand-off again (after fixing what Twilio refused)."""
    handoff = db.session.get(Handoff, handoff_id)
    if handoff is None:
        raise click.ClickException(f"no hand-off {handoff_id}")
    if handoff.status not in ("failed", "pending"):
        raise click.ClickException(f"hand-off {handoff_id} is {handoff.status}, not failed")
    handoff.status = "pending"
    handoff.next_attempt_at = utcnow()
    audit("retry", f"hand-off {handoff_id} queued again (command line)")
    db.session.commit()
    click.echo(f"Hand-off {handoff_id} is queued again; it is sent at the next dispatch.")


flex_cli = AppGroup("flex", help="Twilio Flex / TaskRouter set-up.")


@flex_cli.command("setup")
@click.option("--events-url", help="Public URL of POST /flex/events to register on the workspace.")
def flex_setup(events_url: str | None) -> None:
    """Check credentials, workspace and workflow; create the ussd task channel if missing."""
    from flask import current_app

    from ussd.handoff.taskrouter import TaskRouter, check_setup, missing_settings

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


sessions_cli = AppGroup("sessions", help="Caller sessions.")


@sessions_cli.command("sweep")
def sessions_sweep() -> None:
    """Close idle sessions and write their screen visits for the analytics (also automatic)."""
    from ussd.analytics import sweep

    click.echo(f"Swept {sweep(force=True)} finished session(s).")


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
    """Delete everything stored about one phone number (a person's request)."""
    from ussd.privacy.retention import count_for_phone, erase_phone

    found = count_for_phone(phone)
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
