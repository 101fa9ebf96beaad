"""Outgoing webhooks: events POSTed to the addresses an admin set, signed per the Standard
Webhooks specification, delivered from the general outbox (ussd/handoff/deliveries.py).

An event becomes one outbox message per endpoint that wants it, queued in the transaction
that decides the event, under the dedupe key `webhook:<endpoint>:<event id>`: however often
it is queued, each endpoint gets it once. The ordering key is the endpoint, so an endpoint
that is down holds its own events, in order, and nobody else's. The enabled endpoints and
their events are cached per process (a hop that finishes a menu must not read them each
time), like the menu cache of ussd/publishing.py.

Addresses: https only, and never a private, loopback or link-local address unless the
admin ticked "allow private addresses" (then http too, to such an address only). The
address is checked when it is saved and again when each delivery connects, after DNS
resolution, before a byte is sent; redirects are never followed.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import logging
import re
import secrets
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app
from requests.adapters import HTTPAdapter
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ussd.extensions import db
from ussd.handoff.deliveries import Queued, enqueue, message_row
from ussd.handoff.outbox import iso_utc
from ussd.handoff.taskrouter import Gone, Refused, Retry
from ussd.models import Handoff, WebhookEndpoint, utcnow

log = logging.getLogger("ussd.handoff.webhooks")
KIND = "webhook"
EVENT_TYPES = ("submission.created", "reply.read", "handoff.failed")
TEST_EVENT = "webhook.test"
CALLER_FIELDS = ("name", "from", "from_unverified")
# An endpoint that answers later is retried: it should acknowledge first, then work.
TIMEOUT_SECONDS = 5.0
# The spec asks that an id carry no "." (it is signed as `{id}.{timestamp}.{body}`).
EVENT_ID = re.compile(r"^[A-Za-z0-9_\-]{1,120}$")
USER_AGENT = "ussd-flex-webhooks/1"


def new_secret() -> str:
    """A signing secret in the form Standard Webhooks libraries read: whsec_ + base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def reference(endpoint_id: int) -> str:
    return f"webhook:{endpoint_id}"


# -- addresses ----------------------------------------------------------------------------------


class PrivateAddress(Exception):
    """The address a delivery connected to is not one this endpoint may reach."""


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def address_allowed(address: str, scheme: str, allow_private: bool) -> bool:
    """May a delivery over `scheme` go to `address` (an IP)? https: a public address, or any
    when private ones are allowed; http: only a private one, and only when allowed."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if ip.is_unspecified or ip.is_multicast:
        return False
    public = _is_public(ip)
    if scheme == "https":
        return public or allow_private
    return allow_private and not public


def url_problem(url: str, allow_private: bool) -> str | None:
    """Why this URL cannot be an endpoint, in one line, or None. Names are resolved when a
    delivery connects (the address may change); an address written as such is checked here."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return "not a URL"
    if parts.scheme not in ("https", "http"):
        return "the URL must start with https://"
    if parts.scheme == "http" and not allow_private:
        return "http:// is only for a private address, with private addresses allowed"
    host = parts.hostname or ""
    if not host:
        return "the URL has no host"
    if parts.username or parts.password:
        return "the URL must not carry a user name or password"
    if port == 0:
        return "the port is not valid"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or host.endswith(".localhost"):
            if not allow_private:
                return "a loopback address needs private addresses allowed"
        return None
    if not address_allowed(host, parts.scheme, allow_private):
        if parts.scheme == "http":
            return "http:// is only for a private address, with private addresses allowed"
        return "a private, loopback or link-local address needs private addresses allowed"
    return None


class _PeerCheck:
    """Checks the address a connection reached before anything is sent on it."""

    allow_private = False
    scheme = "http"

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        peer = sock.getpeername()[0]
        if not address_allowed(str(peer), self.scheme, self.allow_private):
            sock.close()
            raise PrivateAddress("the name resolves to an address that is not allowed")
        return sock


class _CheckedConnection(_PeerCheck, HTTPConnection):
    scheme = "http"


class _CheckedHTTPSConnection(_PeerCheck, HTTPSConnection):
    scheme = "https"


