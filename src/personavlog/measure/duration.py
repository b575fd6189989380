"""Duration accuracy and runtime per output second.

- duration_error: |output duration - requested duration| / requested duration; range 0..∞, lower is better
  (0 = exactly as long as asked).
- runtime_per_output_s: wall-clock seconds spent generating / seconds of video produced; range 0..∞, lower is
  better (1 = real time). Model: none (container metadata and a clock).
"""

from __future__ import annotations

from pathlib import Path

import av


def video_duration_s(path: Path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        return float(container.duration or 0) / av.time_base


def duration_error(actual_s: float, requested_s: float) -> float:
    return abs(actual_s - requested_s) / requested_s


def runtime_per_output_s(runtime_s: float, output_s: float) -> float | None:
    return runtime_s / output_s if output_s > 0 else None
