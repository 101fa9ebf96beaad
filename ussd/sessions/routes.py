"""The gateway webhooks: /ussd/<gateway> (pinned routes, DESIGN §3).

Every request is checked in this order: body size, source address (403), shared token
(401), wire format (400 with a one-line reason). An internal error never reaches the
caller as an HTTP 500: they get a final apology screen in their language.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Flask, Request, Response, abort, current_app
from flask import request as flask_request
from flask.config import Config
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ussd.extensions import db
from ussd.gateways import GATEWAYS, BadRequest, Gateway
from ussd.gateways.africastalking import AfricasTalking
from ussd.handoff.dispatcher import ensure_running
from ussd.menu.engine import Screen, fit_final
from ussd.sessions.service import (
    Trace,
    answer,
    apology,
    log_failure,
    record_gateway_end,
    screen_budget,
)

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

bp = Blueprint("ussd", __name__, url_prefix="/ussd")
log = logging.getLogger("ussd.sessions.routes")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(spec: str) -> list[Network]:
    """USSD_ALLOWED_IPS: comma-separated addresses or CIDRs. Raises ValueError when invalid."""
    return [
        ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()
    ]


def plain(status: int, reason: str) -> Response:
    return Response(reason + "\n", status=status, mimetype="text/plain")


def presented_token(request: Request) -> str:
    header = request.headers.get("X-USSD-Token")
    if header:
        return header
    query = request.args.get("token")
    if query:
        return query
    auth = request.authorization
    if auth is not None and auth.type == "basic" and auth.password:
        return auth.password
    return ""


def webhook_tokens(setting: str) -> list[str]:
    """USSD_WEBHOOK_TOKEN: one token, or several comma-separated while rotating (new,old)."""
    return [part.strip() for part in setting.split(",") if part.strip()]


def address_allowed(request: Request, networks: Sequence[Network]) -> bool:
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


def too_long(request: Request) -> bool:
    """A body sent without Content-Length (chunked) longer than the cap. werkzeug stops
    reading such a body at the cap without a word, so it would be parsed cut short."""
    limit = request.max_content_length or 0
    try:
        if len(request.get_data(cache=True)) < limit:
            return False
        request.stream.read(1)  # past the cap: raises RequestEntityTooLarge
    except RequestEntityTooLarge:
        return True
    return True


def guard(request: Request, config: Config) -> Response | None:
    """The checks every webhook call passes first; a refusal, or None to go on."""
    request.max_content_length = int(config["WEBHOOK_MAX_BYTES"])
    if request.content_length is not None and request.content_length > request.max_content_length:
        return plain(413, f"body too large (limit {request.max_content_length} bytes)")
    if request.content_length is None and too_long(request):
        return plain(413, f"body too large (limit {request.max_content_length} bytes)")
    if not address_allowed(request, config["USSD_ALLOWED_NETWORKS"]):
        return plain(403, "this address may not call the USSD webhooks")
    accepted = webhook_tokens(config.get("USSD_WEBHOOK_TOKEN") or "")
    if not accepted:
        log.warning("USSD_WEBHOOK_TOKEN is not set: refusing webhook calls")
        return plain(401, "webhook token not configured on the server (USSD_WEBHOOK_TOKEN)")
    token = presented_token(request)
    if not token:
        return plain(401, "missing webhook token (X-USSD-Token header, token= or Basic auth)")
    # every token compared, in constant time, so timing tells nothing about which matched
    matches = [hmac.compare_digest(token.encode(), expected.encode()) for expected in accepted]
    if not any(matches):
        return plain(401, "wrong webhook token")
    return None


@bp.before_request
def check_call() -> Response | None:
    return guard(flask_request, current_app.config)


def hop(request: Request, gateway: Gateway) -> Response:
    """Answer one gateway request that passed `guard` (the route and HopFastPath)."""
    try:
        turn = gateway.parse(request)
    except BadRequest as exc:
        return plain(400, str(exc))
    trace = Trace()
    try:
        screen = answer(turn, gateway, trace)
    except Exception as exc:  # noqa: BLE001 - the caller must get a screen, not a 500
        db.session.rollback()
        log_failure(f"/ussd/{gateway.name}", exc, trace)
        screen = apology(trace)
    if screen.end:  # a closing screen has no second page: shorten it to this network's
        screen = Screen(fit_final(screen.text, screen_budget(gateway)), end=True)
    return gateway.render(screen, turn)


@bp.post("/<gateway_name>")
def webhook(gateway_name: str) -> Response:
    # HopFastPath answers these in front of Flask; the route serves when it is not installed.
    gateway = GATEWAYS.get(gateway_name)
    if gateway is None:
        abort(404)
    return hop(flask_request._get_current_object(), gateway)  # type: ignore[attr-defined]


class HopFastPath:
    """WSGI middleware: POST /ussd/<gateway> goes straight to `hop`, in an app context.

    A hop is the one request a busy hotline serves thousands of times a minute, and Flask's
    request machinery (request context, URL matching, the editor's before/after hooks for
    sign-in limits, CSRF, remember-me cookies and browser headers) was a third of its cost
    in the process (docs/performance.md). None of it applies to a gateway's webhook: the
    same checks (`guard`), handler and app context run here; any other request, method or
    path goes to Flask as usual.
    """

    def __init__(self, app: Flask, wsgi_app: WSGIApplication):
        self.app = app
        self.wsgi_app = wsgi_app
        self.paths = {f"{bp.url_prefix}/{name}": gateway for name, gateway in GATEWAYS.items()}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        gateway = self.paths.get(environ.get("PATH_INFO", ""))
        if gateway is None or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        app = self.app
        request = app.request_class(environ)
        with app.app_context():
            ensure_running(app)  # what Flask's before_request does for other requests
            try:
                response = guard(request, app.config) or hop(request, gateway)
            except HTTPException as exc:  # werkzeug reading the body (a client gone: 400)
                response = plain(exc.code or 400, exc.description or exc.name)
            except Exception as exc:  # noqa: BLE001 - outside answer(): parse or render
                db.session.rollback()
                log_failure(f"/ussd/{gateway.name}", exc, Trace())
                response = plain(500, "internal error")
        # Every reply here is a short body in memory: handed over as it is, without
        # werkzeug's general response pipeline (streaming, HEAD, conditional requests).
        start_response(response.status, response.headers.to_wsgi_list())
        return [response.get_data()]


@bp.post("/africastalking/events")
def africastalking_events() -> Response:
    """AT's end-of-session notification: how the session ended and how long it took."""
    gateway = GATEWAYS["africastalking"]
    assert isinstance(gateway, AfricasTalking)  # noqa: S101 - registry invariant
    try:
        session_id, status, duration = gateway.parse_event(flask_request)
    except BadRequest as exc:
        return plain(400, str(exc))
    try:
        found = record_gateway_end("africastalking", session_id, status, duration)
    except Exception as exc:  # noqa: BLE001 - AT would retry forever on a 500
        db.session.rollback()
        log_failure("/ussd/africastalking/events", exc, Trace())
        return plain(200, "not recorded")
    return plain(200, "recorded" if found else "unknown session")
