"""Typed documents that flow between the stages of the pipeline."""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Aspect = Literal["16:9", "9:16", "1:1"]
Resolution = Literal["360p", "480p", "720p", "1080p"]
_SHORT_SIDE = {"360p": 360, "480p": 480, "720p": 720, "1080p": 1080}

MIN_DURATION_S = 10.0
MAX_DURATION_S = 180.0
MAX_SEED = 2**32 - 1
"""llama.cpp takes a 32-bit seed: a larger one would silently give the vlog of a smaller one."""
MAX_STYLE_LENGTH = 100


def plain_text(text: str) -> str:
    """`text` on one line: control characters (NUL, ESC, line breaks, ...) become spaces, runs of spaces one."""
    return " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in text).split())


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocationKind(StrEnum):
    CITY_STREET = "city_street"
    CAFE = "cafe"
    HOME = "home"
    BEACH = "beach"
    FOREST = "forest"
    MOUNTAINS = "mountains"
    LAKE = "lake"
    DESERT = "desert"
    SNOWY_VILLAGE = "snowy_village"
    NIGHT_MARKET = "night_market"
    TRANSIT = "transit"
    PARK = "park"
    OFFICE = "office"
    STAGE = "stage"


class TimeOfDay(StrEnum):
    DAWN = "dawn"
    DAY = "day"
    GOLDEN_HOUR = "golden_hour"
    DUSK = "dusk"
    NIGHT = "night"


class Weather(StrEnum):
    CLEAR = "clear"
    CLOUDS = "clouds"
    RAIN = "rain"
    SNOW = "snow"
    FOG = "fog"
    WIND = "wind"


class CameraMove(StrEnum):
    STATIC = "static"
    PUSH_IN = "push_in"
    PULL_OUT = "pull_out"
    PAN_LEFT = "pan_left"
    PAN_RIGHT = "pan_right"
    TILT_UP = "tilt_up"
    TILT_DOWN = "tilt_down"
    HANDHELD = "handheld"
    ORBIT = "orbit"


class Framing(StrEnum):
    CLOSE_UP = "close_up"
    MEDIUM = "medium"
    WIDE = "wide"


class Mood(StrEnum):
    CALM = "calm"
    JOYFUL = "joyful"
    NOSTALGIC = "nostalgic"
    MELANCHOLIC = "melancholic"
    ENERGETIC = "energetic"
    TENSE = "tense"
    ROMANTIC = "romantic"
    HOPEFUL = "hopeful"
    PLAYFUL = "playful"


class VlogRequest(Document):
    """What the user asks for: the only input of the pipeline.

    Its fields are the options of `personavlog make`, of a jobs-file line and of the web form (see
    `personavlog.request_fields`): `option` in a field's extra names the option when it differs from the field
    (`no_<field>` turns a boolean around); `option: False` keeps a field off those surfaces.
    """

    theme: str = Field(
        min_length=1, max_length=500, description='what the vlog is about, e.g. "a rainy afternoon in a Paris café"'
    )
    reference: Path = Field(description="photo or drawing of the protagonist")
    style: str = Field(
        default="cinematic",
        max_length=MAX_STYLE_LENGTH,
        description="cinematic, film 35mm, watercolor, oil painting, pastel, ink, anime, vhs, documentary",
    )
    duration_s: float = Field(
        default=30.0,
        ge=MIN_DURATION_S,
        le=MAX_DURATION_S,
        description=f"target length in seconds ({MIN_DURATION_S:g}-{MAX_DURATION_S:g})",
        json_schema_extra={"option": "duration"},
    )
    aspect: Aspect = Field(default="16:9", description="frame shape")
    resolution: Resolution = Field(default="720p", description="360p/480p for quick drafts")
    fps: int = Field(default=24, ge=12, le=60, description="frames per second")
    language: str = Field(default="en", description="language of the monologue and subtitles")
    voice: str = Field(default="joe", description="the narrator's voice")
    persona: str | None = Field(
        default=None,
        max_length=400,
        description='your own words for the protagonist\'s look, used verbatim, e.g. "a woman in a red raincoat"',
    )
    seed: int = Field(default=0, ge=0, le=MAX_SEED, description="the same request and seed make the same vlog")
    feedback: bool = Field(
        default=True,
        description="critics check every result and roll back what fails",
        json_schema_extra={"option": "no_feedback", "help": "turn critics and rollback off"},
    )
    max_rounds: int = Field(default=2, ge=0, le=5, description="rollback rounds per failing result")
    planner: Literal["agents", "single-pass"] = Field(
        default="agents",
        description="agents: one agent per document; single-pass: one LLM call writes the whole plan",
        json_schema_extra={"option": False},
    )

    @field_validator("theme")
    @classmethod
    def _theme_not_blank(cls, value: str) -> str:
        value = plain_text(value)
        if not value:
            raise ValueError("theme must not be empty")
        return value

    @field_validator("style")
    @classmethod
    def _style_normalised(cls, value: str) -> str:
        value = plain_text(value).lower()
        if not value:
            raise ValueError("style must not be empty")
        return value

    @field_validator("persona")
    @classmethod
    def _persona_plain(cls, value: str | None) -> str | None:
        return (plain_text(value) or None) if value is not None else None

    def frame_size(self) -> tuple[int, int]:
        """(width, height) in pixels, both even."""
        short = _SHORT_SIDE[self.resolution]
        long = round(short * 16 / 9 / 2) * 2
        if self.aspect == "16:9":
            return long, short
        if self.aspect == "9:16":
            return short, long
        return short, short


