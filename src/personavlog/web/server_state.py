"""The server's settings and the objects every request shares: the job store and the worker pool."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field

from personavlog.inputs import MAX_REFERENCE_PIXELS
from personavlog.web.events import POLL_S
from personavlog.web.jobfiles import DATABASE
from personavlog.web.pool import WorkerPool
from personavlog.web.security import MAX_UPLOAD_BYTES, TOKEN_ENV, is_loopback
from personavlog.web.status_board import StatusBoard
from personavlog.web.store import JobStore


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "personavlog"


class ServerConfig(BaseModel):
    data_dir: Path = Field(default_factory=default_data_dir)
    host: str = "127.0.0.1"
    workers: int = Field(default=1, ge=1, le=16)
    token: str | None = Field(default=None, description="required on every API call when set")
    max_upload_bytes: int = Field(default=MAX_UPLOAD_BYTES, ge=1024)
    max_pixels: int = Field(default=MAX_REFERENCE_PIXELS, ge=64 * 64)
    settings_file: Path | None = Field(default=None, description="TOML settings of every render (`serve --config`)")
    allow_no_face: bool = Field(default=False, description="for the jobs that do not set allow_no_face")

    @classmethod
    def from_env(cls, **values: object) -> ServerConfig:
        token = os.environ.get(TOKEN_ENV) or None
        return cls(token=token, **values)

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)


@dataclass
class ServerState:
    config: ServerConfig
    store: JobStore
    pool: WorkerPool
    board: StatusBoard
    event_streams: int = 0
    """Event streams open now; only the event loop's thread changes it."""

    @classmethod
    def open(cls, config: ServerConfig) -> ServerState:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        store = JobStore(config.data_dir / DATABASE)
        pool = WorkerPool(store, config.data_dir, config.workers, config.settings_file)
        return cls(config=config, store=store, pool=pool, board=StatusBoard(store, POLL_S))
