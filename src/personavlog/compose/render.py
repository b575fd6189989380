"""compose_vlog: clips, voice lines and music in; the finished MP4 and its SRT out."""

from __future__ import annotations

import contextlib
import math
import tempfile
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

import av

from personavlog.compose.audio_mix import MixSettings, mix_audio, voice_spans
from personavlog.compose.captions import CaptionRenderer, CaptionTrack
from personavlog.compose.cues import Cue, plan_cues
from personavlog.compose.encode import H264Settings, remux_vlog, steady_x264_asm
from personavlog.compose.master import Soundtrack, master_soundtrack
from personavlog.compose.segments import ENCODER_THREADS, encode_segments, plan_segments, remove_unused
from personavlog.compose.srt import write_srt
from personavlog.errors import StageError
from personavlog.schema import ComposeReport, Timeline

Progress = Callable[[int, int], None]
"""Called as on_progress(frames_done, frames_total) while the video encodes."""


@dataclass(frozen=True)
class MasteredSound:
    """The vlog's finished soundtrack and where each voice line sits in it (what the captions follow)."""

    soundtrack: Soundtrack
    spans: dict[int, tuple[float, float]]
    ducking_db: float


DEFAULT_PRESET = "veryfast"
DEFAULT_CRF = 20


@dataclass(frozen=True)
class Picture:
    """What the final cut's frames are drawn and encoded with: the captions and the encoder's settings."""

    renderer: CaptionRenderer
    cues: list[Cue]
    captions: CaptionTrack
    settings: H264Settings


def plan_picture(
    timeline: Timeline,
    spans: Mapping[int, tuple[float, float]],
    font_path: Path | None = None,
    *,
    preset: str = DEFAULT_PRESET,
    crf: int = DEFAULT_CRF,
) -> Picture:
    """The captions (timed by the voice lines' `spans`) and the encoder settings of the final cut."""
    renderer = CaptionRenderer(timeline.width, timeline.height, font_path)
    cues = plan_cues(timeline, spans, renderer.layout)
    settings = H264Settings(preset=preset, crf=crf, threads=ENCODER_THREADS, asm=steady_x264_asm())
    return Picture(renderer, cues, CaptionTrack(cues, renderer), settings)


def encode_segments_ahead(
    timeline: Timeline,
    clips: dict[int, Path],
    voices: dict[int, Path],
    segments_dir: Path,
    indices: Collection[int],
    font_path: Path | None = None,
) -> int:
    """Encode now the segments of the shots at `indices` (whose clips, and the clips their cuts read, are final),
    exactly as `compose_vlog` with the same inputs and default settings plans them: it then finds them made.
    Returns how many were encoded."""
    spans = {span.shot_id: (span.start_s, span.end_s) for span in voice_spans(timeline, voices)}
    picture = plan_picture(timeline, spans, font_path)
    folder = Path(segments_dir)
    folder.mkdir(parents=True, exist_ok=True)
    segments = plan_segments(
        timeline, clips, picture.captions, picture.renderer, font_path, picture.settings, folder, indices=indices
    )
    return encode_segments(segments, timeline, clips, picture.renderer, picture.settings)


def master_sound(
    timeline: Timeline,
    voices: dict[int, Path],
    music: Path,
    *,
    target_lufs: float = -16.0,
    peak_limit_db: float = -1.0,
    audio_bit_rate: int = 160_000,
    mix_settings: MixSettings | None = None,
) -> MasteredSound:
    """Voice lines over the ducked music, loudness-normalised, peak-limited and AAC-encoded (no video needed)."""
    mix = mix_audio(timeline, voices, music, mix_settings)
    spans = {span.shot_id: (span.start_s, span.end_s) for span in mix.voice_spans}
    soundtrack = master_soundtrack(mix.audio, mix.rate, target_lufs, peak_limit_db, audio_bit_rate)
    return MasteredSound(soundtrack=soundtrack, spans=spans, ducking_db=mix.ducking_db)


def _check_inputs(timeline: Timeline, clips: dict[int, Path], voices: dict[int, Path], music: Path) -> None:
    if not timeline.shots:
        raise StageError("compose", "the timeline has no shots")
    for shot in timeline.shots:
        clip = clips.get(shot.shot_id)
        if clip is None or not Path(clip).is_file():
            raise StageError("compose", f"shot {shot.shot_id}: clip missing ({clip})")
        voice = voices.get(shot.shot_id)
        if voice is not None and not Path(voice).is_file():
            raise StageError("compose", f"shot {shot.shot_id}: voice file missing ({voice})")
    if not Path(music).is_file():
        raise StageError("compose", f"music file missing ({music})")


