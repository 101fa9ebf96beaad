"""Screens of asynchronous gateways (bdapps): queued by the hop, sent from the outbox.

The hop that decides a screen queues it in its own transaction (ussd/sessions/service.py),
under a dedupe key made of the session and the provider's request id, so a request the
provider sends twice queues its screen once. Screens of one session share an ordering
key, so they leave in order, and each expires when the caller's handset has stopped
waiting: a screen that cannot arrive in time is never sent late.

The sender POSTs the screen to BDAPPS_SEND_URL with the application id and password,
and reads the platform's `statusCode`: S1000 is sent; the platform's transient codes,
5xx and connection failures are tried again; any other code is a refusal. A request
that reached the platform but got no answer is not sent again: the screen may already
be on the caller's handset, and must never be shown twice.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import requests

from ussd.gateways.base import Gateway, Turn
from ussd.handoff.deliveries import Queued
from ussd.handoff.taskrouter import Refused, Retry
from ussd.menu.engine import Screen

KIND = "gateway_screen"
SETTINGS = ("BDAPPS_SEND_URL", "BDAPPS_APP_ID", "BDAPPS_APP_PASSWORD")
# The platform's codes for a failure on its side (hSenid's published list, "transient"):
# the same request may succeed a moment later.
TRANSIENT_CODES = frozenset(
    {
        "E1316",
        "E1318",
        "E1319",
        "E1332",
        "E1341",
        "E1360",
        "E1363",
        "E1364",
        "E1366",
        "E1600",
        "E1601",
        "E1602",
        "E1603",
    }
)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def screen_key(gateway: Gateway, turn: Turn) -> str:
    """The dedupe key of the screen that answers `turn`: one per session and request."""
    return f"screen:{_digest(gateway.name, turn.session_id, turn.request_key or '')}"


def screen_message(
    gateway: Gateway, turn: Turn, screen: Screen, now: datetime, config: Mapping[str, Any]
) -> Queued:
    """The outbox message that shows `screen` to the caller of `turn`."""
    seconds = float(config.get("BDAPPS_SCREEN_SECONDS") or 20)
    session = _digest(gateway.name, turn.session_id)
    return Queued(
        kind=KIND,
        dedupe_key=screen_key(gateway, turn),
        payload={"gateway": gateway.name, "body": gateway.screen_body(turn, screen)},
        ordering_key=f"screen:{session}",
        reference=f"{gateway.name} screen",
        expires_at=now + timedelta(seconds=seconds),
    )


class GatewayScreenSender:
    """POSTs a queued screen to the provider's send API (bdapps: /ussd/send)."""

    kind = KIND

    def __init__(self, config: Mapping[str, Any]):
        self.config = config

    def waiting_reason(self) -> str | None:
        return None  # a screen is worth nothing later: one that cannot be sent fails now

    def send(self, payload: Mapping[str, Any]) -> str:
        if payload.get("gateway") != "bdapps":
            raise Refused(f"no send API for gateway {str(payload.get('gateway'))[:40]}")
        missing = [name for name in SETTINGS if not self.config.get(name)]
        if missing:
            raise Refused(f"bdapps is not configured ({', '.join(missing)})")
        body = {
            "applicationId": self.config["BDAPPS_APP_ID"],
            "password": self.config["BDAPPS_APP_PASSWORD"],
            **payload["body"],
        }
        timeout = float(self.config.get("BDAPPS_SEND_TIMEOUT_SECONDS") or 5.0)
        started = time.monotonic()
        try:
            # no redirects: the password goes to the configured host and nowhere else
            answer = requests.post(
                self.config["BDAPPS_SEND_URL"], json=body, timeout=timeout, allow_redirects=False
            )
        except requests.ReadTimeout:
            raise _unanswered() from None
        except requests.ConnectionError:  # a connect timeout too
            raise Retry("could not connect to the bdapps send URL") from None
        except requests.RequestException as exc:
            raise Retry(f"bdapps send failed: {type(exc).__name__}") from None
        took = int((time.monotonic() - started) * 1000)
        return read_answer(answer, took)


def _unanswered() -> Refused:
    return Refused(
        "the bdapps send URL did not answer in time: the screen may have arrived, so it "
        "is not sent again"
    )


def read_answer(answer: requests.Response, took_ms: int) -> str:
    """The platform's verdict on one send: a short result, or Retry / Refused."""
    status = answer.status_code
    if status == 429 or status >= 500:
        raise Retry(f"bdapps send: HTTP {status}", status)
    try:
        data = answer.json()
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("statusCode"), str):
        raise Refused(f"bdapps send: HTTP {status} without a statusCode", status)
    code = data["statusCode"][:12]
    detail = str(data.get("statusDetail") or "")[:200]
    if code == "S1000":
        return f"S1000 in {took_ms} ms"
    reason = f"bdapps send: {code}" + (f" {detail}" if detail else "")
    if code in TRANSIENT_CODES:
        raise Retry(reason, status, f"bdapps send: {code}")
    raise Refused(reason, status, f"bdapps send: {code}")
