"""The composer, end to end with the real encoder: synthetic clips, tone-burst voices and a chord as music."""

from __future__ import annotations

import math
import os
import re
import struct
import tracemalloc
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import av
import numpy as np
import pyloudnorm
import pytest
from scipy.signal import butter, sosfiltfilt

from personavlog.compose import ComposeReport, compose_vlog
from personavlog.compose.audio_mix import mix_audio, voice_spans
from personavlog.compose.captions import CaptionRenderer
from personavlog.compose.cues import plan_cues
from personavlog.compose.ducking import duck_envelope
from personavlog.compose.encode import VideoPart, remux_vlog
from personavlog.compose.loudness import integrated_loudness, limit, normalise, true_peak_db
from personavlog.compose.render import encode_segments_ahead
from personavlog.compose.srt import format_srt, srt_timestamp
from personavlog.compose.text_wrap import join_units, split_units, wrap_units
from personavlog.compose.transitions import transition_frame
from personavlog.errors import StageError
from personavlog.media import ClipWriter, write_wav
from personavlog.schema import ShotTiming, Timeline

COLOURS = [(200, 40, 60), (40, 60, 200), (40, 180, 80), (210, 200, 40)]
MUSIC_HZ = (220.0, 277.2, 329.6)
VOICE_HZ = (1200.0, 1800.0)
PEAK_LIMIT = 10 ** (-1 / 20)


@dataclass
class Vlog:
    timeline: Timeline
    report: ComposeReport
    mp4: Path
    srt: Path
    voice_windows: list[tuple[float, float]]


