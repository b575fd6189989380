"""The run directory and its manifest.json: every document, asset, critique and timing of one vlog."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from personavlog.errors import InputError
from personavlog.fsutil import atomic_write_json, remove_stale_temps, sha256_file, sha256_json
from personavlog.schema import (
    Critique,
    MonologueLine,
    MusicBrief,
    PersonaProfile,
    Rollback,
    Shot,
    ShotVisual,
    Story,
    Storyboard,
    Timeline,
    VlogRequest,
)

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1


class AssetRecord(BaseModel):
    sha256: str
    stage: str


class StageRecord(BaseModel):
    """What a stage consumed and produced when it last ran: the cache key and the edit detector."""

    input_hash: str
    output_hash: str | None = None
    seconds: float = 0.0


class LLMCall(BaseModel):
    model_config = ConfigDict(extra="allow")

    agent: str
    prompt_tokens: int = 0
    completion_tokens: int = 0


class PlannedShot(Shot):
    """A storyboard shot as the manifest shows it: with its visual prompts and its monologue line."""

    keyframe_prompt: str = ""
    motion_prompt: str = ""
    negative_prompt: str = ""
    monologue: str = ""


class PlannedStoryboard(BaseModel):
    shots: list[PlannedShot]


class Manifest(BaseModel):
    model_config = ConfigDict(extra="allow")

    version: int = MANIFEST_VERSION
    status: str = "new"
    request: VlogRequest
    reference_sha256: str = ""
    persona: PersonaProfile | None = None
    observations: dict[str, str] = Field(default_factory=dict)
    story: Story | None = None
    storyboard: PlannedStoryboard | None = None
    music_brief: MusicBrief | None = None
    timeline: Timeline | None = None
    assets: dict[str, AssetRecord] = Field(default_factory=dict)
    critiques: list[Critique] = Field(default_factory=list)
    rollbacks: list[Rollback] = Field(default_factory=list)
    backends: dict[str, dict[str, str]] = Field(default_factory=dict)
    timings: dict[str, float] = Field(default_factory=dict)
    llm_calls: list[LLMCall] = Field(default_factory=list)
    stages: dict[str, StageRecord] = Field(default_factory=dict)
    feedback: dict[str, list[str]] = Field(
        default_factory=dict, description="notes from critics and the user that the kept take of each stage used"
    )
    adjustments: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="engine retake settings per stage (seed offset, framing, mastering)"
    )
    reviews: dict[str, str] = Field(default_factory=dict, description="review -> the state it concluded on")
    compose_report: dict[str, Any] | None = None

    # The storyboard in the manifest merges three documents; these split it back apart.
    def shots(self) -> Storyboard | None:
        if self.storyboard is None:
            return None
        fields = set(Shot.model_fields)
        return Storyboard(shots=[Shot(**s.model_dump(include=fields)) for s in self.storyboard.shots])

    def visuals(self) -> list[ShotVisual] | None:
        if self.storyboard is None or not all(s.keyframe_prompt for s in self.storyboard.shots):
            return None
        return [
            ShotVisual(
                shot_id=s.id,
                keyframe_prompt=s.keyframe_prompt,
                motion_prompt=s.motion_prompt or s.action,
                negative_prompt=s.negative_prompt,
            )
            for s in self.storyboard.shots
        ]

    def monologue(self) -> list[MonologueLine] | None:
        if self.storyboard is None or not all(s.monologue for s in self.storyboard.shots):
            return None
        return [MonologueLine(shot_id=s.id, text=s.monologue) for s in self.storyboard.shots]

    def set_storyboard(self, storyboard: Storyboard) -> None:
        """Replace the shots; prompts and lines of shots whose id survives are kept until their stages re-run."""
        old = {s.id: s for s in self.storyboard.shots} if self.storyboard else {}
        merged = []
        for shot in storyboard.shots:
            extra = old.get(shot.id)
            keep = (
                extra.model_dump(include={"keyframe_prompt", "motion_prompt", "negative_prompt", "monologue"})
                if extra
                else {}
            )
            merged.append(PlannedShot(**shot.model_dump(), **keep))
        self.storyboard = PlannedStoryboard(shots=merged)

    def set_visuals(self, visuals: list[ShotVisual]) -> None:
        assert self.storyboard is not None
        by_id = {v.shot_id: v for v in visuals}
        for shot in self.storyboard.shots:
            visual = by_id[shot.id]
            shot.keyframe_prompt = visual.keyframe_prompt
            shot.motion_prompt = visual.motion_prompt
            shot.negative_prompt = visual.negative_prompt

    def set_monologue(self, lines: list[MonologueLine]) -> None:
        assert self.storyboard is not None
        by_id = {line.shot_id: line.text for line in lines}
        for shot in self.storyboard.shots:
            shot.monologue = by_id[shot.id]


def document_hash(document: Any) -> str:
    if isinstance(document, BaseModel):
        return sha256_json(document.model_dump(mode="json"))
    if isinstance(document, list):
        return sha256_json([d.model_dump(mode="json") if isinstance(d, BaseModel) else d for d in document])
    return sha256_json(document)


class RunDir:
    """A vlog's directory: vlog.mp4, vlog.srt, manifest.json, shots/NN/..., music.wav."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    @property
    def video(self) -> Path:
        return self.root / "vlog.mp4"

    @property
    def srt(self) -> Path:
        return self.root / "vlog.srt"

    @property
    def music(self) -> Path:
        return self.root / "music.wav"

    @property
    def cutout(self) -> Path:
        return self.root / "persona" / "cutout.png"

    def shot_dir(self, shot_id: int) -> Path:
        return self.root / "shots" / f"{shot_id:02d}"

    def keyframe(self, shot_id: int) -> Path:
        return self.shot_dir(shot_id) / "keyframe.png"

    def clip(self, shot_id: int) -> Path:
        return self.shot_dir(shot_id) / "clip.mp4"

    def voice(self, shot_id: int) -> Path:
        return self.shot_dir(shot_id) / "voice.wav"

    def relative(self, path: Path) -> str:
        return Path(path).relative_to(self.root).as_posix()

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def load(self) -> Manifest:
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{self.root} is not a PersonaVlog run directory (no {MANIFEST})") from None
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"{self.manifest_path} cannot be read: {exc}") from None
        try:
            return Manifest.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InputError(f"{self.manifest_path}: invalid {where}: {first['msg']}") from None

    def save(self, manifest: Manifest) -> None:
        atomic_write_json(self.manifest_path, manifest.model_dump(mode="json"))

    def record_asset(self, manifest: Manifest, path: Path, stage: str) -> None:
        manifest.assets[self.relative(path)] = AssetRecord(sha256=sha256_file(path), stage=stage)

    def asset_intact(self, manifest: Manifest, path: Path) -> bool:
        record = manifest.assets.get(self.relative(path))
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
