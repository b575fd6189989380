"""The embedded music backend: compose a score from the brief, render it through a GM soundfont, master it."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import numpy as np
import pretty_midi
from pydantic import BaseModel, ConfigDict, Field

from personavlog.engines.music.base import SAMPLE_RATE
from personavlog.engines.music.composer import compose, role_of
from personavlog.engines.music.mastering import FADE_OUT_S, add_reverb, apply_fades, normalise_peak
from personavlog.engines.music.mixing import active_level_db, stem_gains, write_levels
from personavlog.engines.music.soundfont import render, render_stems
from personavlog.engines.music.style import room_of
from personavlog.engines.settings import MidiSettings
from personavlog.fsutil import atomic_path
from personavlog.media import write_wav
from personavlog.schema import MusicBrief

MEASURE_RATE = 11025
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class MusicJob(BaseModel):
    """The validated inputs of one render."""

    model_config = ConfigDict(extra="forbid")

    brief: MusicBrief
    shot_spans: list[tuple[NonNegative, NonNegative]]
    total_s: float = Field(gt=0, le=3600, allow_inf_nan=False)
    seed: int = Field(ge=0)


class MidiMusicEngine:
    """Symbolic composition (theory, form, parts) rendered offline with TinySoundFont and a General MIDI soundfont
    (the configured one, else the bundled TimGM6mb)."""

    name = "midi"

    def __init__(self, options: MidiSettings | None = None, sample_rate: int = SAMPLE_RATE):
        self.soundfont = (options or MidiSettings()).soundfont
        self.sample_rate = sample_rate

    def compose(
        self, brief: MusicBrief, shot_spans: list[tuple[float, float]], total_s: float, seed: int
    ) -> pretty_midi.PrettyMIDI:
        """Only the score (no audio): handy to preview or edit the music before rendering."""
        job = MusicJob(brief=brief, shot_spans=shot_spans, total_s=total_s, seed=seed)
        return compose(job.brief, job.shot_spans, job.total_s, job.seed)

    def render(
        self,
        brief: MusicBrief,
        shot_spans: list[tuple[float, float]],
        total_s: float,
        seed: int,
        out_wav: Path,
        midi_out: Path | None = None,
    ) -> None:
        """Compose and render the piece to `out_wav` (and the score to `midi_out`), both written atomically.

        Same inputs give the same bytes; another seed gives another tune over the same form.
        """
        job = MusicJob(brief=brief, shot_spans=shot_spans, total_s=total_s, seed=seed)
        midi = compose(job.brief, job.shot_spans, job.total_s, job.seed)
        audio = self.render_audio(midi, job.brief, job.total_s)
        if midi_out is not None:
            with atomic_path(Path(midi_out)) as tmp:
                midi.write(str(tmp))
        write_wav(Path(out_wav), audio, self.sample_rate)

    def render_audio(self, midi: pretty_midi.PrettyMIDI, brief: MusicBrief, total_s: float) -> np.ndarray:
        """Balance, synthesise and master a score: float32 (round(total_s * rate), 2), peak at -3 dBFS.

        The balance is written into the score as channel volumes (CC7), so the MIDI file plays back as heard.
        """
        # Loudness is measured on cheap low-rate renders of each part; it matches full-rate levels within 0.5 dB.
        measure_frames = math.ceil(total_s * MEASURE_RATE)
        stems = render_stems(midi, measure_frames, MEASURE_RATE, self.soundfont)
        levels = [active_level_db(stem, MEASURE_RATE) for stem in stems]
        write_levels(midi, stem_gains(levels, [role_of(instrument) for instrument in midi.instruments]))
        audio = render(midi, round(total_s * self.sample_rate), self.sample_rate, self.soundfont)
        audio = add_reverb(audio, self.sample_rate, room_of(brief.mood))
        audio = apply_fades(audio, self.sample_rate, min(FADE_OUT_S, total_s / 4))
        return normalise_peak(audio)
