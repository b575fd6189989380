"""The final cut's video, one H.264 segment per shot, cached by what decides its pixels.

Shot k's segment holds output frames [first_k, end_k) (see `video.shot_frame_ranges`): its clip's frames, the
cut from the previous clip's tail over its first frames, and the captions on screen at each frame's time. It is
encoded on its own (starting on an IDR frame, video only) into `<folder>/<key>.mp4`, where the key hashes
everything that decides its pixels and bytes: the clips it reads, its length, the transition, the captions it
shows, the frame size and rate, the font, the encoder and `SEGMENT_FORMAT`. A segment whose file exists is
reused as it is, so a redo of one shot encodes that shot and the next (whose cut reads the changed clip's tail),
and a re-master of the audio encodes nothing; `encode.remux_vlog` joins the segments into the final MP4.

Segments are encoded two at a time, each decoded, drawn and encoded on its own thread by a single-threaded
libx264 (on two cores, faster than one segment at a time with libx264 on two threads and the frames drawn on a
third); frames stream from the clip decoders to the encoder one at a time, so memory does not grow with the
video's length.
"""

from __future__ import annotations

import io
import queue
import re
import threading
from collections.abc import Callable, Collection, Generator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import av
import numpy as np
import PIL

from personavlog.compose.captions import CaptionRenderer, CaptionSprite, CaptionTrack, default_font_path
from personavlog.compose.encode import H264Settings, Rgb709, VideoPart, add_h264_stream
from personavlog.compose.video import fade_frames, iter_shot_frames, shot_frame_ranges
from personavlog.errors import StageError
from personavlog.fsutil import atomic_path, sha256_file, sha256_json
from personavlog.schema import Timeline

SEGMENT_FORMAT = 1
"""Bump when the code that draws a segment's frames changes what they look like: every cached segment is redone."""
ENCODE_WORKERS = 2
"""Segments encoded at once."""
ENCODER_THREADS = 1
"""libx264's threads for each segment (they enter the key: the bitstream depends on them)."""

_SEGMENT_NAME = re.compile(r"^[0-9a-f]{64}\.mp4$")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class CaptionRun:
    """Frames [start, end) of a segment (counted from its first frame) that show the caption `lines`."""

    start: int
    end: int
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Segment:
    """Shot `index`'s part of the output video: frames [first, end), stored at `path` once encoded."""

    index: int
    shot_id: int
    first: int
    end: int
    captions: tuple[CaptionRun, ...]
    key: str
    path: Path

    @property
    def frames(self) -> int:
        return self.end - self.first

    def part(self) -> VideoPart:
        return VideoPart(self.path, self.first, self.frames)


def caption_runs(track: CaptionTrack, first: int, end: int, fps: int) -> tuple[CaptionRun, ...]:
    """Which caption each of frames [first, end) shows, at the output time of the frame, as runs of frames."""
    runs: list[CaptionRun] = []
    for frame in range(first, end):
        lines = track.lines_at(frame / fps)
        if lines is None:
            continue
        offset = frame - first
        if runs and runs[-1].lines == lines and runs[-1].end == offset:
            runs[-1] = CaptionRun(runs[-1].start, offset + 1, lines)
        else:
            runs.append(CaptionRun(offset, offset + 1, lines))
    return tuple(runs)


