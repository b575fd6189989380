"""Brief + shot timing + seed -> a complete multi-part score as a PrettyMIDI object."""

from __future__ import annotations

import hashlib
import itertools
import math
from dataclasses import dataclass

import numpy as np
import pretty_midi

from personavlog.engines.music.accompaniment import Accompanist, Register
from personavlog.engines.music.arrangement import Arrangement, plan
from personavlog.engines.music.drums import Drummer
from personavlog.engines.music.instruments import Band, Family, Voice, assemble_band, resolve
from personavlog.engines.music.melody import MelodyWriter
from personavlog.engines.music.score import ScoreNote
from personavlog.engines.music.style import Style, style_of
from personavlog.engines.music.theory import Scale
from personavlog.schema import MusicBrief

MIN_NOTE_S = 0.03

_MELODY_REGISTERS: dict[Family, Register] = {
    Family.LEAD: Register(62, 86),
    Family.MALLET: Register(67, 91),
    Family.KEYS: Register(62, 86),
    Family.GUITAR: Register(57, 81),
    Family.SUSTAIN: Register(62, 86),
}
_HIGH_WINDS = range(72, 80)
_LOW_LEADS = range(56, 72)  # brass and reeds
_COMP_REGISTERS: dict[Family, Register] = {
    Family.KEYS: Register(53, 74),
    Family.GUITAR: Register(50, 71),
    Family.MALLET: Register(60, 81),
    Family.LEAD: Register(55, 76),
    Family.SUSTAIN: Register(52, 76),
}
_BASS_REGISTER = Register(36, 55)
_CELLO = 42


@dataclass(frozen=True)
class _Track:
    role: str
    voice: Voice
    notes: list[ScoreNote]
    pan: int
    is_drum: bool = False


def _melody_register(voice: Voice) -> Register:
    if voice.program in _HIGH_WINDS:
        return Register(67, 91)
    if voice.program in _LOW_LEADS:
        return Register(57, 81)
    return _MELODY_REGISTERS.get(voice.family, Register(62, 86))


def _pad_register(voice: Voice, under_comping: bool) -> Register:
    if voice.program == _CELLO:
        return Register(43, 64)
    if under_comping:
        return Register(46, 67)  # below the comping chords rather than doubling them
    return _COMP_REGISTERS.get(voice.family, Register(52, 76))


def _generators(brief: MusicBrief, seed: int, count: int) -> list[np.random.Generator]:
    """Independent streams per part from the seed, the genre and the mood.

    Tempo, key, instruments and energy stay out, so editing them keeps the same tune.
    """
    identity = f"{brief.genre.strip().lower()}|{brief.mood.value}".encode()
    digest = int.from_bytes(hashlib.sha256(identity).digest()[:8], "little")
    sequence = np.random.SeedSequence([seed & 0xFFFFFFFFFFFFFFFF, digest])
    return [np.random.default_rng(child) for child in sequence.spawn(count)]


def _beat_time(beat: float, beat_s: float, swing: float) -> float:
    whole = math.floor(beat + 1e-9)
    fraction = beat - whole
    if swing and abs(fraction - 0.5) < 1e-6:
        fraction += swing
    return (whole + fraction) * beat_s


def role_of(instrument: pretty_midi.Instrument) -> str:
    """The part an instrument plays ("melody", "chords", "pad", "bass", "drums"), from the name compose gave it."""
    return instrument.name.split(":", 1)[0].strip()


