"""A fault-injecting HTTP proxy on loopback: forwards to a real server, or answers a request with a fault.

`faults` is consumed one per request, in order; when it is empty requests are forwarded (or, with `persist`, the
last fault repeats). Every request is counted in `attempts`.

Faults: "429" and "500" (a JSON error with that status), "invalid_json" (200 with a body that is not JSON),
"hang" (no answer until the client gives up), "close" (headers sent, then the connection is closed mid-body).
"""

from __future__ import annotations

import contextlib
import http.client
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import urlsplit

Fault = Literal["429", "500", "invalid_json", "hang", "close"]
HANG_S = 30.0
"""Longest a hanging request is held (the proxy's shutdown releases it at once)."""


@dataclass
class FaultProxy:
    upstream: str
    """The real server's root, e.g. http://127.0.0.1:8080 (paths are forwarded as they come)."""
    faults: list[Fault] = field(default_factory=list)
    persist: bool = False
    attempts: int = 0
    faulted: int = 0
    url: str = ""
    """The proxy's root: the upstream's URL with the proxy's host and port."""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _released: threading.Event = field(default_factory=threading.Event)

    def inject(self, *faults: Fault, persist: bool = False) -> None:
        with self._lock:
            self.faults, self.persist, self.attempts, self.faulted = list(faults), persist, 0, 0

    def heal(self) -> None:
        self.inject()

    def next_fault(self) -> Fault | None:
        with self._lock:
            self.attempts += 1
            if not self.faults:
                return None
            fault = self.faults[0] if self.persist and len(self.faults) == 1 else self.faults.pop(0)
            self.faulted += 1
            return fault


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    target = urlsplit(proxy.upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length) if length else b""
            fault = proxy.next_fault()
            if fault in ("429", "500"):
                self._send(int(fault), b'{"error": {"message": "injected fault"}}')
            elif fault == "invalid_json":
                self._send(200, b'{"choices": [ this is not json')
            elif fault == "hang":
                proxy._released.wait(HANG_S)
            elif fault == "close":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "4096")
                self.end_headers()
                self.wfile.write(b'{"choices": [')
                self.wfile.flush()
                self.connection.shutdown(2)
            else:
                self._forward(body)
            self.close_connection = True

        def _forward(self, body: bytes) -> None:
            upstream = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port or 80, timeout=600)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            upstream.request(self.command, self.path, body=body or None, headers=headers)
            answer = upstream.getresponse()
            payload = answer.read()
            self._send(answer.status, payload, answer.getheader("Content-Type", "application/octet-stream"))
            upstream.close()

        do_GET = _handle
        do_POST = _handle

    return Handler


@contextlib.contextmanager
def fault_proxy(upstream: str) -> Iterator[FaultProxy]:
    """A proxy to `upstream` (a URL; its path, e.g. /v1, is kept in `proxy.url`) serving in a thread."""
    parts = urlsplit(upstream)
    proxy = FaultProxy(upstream=f"{parts.scheme}://{parts.netloc}")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(proxy))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}{parts.path}"
    try:
        yield proxy
    finally:
        proxy._released.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
