"""A stand-in for TaskRouter's task endpoints, with faults on demand (soak tests).

Serves what ussd-flex calls, at the paths the Twilio SDK uses:
  POST /v1/Workspaces/<WS>/Tasks            create (201, or the current fault)
  GET  /v1/Workspaces/<WS>/Tasks?EvaluateTaskAttributes=ussd_session_id == "X"
  POST /v1/Workspaces/<WS>/Tasks/<WT>       update
Faults: "ok", "429", "503", or "timeout" (the task IS created, then the answer is held
longer than the client waits, as when Twilio's reply is lost on the way). Every task made
is recorded with its attributes, so duplicates can be counted afterwards.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


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
