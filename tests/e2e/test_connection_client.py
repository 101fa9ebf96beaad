"""The connection client against a stand-in service on 127.0.0.1: each way a service can
misbehave ends on the failure (or timeout) branch, and a request never goes where the
connection does not allow."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ussd.connections import addresses
from ussd.connections.client import MAX_REPLY_BYTES, Endpoint, call
from ussd.menu.engine import HttpAction


class Service(ThreadingHTTPServer):
    daemon_threads = True
    finished: threading.Event
    seen: list[dict[str, Any]]

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up closes the socket under a slow handler


class Handler(BaseHTTPRequestHandler):
    server: Service

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._route(None)

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self._route(self.rfile.read(length))

    def _send(self, status: int, body: bytes, kind: str = "application/json", **headers: str):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _route(self, body: bytes | None) -> None:
        self.server.seen.append(
            {"method": self.command, "path": self.path, "body": body, "headers": dict(self.headers)}
        )
        port = self.server.server_port
        path = self.path.split("?")[0]
        if path == "/ok":
            self._send(200, json.dumps({"payment": {"next": {"date": "05/12/2026"}}}).encode())
        elif path == "/problem":
            self._send(200, b'{"x": 1}', "application/problem+json")
        elif path == "/error":
            self._send(500, b'{"error": "boom"}')
        elif path == "/html":
            self._send(200, b"<html>Login</html>", "text/html")
        elif path == "/broken":
            self._send(200, b"{not json")
        elif path == "/huge":
            self._send(200, b"[" + b"1," * (5 * 1024 * 1024) + b"1]")
        elif path == "/huge-unannounced":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            for _ in range(10 * 1024):
                self.wfile.write(b" " * 1024)
        elif path == "/slow":
            time.sleep(5)
            self._send(200, b"{}")
            self.server.finished.set()
        elif path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(50):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.1)
            self.server.finished.set()
        elif path == "/away":
            self._send(302, b"", Location=f"http://localhost:{port}/ok")
        elif path == "/same":
            self._send(307, b"", Location=f"http://127.0.0.1:{port}/ok")
        elif path == "/twice":
            self._send(302, b"", Location="/same")
        else:
            self._send(404, b'{"found": false}')


@pytest.fixture
def service() -> Iterator[Service]:
    server = Service(("127.0.0.1", 0), Handler)
    server.finished = threading.Event()
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def endpoint(service: Service, **extra: Any) -> Endpoint:
    settings: dict[str, Any] = {
        "name": "cash",
        "base_url": f"http://127.0.0.1:{service.server_port}",
        "method": "POST",
        "secret_header": "X-Api-Key",
        "secret_value": "s3cret-value-0123456789",
        "timeout_seconds": 2.0,
        "allow_private": True,
    }
    settings.update(extra)
    return Endpoint(**settings)


def action(path: str, **extra: Any) -> HttpAction:
    settings: dict[str, Any] = {
        "node": "lookup",
        "connection": "cash",
        "path": path,
        "params": (("member_id", "1001"),),
        "send_as": "json",
    }
    settings.update(extra)
    return HttpAction(**settings)


OUTCOMES = [
    # path, outcome, reason fragment
    ("/ok", "success", ""),
    ("/problem", "success", ""),
    ("/error", "failure", "HTTP 500"),
    ("/missing", "failure", "HTTP 404"),
    ("/html", "failure", "not JSON"),
    ("/broken", "failure", "not JSON"),
    ("/huge", "failure", "larger than"),
    ("/huge-unannounced", "failure", "larger than"),
    ("/away", "failure", "redirect to another host"),
    ("/same", "success", ""),
    ("/twice", "failure", "more than one redirect"),
]


@pytest.mark.parametrize(("path", "outcome", "reason"), OUTCOMES)
def test_each_reply_has_its_outcome(service, path, outcome, reason):
    exchange = call(endpoint(service), action(path), 3.0)
    assert (exchange.outcome.status, reason in exchange.reason) == (outcome, True), exchange
    assert len(exchange.reply) <= 600
    assert MAX_REPLY_BYTES < 10 * 1024 * 1024


def test_a_success_hands_the_reply_to_the_engine_and_sends_answers_as_json(service):
    exchange = call(endpoint(service), action("/ok"), 3.0)
    assert exchange.outcome.body == {"payment": {"next": {"date": "05/12/2026"}}}
    seen = service.seen[0]
    assert (seen["method"], seen["path"], json.loads(seen["body"])) == (
        "POST",
        "/ok",
        {"member_id": "1001"},
    )
    assert seen["headers"]["X-Api-Key"] == "s3cret-value-0123456789"
    assert "phone" not in json.loads(seen["body"])


def test_the_simulator_view_masks_the_secret(service):
    shown = call(endpoint(service), action("/ok"), 3.0).to_dict()
    assert "s3cret" not in json.dumps(shown)
    assert "X-Api-Key: ••••6789" in shown["headers"]
    assert shown["request"] == f"POST http://127.0.0.1:{service.server_port}/ok"


def test_query_and_get_send_the_answers_in_the_query_and_the_phone_when_asked(service):
    call(endpoint(service, method="GET"), action("/ok", phone="+221771234567"), 3.0)
    call(endpoint(service), action("/ok", send_as="query"), 3.0)
    first, second = service.seen
    assert (first["method"], first["path"], first["body"]) == (
        "GET",
        "/ok?member_id=1001&phone=%2B221771234567",
        None,
    )
    assert (second["method"], second["path"]) == ("POST", "/ok?member_id=1001")


@pytest.mark.parametrize("path", ["/slow", "/trickle"])
def test_a_slow_service_times_out_within_the_budget(service, path):
    exchange = call(endpoint(service, timeout_seconds=0.4), action(path), 3.0)
    assert exchange.outcome.status == "timeout"
    assert not service.finished.is_set()  # the call returned before the service answered


def test_the_hop_budget_caps_the_connections_own(service):
    exchange = call(endpoint(service, timeout_seconds=3.0), action("/slow"), 0.3)
    assert exchange.outcome.status == "timeout"
    assert not service.finished.is_set()


@pytest.mark.parametrize(
    "base_url", ["http://127.0.0.1:{port}", "https://127.0.0.1:{port}", "http://localhost:{port}"]
)
def test_a_private_address_is_refused_unless_allowed(service, base_url):
    settings = {"base_url": base_url.format(port=service.server_port), "allow_private": False}
    exchange = call(endpoint(service, **settings), action("/ok"), 3.0)
    assert exchange.outcome.status == "failure"
    assert "private" in exchange.reason
    assert service.seen == []


def test_the_request_goes_to_the_address_that_was_checked(service, monkeypatch):
    """A name that resolves to a public address when checked and to a private one a moment
    later (DNS rebinding) still reaches the address checked."""
    checked: list[str] = []
    real = addresses.resolve

    def resolve_once(host: str, port: int, allow_private: bool, seconds: float):
        found = real("127.0.0.1", port, True, seconds)
        checked.append(str(found))
        return found

    monkeypatch.setattr("ussd.connections.client.resolve", resolve_once)
    settings = {"base_url": f"http://rebind.example:{service.server_port}"}
    exchange = call(endpoint(service, **settings), action("/ok"), 3.0)
    assert exchange.outcome.status == "success"
    assert checked == ["127.0.0.1"]
    assert service.seen[0]["headers"]["Host"] == f"rebind.example:{service.server_port}"


ADDRESSES = [
    ("93.184.216.34", False, True),
    ("127.0.0.1", False, False),
    ("127.0.0.1", True, True),
    ("10.1.2.3", True, True),
    ("::1", True, True),
    ("::ffff:10.0.0.1", False, False),
    ("169.254.169.254", True, False),  # a cloud's metadata service: never
    ("fe80::1", True, False),
    ("224.0.0.1", True, False),
    ("0.0.0.0", True, False),  # noqa: S104 - an address judged, not one bound
]


@pytest.mark.parametrize(("ip", "allow_private", "allowed"), ADDRESSES)
def test_address_rules(ip, allow_private, allowed):
    import ipaddress

    assert addresses.address_allowed(ipaddress.ip_address(ip), allow_private) is allowed


BASE_URLS = [
    ("https://api.example.org/v1", False, None),
    ("http://api.example.org", False, "must start with https://"),
    ("http://10.0.0.5:8080", True, None),
    ("https://10.0.0.5", False, "private"),
    ("https://user:pw@api.example.org", False, "user name or password"),
    ("https://api.example.org/?key=1", False, "query or fragment"),
    ("ftp://api.example.org", False, "must start with https://"),
    ("https://", False, "has no host"),
    ("https://api.example.org:99999", False, "not a URL"),
]


@pytest.mark.parametrize(("url", "allow_private", "problem"), BASE_URLS)
def test_base_url_rules(url, allow_private, problem):
    found = addresses.base_url_problem(url, allow_private)
    assert (found is None) if problem is None else (problem in (found or "")), found
