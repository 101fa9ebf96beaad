"""One request of an http node, within its connection's time budget.

The rules (docs/security.md): the URL is the connection's base URL and the node's path,
nothing from a caller; the host is resolved here and the request connects to the address
that was checked (a name that resolves elsewhere a moment later changes nothing); TLS is
verified against the host name; a redirect is followed once, and only to the same scheme,
host and port; the reply must be JSON, no larger than MAX_REPLY_BYTES, and complete before
the deadline. No proxy from the environment is used. The log says which connection, the
outcome and the duration; never what was sent or received.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from ussd.connections.addresses import Refused, TimedOut, resolve
from ussd.menu.engine import HttpAction, HttpOutcome

log = logging.getLogger("ussd.connections")
MAX_REPLY_BYTES = 64 * 1024  # far more than any screen could show
REDIRECTS = (301, 302, 303, 307, 308)
USER_AGENT = "ussd-flex-connection/1"
SHOWN_REPLY = 600  # characters of a reply the simulator shows


@dataclass(frozen=True)
class Endpoint:
    """A connection as a request needs it (read from the database by the registry)."""

    name: str
    base_url: str
    method: str = "POST"
    secret_header: str = ""
    secret_value: str = field(default="", repr=False)
    timeout_seconds: float = 2.0
    allow_private: bool = False


@dataclass(frozen=True)
class Exchange:
    """A request and what came of it, as the simulator shows it: the secret masked."""

    connection: str
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: str
    status: int | None
    reply: str
    outcome: HttpOutcome
    milliseconds: int
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "connection": self.connection,
            "request": f"{self.method} {self.url}",
            "headers": [f"{k}: {v}" for k, v in self.headers],
            "body": self.body,
            "status": self.status,
            "reply": self.reply,
            "outcome": self.outcome.status,
            "reason": self.reason,
            "ms": self.milliseconds,
        }


def mask(secret: str) -> str:
    """A secret as it may be shown: its last characters only when it is long."""
    return "••••" + secret[-4:] if len(secret) >= 16 else "••••"


def request_url(endpoint: Endpoint, action: HttpAction) -> str:
    base = endpoint.base_url.rstrip("/")
    path = action.path.lstrip("/")
    return f"{base}/{path}" if path else base


def call(endpoint: Endpoint, action: HttpAction, seconds: float) -> Exchange:
    """Make the request `action` asks for on `endpoint`, in at most `seconds` (and never
    more than the connection's own budget)."""
    started = time.monotonic()
    deadline = started + max(0.0, min(seconds, endpoint.timeout_seconds))
    params = dict(action.params)
    if action.phone is not None:
        params["phone"] = action.phone
    url = request_url(endpoint, action)
    method = endpoint.method.upper()
    body: bytes | None = None
    headers = {
        "Accept": "application/json",
        "Accept-Encoding": "identity",
        "User-Agent": USER_AGENT,
    }
    if method == "GET" or action.send_as == "query":
        if params:
            url = f"{url}?{urlencode(params)}"
    else:
        body = json.dumps(params, ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = "application/json"
    shown_headers = tuple(headers.items())
    if endpoint.secret_header:
        headers[endpoint.secret_header] = endpoint.secret_value
        shown_headers += ((endpoint.secret_header, mask(endpoint.secret_value)),)
    status: int | None = None
    reply = b""
    reason = ""
    try:
        status, content_type, reply = _fetch(
            method, url, body, headers, endpoint.allow_private, deadline, redirects=1
        )
        outcome = _outcome(status, content_type, reply)
        if outcome.status != "success":
            reason = f"HTTP {status}" if not 200 <= status < 300 else "the reply is not JSON"
    except TimedOut:
        outcome, reason = HttpOutcome("timeout"), "no complete reply within the time budget"
    except Refused as exc:
        outcome, reason = HttpOutcome("failure"), str(exc)
    milliseconds = int((time.monotonic() - started) * 1000)
    log.info(
        "connection %s: %s in %d ms%s",
        endpoint.name,
        outcome.status,
        milliseconds,
        f" ({reason})" if reason else "",
    )
    return Exchange(
        connection=endpoint.name,
        method=method,
        url=url,
        headers=shown_headers,
        body=body.decode("utf-8") if body else "",
        status=status,
        reply=reply[:SHOWN_REPLY].decode("utf-8", "replace"),
        outcome=outcome,
        milliseconds=milliseconds,
        reason=reason,
    )


def _outcome(status: int, content_type: str, reply: bytes) -> HttpOutcome:
    if not 200 <= status < 300:
        return HttpOutcome("failure")
    kind = content_type.split(";")[0].strip().lower()
    if kind != "application/json" and not kind.endswith("+json"):
        return HttpOutcome("failure")
    try:
        return HttpOutcome("success", json.loads(reply.decode("utf-8")))
    except ValueError:
        return HttpOutcome("failure")


def _fetch(
    method: str,
    url: str,
    body: bytes | None,
    headers: dict[str, str],
    allow_private: bool,
    deadline: float,
    redirects: int,
) -> tuple[int, str, bytes]:
    """(status, content type, body) of one request, following one same-host redirect."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = resolve(host, port, allow_private, _left(deadline))
    if parts.scheme == "http" and address.is_global:
        raise Refused("http:// only to a private address: use https://")
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    if ":" in host and parts.port is None:
        host_header = f"[{host}]"
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    pool: urllib3.HTTPConnectionPool
    timeout = urllib3.Timeout(connect=_left(deadline), read=_left(deadline))
    if parts.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            str(address),
            port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
        )
    else:
        pool = urllib3.HTTPConnectionPool(
            str(address), port, timeout=timeout, retries=False, maxsize=1
        )
    try:
        response = pool.urlopen(
            method,
            target,
            body=body,
            headers={**headers, "Host": host_header},
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            if response.status in REDIRECTS:
                location = response.headers.get("Location", "")
                return _redirect(
                    method,
                    url,
                    location,
                    response.status,
                    body,
                    headers,
                    allow_private,
                    deadline,
                    redirects,
                )
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > MAX_REPLY_BYTES:
                raise Refused("the reply is larger than the connection may send")
            data = bytearray()
            sock = getattr(response.connection, "sock", None)
            while True:
                left = _left(deadline)
                if isinstance(sock, socket.socket):
                    sock.settimeout(left)  # a reply that trickles in stops at the deadline
                chunk = response.read1(8192)
                if not chunk:
                    break
                data += chunk
                if len(data) > MAX_REPLY_BYTES:
                    raise Refused("the reply is larger than the connection may send")
            return response.status, response.headers.get("Content-Type", ""), bytes(data)
        finally:
            response.release_conn()
    except NewConnectionError:  # refused or unreachable (urllib3 files it under timeouts)
        if time.monotonic() >= deadline:
            raise TimedOut("connect") from None
        raise Refused("the service cannot be reached") from None
    except (TimeoutError, Urllib3Timeout):
        raise TimedOut("read") from None
    except HTTPError as exc:
        if time.monotonic() >= deadline:
            raise TimedOut("read") from None
        raise Refused(f"the request failed ({type(exc).__name__})") from None
    except OSError as exc:
        raise Refused(f"the request failed ({type(exc).__name__})") from None
    finally:
        pool.close()


def _redirect(
    method: str,
    url: str,
    location: str,
    status: int,
    body: bytes | None,
    headers: dict[str, str],
    allow_private: bool,
    deadline: float,
    redirects: int,
) -> tuple[int, str, bytes]:
    here, there = urlsplit(url), urlsplit(urljoin(url, location))
    same = (here.scheme, here.hostname, here.port) == (there.scheme, there.hostname, there.port)
    if not location or not same:
        raise Refused("a redirect to another host is not followed")
    if redirects < 1:
        raise Refused("more than one redirect")
    if status in (307, 308):
        return _fetch(method, there.geturl(), body, headers, allow_private, deadline, 0)
    kept = {k: v for k, v in headers.items() if k != "Content-Type"}
    return _fetch("GET", there.geturl(), None, kept, allow_private, deadline, 0)


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimedOut("deadline")
    return left
