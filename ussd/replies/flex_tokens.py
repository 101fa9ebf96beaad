"""Who is calling /flex/replies: the agent's Flex token, checked by Twilio's token validation.

`POST https://iam.twilio.com/v1/Accounts/{AccountSid}/Tokens/validate` with `{"token": …}` and
the account's credentials answers `valid`, `identity`, `worker_sid` and `roles` (the shape
used by Twilio's own twilio-flex-token-validator). A valid answer is kept for a short while,
under a hash of the token (never the token), so a panel polling for status does not cost a
Twilio request each time.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from ussd.handoff.taskrouter import auth_tokens

VALIDATE_URL = "https://iam.twilio.com/v1/Accounts/{account}/Tokens/validate"
CACHE_SECONDS = 60.0
CACHE_SIZE = 1024
TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Agent:
    identity: str
    worker_sid: str
    roles: tuple[str, ...]


class TokenRejected(Exception):
    """The token is missing, expired or not one of this account's (401)."""


class TokenCheckUnavailable(Exception):
    """Twilio could not say (unreachable, or refused our own credentials): 503, never 500."""


_cache: dict[str, tuple[float, Agent]] = {}
_lock = threading.Lock()


def _cache_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def check_token(token: str, config: Mapping[str, Any]) -> Agent:
    """The agent the token belongs to, or TokenRejected / TokenCheckUnavailable."""
    if not token or len(token) > 8192:
        raise TokenRejected("no token")
    key = _cache_key(token)
    now = time.monotonic()
    with _lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    agent = _validate(token, config)
    with _lock:
        if len(_cache) >= CACHE_SIZE:
            stale = [k for k, (until, _) in _cache.items() if until <= now]
            for old_key in stale or list(_cache)[:1]:
                _cache.pop(old_key, None)
        _cache[key] = (now + CACHE_SECONDS, agent)
    return agent


def forget_tokens() -> None:
    """Drop every cached answer (tests; a key rotation)."""
    with _lock:
        _cache.clear()


def _credentials(config: Mapping[str, Any]) -> tuple[str, str, str]:
    account = str(config.get("TWILIO_ACCOUNT_SID") or "")
    api_key = str(config.get("TWILIO_API_KEY_SID") or "")
    if api_key:
        return account, api_key, str(config.get("TWILIO_API_KEY_SECRET") or "")
    tokens = auth_tokens(config)
    return account, account, tokens[0] if tokens else ""


def _validate(token: str, config: Mapping[str, Any]) -> Agent:
    account, user, secret = _credentials(config)
    if not account or not secret:
        raise TokenCheckUnavailable("Twilio is not configured on this service")
    try:
        response = requests.post(
            VALIDATE_URL.format(account=account),
            json={"token": token},
            auth=(user, secret),
            timeout=TIMEOUT_SECONDS,
        )
    except requests.Timeout:
        raise TokenCheckUnavailable("Twilio did not answer the token check in time") from None
    except requests.RequestException:
        raise TokenCheckUnavailable("Twilio could not be reached to check the token") from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "valid" in body:
        if body.get("valid") is not True:
            raise TokenRejected("the Flex token is not valid (expired or of another account)")
        roles = body.get("roles") or []
        return Agent(
            identity=str(body.get("identity") or body.get("worker_sid") or "agent")[:120],
            worker_sid=str(body.get("worker_sid") or ""),
            roles=tuple(str(r) for r in roles if isinstance(r, str)),
        )
    if response.status_code in (401, 403):
        raise TokenCheckUnavailable("Twilio refused this service's credentials: check them")
    raise TokenCheckUnavailable(f"Twilio's token check failed (HTTP {response.status_code})")
