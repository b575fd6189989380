"""manifest.json as typed documents: stage and asset ids, stage records, retake settings, and the v1 migration.

On disk the ids are plain strings (`"clip/03"`, `"shots/03/clip.mp4"`), so the file stays readable and editable;
in Python they are `StageId` and `AssetId`, so no code builds or splits those strings by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator

from personavlog.fsutil import sha256_json
from personavlog.schema import (
    ComposeReport,
    Critique,
    Framing,
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

MANIFEST_VERSION = 2


class StageName(StrEnum):
    """Every stage of the pipeline; the agent stages write documents, the others render assets."""

    PERSONA = "persona"
    STORY = "story"
    STORYBOARD = "storyboard"
    VISUAL = "visual"
    MONOLOGUE = "monologue"
    MUSIC_BRIEF = "music_brief"
    SINGLE_PASS = "single_pass"
    VOICE = "voice"
    CLIP = "clip"
    MUSIC = "music"
    COMPOSE = "compose"


AGENT_STAGES = (
    StageName.PERSONA,
    StageName.STORY,
    StageName.STORYBOARD,
    StageName.VISUAL,
    StageName.MONOLOGUE,
    StageName.MUSIC_BRIEF,
)
PER_SHOT_STAGES = (StageName.VOICE, StageName.CLIP)


@dataclass(frozen=True, order=True)
class StageId:
    """One stage, or one shot's run of a per-shot stage: written `story`, `voice/03`."""

    name: StageName
    shot: int | None = None

    def __post_init__(self) -> None:
        if (self.shot is not None) != (self.name in PER_SHOT_STAGES):
            raise ValueError(f"stage {self.name.value} {'needs' if self.shot is None else 'takes no'} shot number")

    def __str__(self) -> str:
        return self.name.value if self.shot is None else f"{self.name.value}/{self.shot:02d}"

    @classmethod
    def parse(cls, key: str) -> StageId:
        name, _, shot = key.partition("/")
        try:
            return cls(StageName(name), int(shot) if shot else None)
        except ValueError:
            raise ValueError(f"not a stage id: {key!r}") from None


class AssetKind(StrEnum):
    CUTOUT = "persona/cutout.png"
    KEYFRAME = "keyframe.png"
    CLIP = "clip.mp4"
    VOICE = "voice.wav"
    MUSIC = "music.wav"
    VIDEO = "vlog.mp4"
    SUBTITLES = "vlog.srt"


SHOT_ASSETS = (AssetKind.KEYFRAME, AssetKind.CLIP, AssetKind.VOICE)


@dataclass(frozen=True, order=True)
class AssetId:
    """A file of the run directory that a stage made: written as its run-relative path, `shots/03/clip.mp4`."""

    kind: AssetKind
    shot: int | None = None

    def __post_init__(self) -> None:
        if (self.shot is not None) != (self.kind in SHOT_ASSETS):
            raise ValueError(f"asset {self.kind.value} {'needs' if self.shot is None else 'takes no'} shot number")

    def __str__(self) -> str:
        return self.kind.value if self.shot is None else f"shots/{self.shot:02d}/{self.kind.value}"

    @classmethod
    def parse(cls, path: str) -> AssetId:
        parts = PurePosixPath(path).parts
        try:
            if len(parts) == 3 and parts[0] == "shots":
                return cls(AssetKind(parts[2]), int(parts[1]))
            return cls(AssetKind(path))
        except ValueError:
            raise ValueError(f"not an asset of a run directory: {path!r}") from None


def _parse_with(parse: Any, kind: type) -> Any:
    def validate(value: Any) -> Any:
        if isinstance(value, kind):
            return value
        if isinstance(value, str):
            return parse(value)
        raise ValueError(f"expected a {kind.__name__} or its string form")

    return validate


StageKey = Annotated[StageId, PlainValidator(_parse_with(StageId.parse, StageId)), PlainSerializer(str)]
AssetKey = Annotated[AssetId, PlainValidator(_parse_with(AssetId.parse, AssetId)), PlainSerializer(str)]


class AssetRecord(BaseModel):
    sha256: str
    stage: StageKey


