"""The checks every webhook call passes before its gateway reads it: body size, source
address (403), shared token (401). Compared in constant time; nothing here is logged
but the fact that the token is not configured."""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Sequence

from flask import Request, Response
from flask.config import Config
from werkzeug.exceptions import RequestEntityTooLarge

from ussd.responses import plain

log = logging.getLogger("ussd.gateways.guard")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(spec: str) -> list[Network]:
    """USSD_ALLOWED_IPS: comma-separated addresses or CIDRs. Raises ValueError when invalid."""
    return [
        ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()
    ]


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
    if len(request.query_string) > request.max_content_length:  # GET gateways' fields
        return plain(413, f"query string too large (limit {request.max_content_length} bytes)")
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
