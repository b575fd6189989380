"""The vlog as an editable OpenTimelineIO timeline: the same cut as vlog.mp4, for an editor to finish.

Video: one clip per shot at its place, its in/out points inside the shot's clip file, and the cut into it as a
Transition. The composer blends the outgoing clip's tail over the first frames of the incoming shot, so every
transition lies after the cut (in_offset 0, out_offset the crossfade). A crossfade is an SMPTE dissolve; dips and
whips are custom transitions named by their kind. Audio: the voice lines on one track at their offsets, the music
on another; OTIO has no standard volume automation, so the music's ducking is a generic "AudioVolume" effect on the
music clip whose metadata holds the gain keys (seconds, dB). Captions are markers on the video track.
Times are at the vlog's fps: whole frames for the video, exact seconds (possibly fractional frames) for audio.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import opentimelineio as otio

from personavlog.compose.video import shot_frame_ranges
from personavlog.fsutil import atomic_write_text
from personavlog.schema import Timeline, Transition

METADATA_KEY = "personavlog"


@dataclass(frozen=True)
class MediaFile:
    url: str
    """The target_url written into the file (relative to the .otio file's folder, or absolute)."""
    duration_s: float
    """How long the file is: its available range."""


@dataclass(frozen=True)
class CaptionMarker:
    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class TimelineMedia:
    clips: dict[int, MediaFile]
    voices: dict[int, MediaFile]
    music: MediaFile


def _time(seconds: float, rate: float) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(seconds * rate, rate)


def _frames(count: int, rate: float) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(count, rate)


def _reference(media: MediaFile, rate: float) -> otio.schema.ExternalReference:
    available = otio.opentime.TimeRange(_time(0.0, rate), _time(media.duration_s, rate))
    return otio.schema.ExternalReference(target_url=media.url, available_range=available)


def _transition(kind: Transition, frames: int, rate: float) -> otio.schema.Transition:
    dissolve = kind == Transition.CROSSFADE
    return otio.schema.Transition(
        name=kind.value,
        transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve if dissolve else otio.schema.TransitionTypes.Custom,
        in_offset=_frames(0, rate),
        out_offset=_frames(frames, rate),
        metadata={METADATA_KEY: {"transition": kind.value}},
    )


def _video_track(timeline: Timeline, media: TimelineMedia, captions: Sequence[CaptionMarker]) -> otio.schema.Track:
    rate = float(timeline.fps)
    track = otio.schema.Track(name="shots", kind=otio.schema.TrackKind.Video)
    crossfade = max(0, round(timeline.crossfade_s * timeline.fps))
    for index, (shot, (first, end)) in enumerate(zip(timeline.shots, shot_frame_ranges(timeline), strict=True)):
        if index:
            track.append(_transition(shot.transition_in, min(crossfade, end - first), rate))
        clip = otio.schema.Clip(
            name=f"shot {shot.shot_id:02d}",
            media_reference=_reference(media.clips[shot.shot_id], rate),
            source_range=otio.opentime.TimeRange(_frames(0, rate), _frames(end - first, rate)),
            metadata={METADATA_KEY: {"shot_id": shot.shot_id}},
        )
        track.append(clip)
    for caption in captions:
        marked = otio.opentime.TimeRange(_time(caption.start_s, rate), _time(caption.end_s - caption.start_s, rate))
        track.markers.append(
            otio.schema.Marker(
                name=caption.text,
                marked_range=marked,
                color=otio.schema.MarkerColor.YELLOW,
                comment=caption.text,
                metadata={METADATA_KEY: {"caption": caption.text}},
            )
        )
    return track


def _voice_track(timeline: Timeline, media: TimelineMedia) -> otio.schema.Track:
    rate = float(timeline.fps)
    track = otio.schema.Track(name="voice", kind=otio.schema.TrackKind.Audio)
    position = 0.0
    for shot in timeline.shots:
        line = media.voices.get(shot.shot_id)
        if line is None:
            continue
        start = shot.start_s + shot.voice_offset_s
        length = min(line.duration_s, timeline.total_s - start)
        if length <= 0:
            continue
        if start > position:
            track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(duration=_time(start - position, rate))))
        track.append(
            otio.schema.Clip(
                name=f"voice {shot.shot_id:02d}",
                media_reference=_reference(line, rate),
                source_range=otio.opentime.TimeRange(_time(0.0, rate), _time(length, rate)),
                metadata={METADATA_KEY: {"shot_id": shot.shot_id, "line": shot.caption}},
            )
        )
        position = start + length
    return track


def _music_track(timeline: Timeline, media: TimelineMedia, ducking: Sequence[tuple[float, float]]) -> otio.schema.Track:
    rate = float(timeline.fps)
    track = otio.schema.Track(name="music", kind=otio.schema.TrackKind.Audio)
    length = min(media.music.duration_s, timeline.total_s)
    clip = otio.schema.Clip(
        name="music",
        media_reference=_reference(media.music, rate),
        source_range=otio.opentime.TimeRange(_time(0.0, rate), _time(length, rate)),
    )
    keys = [{"time_s": round(t, 4), "gain_db": round(db, 2)} for t, db in ducking]
    clip.effects.append(
        otio.schema.Effect(name="ducking", effect_name="AudioVolume", metadata={METADATA_KEY: {"keyframes": keys}})
    )
    track.append(clip)
    return track


def build_otio_timeline(
    name: str,
    timeline: Timeline,
    media: TimelineMedia,
    captions: Sequence[CaptionMarker],
    ducking: Sequence[tuple[float, float]],
) -> otio.schema.Timeline:
    """The OTIO timeline of a composed vlog; `ducking` is the music's gain keys as (seconds, dB)."""
    result = otio.schema.Timeline(name=name, global_start_time=_frames(0, float(timeline.fps)))
    result.metadata[METADATA_KEY] = {"width": timeline.width, "height": timeline.height, "fps": timeline.fps}
    result.tracks.append(_video_track(timeline, media, captions))
    result.tracks.append(_voice_track(timeline, media))
    result.tracks.append(_music_track(timeline, media, ducking))
    return result


def write_otio(timeline: otio.schema.Timeline, target: Path, adapter: str = "otio_json") -> Path:
    """Write with the named OTIO adapter, atomically: to a temporary name beside `target`, renamed on success."""
    target = Path(target)
    if otio.adapters.from_name(adapter).has_feature("write_to_string"):
        atomic_write_text(target, otio.adapters.write_to_string(timeline, adapter_name=adapter))
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp{target.suffix}")
    try:
        otio.adapters.write_to_file(timeline, str(tmp), adapter_name=adapter)
        os.replace(tmp, target)
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
    return target