class _CheckedAdapter(HTTPAdapter):
    """Connections that refuse, once connected and before sending, an address this
    endpoint may not reach: a name resolved now is checked, not the one seen when saved."""

    def __init__(self, allow_private: bool):
        self._allow_private = allow_private
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        allow = self._allow_private
        plain = type("Conn", (_CheckedConnection,), {"allow_private": allow})
        tls = type("TLSConn", (_CheckedHTTPSConnection,), {"allow_private": allow})
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("Pool", (HTTPConnectionPool,), {"ConnectionCls": plain}),
            "https": type("TLSPool", (HTTPSConnectionPool,), {"ConnectionCls": tls}),
        }


# -- the endpoints that want each event (cached per process) ------------------------------------


@dataclass(frozen=True)
class Subscriber:
    endpoint_id: int
    events: frozenset[str]
    include_phone: bool


class EndpointCache:
    def __init__(self) -> None:
        self._loaded: tuple[float, list[Subscriber]] | None = None
        self._lock = threading.Lock()

    def subscribers(self) -> list[Subscriber]:
        loaded = self._loaded
        if loaded is None or loaded[0] < time.monotonic():
            rows = db.session.execute(
                select(
                    WebhookEndpoint.id, WebhookEndpoint.events, WebhookEndpoint.include_phone
                ).where(WebhookEndpoint.enabled.is_(True))
            ).all()
            found = [
                Subscriber(r.id, frozenset(e for e in r.events.split(",") if e), r.include_phone)
                for r in rows
            ]
            ttl = float(current_app.config.get("MENU_CACHE_SECONDS", 5.0))
            loaded = (time.monotonic() + ttl, found)
            with self._lock:
                self._loaded = loaded
        return loaded[1]

    def clear(self) -> None:
        self._loaded = None


def cache() -> EndpointCache:
    ext = current_app.extensions
    if "ussd_webhook_endpoints" not in ext:
        ext["ussd_webhook_endpoints"] = EndpointCache()
    found: EndpointCache = ext["ussd_webhook_endpoints"]
    return found


# -- queueing events ----------------------------------------------------------------------------


def _message(
    endpoint_id: int,
    event_type: str,
    data: Mapping[str, Any],
    event_id: str,
    occurred_at: datetime,
    phone: str = "",
) -> Queued:
    if not EVENT_ID.match(event_id):
        raise ValueError("an event id is letters, digits, _ and - only")
    body = dict(data)
    if phone:
        body["caller"] = phone
    payload = {
        "endpoint_id": endpoint_id,
        "event_id": event_id,
        "event": {"type": event_type, "timestamp": iso_utc(occurred_at), "data": body},
    }
    return Queued(
        KIND,
        f"webhook:{endpoint_id}:{event_id}",
        payload,
        ordering_key=reference(endpoint_id),
        reference=reference(endpoint_id),
    )


def event_messages(
    event_type: str, data: Mapping[str, Any], event_id: str, now: datetime, phone: str = ""
) -> list[Queued]:
    """One message per enabled endpoint that wants `event_type` (none: no database read
    while the cache is fresh). The caller's number goes only to endpoints that opted in."""
    return [
        _message(s.endpoint_id, event_type, data, event_id, now, phone if s.include_phone else "")
        for s in cache().subscribers()
        if event_type in s.events
    ]


def event_rows(
    event_type: str, data: Mapping[str, Any], event_id: str, now: datetime, phone: str = ""
) -> list[dict[str, Any]]:
    """The outbox rows of an event, for a hop's own transaction
    (ussd.sessions.repository.queue_webhook_event)."""
    return [message_row(m, now) for m in event_messages(event_type, data, event_id, now, phone)]


def queue_event(
    event_type: str,
    data: Mapping[str, Any],
    event_id: str,
    phone: str = "",
    now: datetime | None = None,
) -> int:
    """Queue an event for every endpoint that wants it, in the ORM session's transaction
    (the caller commits). `event_id` is the event's own id, the same however often it is
    queued. Returns how many messages were new."""
    now = now or utcnow()
    return sum(enqueue(m, now) for m in event_messages(event_type, data, event_id, now, phone))


def queue_test_event(endpoint: WebhookEndpoint, now: datetime | None = None) -> str:
    """A test event for one endpoint, whatever events it wants (the caller commits)."""
    now = now or utcnow()
    event_id = f"evt_test_{secrets.token_hex(8)}"
    data = {"message": "A test event from the USSD service: the signature can be checked."}
    enqueue(_message(endpoint.id, TEST_EVENT, data, event_id, now), now)
    return event_id


