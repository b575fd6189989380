"""The embedded MIDI music engine: real composition and real soundfont rendering."""

from __future__ import annotations

import itertools
import time
import wave
from pathlib import Path

import mido
import numpy as np
import pretty_midi
import pytest
from pydantic import ValidationError

from personavlog.engines.music import MidiMusicEngine
from personavlog.engines.music.arrangement import Section, plan, split_phrases
from personavlog.engines.music.composer import role_of
from personavlog.engines.music.instruments import Family, assemble_band, resolve
from personavlog.engines.music.mixing import ROLE_LEVELS_DB, active_level_db
from personavlog.engines.music.soundfont import render
from personavlog.engines.music.theory import Scale, all_progression_texts, parse_progression, voice_lead
from personavlog.media import read_wav
from personavlog.schema import Mood, MusicBrief

RATE = 44100


def make_brief(**changes: object) -> MusicBrief:
    fields: dict[str, object] = {
        "genre": "lofi",
        "mood": Mood.NOSTALGIC,
        "bpm": 84,
        "key": "A",
        "mode": "minor",
        "instruments": ["electric piano", "flute", "lofi drums", "synth pad"],
        "energy": [0.2, 0.5, 0.9, 0.7, 0.3],
    }
    fields.update(changes)
    return MusicBrief.model_validate(fields)


def even_spans(count: int, total_s: float) -> list[tuple[float, float]]:
    step = total_s / count
    return [(i * step, step) for i in range(count)]


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


def melody_of(midi: pretty_midi.PrettyMIDI) -> pretty_midi.Instrument:
    return next(i for i in midi.instruments if i.name.startswith("melody"))


def onset_times(midi: pretty_midi.PrettyMIDI) -> np.ndarray:
    return np.unique(np.round([n.start for i in midi.instruments for n in i.notes], 3))


@pytest.fixture(scope="module")
def engine() -> MidiMusicEngine:
    return MidiMusicEngine()