@cache
def _font_digest(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(Path(path))


def font_identity(font_path: Path | None) -> str:
    """What decides the captions' glyphs: the font file's content (Pillow's built-in font when there is none)."""
    path = font_path or default_font_path()
    if path is None:
        return f"pillow-default-{PIL.__version__}"
    stat = Path(path).stat()
    return _font_digest(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


def clips_read(timeline: Timeline, index: int) -> set[int]:
    """The shots (by index) whose clips segment `index` shows: its own, and the previous one when a cut fades in."""
    return {index - 1, index} if fade_frames(timeline, index) else {index}


def plan_segments(
    timeline: Timeline,
    clips: dict[int, Path],
    track: CaptionTrack,
    renderer: CaptionRenderer,
    font_path: Path | None,
    settings: H264Settings,
    folder: Path,
    indices: Collection[int] | None = None,
) -> list[Segment]:
    """The segments of the cut in order (shots that get no frame have none), with their keys and paths; only those
    of the shots at `indices` when given (only their clips, and those their cuts read, need to exist)."""
    clip_hashes: dict[Path, str] = {}

    def clip_hash(shot_index: int) -> str:
        path = Path(clips[timeline.shots[shot_index].shot_id])
        if path not in clip_hashes:
            clip_hashes[path] = sha256_file(path)
        return clip_hashes[path]

    common = {
        "format": SEGMENT_FORMAT,
        "size": [timeline.width, timeline.height],
        "fps": timeline.fps,
        "encoder": settings.describe(timeline.fps),
        "font": font_identity(font_path),
        "caption_style": renderer.style.model_dump(mode="json"),
    }
    ranges = shot_frame_ranges(timeline)
    segments: list[Segment] = []
    for index, (first, end) in enumerate(ranges):
        if end <= first or (indices is not None and index not in indices):
            continue
        captions = caption_runs(track, first, end, timeline.fps)
        fade = fade_frames(timeline, index)
        cut: dict[str, Any] | None = None
        if fade:
            before_first, before_end = ranges[index - 1]
            cut = {
                "kind": timeline.shots[index].transition_in.value,
                "frames": fade,
                "outgoing_clip": clip_hash(index - 1),
                "outgoing_from": before_end - before_first,
            }
        described = {
            **common,
            "clip": clip_hash(index),
            "frames": end - first,
            "cut": cut,
            "captions": [[run.start, run.end, list(run.lines)] for run in captions],
        }
        key = sha256_json(described)
        segments.append(
            Segment(index, timeline.shots[index].shot_id, first, end, captions, key, Path(folder) / f"{key}.mp4")
        )
    return segments


class _SharedRenderer:
    """The caption renderer shared by the encoding threads: one sprite is rendered at a time (FreeType's faces are
    not for concurrent use); each thread keeps the sprite of the caption it is drawing."""

    def __init__(self, renderer: CaptionRenderer):
        self._renderer = renderer
        self._lock = threading.Lock()

    def render(self, lines: tuple[str, ...]) -> CaptionSprite:
        with self._lock:
            return self._renderer.render(lines)


class _Cancelled(Exception):
    """Another segment failed: this one stops (its temporary file is removed)."""


def _drawn_frames(
    segment: Segment, timeline: Timeline, clips: dict[int, Path], renderer: _SharedRenderer
) -> Generator[np.ndarray, None, None]:
    """The segment's frames with their captions, one at a time; the cut into it reads the previous clip."""
    frames = iter_shot_frames(timeline, clips, [segment.index])
    sprite: tuple[tuple[str, ...], CaptionSprite] | None = None
    runs = iter(segment.captions)
    run = next(runs, None)
    try:
        for offset, frame in enumerate(frames):
            while run is not None and run.end <= offset:
                run = next(runs, None)
            if run is None or offset < run.start:
                yield frame
                continue
            if sprite is None or sprite[0] != run.lines:
                sprite = (run.lines, renderer.render(run.lines))
            yield sprite[1].draw_on(frame)
    finally:
        frames.close()


def _encode_segment(
    segment: Segment,
    timeline: Timeline,
    clips: dict[int, Path],
    renderer: _SharedRenderer,
    settings: H264Settings,
    encoded: queue.SimpleQueue[int | Future[None]],
    stop: threading.Event,
) -> None:
    """Draw and encode one segment on this thread into its file, which appears when whole; one count in `encoded`
    for each frame that leaves the encoder."""
    converter = Rgb709()
    frames = _drawn_frames(segment, timeline, clips, renderer)
    try:
        with atomic_path(segment.path) as tmp, av.open(str(tmp), mode="w", format="mp4") as container:
            stream = add_h264_stream(container, timeline.width, timeline.height, timeline.fps, settings)
            count = 0
            for frame in frames:
                if stop.is_set():
                    raise _Cancelled
                for packet in stream.encode(converter.frame(frame, count)):
                    container.mux(packet)
                    encoded.put(1)
                count += 1
            for packet in stream.encode():
                container.mux(packet)
                encoded.put(1)
            if count != segment.frames:
                raise StageError("compose", f"shot {segment.shot_id}: {count} frames, {segment.frames} planned")
    finally:
        frames.close()


def _reference_extradata(timeline: Timeline, settings: H264Settings) -> bytes:
    """The codec parameters (SPS/PPS, as stored in an MP4) that these settings give: a one-frame encode in memory."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = add_h264_stream(container, timeline.width, timeline.height, timeline.fps, settings)
        black = np.zeros((timeline.height, timeline.width, 3), dtype=np.uint8)
        for packet in [*stream.encode(Rgb709().frame(black, 0)), *stream.encode()]:
            container.mux(packet)
    buffer.seek(0)
    with av.open(buffer) as container:
        return bytes(container.streams.video[0].codec_context.extradata or b"")


def _reusable(segment: Segment, extradata: bytes) -> bool:
    """Whether a cached segment's file holds its frames, encoded with these codec parameters."""
    try:
        with av.open(str(segment.path)) as container:
            stream = container.streams.video[0]
            same = bytes(stream.codec_context.extradata or b"") == extradata
            return same and stream.frames == segment.frames
    except (av.FFmpegError, OSError, IndexError):
        return False


def encode_segments(
    segments: Sequence[Segment],
    timeline: Timeline,
    clips: dict[int, Path],
    renderer: CaptionRenderer,
    settings: H264Settings,
    on_progress: Progress | None = None,
) -> int:
    """Encode the segments whose files are missing (or not what their key promises); returns how many were encoded.

    `ENCODE_WORKERS` segments are encoded at once; if one fails, the others stop and its error is raised, leaving
    the segments already finished in place. `on_progress(done, total)` counts frames (a reused segment's at once)
    and is called on the caller's thread.
    """
    first_of_key: dict[str, Segment] = {}
    for segment in segments:
        first_of_key.setdefault(segment.key, segment)
    unique = list(first_of_key.values())
    cached = [segment for segment in unique if segment.path.is_file()]
    if cached:
        extradata = _reference_extradata(timeline, settings)
        for segment in cached:
            if not _reusable(segment, extradata):
                segment.path.unlink(missing_ok=True)
    todo = [segment for segment in unique if not segment.path.is_file()]
    total = sum(segment.frames for segment in segments)
    done = total - sum(segment.frames for segment in todo)
    if on_progress is not None:
        on_progress(done, total)
    if not todo:
        return 0
    shared = _SharedRenderer(renderer)
    # Frames encoded (ints) and finished encodes (their futures), in the order they happen: the caller blocks on it.
    events: queue.SimpleQueue[int | Future[None]] = queue.SimpleQueue()
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=ENCODE_WORKERS, thread_name_prefix="compose-segment") as pool:
        pending: set[Future[None]] = set()
        # Longest first, so that the segment left to encode alone at the end is a short one.
        for segment in sorted(todo, key=lambda segment: -segment.frames):
            future = pool.submit(_encode_segment, segment, timeline, clips, shared, settings, events, stop)
            pending.add(future)
            future.add_done_callback(events.put)
        try:
            while pending:
                event = events.get()
                if isinstance(event, Future):
                    pending.discard(event)
                    event.result()  # raises the segment's error
                    continue
                done += event
                if on_progress is not None:
                    on_progress(done, total)
        except BaseException:
            stop.set()
            for future in pending:
                future.cancel()
            raise
    return len(todo)


def remove_unused(folder: Path, segments: Sequence[Segment]) -> None:
    """Delete the segment files in `folder` that the current cut does not use."""
    keep = {segment.path.name for segment in segments}
    if not Path(folder).is_dir():
        return
    for path in Path(folder).iterdir():
        if _SEGMENT_NAME.match(path.name) and path.name not in keep and path.is_file():
            path.unlink(missing_ok=True)
