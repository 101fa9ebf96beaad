"""A stand-in cash-assistance service, for the tests and the simulator: a few known IDs,
answered the way the "Cash assistance status" template expects. Local only (127.0.0.1);
`flask --app app connections stand-in` runs it (docs/menu-format.md says how to connect a
menu to it).

POST /beneficiaries/status with JSON {"member_id": "..."} (or GET ?member_id=...):
200 {"found": true, "payment": {"next": {"date": ...}, "amount": ...}} for a known ID,
404 {"found": false} otherwise.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

STATUS_PATH = "/beneficiaries/status"
BENEFICIARIES: dict[str, dict[str, Any]] = {
    "1001": {"next": {"date": "05/12/2026"}, "amount": 15000},
    "1002": {"next": {"date": "12/12/2026"}, "amount": 22500},
    "1003": {"next": {"date": "19/12/2026"}, "amount": 9000},
}


class StandInHandler(BaseHTTPRequestHandler):
    server_version = "cash-stand-in/1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        parts = urlsplit(self.path)
        member = parse_qs(parts.query).get("member_id", [""])[0]
        self._answer(parts.path, member)

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = min(int(self.headers.get("Content-Length") or 0), 4096)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            body = {}
        member = str(body.get("member_id", "")) if isinstance(body, dict) else ""
        self._answer(urlsplit(self.path).path, member)

    def _answer(self, path: str, member: str) -> None:
        if path != STATUS_PATH:
            self._json(404, {"error": "unknown path"})
        elif member in BENEFICIARIES:
            self._json(200, {"found": True, "payment": BENEFICIARIES[member]})
        else:
            self._json(404, {"found": False})

    def _json(self, status: int, document: Any) -> None:
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the signature
        pass  # the IDs typed would reach the log otherwise


def serve(port: int = 0) -> ThreadingHTTPServer:
    """Start the stand-in on 127.0.0.1 in a thread of its own; `server.server_port` says
    where (port 0: any free one). `server.shutdown()` stops it."""
    server = ThreadingHTTPServer(("127.0.0.1", port), StandInHandler)
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, args=(0.05,), daemon=True, name="cash-stand-in"
    ).start()
    return server
