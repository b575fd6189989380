"""The output MP4: H.264 video, interleaved with pre-encoded AAC packets.

The composer encodes the video shot by shot into segments (see segments.py) and `remux_vlog` joins their packets
into the final file without decoding them; `VlogMuxer` encodes a whole video frame by frame in one pass.
"""

from __future__ import annotations

import contextlib
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any

import av
import numpy as np
from av.video.reformatter import Colorspace, VideoReformatter

from personavlog.errors import StageError
from personavlog.fsutil import atomic_path

_BT709 = 1
_LIMITED_RANGE = 1


@dataclass(frozen=True)
class H264Settings:
    """What libx264 is told. Cached segments fix `threads`: the bitstream depends on it."""

    preset: str = "veryfast"
    crf: int = 20
    threads: int | None = None
    """None lets libx264 choose from the number of cores (`VlogMuxer` only)."""
    asm: str | None = None
    """x264's `asm`: the instruction sets it may use (None: all the CPU has); see `steady_x264_asm`."""

    def describe(self, fps: int) -> dict[str, Any]:
        """Everything that decides the encoded bytes, for cache keys."""
        return {
            "codec": "libx264",
            "libavcodec": av.library_versions["libavcodec"],
            "pyav": av.__version__,
            "preset": self.preset,
            "crf": self.crf,
            "threads": self.threads,
            "gop": 2 * fps,
            "pix_fmt": "yuv420p",
            "colour": "bt709-limited",
            "asm": self.asm,
        }


@cache
def steady_x264_asm() -> str | None:
    """The instruction sets that make libx264's output a function of its input on this CPU.

    With its AVX-512 kernels, x264 now and then gives other bytes for the same frames (about one encode in a
    hundred of a short 160x96 clip with captions, on an AMD EPYC), which would break byte-identical recomposes.
    Held to AVX2, it gave the same bytes in every one of hundreds of encodes: those the AVX-512 kernels give most
    of the time. So where the CPU has AVX-512, x264 is held to AVX2; elsewhere it picks as usual.
    """
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return None
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    flags = next(
        (set(line.split(":", 1)[1].split()) for line in cpuinfo.splitlines() if line.startswith("flags")), set()
    )
    return "AVX2" if {"avx512f", "avx2", "fma", "bmi2"} <= flags else None


def add_h264_stream(
    container: av.container.OutputContainer, width: int, height: int, fps: int, settings: H264Settings
) -> av.VideoStream:
    """A libx264 stream tagged BT.709, limited range, with a keyframe at least every two seconds."""
    video = container.add_stream("libx264", rate=fps)
    video.width = width
    video.height = height
    video.pix_fmt = "yuv420p"
    options: dict[str, object] = {"crf": str(settings.crf), "preset": settings.preset}
    if settings.threads is not None:
        options["threads"] = str(settings.threads)
    if settings.asm is not None:
        options["x264-params"] = f"asm={settings.asm}"
    video.options = options
    context = video.codec_context
    context.gop_size = 2 * fps
    context.colorspace = _BT709
    context.color_primaries = _BT709
    context.color_trc = _BT709
    context.color_range = _LIMITED_RANGE
    return video


class Rgb709:
    """RGB frames to the encoder's YUV 4:2:0 with BT.709 coefficients and limited range, what players assume for HD."""

    def __init__(self) -> None:
        self._reformatter = VideoReformatter()

    def frame(self, frame_rgb: np.ndarray, pts: int) -> av.VideoFrame:
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame_rgb), format="rgb24")
        frame = self._reformatter.reformat(
            frame, format="yuv420p", dst_colorspace=Colorspace.ITU709, dst_color_range="MPEG"
        )
        frame.pts = pts
        return frame


class _AudioTrack:
    """Pre-encoded AAC packets on an output stream, muxed up to a time as the video advances."""

    def __init__(self, container: av.container.OutputContainer, packets: Sequence[av.Packet], rate: int, bit_rate: int):
        self._container = container
        self._stream = container.add_stream("aac", rate=rate, layout="stereo")
        self._stream.bit_rate = bit_rate
        self._packets = list(packets)
        self._next = 0
        self._time_base = Fraction(1, rate)

    def mux_until(self, seconds: float | None) -> None:
        """Mux the packets that start before `seconds` (all that remain when None)."""
        while self._next < len(self._packets):
            packet = self._packets[self._next]
            if seconds is not None and float((packet.pts or 0) * self._time_base) >= seconds:
                return
            packet.stream = self._stream
            self._container.mux(packet)
            self._next += 1


def write_audio_only(path: Path, packets: Sequence[av.Packet], rate: int, bit_rate: int = 160_000) -> None:
    """An MP4 holding only the AAC `packets` (copied, so theirs are left as they were), muxed as `remux_vlog` muxes
    them: decoding it gives the same samples as decoding the vlog's audio."""
    copies = []
    for packet in packets:
        copy = av.Packet(bytes(packet))
        copy.pts, copy.dts, copy.time_base = packet.pts, packet.dts, packet.time_base
        copies.append(copy)
    with atomic_path(Path(path)) as tmp, av.open(str(tmp), mode="w", format="mp4") as container:
        _AudioTrack(container, copies, rate, bit_rate).mux_until(None)


