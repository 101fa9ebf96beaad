"""Twilio stand-ins, so nothing ever leaves the machine: TaskRouter with faults on demand
(FakeTaskRouter, for the soak test), or every HTTPS request sent to a local proxy that
refuses the connection or holds it open (twilio_env, for the benchmark).

FakeTaskRouter serves what ussd-flex calls, at the paths the Twilio SDK uses:
  POST /v1/Workspaces/<WS>/Tasks            create (201, or the current fault)
  GET  /v1/Workspaces/<WS>/Tasks?EvaluateTaskAttributes=ussd_session_id == "X"
  POST /v1/Workspaces/<WS>/Tasks/<WT>       update
Faults: "ok", "429", "503", or "timeout" (the task IS created, then the answer is held
longer than the client waits, as when Twilio's reply is lost on the way). Every task made
is recorded with its attributes, so duplicates can be counted afterwards.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from bench.harness.common import free_port

# Credentials of the right shape that no Twilio account has.
DUMMY_CREDENTIALS = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "bench-not-a-token",
    "TWILIO_WORKSPACE_SID": "WS" + "0" * 32,
    "TWILIO_WORKFLOW_SID": "WW" + "0" * 32,
}


class FakeTaskRouter:
    def __init__(self, hold_seconds: float = 4.0):
        self.fault = "ok"
        self.hold_seconds = hold_seconds
        self.lock = threading.Lock()
        self.tasks: dict[str, dict[str, Any]] = {}  # sid -> attributes
        self.by_session: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                try:
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting ("timeout" fault): what we simulate

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                owner.count("lookup")
                query = parse_qs(urlsplit(self.path).query)
                expression = unquote(query.get("EvaluateTaskAttributes", [""])[0])
                match = re.search(r'ussd_session_id == "([^"]*)"', expression)
                found = []
                if match:
                    with owner.lock:
                        found = [
                            {"sid": sid, "attributes": json.dumps(attrs)}
                            for sid, attrs in owner.tasks.items()
                            if attrs.get("ussd_session_id") == match.group(1)
                        ]
                self.reply(
                    200,
                    {
                        "tasks": found[:1],
                        "meta": {
                            "key": "tasks",
                            "page": 0,
                            "page_size": 1,
                            "next_page_url": None,
                            "previous_page_url": None,
                            "url": "",
                            "first_page_url": "",
                        },
                    },
                )

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                path = urlsplit(self.path).path
                fault = owner.fault
                if fault in ("429", "503"):
                    owner.count(f"refused {fault}")
                    self.reply(
                        int(fault),
                        {
                            "code": 20000 + int(fault),
                            "status": int(fault),
                            "message": "fault injected by the soak test",
                        },
                    )
                    return
                attributes = json.loads(form.get("Attributes", ["{}"])[0])
                if path.endswith("/Tasks"):
                    with owner.lock:
                        sid = f"WT{len(owner.tasks) + 1:032x}"
                        owner.tasks[sid] = attributes
                        owner.by_session[str(attributes.get("ussd_session_id"))] += 1
                    owner.count("created")
                else:
                    sid = path.rsplit("/", 1)[1]
                    owner.count("updated")
                if fault == "timeout":
                    owner.count("held")
                    time.sleep(owner.hold_seconds)
                self.reply(
                    201 if path.endswith("/Tasks") else 200,
                    {"sid": sid, "attributes": json.dumps(attributes)},
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def count(self, what: str) -> None:
        with self.lock:
            self.requests[what] += 1

    def start(self) -> FakeTaskRouter:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Blackhole:
    """A local "proxy" that accepts connections and never answers (Twilio hanging)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.port = int(self.sock.getsockname()[1])
        self.held: list[socket.socket] = []
        self.accepted = 0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.held.append(conn)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
        for conn in self.held:
            with contextlib.suppress(OSError):
                conn.close()


def refused_port() -> int:
    """A local port nothing listens on (connections to it are refused at once)."""
    for _ in range(20):
        port = free_port()
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise SystemExit("could not find a closed local port")


def twilio_env(mode: str, env: dict[str, str]) -> tuple[dict[str, str], Blackhole | None]:
    """`env` for `mode` "off" (Twilio not configured), "unreachable" or "blackhole": TWILIO_*
    set to dummies and every HTTPS request sent to a local proxy that refuses (or holds) the
    connection (the Twilio SDK, through requests, honours HTTPS_PROXY)."""
    if mode == "off":
        return env, None
    env = dict(env, **DUMMY_CREDENTIALS)
    hole = None
    if mode == "unreachable":
        port = refused_port()
    else:
        hole = Blackhole()
        port = hole.port
    proxy = f"http://127.0.0.1:{port}"
    env.update(HTTPS_PROXY=proxy, https_proxy=proxy, HTTP_PROXY=proxy, http_proxy=proxy)
    return env, hole


def fake_router_env(fake: FakeTaskRouter) -> dict[str, str]:
    """The settings that send the app's TaskRouter calls to `fake`."""
    return dict(
        DUMMY_CREDENTIALS,
        TWILIO_AUTH_TOKEN="soak-not-a-token",  # noqa: S106 - a dummy
        TWILIO_TASKROUTER_URL=fake.url,
    )
