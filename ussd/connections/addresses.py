"""Where a connection may send a request: the rules of its address, checked when an admin
saves it and again, against the addresses a name resolves to, at every request."""

from __future__ import annotations

import ipaddress
import re
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SLUG = re.compile(r"^[a-z][a-z0-9_\-]{0,63}$")
HEADER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{0,79}$")
# Headers the client sets itself, or that would change how the request is framed or routed.
RESERVED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "content-type",
        "transfer-encoding",
        "connection",
        "accept",
        "accept-encoding",
        "user-agent",
        "te",
        "upgrade",
        "expect",
        "cookie",
        "proxy-authorization",
    }
)
# Names resolve on a few threads of their own, so a slow DNS server costs a request its time
# budget, never more.
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="connections-dns")


class Refused(Exception):
    """The request may not go there (the reason is shown to coordinators and logged)."""


class TimedOut(Exception):
    """The time budget ran out."""


def address_allowed(ip: IPAddress, allow_private: bool) -> bool:
    """A public address; with `allow_private`, also a private or loopback one. Link-local
    addresses (a cloud's metadata service), multicast, unspecified and reserved ones never."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_link_local or ip.is_multicast or ip.is_unspecified:
        return False
    if ip.is_loopback:
        return allow_private
    if ip.is_reserved:
        return False
    return ip.is_global or allow_private


def base_url_problem(url: str, allow_private: bool) -> str | None:
    """Why `url` cannot be a connection's base URL, or None."""
    if len(url) > 500:
        return "at most 500 characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "not a URL"
    if parts.scheme not in ("https", "http"):
        return "must start with https://"
    if parts.scheme == "http" and not allow_private:
        return "must start with https:// (http:// only for a private address, when allowed)"
    if not parts.hostname:
        return "has no host"
    if parts.username is not None or parts.password is not None:
        return "must not hold a user name or password (use the secret header)"
    if parts.query or parts.fragment or "#" in url:
        return "must not hold a query or fragment"
    if port == 0:
        return "has no valid port"
    literal = _literal(parts.hostname)
    if literal is not None and not address_allowed(literal, allow_private):
        return "is a private, loopback or reserved address, which this connection does not allow"
    return None


def resolve(host: str, port: int, allow_private: bool, seconds: float) -> IPAddress:
    """The first address `host` resolves to that a request may go to, within `seconds`."""
    literal = _literal(host)
    if literal is not None:
        candidates = [literal]
    else:
        future = _resolver.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
        try:
            found = future.result(timeout=max(seconds, 0.001))
        except FutureTimeout:
            raise TimedOut("name resolution") from None
        except OSError:
            raise Refused("the host name does not resolve") from None
        candidates = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    for ip in candidates:
        if address_allowed(ip, allow_private):
            return ip
    raise Refused("the host resolves to a private, loopback or reserved address")


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
