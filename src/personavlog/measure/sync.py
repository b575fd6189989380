"""Voice–caption sync: how far each caption cue's start is from the moment its first words are heard.

Words and their times come from Whisper tiny.en (see `speech.transcribe`). For each cue, the first heard word
that matches one of the cue's first three words, within 1.5 s of the cue start, gives the offset. Result: mean
absolute offset in seconds (0 is perfect, lower is better) and the share of cues matched (0..1, higher is better).
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from personavlog.measure.speech import Transcript, normalise_words

SEARCH_WINDOW_S = 1.5


class Cue(BaseModel):
    start_s: float
    end_s: float
    text: str


class SyncReport(BaseModel):
    mean_abs_offset_s: float
    matched_share: float
    cues: int


def _seconds(stamp: str) -> float:
    hours, minutes, rest = stamp.strip().split(":")
    secs, millis = re.split(r"[,.]", rest)
    return int(hours) * 3600 + int(minutes) * 60 + int(secs) + int(millis) / 1000


def read_srt(path: Path) -> list[Cue]:
    cues = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip()):
        lines = block.strip().splitlines()
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue
        start, end = lines[timing].split("-->")
        cues.append(Cue(start_s=_seconds(start), end_s=_seconds(end), text=" ".join(lines[timing + 1 :])))
    return cues


def caption_sync(cues: list[Cue], heard: Transcript) -> SyncReport:
    offsets: list[float] = []
    for cue in cues:
        wanted = set(normalise_words(cue.text)[:3])
        for word, start, _end in heard.words:
            if abs(start - cue.start_s) > SEARCH_WINDOW_S:
                continue
            if set(normalise_words(word)) & wanted:
                offsets.append(abs(start - cue.start_s))
                break
    if not cues:
        return SyncReport(mean_abs_offset_s=0.0, matched_share=0.0, cues=0)
    mean = sum(offsets) / len(offsets) if offsets else SEARCH_WINDOW_S
    return SyncReport(mean_abs_offset_s=mean, matched_share=len(offsets) / len(cues), cues=len(cues))
