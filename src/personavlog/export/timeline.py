"""The editable timeline of a run directory: reads its manifest, files and captions, hands compose what the
OTIO timeline shows, and writes it (DIR/vlog.otio after every render, or any format an OTIO adapter writes)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

import numpy as np

from personavlog.compose.audio_mix import MIX_RATE, MixSettings, voice_track
from personavlog.compose.ducking import duck_envelope
from personavlog.compose.timeline_export import CaptionMarker, MediaFile, TimelineMedia, build_otio_timeline, write_otio
from personavlog.errors import InputError
from personavlog.measure.sync import read_srt
from personavlog.media import wav_duration_s
from personavlog.rundir import RunDir
from personavlog.schema import Timeline

if TYPE_CHECKING:
    import opentimelineio as otio

OTIO_NAME = "vlog.otio"
BUNDLE_ADAPTERS = frozenset({"otioz", "otiod"})
"""Adapters that copy the media into the file (otioz) or folder (otiod) they write."""
DUCKING_TOLERANCE_DB = 0.05
"""A gain key is kept where the envelope's slope changes by more than this per hop."""


def writable_formats() -> dict[str, str]:
    """Format name (an adapter's name or file suffix) -> the installed OTIO adapter that writes it."""
    import opentimelineio as otio

    formats: dict[str, str] = {}
    for name in otio.adapters.available_adapter_names():
        adapter = otio.adapters.from_name(name)
        if adapter.has_feature("write_to_file") or adapter.has_feature("write_to_string"):
            formats[name] = name
            for suffix in adapter.suffixes:
                formats.setdefault(suffix, name)
    return formats


def _clip_duration_s(path: Path, fallback_s: float) -> float:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if stream.frames and stream.average_rate:
            return float(stream.frames / stream.average_rate)
    return fallback_s


def _url(path: Path, base: Path) -> str:
    """`path` relative to the folder of the written file, as a URL path."""
    return quote(Path(os.path.relpath(path.resolve(), base.resolve())).as_posix())


def ducking_keys(
    timeline: Timeline, voices: dict[int, Path], settings: MixSettings | None = None
) -> list[tuple[float, float]]:
    """The music's ducking gain (seconds, dB) at the corners of its envelope, as the mix computes it."""
    settings = settings or MixSettings()
    total = round(timeline.total_s * MIX_RATE)
    voice, _spans = voice_track(timeline, voices, MIX_RATE, total)
    envelope = duck_envelope(voice, MIX_RATE, settings.ducking)
    gain = envelope.gain_db
    if gain.size == 0:
        return [(0.0, 0.0)]
    bends = np.flatnonzero(np.abs(np.diff(gain, n=2)) > DUCKING_TOLERANCE_DB) + 1
    keep = np.unique(np.concatenate([[0], bends, [gain.size - 1]]))
    hop_s = envelope.hop / MIX_RATE
    return [(float((index + 0.5) * hop_s), float(gain[index])) for index in keep]


def run_otio_timeline(run_dir: Path, target: Path) -> otio.schema.Timeline:
    """The OTIO timeline of a rendered run, its media URLs relative to `target`'s folder."""
    run = RunDir(Path(run_dir))
    if not run.root.is_dir():
        raise InputError(f"{run.root} is not a directory")
    manifest = run.load()
    timeline = manifest.timeline
    if timeline is None or not timeline.shots or not run.srt.is_file() or not run.music.is_file():
        raise InputError(f"{run.root} has no composed vlog yet (run `personavlog make` or `resume` first)")
    base = Path(target).parent
    clips, voices = {}, {}
    for index, shot in enumerate(timeline.shots):
        clip = run.clip(shot.shot_id)
        if not clip.is_file():
            raise InputError(f"{run.root}: shot {shot.shot_id} has no clip ({run.relative(clip)})")
        tail = timeline.crossfade_s if index < len(timeline.shots) - 1 else 0.0
        clips[shot.shot_id] = MediaFile(_url(clip, base), _clip_duration_s(clip, shot.duration_s + tail))
        voice = run.voice(shot.shot_id)
        if voice.is_file():
            voices[shot.shot_id] = MediaFile(_url(voice, base), wav_duration_s(voice))
    media = TimelineMedia(clips=clips, voices=voices, music=MediaFile(_url(run.music, base), wav_duration_s(run.music)))
    captions = [CaptionMarker(cue.start_s, cue.end_s, cue.text) for cue in read_srt(run.srt)]
    keys = ducking_keys(timeline, {i: run.voice(i) for i in voices})
    title = manifest.story.title if manifest.story is not None else run.root.name
    return build_otio_timeline(title, timeline, media, captions, keys)


def write_run_timeline(run_dir: Path, out: Path | None = None, fmt: str = "otio") -> Path:
    """Write the run's editable timeline (default DIR/vlog.otio) in `fmt`; returns its path. Bad input: InputError."""
    formats = writable_formats()
    adapter = formats.get(fmt.lower().lstrip("."))
    if adapter is None:
        raise InputError(f"unknown timeline format {fmt!r} (installed: {', '.join(sorted(formats))})")
    target = Path(out) if out is not None else Path(run_dir) / OTIO_NAME
    timeline = run_otio_timeline(run_dir, target)
    import opentimelineio as otio

    try:
        if adapter not in BUNDLE_ADAPTERS:
            return write_otio(timeline, target, adapter)
        with tempfile.TemporaryDirectory(prefix=".otio-media-", dir=Path(run_dir)) as links:
            _link_unique_media(timeline, target.parent, Path(links))
            return write_otio(timeline, target, adapter)
    except (otio.exceptions.OTIOError, OSError) as exc:  # the adapter's refusal of this run's media
        raise InputError(f"the {adapter} adapter cannot write {target}: {exc}") from None


def _link_unique_media(timeline: otio.schema.Timeline, base: Path, links: Path) -> None:
    """Point every clip at a uniquely named link to its file: bundles copy media in by base name, and every shot's
    files share theirs (clip.mp4, voice.wav)."""
    for clip in timeline.find_clips():
        source = (base / unquote(clip.media_reference.target_url)).resolve()
        link = (
            links / f"{source.parent.name}_{source.name}"
            if source.parent.parent.name == "shots"
            else links / source.name
        )
        if not link.exists():
            link.symlink_to(source)
        clip.media_reference.target_url = link.as_uri()
