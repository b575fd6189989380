"""OpenAI-compatible chat-completions backend over plain HTTP (standard library only)."""

from __future__ import annotations

import base64
import http.client
import json
import mimetypes
import os
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from personavlog.errors import PersonaVlogError, StageError
from personavlog.llm.backends import LLMSettings
from personavlog.llm.base import LLMOutputError, LLMResult, LLMUsage, parse_json_object, without_marks

# Structured-output modes, strictest first; a server that rejects one (HTTP 400/422) is asked with the next.
RESPONSE_MODES = ("json_schema", "json_object", "prompt")
_RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
_MAX_BACKOFF_S = 30.0


class _HTTPFailure(Exception):
    def __init__(self, status: int | None, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after


class OpenAICompatClient:
    """Talks to any server that implements POST /chat/completions (llama.cpp server, vLLM, Ollama, OpenAI, ...)."""

    name = "openai"

    def __init__(self, settings: LLMSettings, *, backoff_s: float = 0.5):
        self.settings = settings
        self.model = settings.model
        self.vision = settings.vision
        self.base_url = settings.base_url.rstrip("/")
        self.backoff_s = backoff_s
        self._mode_index = 0
        self._api_key = _api_key(settings.api_key_env)
        self.chat = settings.prompt_style != "completion"
        """Served models are chat models: agents send them a system prompt and a request."""

    def complete_json(
        self,
        prompt: str,
        schema: dict[str, Any],
        *,
        seed: int,
        temperature: float = 0.7,
        max_tokens: int = 512,
        images: list[Path] | None = None,
        system: str | None = None,
        fixed_chars: int | None = None,
    ) -> LLMResult:
        del fixed_chars  # a server keeps its own prompt cache
        started = time.monotonic()
        schema = without_marks(schema)
        while True:
            mode = RESPONSE_MODES[self._mode_index]
            body = self._body(
                prompt,
                schema,
                mode,
                seed=seed,
                temperature=temperature,
                max_tokens=max_tokens,
                images=images,
                system=system,
            )
            try:
                reply = self._post("/chat/completions", body)
                break
            except _HTTPFailure as failure:
                if _rejects_format(failure) and self._mode_index + 1 < len(RESPONSE_MODES):
                    # Remembered for the client's lifetime: the server will reject this mode again.
                    self._mode_index += 1
                    continue
                raise StageError("llm", f"{self.base_url} answered HTTP {failure.status}: {failure.reason}") from None
        text, usage = _read_reply(reply)
        try:
            parsed = parse_json_object(text)
        except ValueError as exc:
            raise LLMOutputError(str(exc), text, usage) from None
        return LLMResult(
            text=text,
            parsed=parsed,
            usage=usage,
            backend=self.name,
            model=str(reply.get("model") or self.model),
            seconds=time.monotonic() - started,
        )

    @property
    def response_mode(self) -> str:
        """The structured-output mode the server accepted last ("json_schema", "json_object" or "prompt")."""
        return RESPONSE_MODES[self._mode_index]

    def _body(
        self,
        prompt: str,
        schema: dict[str, Any],
        mode: str,
        *,
        seed: int,
        temperature: float,
        max_tokens: int,
        images: list[Path] | None,
        system: str | None = None,
    ) -> dict[str, Any]:
        if mode != "json_schema":
            prompt = (
                (
                    f"{prompt}\n\nAnswer with a single JSON object that matches this JSON schema, nothing else:\n"
                    f"{json.dumps(schema)}"
                )
                if mode == "prompt"
                else f"{prompt}\n\nAnswer in JSON."
            )
        content: str | list[dict[str, Any]] = prompt
        if images:
            content = [{"type": "text", "text": prompt}]
            content += [{"type": "image_url", "image_url": {"url": _data_url(path)}} for path in images]
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [
                *([{"role": "system", "content": system}] if system else []),
                {"role": "user", "content": content},
            ],
            "temperature": temperature,
            "max_tokens": max_tokens,
            "seed": seed,
        }
        if mode == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": schema, "strict": True},
            }
        elif mode == "json_object":
            body["response_format"] = {"type": "json_object", "schema": schema}
        return body

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        data = json.dumps(body).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        url = self.base_url + path
        attempt = 0
        while True:
            try:
                return self._send(url, data, headers)
            except _HTTPFailure as failure:
                retryable = failure.status is None or failure.status in _RETRY_STATUSES
                if not retryable or _rejects_format(failure):
                    raise
                if attempt >= self.settings.max_retries:
                    if failure.status is None:
                        raise StageError(
                            "llm",
                            f"cannot reach the LLM server at {self.base_url} "
                            f"after {attempt + 1} tries: {failure.reason}",
                        ) from None
                    raise StageError(
                        "llm",
                        f"the LLM server at {self.base_url} kept failing with HTTP "
                        f"{failure.status} after {attempt + 1} tries: {failure.reason}",
                    ) from None
                delay = self.backoff_s * 2**attempt
                if failure.retry_after is not None:
                    delay = max(delay, failure.retry_after)
                time.sleep(min(delay, _MAX_BACKOFF_S))
                attempt += 1

    def _send(self, url: str, data: bytes, headers: dict[str, str]) -> dict[str, Any]:
        request = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout_s) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = _error_detail(exc)
            raise _HTTPFailure(exc.code, detail, _retry_after(exc.headers.get("Retry-After"))) from None
        except urllib.error.URLError as exc:
            raise _HTTPFailure(None, str(exc.reason)) from None
        except (TimeoutError, ConnectionError, http.client.HTTPException) as exc:
            raise _HTTPFailure(None, f"{type(exc).__name__}: {exc}") from None
        try:
            reply = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise _HTTPFailure(502, "the server's answer is not JSON") from None
        if not isinstance(reply, dict):
            raise _HTTPFailure(502, "the server's answer is not a JSON object")
        return reply


