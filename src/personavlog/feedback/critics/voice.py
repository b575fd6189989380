"""Voice critic: does the line fit its shot, can a listener understand it, is it clean?

Duration and intelligibility route to the `monologue` agent (a shorter or plainer line); clipping routes to
the voice engine. The recogniser is English-only (Whisper tiny.en): a line in another language is not measured
for intelligibility, and says so. The lines of a review are heard together: a few seconds each, they share
Whisper's 30-s windows instead of paying for one each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from personavlog.agents.monologue import budget_unit, word_budget
from personavlog.manifest import StageId, StageName
from personavlog.measure.speech import transcribe_many, word_error_rate
from personavlog.media import read_wav
from personavlog.schema import Critique

MAX_WER = 0.35
OVERRUN_TOLERANCE = 1.25
"""A line may make its shot at most this much longer than planned."""
PADDING_S = 1.1
CLIP_LEVEL = 0.999


RECOGNISED_LANGUAGES = ("en",)


@dataclass(frozen=True)
class VoiceLine:
    """One shot's spoken line: what was meant, the recording, and how long its shot is planned to last."""

    shot_id: int
    text: str
    wav: Path
    planned_s: float


def critique_voices(lines: Sequence[VoiceLine], round_: int = 0, language: str = "en") -> list[list[Critique]]:
    """Each line's critiques, in the order of `lines`; the recogniser hears the lines together
    (`speech.transcribe_many`)."""
    heard = language.split("-")[0].lower() in RECOGNISED_LANGUAGES
    texts: list[str | None] = [None] * len(lines)
    if heard:
        texts = [transcript.text for transcript in transcribe_many([line.wav for line in lines])]
    return [_line_critiques(line, text, round_, language) for line, text in zip(lines, texts, strict=True)]


def critique_voice(
    shot_id: int, text: str, wav: Path, planned_s: float, round_: int = 0, language: str = "en"
) -> list[Critique]:
    (found,) = critique_voices([VoiceLine(shot_id, text, wav, planned_s)], round_, language)
    return found


def _line_critiques(line: VoiceLine, heard_text: str | None, round_: int, language: str) -> list[Critique]:
    """`heard_text`: what the recogniser heard, None when it does not understand the language."""
    shot_id, text, planned_s = line.shot_id, line.text, line.planned_s
    samples, rate = read_wav(line.wav)
    spoken_s = len(samples) / rate
    needed = spoken_s + PADDING_S
    fit = planned_s * OVERRUN_TOLERANCE / needed
    heard = heard_text is not None
    wer = word_error_rate(text, heard_text) if heard_text is not None else 0.0
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    target = f"shot {shot_id:02d} voice"
    return [
        Critique(
            stage="monologue",
            target=f"{target}.duration",
            score=round(fit, 4),
            threshold=1.0,
            passed=fit >= 1.0,
            feedback=f"Shot {shot_id}: the line takes {spoken_s:.1f} s to say but the shot lasts {planned_s:.1f} s: "
            f"say it in about {word_budget(planned_s - PADDING_S, language)[0]} {budget_unit(language)}.",
            round=round_,
        ),
        Critique(
            stage="monologue",
            target=f"{target}.intelligibility",
            score=round(1.0 - wer, 4),
            threshold=round(1.0 - MAX_WER, 4),
            passed=wer <= MAX_WER,
            feedback=f"Shot {shot_id}: the line is hard to understand when spoken (word error rate {wer:.2f}): "
            "use plain, common words and short sentences, no names or numbers."
            if heard
            else "",
            round=round_,
            measured=heard,
            reason="" if heard else f"the speech recogniser (Whisper tiny.en) does not understand {language!r}",
        ),
        Critique(
            stage=str(StageId(StageName.VOICE, shot_id)),
            target=f"{target}.clipping",
            score=round(1.0 - peak, 4),
            threshold=round(1.0 - CLIP_LEVEL, 4),
            passed=peak < CLIP_LEVEL,
            feedback="The voice clips: render it with more headroom.",
            round=round_,
        ),
    ]
