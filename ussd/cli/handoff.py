"""`flask --app app handoff dispatch|list|retry`: the Flex hand-off outbox."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ussd.extensions import db
from ussd.models import Handoff, utcnow
from ussd.privacy.retention import audit

handoff_cli = AppGroup("handoff", help="The Flex hand-off outbox.")


@handoff_cli.command("dispatch")
@click.option("--limit", default=50, show_default=True, help="Hand-offs claimed per batch.")
def handoff_dispatch(limit: int) -> None:
    """Deliver every hand-off and outbox message that is due, once, then exit (for cron
    and tests)."""
    from ussd.handoff.deliveries import dispatch_due as send_due
    from ussd.handoff.dispatcher import dispatch_due

    report = dispatch_due(limit=limit)
    click.echo(f"Dispatch: {report}.")
    for note in report.notes:
        click.echo(note)
    messages = send_due(limit=limit)
    if messages.claimed or messages.failed:
        click.echo(f"Other deliveries (task updates, webhooks, screens): {messages}.")


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
