"""A local OpenAI-compatible speech server: `POST /v1/audio/speech` answered by the embedded Piper voice.

    python tests/speech_server.py [--port 0]     # prints "listening http://127.0.0.1:PORT/v1" when ready

Voice "joe" (and OpenAI's names, mapped to it) speak; any other voice is a 400 in OpenAI's error format.
Used by the speech backend's tests and by `make demo-tiny`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from personavlog.engines.speech.piper_engine import PiperSpeechEngine

VOICES = {"joe", "alloy", "echo", "fable", "onyx", "nova", "shimmer"}


class SpeechHandler(BaseHTTPRequestHandler):
    engine = PiperSpeechEngine()

    def log_message(self, format: str, *args: object) -> None:
        return

    def _error(self, status: int, message: str) -> None:
        body = json.dumps({"error": {"message": message, "type": "invalid_request_error"}}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        if self.path.rstrip("/") != "/v1/audio/speech":
            self._error(404, f"no route {self.path}")
            return
        try:
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        except ValueError:
            self._error(400, "body is not JSON")
            return
        text, voice = request.get("input"), request.get("voice")
        if not isinstance(text, str) or not text.strip():
            self._error(400, "input must be a non-empty string")
            return
        if voice not in VOICES:
            self._error(400, f"unknown voice {voice!r}")
            return
        if request.get("response_format", "mp3") != "wav":
            self._error(400, "this server only answers response_format 'wav'")
            return
        with tempfile.TemporaryDirectory() as folder:
            wav = Path(folder) / "speech.wav"
            self.engine.synthesize(text, wav)
            body = wav.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "audio/wav")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), SpeechHandler)
    print(f"listening http://127.0.0.1:{server.server_address[1]}/v1", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
