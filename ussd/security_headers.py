"""The browser security headers of every page a person opens (the editor's, its error
pages, the monitors' pages); gateways and Twilio are not browsers and get none."""

from __future__ import annotations

from typing import TypeVar

from flask import request
from werkzeug.wrappers import Response

# No inline script or style anywhere: the editor's JSON data blocks are never executed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
R = TypeVar("R", bound=Response)


def add_security_headers(response: R) -> R:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:  # behind TLS (directly, or via a trusted proxy's header)
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    return response
