"""The shot clip encoder: composed RGBA frames go to libx264 as I420, converted by OpenCV.

OpenCV's RGBA -> I420 conversion (BT.601, limited range: what an untagged stream is decoded as) costs a
fraction of libswscale's RGB -> YUV path and skips the separate RGBA -> RGB copy.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import av
import cv2
import numpy as np

from personavlog.fsutil import atomic_path


class I420ClipWriter:
    """Stream RGBA frames (H, W, 4 uint8) into an H.264 MP4; the file appears only when closed cleanly."""

    def __init__(
        self, path: Path, width: int, height: int, fps: int, crf: int = 14, preset: str = "ultrafast", threads: int = 2
    ):
        self._atomic = atomic_path(Path(path))
        tmp = self._atomic.__enter__()
        try:
            self._container = av.open(str(tmp), mode="w", format="mp4")
            self._stream = self._container.add_stream("libx264", rate=fps)
            self._stream.width = width
            self._stream.height = height
            self._stream.pix_fmt = "yuv420p"
            self._stream.options = {"crf": str(crf), "preset": preset, "threads": str(threads)}
        except BaseException:
            self._atomic.__exit__(RuntimeError, RuntimeError("aborted"), None)
            raise
        self._yuv = np.empty((height * 3 // 2, width), np.uint8)
        self.frames_written = 0
        self._closed = False

    def write_rgba(self, frame_rgba: np.ndarray) -> None:
        cv2.cvtColor(frame_rgba, cv2.COLOR_RGBA2YUV_I420, dst=self._yuv)
        frame = av.VideoFrame.from_ndarray(self._yuv, format="yuv420p")
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

    def __enter__(self) -> I420ClipWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close(ok=exc_type is None)