def _rejects_format(failure: _HTTPFailure) -> bool:
    """The server refused the request itself (some servers answer a schema they dislike with 500, not 400)."""
    if failure.status in (400, 422):
        return True
    return failure.status == 500 and "response_format" in failure.reason


def _api_key(env_name: str | None) -> str | None:
    if not env_name:
        return None
    key = os.environ.get(env_name)
    if not key:
        raise PersonaVlogError(f"the API key variable {env_name} (llm.api_key_env) is not set")
    return key


def _data_url(path: Path) -> str:
    mime = mimetypes.guess_type(str(path))[0] or "image/png"
    try:
        payload = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    except OSError as exc:
        raise PersonaVlogError(f"cannot read image {path}: {exc.strerror}") from None
    return f"data:{mime};base64,{payload}"


def _read_reply(reply: dict[str, Any]) -> tuple[str, LLMUsage]:
    try:
        message = reply["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        raise LLMOutputError("the server's answer has no choices[0].message") from None
    text = message.get("content") or ""
    if isinstance(text, list):  # some servers answer in content parts
        text = "".join(part.get("text", "") for part in text if isinstance(part, dict))
    raw_usage = reply.get("usage") or {}
    usage = LLMUsage(
        prompt_tokens=int(raw_usage.get("prompt_tokens") or 0),
        completion_tokens=int(raw_usage.get("completion_tokens") or 0),
    )
    return str(text), usage


def _error_detail(exc: urllib.error.HTTPError) -> str:
    try:
        body = exc.read().decode("utf-8", "replace")
    except OSError:
        body = ""
    try:
        error = json.loads(body).get("error")
        message = error.get("message") if isinstance(error, dict) else error
        if message:
            return " ".join(str(message).split())[:300]
    except (json.JSONDecodeError, AttributeError):
        pass
    return " ".join(body.split())[:300] or str(exc.reason)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