def _to_instrument(track: _Track, arrangement: Arrangement, style: Style) -> pretty_midi.Instrument:
    name = f"{track.role}: {track.voice.name}"
    instrument = pretty_midi.Instrument(program=track.voice.program, is_drum=track.is_drum, name=name)
    for number, value in ((7, 100), (10, track.pan), (11, 127)):
        instrument.control_changes.append(pretty_midi.ControlChange(number, value, 0.0))
    beat_s = arrangement.beat_s
    end_s = arrangement.total_s
    for note in sorted(track.notes, key=lambda n: (n.start, n.pitch)):
        start = _beat_time(note.start, beat_s, style.swing) + note.delay_s
        end = min(_beat_time(note.start + note.length, beat_s, style.swing) + note.delay_s, end_s)
        if start > end_s - MIN_NOTE_S or end - start < MIN_NOTE_S:
            continue
        instrument.notes.append(pretty_midi.Note(note.velocity, note.pitch, start, end))
    _untangle(instrument.notes)
    # End cleanly for any synthesiser: release the pedal, all notes off, all sound off.
    for number in (64, 123, 120):
        instrument.control_changes.append(pretty_midi.ControlChange(number, 0, end_s))
    return instrument


def _untangle(notes: list[pretty_midi.Note]) -> None:
    """Cut a note short where the same pitch starts again, so no note-off silences a newer note."""
    by_pitch: dict[int, list[pretty_midi.Note]] = {}
    for note in sorted(notes, key=lambda n: n.start):
        by_pitch.setdefault(note.pitch, []).append(note)
    for same in by_pitch.values():
        for earlier, later in itertools.pairwise(same):
            earlier.end = min(earlier.end, later.start)
    notes[:] = [n for n in notes if n.end - n.start >= MIN_NOTE_S / 2]


def _band_and_style(brief: MusicBrief) -> tuple[Band, Style]:
    drums_listed = any(resolve(name).family is Family.DRUMS for name in brief.instruments)
    style = style_of(brief, drums_listed)
    return assemble_band(brief.instruments, style.bass_program), style


def compose(
    brief: MusicBrief, shot_spans: list[tuple[float, float]], total_s: float, seed: int
) -> pretty_midi.PrettyMIDI:
    """Write the whole piece: form from the energy curve, then melody, comping, pad, bass and drums."""
    band, style = _band_and_style(brief)
    form_rng, melody_rng, accompaniment_rng, drum_rng = _generators(brief, seed, 4)
    arrangement = plan(brief, shot_spans, total_s, form_rng)
    scale = Scale.from_key(brief.key, brief.mode)

    melody_register = _melody_register(band.melody)
    tracks = [
        _Track(
            "melody",
            band.melody,
            MelodyWriter(arrangement, scale, melody_register.low, melody_register.high, melody_rng).write(),
            pan=64,
        )
    ]
    accompanist = Accompanist(arrangement, scale, accompaniment_rng)
    if band.chords is not None:
        register = _COMP_REGISTERS.get(band.chords.family, Register(53, 74))
        notes = accompanist.comp(register, band.chords.family, style.comping)
        tracks.append(_Track("chords", band.chords, notes, pan=46))
    if band.pad is not None:
        pad = accompanist.pad(_pad_register(band.pad, under_comping=band.chords is not None))
        tracks.append(_Track("pad", band.pad, pad, pan=84))
    tracks.append(_Track("bass", band.bass, accompanist.bass(_BASS_REGISTER), pan=64))
    drums = Drummer(arrangement, style.drums, drum_rng).play()
    if drums:
        tracks.append(_Track("drums", Voice("kit", 0, Family.DRUMS), drums, pan=64, is_drum=True))

    midi = pretty_midi.PrettyMIDI(initial_tempo=float(brief.bpm))
    metre = 0
    for bar in arrangement.bars:  # 4/4 throughout, except the half bar before the ending
        if bar.beats != metre:
            metre = bar.beats
            midi.time_signature_changes.append(pretty_midi.TimeSignature(metre, 4, bar.start_beat * arrangement.beat_s))
    key_name = f"{brief.key} {'Major' if brief.mode == 'major' else 'minor'}"
    midi.key_signature_changes.append(pretty_midi.KeySignature(pretty_midi.key_name_to_key_number(key_name), 0.0))
    midi.instruments.extend(_to_instrument(track, arrangement, style) for track in tracks)
    return midi
