"""SubRip (.srt) output of the caption cues."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from personavlog.compose.cues import Cue
from personavlog.fsutil import atomic_write_text


def srt_timestamp(seconds: float) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"


def format_srt(cues: Sequence[Cue]) -> str:
    blocks = [
        f"{number}\n{srt_timestamp(cue.start_s)} --> {srt_timestamp(cue.end_s)}\n{cue.text}\n"
        for number, cue in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


def write_srt(path: Path, cues: Sequence[Cue]) -> None:
    """UTF-8 SRT, written atomically."""
    atomic_write_text(Path(path), format_srt(cues))
