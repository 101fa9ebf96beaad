"""The gateway webhooks: /ussd/<gateway> (pinned routes, DESIGN §3), and Infobip's
/ussd/infobip/session/<sessionId>/<operation> below its pinned base URL.

Every request passes the guard first (ussd/gateways/guard.py: size, source address,
token), then its gateway reads it (400 with a one-line reason when malformed). An
internal error while answering never reaches the caller as an HTTP 500: they get a final
apology screen in their language; one while reading or writing the wire format is a
one-line 500. Either is logged without its message.
"""

from __future__ import annotations

from time import perf_counter

from flask import Blueprint, Request, Response, abort, current_app, request
from werkzeug.exceptions import HTTPException

from ussd import metrics
from ussd.extensions import db
from ussd.gateways import GATEWAYS, BadRequest, Gateway, Turn
from ussd.gateways.africastalking import AfricasTalking
from ussd.gateways.base import printable
from ussd.gateways.guard import guard
from ussd.gateways.infobip import OPERATIONS, Infobip, unknown_operation
from ussd.mapped_gateways import find_gateway
from ussd.menu.engine import Screen
from ussd.responses import plain
from ussd.sessions.service import (
    Trace,
    answer_or_apologise,
    log_failure,
    record_gateway_end,
    session_is_active,
)

bp = Blueprint("ussd", __name__, url_prefix="/ussd")


def _request() -> Request:
    """The request itself rather than Flask's proxy to it: a hop reads it many times."""
    return request._get_current_object()  # type: ignore[attr-defined,no-any-return]


@bp.before_request
def check_call() -> Response | None:
    refusal = guard(_request(), current_app.config)
    if refusal is not None:  # named by the path's first part: the view has not run
        metrics.refused(request.path.removeprefix("/ussd/").partition("/")[0], "refused")
    gateway = GATEWAYS.get((request.view_args or {}).get("gateway_name", ""))
    if refusal is None or gateway is None:
        return refusal
    # in the provider's own terms (bdapps reads a JSON statusCode)
    return gateway.refuse(refusal.status_code, refusal.get_data(as_text=True).strip())


@bp.route("/<gateway_name>", methods=["GET", "POST"])
def webhook(gateway_name: str) -> Response:
    gateway = GATEWAYS.get(gateway_name)
    if gateway is None:
        abort(404)
    if request.method not in gateway.methods:  # HEAD too: it would run a hop
        return _not_allowed(gateway.methods, gateway)
    return _serve(gateway)


@bp.route("/mapped/<name>", methods=["GET", "POST"])
def mapped_webhook(name: str) -> Response:
    """A gateway an admin described without code (ussd/gateways/mapped.py)."""
    gateway = find_gateway(name)
    if gateway is None:
        return plain(404, f"no mapped gateway named {printable(name)}")
    if request.method not in gateway.methods:  # HEAD too
        return _not_allowed(gateway.methods)
    return _serve(gateway)


def _not_allowed(methods: tuple[str, ...], gateway: Gateway | None = None) -> Response:
    reason = f"method not allowed: use {' or '.join(methods)}"
    refusal = gateway.refuse(405, reason) if gateway is not None else plain(405, reason)
    refusal.headers["Allow"] = ", ".join(methods)
    return refusal


def _serve(gateway: Gateway) -> Response:
    """One hop: the request read by its gateway, answered, and written back."""
    started = perf_counter()
    try:
        turn = gateway.parse(_request())
    except BadRequest as exc:
        metrics.refused(gateway.name, "bad_request")
        return gateway.refuse(exc.status, str(exc))
    trace = Trace()
    screen = answer_or_apologise(f"/ussd/{gateway.name}", turn, gateway, trace)
    response = gateway.render(screen, turn)
    metrics.hop(gateway.name, hop_outcome(turn, screen, trace), perf_counter() - started)
    return response


def hop_outcome(turn: Turn, screen: Screen, trace: Trace) -> str:
    if trace.failed:
        return "error"
    if turn.end:
        return "release"
    return "end" if screen.end else "continue"


@bp.route("/infobip/session/<session_id>/<operation>", methods=["GET", "POST", "PUT"])
def infobip(session_id: str, operation: str) -> Response:
    """Infobip appends /session/<sessionId>/start|response|end|status to the base URL."""
    gateway = GATEWAYS["infobip"]
    assert isinstance(gateway, Infobip)  # noqa: S101 - registry invariant
    allowed = OPERATIONS.get(operation)
    if allowed is None:
        return plain(400, str(unknown_operation(operation)))
    if request.method not in allowed:  # HEAD too
        return _not_allowed(allowed)
    if operation != "status":
        return _serve(gateway)
    try:
        external_id, _ = gateway.operation(_request())
    except BadRequest as exc:
        return plain(400, str(exc))
    return gateway.render_status(session_is_active(gateway.name, external_id))


@bp.post("/africastalking/events")
def africastalking_events() -> Response:
    """AT's end-of-session notification: how the session ended and how long it took."""
    gateway = GATEWAYS["africastalking"]
    assert isinstance(gateway, AfricasTalking)  # noqa: S101 - registry invariant
    try:
        session_id, status, duration = gateway.parse_event(request)
    except BadRequest as exc:
        return plain(400, str(exc))
    try:
        found = record_gateway_end("africastalking", session_id, status, duration)
    except Exception as exc:  # noqa: BLE001 - AT would retry forever on a 500
        db.session.rollback()
        log_failure("/ussd/africastalking/events", exc, Trace())
        metrics.internal_error("webhook")
        return plain(200, "not recorded")
    return plain(200, "recorded" if found else "unknown session")


@bp.errorhandler(Exception)
def internal_error(error: Exception) -> Response:
    """An error outside the hop's own handling (reading or rendering the wire format):
    logged by kind and place only, since its message may quote a number or an answer."""
    if isinstance(error, HTTPException):  # codes the application has no page for
        return plain(error.code or 500, error.description or error.name)
    db.session.rollback()
    log_failure(request.path, error, Trace())
    metrics.internal_error("webhook")
    return plain(500, "internal error")