def _clip(path: Path, timeline: Timeline, frames: int, colour: tuple[int, int, int]) -> None:
    """A solid colour with a small moving square near the top (away from the caption area)."""
    width, height = timeline.width, timeline.height
    side = max(4, height // 12)
    with ClipWriter(path, width, height, timeline.fps) as writer:
        for index in range(frames):
            frame = np.empty((height, width, 3), dtype=np.uint8)
            frame[:] = colour
            left = (index * 5) % (width - side)
            frame[height // 12 : height // 12 + side, left : left + side] = 255
            writer.write(frame)


def _voice(path: Path, seconds: float, rate: int = 22050) -> None:
    """A "voice": two tones with a syllable-rate wobble."""
    t = np.arange(round(seconds * rate)) / rate
    wobble = 0.65 + 0.35 * np.sin(2 * np.pi * 4.0 * t)
    tone = sum(np.sin(2 * np.pi * hz * t) for hz in VOICE_HZ) / len(VOICE_HZ)
    write_wav(path, 0.5 * wobble * tone, rate)


def _music(path: Path, seconds: float, rate: int = 44100) -> None:
    t = np.arange(round(seconds * rate)) / rate
    chord = sum(np.sin(2 * np.pi * hz * t) for hz in MUSIC_HZ) * 0.12
    write_wav(path, np.stack([chord, chord * 0.9], axis=1), rate)


def _build(
    folder: Path,
    width: int,
    height: int,
    fps: int,
    shot_s: float,
    shots: int,
    captions: list[str],
    voice_offset_s: float = 0.4,
    voice_s: float = 0.9,
    crossfade_s: float = 0.4,
    music_s: float | None = None,
) -> tuple[Timeline, dict[int, Path], dict[int, Path], Path]:
    folder.mkdir(parents=True, exist_ok=True)
    timings = [
        ShotTiming(
            shot_id=index + 1,
            start_s=index * shot_s,
            duration_s=shot_s,
            voice_offset_s=voice_offset_s,
            voice_duration_s=voice_s,
            caption=captions[index % len(captions)],
        )
        for index in range(shots)
    ]
    timeline = Timeline(fps=fps, width=width, height=height, shots=timings, crossfade_s=crossfade_s)
    clips: dict[int, Path] = {}
    voices: dict[int, Path] = {}
    for index, shot in enumerate(timings):
        last = index == shots - 1
        frames = round((shot.duration_s + (0.0 if last else crossfade_s)) * fps)
        clips[shot.shot_id] = folder / f"clip{shot.shot_id}.mp4"
        _clip(clips[shot.shot_id], timeline, frames, COLOURS[index % len(COLOURS)])
        voices[shot.shot_id] = folder / f"voice{shot.shot_id}.wav"
        _voice(voices[shot.shot_id], voice_s)
    music = folder / "music.wav"
    _music(music, music_s if music_s is not None else timeline.total_s)
    return timeline, clips, voices, music


def _render(folder: Path, timeline: Timeline, clips, voices, music, **kwargs) -> Vlog:
    mp4, srt = folder / "out" / "vlog.mp4", folder / "out" / "vlog.srt"
    report = compose_vlog(timeline, clips, voices, music, mp4, srt, **kwargs)
    starts = [shot.start_s + shot.voice_offset_s for shot in timeline.shots]
    windows = [(start, start + shot.voice_duration_s) for start, shot in zip(starts, timeline.shots, strict=True)]
    return Vlog(timeline, report, mp4, srt, windows)


def _frames(path: Path, wanted: set[int]) -> dict[int, np.ndarray]:
    found: dict[int, np.ndarray] = {}
    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index in wanted:
                found[index] = frame.to_ndarray(format="rgb24").astype(np.int16)
    return found


def _audio(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        chunks = [frame.to_ndarray() for frame in container.decode(audio=0)]
    return np.concatenate(chunks, axis=1).T.astype(np.float64), rate


def _probe(path: Path) -> dict[str, object]:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0]
        return {
            "video_codec": video.codec_context.name,
            "audio_codec": audio.codec_context.name,
            "size": (video.codec_context.width, video.codec_context.height),
            "pix_fmt": video.codec_context.pix_fmt,
            "video_s": float(video.duration * video.time_base),
            "audio_s": float(audio.duration * audio.time_base),
            "frames": sum(1 for _ in container.decode(video=0)),
            "rate": audio.codec_context.sample_rate,
            "channels": audio.codec_context.channels,
        }


def _parse_srt(text: str) -> list[tuple[float, float, str]]:
    def seconds(stamp: str) -> float:
        hours, minutes, rest = stamp.split(":")
        secs, millis = rest.split(",")
        return int(hours) * 3600 + int(minutes) * 60 + int(secs) + int(millis) / 1000

    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        start, end = re.match(r"(\S+) --> (\S+)", lines[1]).groups()
        cues.append((seconds(start), seconds(end), "\n".join(lines[2:])))
    return cues


def _caption_area(frame: np.ndarray) -> np.ndarray:
    height, width = frame.shape[:2]
    return frame[int(height * 0.55) :, int(width * 0.1) : int(width * 0.9)]


def _distance_from(frame: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    return np.abs(frame - np.asarray(colour, dtype=np.int16)).max(axis=2)


@pytest.fixture(scope="module")
def landscape(tmp_path_factory: pytest.TempPathFactory) -> Vlog:
    folder = tmp_path_factory.mktemp("landscape")
    captions = ["First line of my day, walking into the morning light", "Second", "Third thought"]
    timeline, clips, voices, music = _build(folder, 320, 180, 24, 2.0, 3, captions)
    return _render(folder, timeline, clips, voices, music)


def test_output_streams_and_durations(landscape: Vlog) -> None:
    probe = _probe(landscape.mp4)
    assert probe["video_codec"] == "h264"
    assert probe["audio_codec"] == "aac"
    assert probe["size"] == (320, 180)
    assert probe["pix_fmt"] == "yuv420p"
    assert probe["rate"] == 48000 and probe["channels"] == 2
    assert probe["frames"] == 144 == landscape.report.frames
    frame_s = 1 / landscape.timeline.fps
    assert abs(probe["video_s"] - 6.0) <= frame_s
    assert abs(probe["audio_s"] - probe["video_s"]) <= frame_s
    assert abs(landscape.report.duration_s - 6.0) <= frame_s
    leftovers = [p.name for p in landscape.mp4.parent.iterdir() if p.name not in ("vlog.mp4", "vlog.srt")]
    assert leftovers == []


def test_loudness_and_peaks(landscape: Vlog) -> None:
    audio, rate = _audio(landscape.mp4)
    assert abs(pyloudnorm.Meter(rate).integrated_loudness(audio) - (-16.0)) <= 1.0
    assert np.abs(audio).max() <= PEAK_LIMIT
    assert abs(landscape.report.integrated_lufs + 16.0) <= 0.5
    assert landscape.report.sample_peak_dbfs <= -1.0
    assert landscape.report.true_peak_dbfs <= -1.0


def test_music_is_ducked_under_the_voice(landscape: Vlog) -> None:
    audio, rate = _audio(landscape.mp4)
    music_band = sosfiltfilt(butter(4, (180, 380), "bandpass", fs=rate, output="sos"), audio[:, 0])

    def level(start: float, end: float) -> float:
        part = music_band[round(start * rate) : round(end * rate)]
        return 10 * math.log10(float(np.mean(part**2)))

    windows = landscape.voice_windows
    speaking = [level(start + 0.15, end - 0.1) for start, end in windows[:2]]
    gaps = [level(end + 0.45, following[0] - 0.2) for (_, end), following in pairwise(windows)]
    assert min(gaps) - max(speaking) >= 8.0
    assert landscape.report.ducking_db >= 10.0


def test_captions_drawn_only_while_the_voice_plays(landscape: Vlog) -> None:
    fps = landscape.timeline.fps
    during = [round((start + 0.3) * fps) for start, _ in landscape.voice_windows]
    outside = [round(1.8 * fps), round(3.8 * fps)]
    frames = _frames(landscape.mp4, {*during, *outside})
    for index in during:
        colour = COLOURS[index // (2 * fps)]
        assert (_distance_from(_caption_area(frames[index]), colour) > 80).mean() > 0.02
    for index in outside:
        colour = COLOURS[index // (2 * fps)]
        assert _distance_from(_caption_area(frames[index]), colour).max() < 16


def test_crossfade_blends_both_clips(landscape: Vlog) -> None:
    fps = landscape.timeline.fps
    boundary = 2 * fps
    frames = _frames(landscape.mp4, {boundary - 1, boundary + 4, boundary + 12})
    probe = (slice(40, 80), slice(20, 60))  # below the moving square, above the captions
    before, middle, after = (
        frames[i][probe].reshape(-1, 3).mean(axis=0) for i in (boundary - 1, boundary + 4, boundary + 12)
    )
    first, second = np.asarray(COLOURS[0]), np.asarray(COLOURS[1])
    assert np.abs(before - first).max() < 6
    assert np.abs(after - second).max() < 6
    red_blue = [0, 2]  # the channels that differ a lot between the two colours
    weight = ((middle - first) / (second - first))[red_blue]
    assert np.all((weight > 0.2) & (weight < 0.8)), weight
    assert np.ptp(weight) < 0.1  # one blend weight for both channels: a mix, not a colour shift


def test_srt_matches_voice_lines(landscape: Vlog) -> None:
    cues = _parse_srt(landscape.srt.read_text(encoding="utf-8"))
    assert len(cues) == landscape.report.caption_cues >= 3
    assert all(0.0 <= start < end <= landscape.report.duration_s + 1e-3 for start, end, _ in cues)
    for (start, end), shot in zip(landscape.voice_windows, landscape.timeline.shots, strict=True):
        mine = [cue for cue in cues if start - 1e-3 <= cue[0] < end]
        assert mine, shot.caption
        assert abs(mine[0][0] - start) <= 0.002
        assert abs(mine[-1][1] - end) <= 0.002
        assert " ".join(text.replace("\n", " ") for _, _, text in mine) == shot.caption
        assert all(len(text.splitlines()) <= 2 for _, _, text in mine)


def test_faststart_and_interleaving(landscape: Vlog) -> None:
    data = landscape.mp4.read_bytes()
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        boxes.append(kind.decode("latin-1"))
        if size < 8:
            break
        offset += size
    assert "moov" in boxes and "mdat" in boxes
    assert boxes.index("moov") < boxes.index("mdat")
    with av.open(str(landscape.mp4)) as container:
        packets = [(p.pos, p.stream.type, float(p.pts * p.time_base)) for p in container.demux() if p.pts is not None]
    latest = {"video": 0.0, "audio": 0.0}
    for _, kind, when in sorted(packets):
        latest[kind] = max(latest[kind], when)
        assert abs(latest["video"] - latest["audio"]) < 1.0


@pytest.mark.parametrize(
    ("size", "caption"),
    [
        ((180, 320), "今日は朝から海辺の町を歩いて、小さな喫茶店でコーヒーを飲みました。"),
        ((256, 256), "A square frame"),
    ],
    ids=["9:16", "1:1"],
)
def test_other_aspects(tmp_path: Path, size: tuple[int, int], caption: str) -> None:
    width, height = size
    timeline, clips, voices, music = _build(tmp_path, width, height, 12, 1.5, 2, [caption], voice_offset_s=0.2)
    vlog = _render(tmp_path, timeline, clips, voices, music)
    probe = _probe(vlog.mp4)
    assert probe["size"] == size
    assert probe["frames"] == 36
    assert abs(probe["audio_s"] - probe["video_s"]) <= 1 / 12
    frame = _frames(vlog.mp4, {6})[6]
    changed = _distance_from(frame, COLOURS[0]) > 80
    changed[: height // 2] = False
    columns = np.flatnonzero(changed.any(axis=0))
    assert columns.size > 0
    assert columns.min() >= 0.04 * width and columns.max() <= 0.96 * width
    cues = _parse_srt(vlog.srt.read_text(encoding="utf-8"))
    assert "".join(text.replace("\n", "") for _, _, text in cues[: len(cues) // 2]) == caption


def _rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_memory_does_not_grow_with_length(tmp_path: Path) -> None:
    """Memory in use while the video encodes, early vs late in a 16 s render and against a 4 s one.

    tracemalloc sees numpy buffers, RSS also sees FFmpeg's frame buffers; holding the frames of
    the extra 12 s would cost about 100 MB.
    """
    width, height, fps = 640, 360, 12
    frame_bytes = width * height * 3

    def run(name: str, shots: int) -> tuple[list[int], list[int]]:
        timeline, clips, voices, music = _build(tmp_path / name, width, height, fps, 4.0, shots, ["memory"])
        traced: list[int] = []
        rss: list[int] = []

        def on_progress(done: int, total: int) -> None:
            if done in (max(1, total // 8), total):
                traced.append(tracemalloc.get_traced_memory()[0])
                rss.append(_rss_bytes())

        tracemalloc.start()
        try:
            _render(tmp_path / name, timeline, clips, voices, music, on_progress=on_progress)
        finally:
            tracemalloc.stop()
        return traced, rss

    short_traced, _ = run("short", 1)
    long_traced, long_rss = run("long", 4)
    assert long_traced[1] - long_traced[0] < 8 * frame_bytes
    assert long_traced[1] - short_traced[1] < 8 * frame_bytes
    assert long_rss[1] - long_rss[0] < 30 * frame_bytes


def test_failed_compose_leaves_nothing(tmp_path: Path) -> None:
    timeline, clips, voices, music = _build(tmp_path, 320, 180, 12, 1.0, 2, ["broken"])
    clips[2].write_bytes(b"not a video")
    out = tmp_path / "out"
    with pytest.raises(Exception):  # noqa: B017 - whatever the decoder raises
        compose_vlog(timeline, clips, voices, music, out / "vlog.mp4", out / "vlog.srt")
    assert not out.exists() or list(out.iterdir()) == []
    del clips[2]
    with pytest.raises(StageError):
        compose_vlog(timeline, clips, voices, music, out / "vlog.mp4", out / "vlog.srt")


def test_short_music_is_looped(tmp_path: Path) -> None:
    timeline, clips, voices, music = _build(tmp_path, 320, 180, 12, 1.5, 2, ["loop"], music_s=1.0)
    vlog = _render(tmp_path, timeline, clips, voices, music)
    audio, rate = _audio(vlog.mp4)
    band = sosfiltfilt(butter(4, (180, 380), "bandpass", fs=rate, output="sos"), audio[:, 0])
    late = band[round(1.6 * rate) : round(1.75 * rate)]
    assert np.sqrt(np.mean(late**2)) > 0.01


# --- units -----------------------------------------------------------------------------------------


def test_cjk_glyphs_render() -> None:
    renderer = CaptionRenderer(1280, 720)
    sea, mountain = renderer.render_rgba(["海"]), renderer.render_rgba(["山"])
    missing = renderer.render_rgba(["\U000f0000"])  # private use: no glyph in any font, draws .notdef
    assert sea.shape == mountain.shape
    white = lambda rgba: (rgba[..., 3] > 0.95) & (rgba[..., :3].min(axis=2) > 0.9)  # noqa: E731
    assert white(sea).sum() > 50 and white(mountain).sum() > 50
    assert (white(sea) != white(mountain)).sum() > 50
    assert sea.shape != missing.shape or (white(sea) != white(missing)).sum() > 50


def test_cjk_text_wraps_by_character() -> None:
    renderer = CaptionRenderer(320, 180)
    text = "今日は朝から海辺の町を歩いて、小さな喫茶店でコーヒーを飲みました。夕方には山の上から夕日を見ました。"
    units = split_units(text)
    lines = wrap_units(units, renderer.measure, renderer.max_text_width)
    assert len(lines) > 2
    assert all(renderer.measure(join_units(line)) <= renderer.max_text_width for line in lines)
    assert "".join(join_units(line) for line in lines) == text
    assert not any(join_units(line)[0] in "、。" for line in lines)


def test_long_captions_become_consecutive_cues_timed_by_words() -> None:
    renderer = CaptionRenderer(320, 180)
    caption = " ".join(f"word{i}" for i in range(40))
    shot = ShotTiming(shot_id=1, start_s=0.0, duration_s=8.0, voice_offset_s=1.0, voice_duration_s=6.0, caption=caption)
    timeline = Timeline(fps=24, width=320, height=180, shots=[shot])
    cues = plan_cues(timeline, {}, renderer.layout)
    assert len(cues) > 1
    assert cues[0].start_s == pytest.approx(1.0) and cues[-1].end_s == pytest.approx(7.0)
    for cue, following in pairwise(cues):
        assert cue.end_s == pytest.approx(following.start_s)
    for cue in cues:
        assert len(cue.lines) <= 2
        words = sum(len(line.split()) for line in cue.lines)
        assert cue.end_s - cue.start_s == pytest.approx(6.0 * words / 40)


def test_srt_format() -> None:
    assert srt_timestamp(3723.4567) == "01:02:03,457"
    renderer = CaptionRenderer(320, 180)
    shot = ShotTiming(
        shot_id=1, start_s=0.0, duration_s=3.0, voice_offset_s=0.5, voice_duration_s=2.0, caption="héllo 世界"
    )
    text = format_srt(plan_cues(Timeline(fps=24, width=320, height=180, shots=[shot]), {}, renderer.layout))
    assert text == "1\n00:00:00,500 --> 00:00:02,500\nhéllo 世界\n"


def test_loudness_meter_matches_pyloudnorm() -> None:
    rate = 48000
    rng = np.random.default_rng(3)
    t = np.arange(rate * 6) / rate
    signal = np.stack([0.2 * np.sin(2 * np.pi * 330 * t) * (t % 1.5 < 1.0), 0.05 * rng.standard_normal(t.size)], axis=1)
    ours = integrated_loudness(signal.astype(np.float32), rate)
    assert ours == pytest.approx(pyloudnorm.Meter(rate).integrated_loudness(signal), abs=0.15)


def test_limiter_is_smooth_and_true_peak_safe() -> None:
    rate = 48000
    rng = np.random.default_rng(5)
    t = np.arange(rate * 4) / rate
    bursts = rng.standard_normal(t.size) * np.sin(2 * np.pi * 2 * t) ** 8 * 0.3 + 0.05 * np.sin(2 * np.pi * 110 * t)
    bursts[:: rate // 4] += 0.95
    signal = np.stack([bursts, 0.8 * bursts], axis=1).astype(np.float32)
    out = normalise(signal, rate, -16.0, -1.5)
    assert integrated_loudness(out, rate) == pytest.approx(-16.0, abs=0.1)
    assert true_peak_db(out) <= -1.5 + 1e-3
    gain = out[:, 0] / np.where(np.abs(signal[:, 0]) > 1e-3, signal[:, 0], np.nan)
    steps = np.abs(np.diff(gain[np.isfinite(gain)]))
    assert np.nanmax(steps) < 0.05  # the gain glides; a clipper would jump
    loud = limit(signal * 4, rate, -1.0)
    assert true_peak_db(loud) <= -1.0 + 1e-3


def test_ducking_envelope_dips_before_speech() -> None:
    rate = 48000
    voice = np.zeros(rate * 3, dtype=np.float32)
    t = np.arange(rate) / rate
    voice[rate : 2 * rate] = 0.3 * np.sin(2 * np.pi * 1000 * t)
    envelope = duck_envelope(voice, rate)
    gain_db = 20 * np.log10(envelope.sample_gain(0, voice.size))
    assert gain_db[rate] <= -10.0  # already down when the line starts
    assert gain_db[round(0.5 * rate)] > -0.5
    assert gain_db[round(2.6 * rate)] > -0.5  # back up once the line is over
    assert envelope.depth_db() == pytest.approx(12.0, abs=0.5)


# --- per-shot segments ------------------------------------------------------------------------------


def _small(folder: Path, shots: int = 3) -> tuple[Timeline, dict[int, Path], dict[int, Path], Path]:
    captions = ["One", "Two words", "Three little words"]
    return _build(folder, 160, 96, 12, 1.0, shots, captions, voice_offset_s=0.2, voice_s=0.5, crossfade_s=0.25)


def _files(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {path.name: (path.read_bytes(), path.stat().st_mtime_ns) for path in sorted(folder.iterdir())}


def test_recompose_reuses_every_segment_and_writes_the_same_bytes(tmp_path: Path) -> None:
    timeline, clips, voices, music = _small(tmp_path / "in")
    segments = tmp_path / "segments"
    first = _render(tmp_path / "first", timeline, clips, voices, music, segments_dir=segments)
    kept = _files(segments)
    second = _render(tmp_path / "second", timeline, clips, voices, music, segments_dir=segments)
    scratch = _render(tmp_path / "scratch", timeline, clips, voices, music)
    assert (first.report.segments_encoded, first.report.segments_reused) == (3, 0)
    assert (second.report.segments_encoded, second.report.segments_reused) == (0, 3)
    assert (scratch.report.segments_encoded, scratch.report.segments_reused) == (3, 0)
    assert len(kept) == 3 and _files(segments) == kept
    assert first.mp4.read_bytes() == second.mp4.read_bytes() == scratch.mp4.read_bytes()


def test_segments_encoded_ahead_are_the_ones_the_compose_would_encode(tmp_path: Path) -> None:
    timeline, clips, voices, music = _small(tmp_path / "in")
    segments = tmp_path / "segments"
    assert encode_segments_ahead(timeline, clips, voices, segments, [0, 2]) == 2
    assert encode_segments_ahead(timeline, clips, voices, segments, [0]) == 0  # already there
    ahead = _render(tmp_path / "ahead", timeline, clips, voices, music, segments_dir=segments)
    scratch = _render(tmp_path / "scratch", timeline, clips, voices, music)
    assert (ahead.report.segments_encoded, ahead.report.segments_reused) == (1, 2)
    assert ahead.mp4.read_bytes() == scratch.mp4.read_bytes()


def test_voice_spans_read_from_the_headers_are_where_the_mix_puts_the_lines(tmp_path: Path) -> None:
    timeline, _, voices, music = _small(tmp_path / "in")
    for shot_id, rate, seconds in ((1, 16000, 0.37), (2, 24000, 0.5), (3, 22050, 2.9)):  # the last one is cut short
        _voice(voices[shot_id], seconds, rate)
    mixed = mix_audio(timeline, voices, music).voice_spans
    assert voice_spans(timeline, voices) == mixed
    assert mixed[-1].end_s == pytest.approx(timeline.total_s)


def test_a_changed_clip_reencodes_its_shot_and_the_next(tmp_path: Path) -> None:
    timeline, clips, voices, music = _small(tmp_path / "in", shots=4)
    segments = tmp_path / "segments"
    _render(tmp_path / "before", timeline, clips, voices, music, segments_dir=segments)
    before = _files(segments)
    frames = round((timeline.shots[1].duration_s + timeline.crossfade_s) * timeline.fps)
    _clip(clips[2], timeline, frames, (90, 90, 90))  # shot 2 redone: its clip has other pixels
    after = _render(tmp_path / "after", timeline, clips, voices, music, segments_dir=segments)
    assert (after.report.segments_encoded, after.report.segments_reused) == (2, 2)
    now = _files(segments)
    assert len(now) == 4
    untouched = set(before) & set(now)
    assert len(untouched) == 2 and all(before[name] == now[name] for name in untouched)
    # The untouched ones are shots 1 and 4; the cut into shot 3 reads the changed clip's tail.
    scratch = _render(tmp_path / "scratch", timeline, clips, voices, music)
    assert after.mp4.read_bytes() == scratch.mp4.read_bytes()
    changed = _frames(after.mp4, {18, 25})
    grey = np.asarray((90, 90, 90))
    assert np.abs(changed[18][30:50, 20:60].reshape(-1, 3).mean(axis=0) - grey).max() < 6
    blended = changed[25][30:50, 20:60].reshape(-1, 3).mean(axis=0)  # the first frames of shot 3 mix in grey
    assert np.abs(blended - grey).max() > 10 and np.abs(blended - np.asarray(COLOURS[2])).max() > 10


def test_remastering_reencodes_no_segment(tmp_path: Path) -> None:
    timeline, clips, voices, music = _small(tmp_path / "in")
    segments = tmp_path / "segments"
    loud = _render(tmp_path / "loud", timeline, clips, voices, music, segments_dir=segments)
    kept = _files(segments)
    quiet = _render(tmp_path / "quiet", timeline, clips, voices, music, segments_dir=segments, target_lufs=-20.0)
    assert (quiet.report.segments_encoded, quiet.report.segments_reused) == (0, 3)
    assert _files(segments) == kept
    assert quiet.report.integrated_lufs == pytest.approx(-20.0, abs=0.5)
    assert abs(loud.report.integrated_lufs - quiet.report.integrated_lufs) > 3.0

    def video_packets(path: Path) -> list[bytes]:
        with av.open(str(path)) as container:
            return [bytes(packet) for packet in container.demux(video=0) if packet.size]

    assert video_packets(loud.mp4) == video_packets(quiet.mp4)


def test_joined_segments_play_as_one_video(tmp_path: Path) -> None:
    """Shots of 12, 2, 1 and 12 frames: short segments are encoded without B-frames, the others with them."""
    fps, crossfade_s = 12, 0.25
    durations = [1.0, 2 / fps, 1 / fps, 1.0]
    starts = [sum(durations[:index]) for index in range(len(durations))]
    shots = [
        ShotTiming(shot_id=i + 1, start_s=s, duration_s=d, voice_offset_s=0.0, voice_duration_s=0.0, caption="")
        for i, (s, d) in enumerate(zip(starts, durations, strict=True))
    ]
    shots[0] = shots[0].model_copy(update={"voice_offset_s": 0.2, "voice_duration_s": 0.6, "caption": "Hello"})
    timeline = Timeline(fps=fps, width=160, height=96, shots=shots, crossfade_s=crossfade_s)
    folder = tmp_path / "in"
    folder.mkdir()
    clips, voices = {}, {}
    for index, shot in enumerate(shots):
        clips[shot.shot_id] = folder / f"clip{shot.shot_id}.mp4"
        frames = round((shot.duration_s + (crossfade_s if index < len(shots) - 1 else 0.0)) * fps)
        _clip(clips[shot.shot_id], timeline, frames, COLOURS[index])
    voices[1] = folder / "voice1.wav"
    _voice(voices[1], 0.6)
    music = folder / "music.wav"
    _music(music, timeline.total_s)
    vlog = _render(tmp_path, timeline, clips, voices, music, segments_dir=tmp_path / "segments")
    total = 12 + 2 + 1 + 12
    assert vlog.report.frames == total and vlog.report.segments_encoded == 4
    with av.open(str(vlog.mp4)) as container:
        video = container.streams.video[0]
        context = video.codec_context
        assert (context.colorspace, context.color_primaries, context.color_trc, context.color_range) == (1, 1, 1, 1)
        decoded = list(container.decode(video=0))
    pts = [frame.pts for frame in decoded]
    assert len(decoded) == total
    assert all(later > earlier for earlier, later in pairwise(pts))
    frame_s = 1 / fps
    probe = _probe(vlog.mp4)
    assert abs(probe["video_s"] - total * frame_s) <= frame_s
    assert abs(probe["audio_s"] - probe["video_s"]) <= frame_s
    assert abs(vlog.report.duration_s - total * frame_s) <= frame_s
    audio, rate = _audio(vlog.mp4)
    assert abs(audio.shape[0] / rate - total * frame_s) <= frame_s
    voice_band = sosfiltfilt(butter(4, (1000, 2000), "bandpass", fs=rate, output="sos"), audio[:, 0])
    assert np.sqrt(np.mean(voice_band[round(0.3 * rate) : round(0.7 * rate)] ** 2)) > 0.01

    # The segments sit in their places: shot 4 plays its own colour once the cut is over, and the cuts into
    # the 2-frame and 1-frame shots blend the clips on either side.
    def colour_at(index: int) -> np.ndarray:
        return decoded[index].to_ndarray(format="rgb24")[30:50, 20:60].reshape(-1, 3).mean(axis=0)

    def solid(colour: tuple[int, int, int]) -> np.ndarray:
        return np.full((2, 2, 3), colour, dtype=np.uint8)

    assert np.abs(colour_at(20) - COLOURS[3]).max() < 6
    for index, shot, position in ((13, 1, 2 / 3), (14, 2, 1 / 2)):
        kind = shots[shot].transition_in
        expected = transition_frame(kind, solid(COLOURS[shot - 1]), solid(COLOURS[shot]), position)[0, 0]
        assert np.abs(colour_at(index) - expected).max() < 8, index


def test_a_cached_segment_with_other_codec_parameters_is_encoded_again(tmp_path: Path) -> None:
    timeline, clips, voices, music = _small(tmp_path / "in", shots=2)
    segments = tmp_path / "segments"
    _render(tmp_path / "first", timeline, clips, voices, music, segments_dir=segments)
    first, second = sorted(segments.iterdir(), key=lambda path: path.stat().st_mtime_ns)
    with ClipWriter(second, timeline.width, timeline.height, timeline.fps, crf=30, preset="ultrafast") as writer:
        for _ in range(12):
            writer.write(np.zeros((timeline.height, timeline.width, 3), dtype=np.uint8))
    again = _render(tmp_path / "again", timeline, clips, voices, music, segments_dir=segments)
    assert (again.report.segments_encoded, again.report.segments_reused) == (1, 1)
    scratch = _render(tmp_path / "scratch", timeline, clips, voices, music)
    assert again.mp4.read_bytes() == scratch.mp4.read_bytes()
    # Joining segments whose SPS/PPS differ is refused rather than written.
    foreign = tmp_path / "foreign.mp4"
    with ClipWriter(foreign, timeline.width, timeline.height, timeline.fps, preset="ultrafast") as writer:
        for _ in range(12):
            writer.write(np.zeros((timeline.height, timeline.width, 3), dtype=np.uint8))
    parts = [VideoPart(first, 0, 12), VideoPart(foreign, 12, 12)]
    with pytest.raises(StageError, match="SPS/PPS"):
        remux_vlog(tmp_path / "joined.mp4", parts, timeline.fps, [], 48000)
    assert not (tmp_path / "joined.mp4").exists()