class VlogMuxer:
    """Streams RGB frames into libx264 and muxes audio packets alongside them in presentation order.

    Frames are converted with BT.709 coefficients and the stream is tagged as such, which is what
    players assume for HD video. The file is written to a temporary name and moved into place only
    when closed without error; `+faststart` puts the index (moov) before the media data.
    """

    def __init__(
        self,
        path: Path,
        width: int,
        height: int,
        fps: int,
        audio_packets: Sequence[av.Packet],
        audio_rate: int,
        audio_bit_rate: int = 160_000,
        crf: int = 20,
        preset: str = "veryfast",
    ):
        self._atomic = atomic_path(Path(path))
        tmp = self._atomic.__enter__()
        try:
            self._container = av.open(str(tmp), mode="w", format="mp4", options={"movflags": "+faststart"})
            self._video = add_h264_stream(self._container, width, height, fps, H264Settings(preset, crf))
            self._audio = _AudioTrack(self._container, audio_packets, audio_rate, audio_bit_rate)
        except BaseException:
            self._atomic.__exit__(RuntimeError, RuntimeError("aborted"), None)
            raise
        self._fps = fps
        self._converter = Rgb709()
        self.frames_written = 0
        self._closed = False

    def write(self, frame_rgb: np.ndarray) -> None:
        for packet in self._video.encode(self._converter.frame(frame_rgb, self.frames_written)):
            self._container.mux(packet)
        self.frames_written += 1
        self._audio.mux_until(self.frames_written / self._fps)

    def close(self, ok: bool = True) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if ok:
                for packet in self._video.encode():
                    self._container.mux(packet)
                self._audio.mux_until(None)
            self._container.close()
        except BaseException as error:
            self._atomic.__exit__(type(error), error, error.__traceback__)
            raise
        if ok:
            self._atomic.__exit__(None, None, None)
        else:
            self._atomic.__exit__(RuntimeError, RuntimeError("aborted"), None)

    def __enter__(self) -> VlogMuxer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close(ok=exc_type is None)


@dataclass(frozen=True)
class VideoPart:
    """One encoded segment of the output video: an MP4 holding output frames [first, first + frames)."""

    path: Path
    first: int
    frames: int


def _frame_units(value: int, time_base: Fraction, fps: int, what: str) -> int:
    """A timestamp in frames; segments are written on the frame grid, so anything else is a broken file."""
    frames = value * time_base * fps
    if frames.denominator != 1:
        raise StageError("compose", f"{what}: timestamp {value} x {time_base} is not on the {fps} fps grid")
    return int(frames)


def _reorder_delay(part: VideoPart, fps: int) -> int:
    """How many frames the part's first decode timestamp runs ahead of its first presentation (B-frame delay)."""
    with av.open(str(part.path)) as container:
        stream = container.streams.video[0]
        for packet in container.demux(stream):
            if packet.size and packet.dts is not None and packet.pts is not None:
                time_base = stream.time_base or Fraction(1, fps)
                pts = _frame_units(packet.pts, time_base, fps, str(part.path))
                return max(0, pts - _frame_units(packet.dts, time_base, fps, str(part.path)))
    return 0


def remux_vlog(
    path: Path,
    parts: Sequence[VideoPart],
    fps: int,
    audio_packets: Sequence[av.Packet],
    audio_rate: int,
    audio_bit_rate: int = 160_000,
) -> int:
    """Join the parts' H.264 packets (stream copy) and the AAC packets into one `+faststart` MP4; returns its frames.

    Each part starts on an IDR frame, so its packets decode on their own. Presentation times move by the part's
    first frame; decode times are renumbered across the whole file, one frame apart and behind the presentation
    times by the largest B-frame delay of any part (a short part's encoder may use none). Every part must have
    the first one's codec parameters (SPS/PPS): the output stream carries those. The file appears only when whole.
    Raises StageError when a part differs from the first or holds other than its number of frames.
    """
    if not parts:
        raise StageError("compose", "no video to remux")
    delay = max(_reorder_delay(part, fps) for part in parts)
    frame_time = Fraction(1, fps)
    with atomic_path(Path(path)) as tmp:
        container = av.open(str(tmp), mode="w", format="mp4", options={"movflags": "+faststart"})
        try:
            with av.open(str(parts[0].path)) as template:
                reference = template.streams.video[0]
                extradata = bytes(reference.codec_context.extradata or b"")
                video = container.add_stream_from_template(reference)
            audio = _AudioTrack(container, audio_packets, audio_rate, audio_bit_rate)
            decoded = 0
            for part in parts:
                if part.first != decoded:
                    raise StageError("compose", f"{part.path.name} starts at frame {part.first}, not {decoded}")
                with av.open(str(part.path)) as source:
                    stream = source.streams.video[0]
                    if bytes(stream.codec_context.extradata or b"") != extradata:
                        raise StageError(
                            "compose", f"{part.path.name}: H.264 parameters (SPS/PPS) differ from the first segment's"
                        )
                    time_base = stream.time_base or frame_time
                    for packet in source.demux(stream):
                        if not packet.size or packet.pts is None:
                            continue
                        packet.pts = part.first + _frame_units(packet.pts, time_base, fps, str(part.path))
                        packet.dts = decoded - delay
                        packet.duration = 1
                        packet.time_base = frame_time
                        packet.stream = video
                        container.mux(packet)
                        decoded += 1
                        audio.mux_until((decoded - delay) / fps)
                if decoded != part.first + part.frames:
                    raise StageError(
                        "compose", f"{part.path.name}: {decoded - part.first} frames, {part.frames} expected"
                    )
            audio.mux_until(None)
            container.close()
        except BaseException:
            with contextlib.suppress(Exception):
                container.close()
            raise
    return decoded
