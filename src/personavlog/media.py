"""Small media primitives shared by engines and the composer: WAV I/O and a streaming clip writer."""

from __future__ import annotations

import wave
from pathlib import Path
from types import TracebackType
from typing import Self

import av
import numpy as np

from personavlog.fsutil import atomic_path


def write_wav(path: Path, samples: np.ndarray, sample_rate: int) -> None:
    """Write float samples in [-1, 1] (mono: (n,), stereo: (n, 2)) as 16-bit PCM, atomically."""
    data = np.asarray(samples, dtype=np.float32)
    channels = 1 if data.ndim == 1 else data.shape[1]
    pcm = (np.clip(data, -1.0, 1.0) * 32767.0).round().astype("<i2")
    with atomic_path(path) as tmp, wave.open(str(tmp), "wb") as handle:
        handle.setnchannels(channels)
        handle.setsampwidth(2)
        handle.setframerate(sample_rate)
        handle.writeframes(pcm.tobytes())


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Read a 16-bit PCM WAV as float32 in [-1, 1]: (n,) for mono, (n, channels) otherwise."""
    with wave.open(str(path), "rb") as handle:
        if handle.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM WAV is supported")
        channels = handle.getnchannels()
        rate = handle.getframerate()
        raw = handle.readframes(handle.getnframes())
    data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        data = data.reshape(-1, channels)
    return data, rate


def wav_duration_s(path: Path) -> float:
    with wave.open(str(path), "rb") as handle:
        return handle.getnframes() / float(handle.getframerate())


class ClipWriter:
    """Stream RGB frames (H, W, 3 uint8) into an H.264 MP4; the file appears only when closed cleanly.

    Intermediate per-shot clips use a low CRF so the final encode does not compound losses.
    """

    def __init__(
        self,
        path: Path,
        width: int,
        height: int,
        fps: int,
        crf: int = 14,
        preset: str = "ultrafast",
        threads: int | None = None,
    ):
        self._atomic = atomic_path(Path(path))
        tmp = self._atomic.__enter__()
        try:
            self._container = av.open(str(tmp), mode="w", format="mp4")
            self._stream = self._container.add_stream("libx264", rate=fps)
            self._stream.width = width
            self._stream.height = height
            self._stream.pix_fmt = "yuv420p"
            options: dict[str, object] = {"crf": str(crf), "preset": preset}
            if threads is not None:
                options["threads"] = str(threads)
            self._stream.options = options
        except BaseException:
            self._atomic.__exit__(RuntimeError, RuntimeError("aborted"), None)
            raise
        self.frames_written = 0
        self._closed = False

    def write(self, frame_rgb: np.ndarray) -> None:
        self._encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(frame_rgb), format="rgb24"))

    def _encode(self, frame: av.VideoFrame) -> None:
        frame.pts = self.frames_written
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames_written += 1

    def close(self, ok: bool = True) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if ok:
                for packet in self._stream.encode():
                    self._container.mux(packet)
            self._container.close()
        except BaseException as error:
            self._atomic.__exit__(type(error), error, error.__traceback__)
            raise
        if ok:
            self._atomic.__exit__(None, None, None)
        else:
            self._atomic.__exit__(RuntimeError, RuntimeError("aborted"), None)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close(ok=exc_type is None)


def iter_clip_frames(path: Path):
    """Yield RGB frames of a clip one at a time (constant memory)."""
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format="rgb24")
