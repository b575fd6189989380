"""Final-cut critic: loudness, peaks, caption–voice sync and duration against the request.

Every score is "higher is better" and passes at or above its threshold (distances are negated).

Loudness and peaks route to the composer (re-mastered); sync and duration are recorded for the report.
"""

from __future__ import annotations

from pathlib import Path

from personavlog.measure.speech import transcribe
from personavlog.measure.sync import caption_sync, read_srt
from personavlog.schema import Critique

TARGET_LUFS = -16.0
LUFS_TOLERANCE = 1.5
MAX_TRUE_PEAK_DB = -0.9
MAX_SYNC_OFFSET_S = 0.5
DURATION_TOLERANCE = 0.35


def critique_final_cut(
    video: Path,
    srt: Path,
    integrated_lufs: float,
    true_peak_db: float,
    duration_s: float,
    requested_s: float,
    round_: int = 0,
    language: str = "en",
) -> list[Critique]:
    english = language.split("-")[0].lower() == "en"
    heard = transcribe(video) if english else None  # the recogniser is English-only (Whisper tiny.en)
    sync = caption_sync(read_srt(srt), heard) if heard is not None else None
    duration_error = abs(duration_s - requested_s) / requested_s
    return [
        Critique(
            stage="compose",
            target="vlog.loudness",
            score=round(-abs(integrated_lufs - TARGET_LUFS), 2),
            threshold=-LUFS_TOLERANCE,
            passed=abs(integrated_lufs - TARGET_LUFS) <= LUFS_TOLERANCE,
            feedback=f"The mix is at {integrated_lufs:.1f} LUFS; master it to {TARGET_LUFS:g} LUFS.",
            round=round_,
        ),
        Critique(
            stage="compose",
            target="vlog.true_peak",
            score=round(-true_peak_db, 2),
            threshold=-MAX_TRUE_PEAK_DB,
            passed=true_peak_db <= MAX_TRUE_PEAK_DB,
            feedback=f"Peaks reach {true_peak_db:.1f} dBTP; limit them below -1 dBTP.",
            round=round_,
        ),
        Critique(
            stage="compose",
            target="vlog.caption_sync",
            score=round(-sync.mean_abs_offset_s, 3) if sync is not None else 0.0,
            threshold=-MAX_SYNC_OFFSET_S,
            passed=sync is not None and sync.mean_abs_offset_s <= MAX_SYNC_OFFSET_S and sync.matched_share >= 0.5,
            feedback=f"Captions are {sync.mean_abs_offset_s:.2f} s away from the voice on average "
            f"({sync.matched_share:.0%} of cues matched)."
            if sync is not None
            else "",
            round=round_,
            measured=heard is not None and heard.words_aligned,
            reason=""
            if heard is not None and heard.words_aligned
            else "the recogniser could not time the words"
            if heard is not None
            else f"the speech recogniser (Whisper tiny.en) does not understand {language!r}",
        ),
        Critique(
            stage="compose",
            target="vlog.duration",
            score=round(-duration_error, 3),
            threshold=-DURATION_TOLERANCE,
            passed=duration_error <= DURATION_TOLERANCE,
            feedback=f"The vlog lasts {duration_s:.1f} s for a request of {requested_s:g} s: shorten the lines.",
            round=round_,
        ),
    ]