def _stream_durations(path: Path) -> tuple[float, float, float]:
    """(container, video, audio) durations in seconds, as a player would read them."""
    with av.open(str(path)) as container:
        durations = {}
        for stream in container.streams:
            if stream.duration is not None and stream.time_base is not None:
                durations[stream.type] = float(stream.duration * stream.time_base)
        total = container.duration / av.time_base if container.duration else 0.0
    return total, durations.get("video", 0.0), durations.get("audio", 0.0)


def _finite(value: float, floor: float = -120.0) -> float:
    return value if math.isfinite(value) else floor


def compose_vlog(
    timeline: Timeline,
    clips: dict[int, Path],
    voices: dict[int, Path],
    music: Path,
    out_mp4: Path,
    out_srt: Path,
    font_path: Path | None = None,
    on_progress: Progress | None = None,
    *,
    segments_dir: Path | None = None,
    preset: str = DEFAULT_PRESET,
    crf: int = DEFAULT_CRF,
    target_lufs: float = -16.0,
    peak_limit_db: float = -1.0,
    audio_bit_rate: int = 160_000,
    mix_settings: MixSettings | None = None,
    sound: MasteredSound | None = None,
) -> ComposeReport:
    """Render the vlog: clips joined by mood-chosen transitions, burned-in captions, voice over ducked music, -16 LUFS.

    `clips[shot_id]` holds the shot's frames plus the crossfade tail (none for the last shot),
    `voices[shot_id]` its voice line (shots without one are silent), `music` the score. The video is
    encoded shot by shot into segments kept in `segments_dir` (see segments.py; a temporary folder when
    None, so nothing is kept) and a segment already there for the same pixels is reused; the segments'
    packets are then joined with the soundtrack's without re-encoding. Frames stream from the clip
    decoders to the encoders one at a time, so memory does not grow with the length of the video.
    Segments the cut no longer uses are deleted from `segments_dir` once the vlog is written.
    `preset` and `crf` go to libx264; `on_progress(done, total)` is called after each encoded frame. `sound`:
    the soundtrack `master_sound` made of the same voices, music and settings beforehand (None: made here).
    `out_mp4` and `out_srt` appear only once complete.
    Raises StageError when an input file is missing.
    """
    started = time.perf_counter()
    _check_inputs(timeline, clips, voices, music)
    if sound is None:
        sound = master_sound(
            timeline,
            voices,
            music,
            target_lufs=target_lufs,
            peak_limit_db=peak_limit_db,
            audio_bit_rate=audio_bit_rate,
            mix_settings=mix_settings,
        )
    soundtrack, spans, ducking_db = sound.soundtrack, sound.spans, sound.ducking_db

    picture = plan_picture(timeline, spans, font_path, preset=preset, crf=crf)
    renderer, cues, settings = picture.renderer, picture.cues, picture.settings

    with contextlib.ExitStack() as stack:
        if segments_dir is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="personavlog-segments-")))
        else:
            folder = Path(segments_dir)
            folder.mkdir(parents=True, exist_ok=True)
        segments = plan_segments(timeline, clips, picture.captions, renderer, font_path, settings, folder)
        encoded = encode_segments(segments, timeline, clips, renderer, settings, on_progress)
        frames_written = remux_vlog(
            out_mp4,
            [segment.part() for segment in segments],
            timeline.fps,
            soundtrack.packets,
            soundtrack.rate,
            audio_bit_rate=audio_bit_rate,
        )
        write_srt(out_srt, cues)
        remove_unused(folder, segments)
    reused = len({segment.key for segment in segments}) - encoded

    render_s = time.perf_counter() - started
    duration, video_duration, audio_duration = _stream_durations(Path(out_mp4))
    return ComposeReport(
        mp4=Path(out_mp4),
        srt=Path(out_srt),
        width=timeline.width,
        height=timeline.height,
        fps=timeline.fps,
        frames=frames_written,
        duration_s=duration,
        video_duration_s=video_duration,
        audio_duration_s=audio_duration,
        integrated_lufs=_finite(soundtrack.integrated_lufs),
        true_peak_dbfs=_finite(soundtrack.true_peak_db),
        sample_peak_dbfs=_finite(soundtrack.sample_peak_db),
        ducking_db=ducking_db,
        caption_cues=len(cues),
        render_s=render_s,
        frames_per_s=frames_written / render_s if render_s > 0 else 0.0,
        segments_encoded=encoded,
        segments_reused=reused,
    )