class FaceBox(Document):
    x: int
    y: int
    w: int
    h: int


class PersonaProfile(Document):
    """Who the protagonist is; `description` goes verbatim into every keyframe prompt."""

    description: str = Field(min_length=3)
    age_range: str
    hair: str
    clothing: str
    distinctive_features: list[str] = Field(default_factory=list)
    palette: list[str] = Field(default_factory=list, description="hex colours, most dominant first")
    voice_traits: str = "warm, reflective"
    face_box: FaceBox | None = None
    cutout: str = Field(description="run-relative path of the RGBA cut-out PNG")


class Story(Document):
    title: str = Field(min_length=1, max_length=120)
    logline: str = Field(min_length=1, max_length=400)
    beats: list[str] = Field(min_length=3, max_length=8)


class Shot(Document):
    id: int = Field(ge=1)
    duration_s: float = Field(gt=0)
    location: str = Field(min_length=1)
    location_kind: LocationKind
    time_of_day: TimeOfDay
    weather: Weather
    action: str = Field(min_length=1)
    camera: CameraMove
    framing: Framing
    mood: Mood


class Storyboard(Document):
    shots: list[Shot] = Field(min_length=1)


class ShotVisual(Document):
    shot_id: int
    keyframe_prompt: str = Field(min_length=1)
    motion_prompt: str = Field(min_length=1)
    negative_prompt: str = ""


class MonologueLine(Document):
    shot_id: int
    text: str = Field(min_length=1)


class MusicBrief(Document):
    genre: str
    mood: Mood
    bpm: int = Field(ge=50, le=180)
    key: Literal["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
    mode: Literal["major", "minor"]
    instruments: list[str] = Field(min_length=1, max_length=6)
    energy: list[float] = Field(min_length=1, description="0..1 per shot, in shot order")

    @field_validator("energy")
    @classmethod
    def _energy_in_range(cls, values: list[float]) -> list[float]:
        return [min(1.0, max(0.0, float(v))) for v in values]


class Transition(StrEnum):
    """How the cut into a shot looks; every kind overlaps the same crossfade_s, so timing never moves."""

    CROSSFADE = "crossfade"
    DIP_TO_BLACK = "dip_to_black"
    DIP_TO_WHITE = "dip_to_white"
    WHIP_LEFT = "whip_left"
    WHIP_RIGHT = "whip_right"


class ShotTiming(Document):
    """Where a shot and its voice line sit on the final timeline."""

    shot_id: int
    start_s: float
    duration_s: float
    voice_offset_s: float = Field(description="voice start, relative to the shot start")
    voice_duration_s: float
    caption: str
    transition_in: Transition = Field(
        default=Transition.CROSSFADE, description="the cut from the previous shot into this one (unused on the first)"
    )


class Timeline(Document):
    fps: int
    width: int
    height: int
    shots: list[ShotTiming]
    crossfade_s: float = 0.4

    @property
    def total_s(self) -> float:
        last = self.shots[-1]
        return last.start_s + last.duration_s


class Critique(Document):
    stage: str
    target: str
    score: float
    threshold: float
    passed: bool
    feedback: str = ""
    round: int = 0
    measured: bool = True
    """False when the critic itself failed: nothing was judged, and no rollback follows from it."""
    reason: str = ""
    """Why it was not measured (the critic's error)."""
    shots: list[int] = Field(default_factory=list)
    """The shots it objects to, when only some of a document's parts fail (a monologue's lines): a rollback
    rewrites those alone."""


class Rollback(Document):
    from_critique: int = Field(description="index into the manifest's critiques")
    stage: str
    target: str
    round: int
    kept: bool | None = Field(
        default=None, description="whether the retake it asked for was kept as the better take (None: not judged)"
    )


class ComposeReport(Document):
    """Figures measured on what was written."""

    mp4: Path
    srt: Path
    width: int
    height: int
    fps: int
    frames: int
    duration_s: float
    video_duration_s: float
    audio_duration_s: float
    integrated_lufs: float
    true_peak_dbfs: float
    sample_peak_dbfs: float
    ducking_db: float
    """Median music gain between voice lines minus median gain while the voice speaks."""
    caption_cues: int
    render_s: float
    frames_per_s: float
    segments_encoded: int = 0
    """Shots' video segments encoded by this compose (see compose/segments.py)."""
    segments_reused: int = 0
    """Segments found already encoded: by an earlier compose of the same run, or while the clips rendered."""
