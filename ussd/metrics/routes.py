"""GET /metrics: the service's numbers in Prometheus' text format, for the operator.

Off unless METRICS_TOKEN or METRICS_ALLOWED_IPS is set (404 until then). A scrape must
come from an allowed network when METRICS_ALLOWED_IPS is set (403 otherwise; behind
USSD_TRUSTED_PROXIES the address is the one the proxies forwarded, as for the webhooks)
and carry `Authorization: Bearer <token>` when METRICS_TOKEN is set (401 otherwise),
compared in constant time. It is a plain blueprint on the one request path: no browser
session, no CSRF, nothing of the editor's.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Flask, Response, abort, current_app, request

from ussd import metrics
from ussd.gateways.guard import address_allowed, parse_networks, webhook_tokens
from ussd.responses import plain

bp = Blueprint("metrics", __name__)


def init_app(app: Flask) -> None:
    """Read the two settings (refusing to start on a malformed network), turn recording on
    when either is set, and serve /metrics."""
    try:
        networks = parse_networks(str(app.config.get("METRICS_ALLOWED_IPS") or ""))
    except ValueError as exc:
        raise SystemExit(f"configuration: METRICS_ALLOWED_IPS is invalid ({exc})") from None
    app.config["METRICS_ALLOWED_NETWORKS"] = networks
    if networks or metrics_tokens(app.config.get("METRICS_TOKEN")):
        metrics.enable()
    app.register_blueprint(bp)


def metrics_tokens(setting: object) -> list[str]:
    """METRICS_TOKEN: one token, or "new,old" while rotating (as USSD_WEBHOOK_TOKEN)."""
    return webhook_tokens(str(setting or ""))


def refusal() -> Response | None:
    config = current_app.config
    networks = config.get("METRICS_ALLOWED_NETWORKS") or []
    tokens = metrics_tokens(config.get("METRICS_TOKEN"))
    if not networks and not tokens:
        abort(404)  # off: nothing here to find
    if not address_allowed(request, networks):
        return plain(403, "this address may not read the metrics (METRICS_ALLOWED_IPS)")
    if not tokens:
        return None
    auth = request.authorization
    presented = auth.token if auth is not None and auth.type == "bearer" else None
    if not presented:
        refused = plain(401, "missing metrics token (Authorization: Bearer <METRICS_TOKEN>)")
        refused.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return refused
    # every token compared, in constant time, so timing tells nothing about which matched
    matches = [hmac.compare_digest(presented.encode(), token.encode()) for token in tokens]
    if not any(matches):
        refused = plain(401, "wrong metrics token")
        refused.headers["WWW-Authenticate"] = 'Bearer realm="metrics", error="invalid_token"'
        return refused
    return None


@bp.get("/metrics")
def scrape() -> Response:
    refused = refusal()
    if refused is not None:
        return refused
    from ussd.metrics.backlog import BacklogCollector
    from ussd.metrics.instruments import CONTENT_TYPE, exposition

    body = exposition(metrics.active_instruments(), [BacklogCollector()])
    response = Response(body, mimetype=None, content_type=CONTENT_TYPE)
    response.headers["Cache-Control"] = "no-store"
    return response
