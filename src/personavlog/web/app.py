"""The web studio: one FastAPI app serving the REST API (/api, docs at /docs) and the static page (/)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from personavlog.errors import dotted, error_parts
from personavlog.web.routes import router
from personavlog.web.security import TOKEN_COOKIE, Refusal, host_header_allowed, token_matches
from personavlog.web.server_state import ServerConfig, ServerState

log = logging.getLogger("personavlog.web")
STATIC = Path(str(resources.files("personavlog.web") / "static"))
# The multipart envelope around the photo: field names, the other form fields, boundaries.
_FORM_OVERHEAD = 64 * 1024
_DRAIN_LIMIT = 256 * 1024 * 1024


def _error(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": message, **extra}, status_code=status, headers=headers)


class _BodyTooLarge(HTTPException):
    """An HTTPException, so body parsers pass it through unchanged and it ends as a 413."""

    def __init__(self) -> None:
        super().__init__(413, "the request is too large")


class BodyLimit:
    """Refuse request bodies over the limit with 413 before they are parsed or spooled to disk."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.limit:
            if int(length) <= _DRAIN_LIMIT:
                # Read what the client is sending, so it hears the 413 instead of a reset connection.
                message = await receive()
                while message["type"] == "http.request" and message.get("more_body", False):
                    message = await receive()
            await _error(413, f"the request is larger than {self.limit // (1024 * 1024)} MiB")(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await _error(413, "the request is too large")(scope, receive, send)


def _form_field(loc: tuple[str | int, ...]) -> str:
    """A request error's location without its part of the request ("body", "query"): the field the client sent."""
    return dotted(loc[1:]) or "request"


def _authorised(request: Request, config: ServerConfig) -> Refusal | None:
    if config.token is None:
        if not host_header_allowed(request.headers.get("host")):
            return Refusal(400, "this server answers to localhost names only")
        return None
    if not request.url.path.startswith("/api/"):
        return None
    given = request.headers.get("authorization", "")
    bearer = given[7:].strip() if given.lower().startswith("bearer ") else None
    if token_matches(config.token, bearer) or token_matches(config.token, request.cookies.get(TOKEN_COOKIE)):
        return None
    return Refusal(401, "a valid API token is required (Authorization: Bearer <PERSONAVLOG_TOKEN>)")


def create_app(config: ServerConfig | None = None) -> FastAPI:
    config = config or ServerConfig.from_env()
    state = ServerState.open(config)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        state.pool.start()
        try:
            yield
        finally:
            state.pool.stop()

    app = FastAPI(
        title="PersonaVlog studio",
        summary="Make personalized vlogs from a theme and a photo: submit, follow, watch, redo a shot, download.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.personavlog = state

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Any:
        refusal = _authorised(request, config)
        if refusal is not None:
            headers = {"WWW-Authenticate": "Bearer"} if refusal.status == 401 else None
            return _error(refusal.status, refusal.message, headers)
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    @app.exception_handler(Refusal)
    async def refused(_request: Request, exc: Refusal) -> JSONResponse:
        return _error(exc.status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = [error_parts(e, _form_field) for e in exc.errors()] or [("request", "invalid request")]
        errors = [{"field": field, "message": message} for field, message in parts]
        return _error(422, "{}: {}".format(*parts[0]), errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return _error(500, "internal server error")

    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    # Outermost: the limit applies before anything reads the body.
    app.add_middleware(BodyLimit, limit=config.max_upload_bytes + _FORM_OVERHEAD)
    return app