def submission_data(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """What a finished submission tells endpoints: its task attributes without the caller's
    number (added only for endpoints that opted in)."""
    return {k: v for k, v in attributes.items() if k not in CALLER_FIELDS}


def submission_event_id(session_id: int) -> str:
    return f"evt_submission_{session_id}"


def caller_of(attributes: Mapping[str, Any]) -> str:
    return str(attributes.get("from") or attributes.get("from_unverified") or "")


def queue_handoff_failed(handoff: Handoff, reason: str) -> int:
    """`handoff.failed` when the dispatcher gives up on a hand-off (the caller commits)."""
    attributes = json.loads(handoff.attributes)
    data = {
        "handoff_id": handoff.id,
        "ussd_session_id": attributes.get("ussd_session_id"),
        "menu": attributes.get("menu"),
        "menu_version": attributes.get("menu_version"),
        "submitted_at": attributes.get("submitted_at"),
        "reason": reason,
        "attempts": handoff.attempts,
    }
    event_id = f"evt_handoff_failed_{handoff.id}_{handoff.attempts}"
    return queue_event("handoff.failed", data, event_id, caller_of(attributes))


# -- delivering ---------------------------------------------------------------------------------


class WebhookSender:
    """POSTs one event to one endpoint, signed with its secret by the standardwebhooks
    package. 2xx: delivered; 429, 5xx, a timeout or a network error: retried with back-off;
    any other answer (a redirect included): failed, shown in the endpoint's delivery log."""

    kind = KIND

    def __init__(self, config: Mapping[str, Any]):
        self.timeout = TIMEOUT_SECONDS

    def waiting_reason(self) -> str | None:
        return None

    def send(self, payload: Mapping[str, Any]) -> str:
        endpoint = db.session.get(WebhookEndpoint, int(payload["endpoint_id"]))
        if endpoint is None:
            raise Gone("not sent: the endpoint was deleted")
        url, secret = endpoint.url, endpoint.secret
        enabled, allow_private = endpoint.enabled, endpoint.allow_private
        db.session.commit()  # no transaction stays open while the endpoint is called
        if not enabled:
            raise Refused("the endpoint is disabled")
        problem = url_problem(url, allow_private)
        if problem:
            raise Refused(f"refused: {problem}")
        body = json.dumps(payload["event"], ensure_ascii=False, separators=(",", ":"))
        message_id = str(payload["event_id"])
        now = utcnow()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, now, body),
        }
        return self._post(url, body.encode("utf-8"), headers, allow_private)

    def _post(self, url: str, body: bytes, headers: dict[str, str], allow_private: bool) -> str:
        started = time.monotonic()
        with requests.Session() as session:
            session.trust_env = False  # no proxy from the environment: the address is checked
            adapter = _CheckedAdapter(allow_private)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            try:
                response = session.post(
                    url,
                    data=body,
                    headers=headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                    stream=True,  # the answer's body is never read
                )
            except PrivateAddress as exc:
                raise Refused(f"refused: {exc}") from None
            except requests.Timeout:
                raise Retry(f"no answer within {self.timeout:g} s") from None
            except requests.ConnectionError as exc:
                if isinstance(_cause(exc), PrivateAddress):
                    raise Refused(f"refused: {_cause(exc)}") from None
                raise Retry("could not connect") from None
            except requests.RequestException as exc:
                raise Retry(f"could not send ({type(exc).__name__})") from None
            status = response.status_code
            response.close()
        took = f"HTTP {status} in {int((time.monotonic() - started) * 1000)} ms"
        if 200 <= status < 300:
            return took
        if status == 429 or status >= 500:
            raise Retry(took, status)
        if 300 <= status < 400:
            raise Refused(f"{took}: redirects are not followed", status)
        raise Refused(took, status)


def _cause(exc: BaseException) -> BaseException | None:
    """The first PrivateAddress in an exception's chain (urllib3 may wrap it)."""
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return None
        if isinstance(seen, PrivateAddress):
            return seen
        nested = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = getattr(seen, "reason", None) or seen.__cause__ or seen.__context__ or nested
    return None
