"""Final-cut critic: loudness, peaks, caption–voice sync and duration against the request.

Every score is "higher is better" and passes at or above its threshold (distances are negated).

Loudness and peaks route to the composer (re-mastered); sync and duration are recorded for the report.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import av

from personavlog.compose.encode import write_audio_only
from personavlog.measure.speech import Transcript, transcribe
from personavlog.measure.sync import caption_sync, read_srt
from personavlog.schema import Critique

TARGET_LUFS = -16.0
LUFS_TOLERANCE = 1.5
MAX_TRUE_PEAK_DB = -0.9
MAX_SYNC_OFFSET_S = 0.5
DURATION_TOLERANCE = 0.35


def understood(language: str) -> bool:
    """Whether the recogniser (Whisper tiny.en, English only) can hear the caption sync of a vlog in `language`."""
    return language.split("-")[0].lower() == "en"


def hear_soundtrack(packets: Sequence[av.Packet], rate: int) -> Transcript:
    """What the recogniser hears in a vlog with this soundtrack, before its video exists: the same AAC packets in
    an audio-only MP4, decoded as the vlog's audio would be."""
    with tempfile.TemporaryDirectory(prefix="personavlog-heard-") as folder:
        path = Path(folder) / "soundtrack.m4a"
        write_audio_only(path, packets, rate)
        return transcribe(path)


def critique_final_cut(
    video: Path,
    srt: Path,
    integrated_lufs: float,
    true_peak_db: float,
    duration_s: float,
    requested_s: float,
    round_: int = 0,
    language: str = "en",
    heard: Transcript | None = None,
) -> list[Critique]:
    """`heard`: the vlog's transcript when it was made beforehand (`hear_soundtrack`); else it is transcribed here."""
    english = understood(language)
    if english and heard is None:
        heard = transcribe(video)
    elif not english:
        heard = None
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
