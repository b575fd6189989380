"""The output MP4: H.264 video encoded frame by frame, interleaved with pre-encoded AAC packets."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np
from av.video.reformatter import Colorspace, VideoReformatter

from personavlog.fsutil import atomic_path

_BT709 = 1
_LIMITED_RANGE = 1


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
            video = self._container.add_stream("libx264", rate=fps)
            video.width = width
            video.height = height
            video.pix_fmt = "yuv420p"
            video.options = {"crf": str(crf), "preset": preset}
            video.codec_context.gop_size = 2 * fps
            context = video.codec_context
            context.colorspace = _BT709
            context.color_primaries = _BT709
            context.color_trc = _BT709
            context.color_range = _LIMITED_RANGE
            audio = self._container.add_stream("aac", rate=audio_rate, layout="stereo")
            audio.bit_rate = audio_bit_rate
        except BaseException:
            self._atomic.__exit__(RuntimeError, RuntimeError("aborted"), None)
            raise
        self._video = video
        self._audio = audio
        self._fps = fps
        self._reformatter = VideoReformatter()
        self._packets = list(audio_packets)
        self._next_packet = 0
        self._audio_time_base = Fraction(1, audio_rate)
        self.frames_written = 0
        self._closed = False

    def _mux_audio_until(self, seconds: float | None) -> None:
        while self._next_packet < len(self._packets):
            packet = self._packets[self._next_packet]
            if seconds is not None and float((packet.pts or 0) * self._audio_time_base) >= seconds:
                return
            packet.stream = self._audio
            self._container.mux(packet)
            self._next_packet += 1

    def write(self, frame_rgb: np.ndarray) -> None:
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame_rgb), format="rgb24")
        frame = self._reformatter.reformat(
            frame, format="yuv420p", dst_colorspace=Colorspace.ITU709, dst_color_range="MPEG"
        )
        frame.pts = self.frames_written
        for packet in self._video.encode(frame):
            self._container.mux(packet)
        self.frames_written += 1
        self._mux_audio_until(self.frames_written / self._fps)

    def close(self, ok: bool = True) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if ok:
                for packet in self._video.encode():
                    self._container.mux(packet)
                self._mux_audio_until(None)
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
