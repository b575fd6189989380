"""Test helpers: a real llama.cpp OpenAI-compatible server, and a scripted HTTP server on loopback."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def llama_server(model: Path, *, startup_timeout_s: float = 90.0) -> Iterator[str]:
    """`python -m llama_cpp.server` on a free loopback port; yields its base URL (…/v1) and stops it afterwards."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model),
        "--chat_format",
        "gemma",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_threads",
        "1",
        "--n_threads_batch",
        "1",
        "--n_ctx",
        "4096",
    ]
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    base_url = f"http://127.0.0.1:{port}/v1"
    # The server's log goes to a file: a pipe nobody reads would fill up and block it.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            _wait_until_ready(process, log, base_url, startup_timeout_s)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(process: subprocess.Popen[bytes], log: IO[bytes], base_url: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            log.seek(0)
            error = log.read().decode("utf-8", "replace")
            raise RuntimeError(f"llama_cpp.server exited with {process.returncode}: {error[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("llama_cpp.server did not answer /v1/models in time")
        time.sleep(0.3)


@dataclass
class ScriptedReply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ScriptedServer:
    """Answers POSTs with the scripted replies in order (the last one repeats) and records every request."""

    replies: list[ScriptedReply]
    requests: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = ""


def chat_reply(content: str, *, prompt_tokens: int = 7, completion_tokens: int = 5) -> ScriptedReply:
    return ScriptedReply(
        200,
        {
            "model": "stub",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens},
        },
    )


@contextlib.contextmanager
def scripted_server(replies: list[ScriptedReply]) -> Iterator[ScriptedServer]:
    state = ScriptedServer(list(replies))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            state.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            index = min(len(state.requests), len(state.replies)) - 1
            reply = state.replies[index]
            payload = json.dumps(reply.body).encode("utf-8")
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
