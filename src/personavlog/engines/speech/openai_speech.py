"""Speech from an OpenAI-compatible `POST {base_url}/audio/speech` (OpenAI, Kokoro-FastAPI, Piper front-ends, ...).

The reply is a WAV; it is checked, mixed down to mono 16-bit and written atomically. Connection failures,
429 and 5xx are retried with exponential backoff (honouring Retry-After); other errors fail at once with the
server's own message.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import time
import urllib.error
import urllib.request
import wave
from pathlib import Path

import numpy as np

from personavlog.engines.settings import OpenAISpeechSettings
from personavlog.errors import InputError, StageError
from personavlog.media import write_wav

_RETRY_STATUSES = {408, 409, 425, 429, 500, 502, 503, 504}
_MAX_BACKOFF_S = 20.0
DEFAULT_VOICE = "alloy"


class SpeechHTTPError(StageError):
    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None):
        super().__init__("voice", message)
        self.status = status
        self.retry_after = retry_after


def decode_wav(payload: bytes) -> tuple[np.ndarray, int]:
    """Mono float32 samples and the rate of a PCM WAV (8/16/32-bit); raises ValueError when it is none."""
    with wave.open(io.BytesIO(payload), "rb") as handle:
        width, channels, rate = handle.getsampwidth(), handle.getnchannels(), handle.getframerate()
        raw = handle.readframes(handle.getnframes())
    if width == 2:
        data = np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
    elif width == 4:
        data = np.frombuffer(raw, "<i4").astype(np.float32) / 2147483648.0
    elif width == 1:
        data = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128.0) / 128.0
    else:
        raise ValueError(f"unsupported sample width {width}")
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1)
    return data, rate


class OpenAISpeechEngine:
    name = "openai"

    def __init__(self, settings: OpenAISpeechSettings | None = None, backoff_s: float = 0.5):
        self.settings = settings or OpenAISpeechSettings()
        self.model = self.settings.model
        self.voice = self.settings.voice or DEFAULT_VOICE
        self.backoff_s = backoff_s

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "audio/wav"}
        env = self.settings.api_key_env
        if env:
            key = os.environ.get(env)
            if not key:
                raise InputError(f"speech.api_key_env names {env}, but that environment variable is not set")
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def _send(self, body: bytes) -> bytes:
        url = self.settings.base_url.rstrip("/") + "/audio/speech"
        request = urllib.request.Request(url, data=body, headers=self._headers(), method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout_s) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:500].decode("utf-8", "replace")
            with contextlib.suppress(ValueError, AttributeError):
                detail = json.loads(detail).get("error", {}).get("message", detail)
            retry_after = exc.headers.get("Retry-After") if exc.headers else None
            raise SpeechHTTPError(
                f"speech server {url} answered {exc.code}: {detail}".strip(),
                exc.code,
                float(retry_after) if retry_after and retry_after.replace(".", "", 1).isdigit() else None,
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SpeechHTTPError(f"cannot reach speech server {url}: {reason}") from None
        except http.client.HTTPException as exc:
            # The connection dropped mid-answer (IncompleteRead, RemoteDisconnected): worth another try.
            raise SpeechHTTPError(f"speech server {url} broke off its answer: {type(exc).__name__}") from None

    def request_wav(self, text: str) -> bytes:
        body = json.dumps(
            {
                "model": self.settings.model,
                "voice": self.voice,
                "input": text,
                "response_format": self.settings.response_format,
                "speed": self.settings.speed,
            }
        ).encode("utf-8")
        for attempt in range(self.settings.max_retries + 1):
            try:
                return self._send(body)
            except SpeechHTTPError as failure:
                retryable = failure.status is None or failure.status in _RETRY_STATUSES
                if not retryable or attempt == self.settings.max_retries:
                    raise
                delay = self.backoff_s * 2**attempt
                if failure.retry_after is not None:
                    delay = max(delay, failure.retry_after)
                time.sleep(min(delay, _MAX_BACKOFF_S))
        raise AssertionError("unreachable")

    def synthesize(self, text: str, wav_out: Path) -> float:
        payload = self.request_wav(" ".join(text.split()) or "...")
        try:
            audio, rate = decode_wav(payload)
        except (wave.Error, EOFError, ValueError) as exc:
            raise StageError("voice", f"speech server sent no usable WAV ({len(payload)} bytes): {exc}") from None
        if audio.size == 0:
            raise StageError("voice", "speech server sent an empty WAV")
        write_wav(Path(wav_out), audio, rate)
        return len(audio) / rate