class StageRecord(BaseModel):
    """What a stage consumed and produced when it last ran: the cache key and the edit detector."""

    input_hash: str
    output_hash: str | None = None
    seconds: float = 0.0


class StageFailure(BaseModel):
    """The stage a run stopped at and why (its one-line error); cleared once that stage succeeds."""

    stage: str
    error: str


class RetakeSettings(BaseModel):
    """What a rollback changed for a stage's next take; only the fields set enter the stage's input hash."""

    model_config = ConfigDict(extra="forbid")

    retake: int = Field(default=0, ge=0, description="engine stages: retakes so far; the seed moves with it")
    framing: Framing | None = Field(default=None, description="clip: a closer framing than the storyboard's")
    theme_focus: bool = Field(default=False, description="agent stages: rewrites aim at the theme")
    target_lufs: float | None = Field(default=None, description="compose: the loudness the master aims at")
    peak_limit_db: float | None = Field(default=None, description="compose: the true-peak ceiling")

    def hashed(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=True)


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
    assets: dict[AssetKey, AssetRecord] = Field(default_factory=dict)
    critiques: list[Critique] = Field(default_factory=list)
    rollbacks: list[Rollback] = Field(default_factory=list)
    backends: dict[str, dict[str, str]] = Field(default_factory=dict)
    timings: dict[str, float] = Field(default_factory=dict)
    llm_calls: list[LLMCall] = Field(default_factory=list)
    stages: dict[StageKey, StageRecord] = Field(default_factory=dict)
    notes: dict[StageKey, list[str]] = Field(
        default_factory=dict, description="written critiques from critics and the user that each stage's kept take used"
    )
    retakes: dict[StageKey, RetakeSettings] = Field(
        default_factory=dict,
        description="what rollbacks changed per stage: retake count, framing, theme focus, mastering",
    )
    reviews: dict[str, str] = Field(default_factory=dict, description="review -> the state it concluded on")
    failure: StageFailure | None = Field(default=None, description="the stage the last run stopped at, and why")
    compose_report: ComposeReport | None = None

    def retake(self, stage: StageId) -> RetakeSettings:
        """The stage's retake settings, created empty on first use."""
        return self.retakes.setdefault(stage, RetakeSettings())

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

    def planned_shots(self) -> list[PlannedShot]:
        """The storyboard's shots, or an empty list before the storyboard is written."""
        return self.storyboard.shots if self.storyboard is not None else []

    def set_storyboard(self, storyboard: Storyboard) -> None:
        """Replace the shots; prompts and lines of shots whose id survives are kept until their stages re-run."""
        old = {s.id: s for s in self.planned_shots()}
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
        by_id = {v.shot_id: v for v in visuals}
        for shot in self.planned_shots():
            visual = by_id[shot.id]
            shot.keyframe_prompt = visual.keyframe_prompt
            shot.motion_prompt = visual.motion_prompt
            shot.negative_prompt = visual.negative_prompt

    def set_monologue(self, lines: list[MonologueLine]) -> None:
        by_id = {line.shot_id: line.text for line in lines}
        for shot in self.planned_shots():
            shot.monologue = by_id[shot.id]


def document_hash(document: Any) -> str:
    if isinstance(document, BaseModel):
        return sha256_json(document.model_dump(mode="json"))
    if isinstance(document, list):
        return sha256_json([d.model_dump(mode="json") if isinstance(d, BaseModel) else d for d in document])
    return sha256_json(document)


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a manifest.json of any earlier version to the current one (the caller validates the result).

    Version 1 kept critics' notes under `feedback` and retake settings in an untyped `adjustments` dict; version 2
    names them `notes` and `retakes`. Stage input hashes are computed from the same values, so a migrated run's
    finished stages stay cached.
    """
    version = int(data.get("version", 1))
    if version > MANIFEST_VERSION:
        raise ValueError(f"version {version} is newer than this PersonaVlog understands ({MANIFEST_VERSION})")
    if version == 1:
        data = dict(data)
        data["notes"] = data.pop("feedback", {})
        data["retakes"] = data.pop("adjustments", {})
        data["version"] = 2
    return data