@pytest.fixture(scope="module")
def piece(engine: MidiMusicEngine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One 23.37 s render with its MIDI, shared by the format and level checks."""
    folder = tmp_path_factory.mktemp("piece")
    wav, mid = folder / "music.wav", folder / "music.mid"
    total = 23.37
    started = time.perf_counter()
    engine.render(make_brief(), even_spans(5, total), total, seed=3, out_wav=wav, midi_out=mid)
    elapsed = time.perf_counter() - started
    audio, rate = read_wav(wav)
    return {"wav": wav, "mid": mid, "total": total, "audio": audio, "rate": rate, "elapsed": elapsed}


def test_wav_is_stereo_16bit_44k_of_exact_length(piece: dict) -> None:
    with wave.open(str(piece["wav"]), "rb") as handle:
        assert handle.getframerate() == RATE
        assert handle.getnchannels() == 2
        assert handle.getsampwidth() == 2
        assert handle.getnframes() == round(piece["total"] * RATE)
    assert not list(Path(piece["wav"]).parent.glob(".*.tmp*")), "atomic writes leave no temporaries"


def test_body_is_audible_without_gaps_and_the_end_fades(piece: dict) -> None:
    audio, total = piece["audio"], piece["total"]
    fade_start = int((total - 2.5) * RATE)
    window, hop = RATE, RATE // 4
    levels = [rms(audio[s : s + window]) for s in range(0, fade_start - window + 1, hop)]
    body = float(np.median(levels))
    assert body > 0.03
    assert min(levels) > max(0.005, 0.05 * body), "a silent stretch longer than a second before the fade"
    assert rms(audio[-int(0.3 * RATE) :]) < 0.1 * body
    assert rms(audio[-int(0.3 * RATE) :]) < 0.25 * rms(audio[fade_start - RATE : fade_start])


def test_peak_normalised_near_minus_3_dbfs_without_clipping(piece: dict) -> None:
    audio = piece["audio"]
    peak = float(np.max(np.abs(audio)))
    assert 10 ** (-3.5 / 20) < peak < 10 ** (-2.5 / 20)
    assert np.count_nonzero(np.abs(audio) >= 32767 / 32768) == 0


def test_render_is_fast(piece: dict) -> None:
    # Budget: 20 s of music in well under 2 s; a loaded shared machine gets slack.
    assert piece["elapsed"] < 4.0


def test_midi_file_ends_cleanly(piece: dict) -> None:
    midi = pretty_midi.PrettyMIDI(str(piece["mid"]))
    assert max(n.end for i in midi.instruments for n in i.notes) <= piece["total"] + 1e-3
    drums = [i for i in midi.instruments if i.is_drum]
    assert drums, "a lofi brief with listed drums gets a kit"
    channels_with_sound_off = {
        msg.channel
        for track in mido.MidiFile(str(piece["mid"])).tracks
        for msg in track
        if msg.type == "control_change" and msg.control == 120
    }
    assert 9 in channels_with_sound_off  # General MIDI channel 10
    assert len(channels_with_sound_off) == len(midi.instruments)
    note_ons = [msg for track in mido.MidiFile(str(piece["mid"])).tracks for msg in track if msg.type == "note_on"]
    assert any(msg.channel == 9 for msg in note_ons)


def test_parts_sit_at_their_mix_levels(piece: dict) -> None:
    """The channel volumes written into the MIDI file put each part at its role's level against the melody."""
    midi = pretty_midi.PrettyMIDI(str(piece["mid"]))
    rate = 11025
    levels = {}
    for instrument in midi.instruments:
        solo = pretty_midi.PrettyMIDI(initial_tempo=84.0)
        solo.instruments = [instrument]
        levels[role_of(instrument)] = active_level_db(render(solo, int(piece["total"] * rate), rate), rate)
    assert set(levels) == {"melody", "chords", "pad", "bass", "drums"}
    for role, level in levels.items():
        assert level - levels["melody"] == pytest.approx(ROLE_LEVELS_DB[role], abs=1.5), role


def test_same_seed_same_bytes_other_seed_other_melody(engine: MidiMusicEngine, tmp_path: Path) -> None:
    brief, total = make_brief(), 14.0
    spans = even_spans(5, total)
    outputs = []
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        wav = tmp_path / f"{name}.wav"
        engine.render(brief, spans, total, seed=seed, out_wav=wav)
        outputs.append(wav.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0] != outputs[2]
    tune = [[n.pitch for n in melody_of(engine.compose(brief, spans, total, seed)).notes] for seed in (11, 12)]
    assert tune[0] != tune[1]


def on_grid(onsets: np.ndarray, step_s: float) -> float:
    """Fraction of onsets that fall on a grid of `step_s` seconds (4 ms tolerance)."""
    return float(np.mean(np.abs(onsets - np.round(onsets / step_s) * step_s) < 0.004))


def test_tempo_follows_the_brief(engine: MidiMusicEngine) -> None:
    total = 24.0
    midis = {
        bpm: engine.compose(
            make_brief(genre="pop", mood=Mood.HOPEFUL, bpm=bpm, instruments=["piano", "strings"]),
            even_spans(5, total),
            total,
            seed=5,
        )
        for bpm in (70, 140)
    }
    rates = {}
    for bpm, midi in midis.items():
        assert np.allclose(np.diff(midi.get_beats()[:8]), 60 / bpm)
        onsets = onset_times(midi)
        assert on_grid(onsets, 15 / bpm) > 0.9  # sixteenth-note grid of the brief's tempo
        rates[bpm] = len(onsets) / total
    assert 1.5 < rates[140] / rates[70] < 2.6
    fast = onset_times(midis[140])
    assert on_grid(fast, 60 / 70) < 0.75 * on_grid(fast, 60 / 140), "the fast piece accents beats the slow one lacks"


@pytest.mark.parametrize(("key", "mode"), [("Eb", "minor"), ("D", "major"), ("F#", "minor")])
def test_melody_stays_in_the_chosen_scale_and_ends_on_the_tonic(engine: MidiMusicEngine, key: str, mode: str) -> None:
    brief = make_brief(key=key, mode=mode, mood=Mood.TENSE if mode == "minor" else Mood.JOYFUL)
    midi = engine.compose(brief, even_spans(5, 30.0), 30.0, seed=2)
    scale = Scale.from_key(key, mode).pitch_classes()  # type: ignore[arg-type]
    melody = melody_of(midi).notes
    assert len(melody) > 20
    assert np.mean([n.pitch % 12 in scale for n in melody]) >= 0.9
    pitched = [n for i in midi.instruments if not i.is_drum for n in i.notes]
    assert np.mean([n.pitch % 12 in scale for n in pitched]) >= 0.85
    tonic = Scale.from_key(key, mode).tonic
    assert max(melody, key=lambda n: n.start).pitch % 12 == tonic
    bass = next(i for i in midi.instruments if i.name.startswith("bass"))
    assert max(bass.notes, key=lambda n: n.start).pitch % 12 == tonic


def test_energetic_shots_are_denser_and_louder(engine: MidiMusicEngine, tmp_path: Path) -> None:
    total = 30.0
    brief = make_brief(energy=[0.15, 0.95, 0.15, 0.95, 0.3], mood=Mood.HOPEFUL, genre="indie pop")
    spans = even_spans(5, total)
    wav, mid = tmp_path / "e.wav", tmp_path / "e.mid"
    engine.render(brief, spans, total, seed=4, out_wav=wav, midi_out=mid)
    audio, _ = read_wav(wav)
    midi = pretty_midi.PrettyMIDI(str(mid))
    notes = [n for i in midi.instruments for n in i.notes]

    def density(span: tuple[float, float]) -> float:
        start, length = span
        return sum(start <= n.start < start + length for n in notes) / length

    def loudness(span: tuple[float, float]) -> float:
        start, length = span
        return rms(audio[int((start + 0.5) * RATE) : int((start + length) * RATE)])

    quiet, loud = [spans[0], spans[2]], [spans[1], spans[3]]
    assert min(density(s) for s in loud) > 1.3 * max(density(s) for s in quiet)
    assert min(loudness(s) for s in loud) > 1.4 * max(loudness(s) for s in quiet)


def test_form_has_intro_verse_chorus_bridge_outro() -> None:
    brief = make_brief(bpm=100, energy=[0.2, 0.4, 0.9, 0.3, 0.6, 0.95, 0.4, 0.2])
    arrangement = plan(brief, even_spans(8, 60.0), 60.0, np.random.default_rng(0))
    sections = [bar.section for bar in arrangement.bars]
    assert sections[0] is Section.INTRO and sections[-1] is Section.OUTRO
    assert {Section.VERSE, Section.CHORUS, Section.BRIDGE} <= set(sections)
    by_section = {s: np.mean([b.energy for b in arrangement.bars if b.section is s]) for s in set(sections)}
    assert by_section[Section.CHORUS] > by_section[Section.VERSE]
    assert all(2 <= n <= 4 for n in split_phrases(17))
    assert arrangement.bars[-1].chord.degree == 0
    tonic_arrives = arrangement.bars[arrangement.ending_bar].start_beat * arrangement.beat_s
    assert 2.5 <= 60.0 - tonic_arrives <= 2.75 + 2 * arrangement.beat_s, "the piece fades out on its final tonic"


def test_progression_tables_parse_and_voices_move_smoothly() -> None:
    for mode, text in all_progression_texts():
        assert parse_progression(text, mode)
    scale = Scale.from_key("C", "major")
    chords = [c.pitch_classes(scale) for c in parse_progression("I V vi IV I V vi IV", "major")]
    voiced = voice_lead(chords, 52, 74, 63)
    moves = [sum(abs(a - b) for a, b in zip(x, y, strict=True)) for x, y in itertools.pairwise(voiced)]
    assert max(moves) <= 5
    assert all({p % 12 for p in v} == set(c) for v, c in zip(voiced, chords, strict=True))


def test_instrument_names_map_to_general_midi() -> None:
    expected = {
        "piano": 0,
        "electric piano": 4,
        "acoustic guitar": 25,
        "strings": 48,
        "synth pad": 89,
        "flute": 73,
        "cello": 42,
        "String Ensemble 2": 49,
        "upright bass": 32,
        "kazoo-ish noise": 0,
    }
    for name, program in expected.items():
        assert resolve(name).program == program, name
    assert resolve("lofi drums").family is Family.DRUMS
    assert resolve("bassoon").family is Family.LEAD
    band = assemble_band(["flute", "acoustic guitar", "cello", "lofi drums"], default_bass_program=33)
    assert (band.melody.program, band.chords.program, band.pad.program) == (73, 25, 42)  # type: ignore[union-attr]
    assert band.bass.program == 33 and band.drums_listed
    solo = assemble_band(["piano"], default_bass_program=32)
    assert solo.melody == solo.chords


def test_drums_only_when_asked(engine: MidiMusicEngine) -> None:
    quiet = make_brief(genre="ambient", mood=Mood.CALM, instruments=["piano", "strings"], energy=[0.9, 0.9])
    assert not any(i.is_drum for i in engine.compose(quiet, even_spans(2, 12.0), 12.0, 0).instruments)
    calm = make_brief(genre="cinematic", mood=Mood.CALM, instruments=["piano"], energy=[0.1, 0.95])
    drums = [i for i in engine.compose(calm, even_spans(2, 20.0), 20.0, 0).instruments if i.is_drum]
    assert drums and all(n.start >= 9.0 for n in drums[0].notes), "cinematic drums come in with the energy only"


def test_invalid_input_is_rejected_and_odd_timing_is_tolerated(engine: MidiMusicEngine, tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        engine.render(make_brief(), [(0.0, 5.0)], 0.0, 0, tmp_path / "x.wav")
    with pytest.raises(ValidationError):
        engine.render(make_brief(), [(0.0, float("nan"))], 5.0, 0, tmp_path / "x.wav")
    wav = tmp_path / "short.wav"
    engine.render(make_brief(bpm=50), [(0.0, 4.0), (3.6, 6.4)], 10.0, 0, wav)  # 2 shots, 5 energies
    audio, _ = read_wav(wav)
    assert audio.shape == (10 * RATE, 2)
