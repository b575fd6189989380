"""Offline rendering of a PrettyMIDI score through a General MIDI soundfont with TinySoundFont."""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pretty_midi
import tinysoundfont

DRUM_CHANNEL = 9
DRUM_BANK = 128
_NOTE_OFF, _CONTROL, _NOTE_ON = 0, 1, 2  # order of events that share a sample
_CHANNEL_VOLUME, _RESET_CONTROLLERS = 7, 121


def soundfont_path() -> Path:
    """The TimGM6mb General MIDI soundfont that ships inside the pretty_midi package."""
    path = Path(str(importlib.resources.files("pretty_midi") / "TimGM6mb.sf2"))
    if not path.is_file():
        raise FileNotFoundError(f"General MIDI soundfont not found at {path}")
    return path


@dataclass(frozen=True, order=True)
class _Event:
    frame: int
    kind: int
    data1: int
    data2: int


def channels_of(midi: pretty_midi.PrettyMIDI) -> list[int]:
    """Channel per instrument, assigned the way pretty_midi writes a MIDI file (drums on 10, others in order)."""
    free = iter(c for c in range(16) if c != DRUM_CHANNEL)
    return [DRUM_CHANNEL if instrument.is_drum else next(free) for instrument in midi.instruments]


def _events(instrument: pretty_midi.Instrument, sample_rate: int, frames: int, volume: bool) -> list[_Event]:
    """Note and controller events of one instrument, sorted; channel volume (CC7) only when `volume`."""
    events = [
        _Event(round(change.time * sample_rate), _CONTROL, change.number, change.value)
        for change in instrument.control_changes
        if volume or change.number != _CHANNEL_VOLUME
    ]
    for note in instrument.notes:
        start = round(note.start * sample_rate)
        end = max(round(note.end * sample_rate), start + 1)
        events.append(_Event(start, _NOTE_ON, note.pitch, note.velocity))
        events.append(_Event(end, _NOTE_OFF, note.pitch, 0))
    events.sort()
    return [event for event in events if event.frame < frames]


def _play(synth: tinysoundfont.Synth, events: list[tuple[_Event, int]], audio: np.ndarray) -> None:
    """Fill `audio` (frames, 2) float32 in place, advancing the synthesiser from event to event."""
    buffer = audio.data.cast("B")
    bytes_per_frame = audio.strides[0]
    cursor = 0

    def advance(to: int) -> None:
        nonlocal cursor
        if to > cursor:
            synth.generate_simple(to - cursor, buffer=buffer[cursor * bytes_per_frame : to * bytes_per_frame])
            cursor = to

    for event, channel in events:
        advance(event.frame)
        if event.kind == _NOTE_ON:
            synth.noteon(channel, event.data1, event.data2)
        elif event.kind == _NOTE_OFF:
            synth.noteoff(channel, event.data1)
        else:
            synth.control_change(channel, event.data1, event.data2)
    advance(len(audio))
    synth.sounds_off()


def _synth(sample_rate: int, soundfont: Path | None) -> tuple[tinysoundfont.Synth, int]:
    synth = tinysoundfont.Synth(samplerate=sample_rate)
    return synth, synth.sfload(str(soundfont or soundfont_path()))


def _select(synth: tinysoundfont.Synth, sfid: int, instrument: pretty_midi.Instrument, channel: int) -> None:
    synth.control_change(channel, _RESET_CONTROLLERS, 0)
    if instrument.is_drum:
        synth.program_select(channel, sfid, DRUM_BANK, 0, is_drums=True)
    else:
        synth.program_select(channel, sfid, 0, instrument.program)


def render(
    midi: pretty_midi.PrettyMIDI, frames: int, sample_rate: int = 44100, soundfont: Path | None = None
) -> np.ndarray:
    """Render the whole score as float32 (frames, 2); events past the end are dropped and every voice is cut there.

    `soundfont` is a General MIDI .sf2 file (default: the bundled TimGM6mb).
    """
    synth, sfid = _synth(sample_rate, soundfont)
    events: list[tuple[_Event, int]] = []
    for instrument, channel in zip(midi.instruments, channels_of(midi), strict=True):
        _select(synth, sfid, instrument, channel)
        events.extend((event, channel) for event in _events(instrument, sample_rate, frames, volume=True))
    events.sort()
    audio = np.zeros((frames, 2), dtype=np.float32)
    _play(synth, events, audio)
    return audio


def render_stems(
    midi: pretty_midi.PrettyMIDI, frames: int, sample_rate: int = 44100, soundfont: Path | None = None
) -> Iterator[np.ndarray]:
    """Render each instrument alone as float32 (frames, 2), in instrument order, one at a time.

    Channel volume (CC7) is left out, so every stem comes at the soundfont's natural level, ready to be measured.
    """
    synth, sfid = _synth(sample_rate, soundfont)
    for instrument, channel in zip(midi.instruments, channels_of(midi), strict=True):
        _select(synth, sfid, instrument, channel)
        events = [(event, channel) for event in _events(instrument, sample_rate, frames, volume=False)]
        audio = np.zeros((frames, 2), dtype=np.float32)
        _play(synth, events, audio)
        yield audio
