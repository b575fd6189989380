"""The run directory of one vlog: where each asset lives, manifest.json read (and migrated) and written atomically,
and a lock so two processes never render into the same directory."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from personavlog.errors import InputError, validation_line
from personavlog.fsutil import atomic_write_json, remove_stale_temps, sha256_file
from personavlog.manifest import AssetId, AssetKind, AssetRecord, Manifest, StageId, migrate

MANIFEST = "manifest.json"


class RunDir:
    """A vlog's directory: vlog.mp4, vlog.srt, manifest.json, shots/NN/..., music.wav."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def path(self, asset: AssetId) -> Path:
        return self.root / str(asset)

    @property
    def video(self) -> Path:
        return self.path(AssetId(AssetKind.VIDEO))

    @property
    def srt(self) -> Path:
        return self.path(AssetId(AssetKind.SUBTITLES))

    @property
    def music(self) -> Path:
        return self.path(AssetId(AssetKind.MUSIC))

    @property
    def cutout(self) -> Path:
        return self.path(AssetId(AssetKind.CUTOUT))

    @property
    def segments_dir(self) -> Path:
        """The final cut's video, encoded shot by shot and kept for the next compose (compose/segments.py).

        A cache, not an asset: hidden like the lock, so it is left out of the project download and file links."""
        return self.root / ".segments"

    def shot_dir(self, shot_id: int) -> Path:
        return self.root / "shots" / f"{shot_id:02d}"

    def keyframe(self, shot_id: int) -> Path:
        return self.path(AssetId(AssetKind.KEYFRAME, shot_id))

    def clip(self, shot_id: int) -> Path:
        return self.path(AssetId(AssetKind.CLIP, shot_id))

    def voice(self, shot_id: int) -> Path:
        return self.path(AssetId(AssetKind.VOICE, shot_id))

    def relative(self, path: Path) -> str:
        return Path(path).relative_to(self.root).as_posix()

    def asset_id(self, path: Path) -> AssetId:
        return AssetId.parse(self.relative(path))

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def load(self) -> Manifest:
        """The manifest, migrated from an earlier version if need be (the file itself is rewritten on next save)."""
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{self.root} is not a PersonaVlog run directory (no {MANIFEST})") from None
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"{self.manifest_path} cannot be read: {exc}") from None
        try:
            return Manifest.model_validate(migrate(data))
        except ValueError as exc:
            if isinstance(exc, ValidationError):
                raise InputError(validation_line(exc, f"{self.manifest_path}: invalid ")) from None
            raise InputError(f"{self.manifest_path}: {exc}") from None

    def save(self, manifest: Manifest) -> None:
        atomic_write_json(self.manifest_path, manifest.model_dump(mode="json"))

    def record_asset(self, manifest: Manifest, path: Path, stage: StageId) -> None:
        manifest.assets[self.asset_id(path)] = AssetRecord(sha256=sha256_file(path), stage=stage)

    def asset_intact(self, manifest: Manifest, path: Path) -> bool:
        record = manifest.assets.get(self.asset_id(path))
        return record is not None and path.is_file() and sha256_file(path) == record.sha256

    def wait_until_unlocked(self, timeout_s: float, poll_s: float = 0.2) -> bool:
        """Wait for another process's render of this directory to end; False if it still holds it after timeout_s.

        The lock is an flock, so the kernel releases it when its holder dies: a crashed render never blocks.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + timeout_s
        fd = os.open(self.root / ".lock", os.O_CREAT | os.O_RDWR, 0o644)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    fcntl.flock(fd, fcntl.LOCK_UN)
                    return True
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        return False
                    time.sleep(poll_s)
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an exclusive lock so two processes never render into the same directory."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / ".lock", os.O_CREAT | os.O_RDWR, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise InputError(f"{self.root} is being rendered by another process") from None
            remove_stale_temps(self.root)
            yield
        finally:
            os.close(fd)
