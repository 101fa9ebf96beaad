"""The one-line text answers of the service's machine-facing routes (refusals, errors,
acknowledgements): gateways, Twilio and monitors read these, not people."""

from __future__ import annotations

from flask import Response


def plain(status: int, reason: str) -> Response:
    return Response(reason + "\n", status=status, mimetype="text/plain")
