"""Callers of the demo menu, Africa's Talking style: which answers session n gives, which
number it dials, and three ways to play it (WSGI in process, a retrying gateway over raw
HTTP for the soak test; harness/loadgen.py and harness/sessions.lua are the load's own).

A session is five hops (dial, language, location, support, callback); `text` carries every
answer so far joined by "*". Stdlib only, imported by the load generator's process.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bench.harness.common import HOPS_PER_SESSION, SERVICE_CODE

NUMBERS = 10_000_000  # 7 digits after the phone prefix
# What the demo menu stores for each answer, for comparing a Flex task with the caller's.
VALUES = {
    "language": {"1": "English", "2": "French"},
    "location": {"1": "Dakar", "2": "Touba", "3": "Thies"},
    "support_type": {"1": "Shelter", "2": "Legal", "3": "Food and clothing"},
    "callback": {"1": "Yes", "2": "No"},
}
THANKS = "END Thank you. Your request has been received."
MERCI = "END Merci. Votre demande a bien été reçue."


def answers(k: int) -> list[str]:
    """The four answers of session k: both languages, every location, support type and
    callback answer (harness/sessions.lua computes the same)."""
    return ["1" if k % 2 == 1 else "2", str(k % 3 + 1), str((k + 1) % 3 + 1), str(k % 2 + 1)]


def phone(phone_prefix: str, caller: int, n: int, callers: int) -> str:
    """The number of caller `caller`'s n-th session: each of `callers` callers owns a block
    of NUMBERS // callers numbers (harness/sessions.lua computes the same)."""
    stride = NUMBERS // callers
    return f"+{phone_prefix}{(caller * stride + n) % NUMBERS:07d}"


def form(session: str, number: str, inputs: list[str], hop: int) -> dict[str, str]:
    """Africa's Talking's form for hop `hop` (0: the dial) of a session."""
    return {
        "sessionId": session,
        "phoneNumber": number,
        "serviceCode": SERVICE_CODE,
        "networkCode": "60801",
        "text": "*".join(inputs[:hop]),
    }


# ------------------------------------------------------------------------------------------
# In process: the WSGI app called directly


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Any]


def wsgi_environ(body: bytes, token: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/ussd/africastalking",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_X_USSD_TOKEN": token,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def wsgi_sessions(
    count: int, token: str, prefix: str, phone_prefix: str
) -> Iterator[list[dict[str, Any]]]:
    """The environs of `count` sessions, five hops each: ids PREFIX-n, one caller's numbers."""
    for n in range(count):
        inputs = answers(n)
        number = phone(phone_prefix, 0, n, 1)
        yield [
            wsgi_environ(urlencode(form(f"{prefix}-{n}", number, inputs, hop)).encode(), token)
            for hop in range(HOPS_PER_SESSION)
        ]


def play_wsgi(app: WsgiApp, plan: list[list[dict[str, Any]]], expect_end: bool) -> int:
    """Run every hop; returns how many replies were not what the menu should answer."""
    bad = 0
    status_seen: list[str] = []

    def start_response(status: str, _headers: Any, _exc: Any = None) -> None:
        status_seen.append(status)

    for hops in plan:
        for index, env in enumerate(hops):
            env["wsgi.input"].seek(0)
            body = b"".join(app(env, start_response))
            want = b"END " if expect_end and index == HOPS_PER_SESSION - 1 else b"CON "
            if not body.startswith(want) or status_seen[-1] != "200 OK":
                bad += 1
    return bad


# ------------------------------------------------------------------------------------------
# A gateway under faults: sends a request again when the connection breaks or the answer
# is a 5xx, as Africa's Talking does


@dataclass
class Tally:
    hops: int = 0
    sessions_started: int = 0
    finished: dict[str, dict[str, str]] = field(default_factory=dict)  # session -> answers
    apologies: int = 0  # a final "sorry" screen (the database was away)
    retries: int = 0
    http_500: int = 0
    gave_up: int = 0  # a hop still failing after every retry
    bad_replies: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    def p99_ms(self) -> float:
        latencies = sorted(self.latencies)
        return latencies[int(0.99 * (len(latencies) - 1))] * 1000 if latencies else 0.0


async def gateway_hop(port: int, token: str, body: str, timeout: float = 15.0) -> tuple[int, str]:
    """One POST on a new connection; ConnectionError when the reply is cut short."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        data = body.encode()
        writer.write(
            f"POST /ussd/africastalking HTTP/1.1\r\nHost: soak\r\nX-USSD-Token: {token}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(data)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + data
        )
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    if not head:
        raise ConnectionError("empty reply")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and int(value) != len(payload):
            # the worker died mid-reply (SIGKILL): a gateway sees a broken connection
            raise ConnectionError("truncated reply")
    return int(head.split(b" ", 2)[1]), payload.decode("utf-8", "replace")


def _apology(text: str) -> bool:
    return "Sorry" in text or "Désolé" in text


async def gateway_caller(
    port: int,
    token: str,
    tally: Tally,
    stop: asyncio.Event,
    phones: itertools.count[int],
    rng: random.Random,
    prefix: str = "soak",
    phone_prefix: str = "22177",
) -> None:
    """Whole sessions with random answers until `stop`, each a new id and number."""
    while not stop.is_set():
        session = f"{prefix}-{uuid.uuid4().hex[:16]}"
        number = f"+{phone_prefix}{next(phones):07d}"
        inputs = [rng.choice("12"), rng.choice("123"), rng.choice("123"), rng.choice("12")]
        tally.sessions_started += 1
        for n in range(HOPS_PER_SESSION):
            body = urlencode(form(session, number, inputs, n))
            reply = None
            for attempt in range(8):  # a gateway sends the same request again
                started = time.monotonic()
                try:
                    status, text = await gateway_hop(port, token, body)
                except (TimeoutError, OSError, ConnectionError, ValueError, IndexError):
                    tally.retries += 1
                    await asyncio.sleep(0.2 * (attempt + 1))
                    continue
                tally.latencies.append(time.monotonic() - started)
                if status == 500:
                    tally.http_500 += 1
                if status >= 500:
                    tally.retries += 1
                    await asyncio.sleep(0.2 * (attempt + 1))
                    continue
                reply = (status, text)
                break
            tally.hops += 1
            if reply is None:
                tally.gave_up += 1
                break
            status, text = reply
            last = n == HOPS_PER_SESSION - 1
            if status == 200 and text.startswith("END") and not last:
                if _apology(text):
                    tally.apologies += 1  # the database was away: the caller must redial
                else:
                    tally.bad_replies.append(f"{session} hop {n}: {text[:60]!r}")
                break
            if status != 200 or (not last and not text.startswith("CON")):
                tally.bad_replies.append(f"{session} hop {n}: {status} {text[:60]!r}")
                break
            if last:
                if text in (THANKS, MERCI):
                    tally.finished[session] = {
                        key: VALUES[key][inputs[i]] for i, key in enumerate(VALUES)
                    }
                elif _apology(text):
                    tally.apologies += 1
                else:
                    tally.bad_replies.append(f"{session} last hop: {text[:60]!r}")
