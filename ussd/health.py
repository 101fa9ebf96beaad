"""For monitors and a person arriving at the root: /healthz, /readyz, and / (to the editor)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, redirect, url_for
from sqlalchemy import func, select, text
from werkzeug.wrappers import Response as WerkzeugResponse

from ussd.extensions import db
from ussd.models import Handoff, utcnow
from ussd.security_headers import add_security_headers

bp = Blueprint("health", __name__)
# the monitors' pages are opened in browsers too; gateways and Twilio are not browsers
bp.after_request(add_security_headers)


@bp.get("/")
def index() -> WerkzeugResponse:
    return redirect(url_for("editor.menus"))


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up (for a watchdog)."""
    return Response("ok\n", mimetype="text/plain")


@bp.get("/readyz")
def readyz() -> tuple[dict[str, Any], int]:
    """Can this process serve callers? 503 when the database cannot be reached."""
    checks: dict[str, Any] = {}
    ready = True
    try:
        db.session.execute(text("SELECT 1"))
        oldest = db.session.scalar(
            select(func.min(Handoff.created_at)).where(
                Handoff.status.in_(("pending", "delivering"))
            )
        )
        checks["database"] = "ok"
        checks["oldest_pending_handoff_seconds"] = (
            int((utcnow() - oldest).total_seconds()) if oldest else 0
        )
    except Exception as exc:  # noqa: BLE001 - the answer is the report
        db.session.rollback()
        checks["database"] = f"unreachable ({type(exc).__name__})"
        ready = False
    dispatcher = current_app.extensions.get("ussd_dispatcher")
    if dispatcher is not None:
        checks["dispatcher"] = "running" if dispatcher.alive else "stopped"
        ready = ready and dispatcher.alive
    else:
        checks["dispatcher"] = "off"
    checks["status"] = "ready" if ready else "not ready"
    return checks, 200 if ready else 503
