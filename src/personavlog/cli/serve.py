"""`personavlog serve`: the web studio and REST API, with a persistent job queue."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from personavlog.cli.options import add_command, progress_mode
from personavlog.errors import InputError


def register(commands: Any) -> None:
    parser = add_command(
        commands,
        "serve",
        help="run the web studio and REST API (page at /, API at /api, docs at /docs)",
        description="Serve the studio page and the REST API; renders run in child processes, at most --workers at "
        "once. --config is the settings of every render; --allow-no-face applies to the jobs that do not set "
        "allow_no_face; --quiet (or --progress none|json) prints no banner and only warnings.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind; non-loopback needs PERSONAVLOG_TOKEN")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1, help="vlogs rendered at once; the rest wait in order")
    parser.add_argument("--data", type=Path, help="jobs database and files (default: ~/.local/share/personavlog)")
    parser.add_argument("--max-upload-mb", type=float, default=20.0, help="largest reference photo accepted")
    parser.add_argument(
        "--log-level",
        choices=["critical", "error", "warning", "info", "debug"],
        help="the server's log (default: info; warning with --quiet)",
    )
    parser.set_defaults(handler=serve)


def serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from personavlog.web.app import create_app
        from personavlog.web.security import TOKEN_ENV
        from personavlog.web.server_state import ServerConfig, default_data_dir
    except ImportError as exc:
        missing = exc.name or "a module"
        raise InputError(f"the web studio's dependencies are missing ({missing}): run `pip install -e .`") from None
    from personavlog.config import load_settings

    if not 0 < args.port < 65536:
        raise InputError(f"--port must be between 1 and 65535 (got {args.port})")
    if not 1 <= args.workers <= 16:
        raise InputError(f"--workers must be between 1 and 16 (got {args.workers})")
    if not 0.01 <= args.max_upload_mb <= 1024:
        raise InputError(f"--max-upload-mb must be between 0.01 and 1024 (got {args.max_upload_mb:g})")
    load_settings(args.config)  # a bad config is one error now, not one per job
    config = ServerConfig.from_env(
        data_dir=(args.data or default_data_dir()).expanduser().resolve(),
        host=args.host,
        workers=args.workers,
        max_upload_bytes=int(args.max_upload_mb * 1024 * 1024),
        settings_file=args.config.resolve() if args.config else None,
        allow_no_face=args.allow_no_face,
    )
    if not config.loopback and config.token is None:
        raise InputError(f"--host {args.host} is reachable from other machines: set {TOKEN_ENV} to an API token first")
    app = create_app(config)
    talkative = progress_mode(args) == "bars"
    if talkative:
        print(f"PersonaVlog studio on http://{_url_host(args.host)}:{args.port}/ (data: {config.data_dir})", flush=True)
    log_level = args.log_level or ("info" if talkative else "warning")
    uvicorn.run(app, host=args.host, port=args.port, log_level=log_level, timeout_graceful_shutdown=10)
    return 0


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host
