"""Balancing the rendered parts against each other.

Soundfont presets differ in loudness by 15 dB or more, so fixed channel volumes cannot give a steady
balance; each part is rendered alone, measured where it plays, and its channel volume set so that it
sits at its role's level.
"""

from __future__ import annotations

import numpy as np
import pretty_midi

ROLE_LEVELS_DB: dict[str, float] = {"melody": 0.0, "chords": -4.5, "pad": -8.0, "bass": -7.0, "drums": -5.5}
DEFAULT_LEVEL_DB = -6.0
BLOCK_S = 0.1
ACTIVE_BELOW_PEAK_DB = 30.0
MAX_BOOST_DB = 18.0


def active_level_db(stem: np.ndarray, sample_rate: int) -> float | None:
    """Mean power (dB) over the blocks where the stem actually plays; None for a silent stem."""
    block = max(1, int(BLOCK_S * sample_rate))
    usable = len(stem) // block * block
    if usable == 0:
        return None
    power = np.mean(np.square(stem[:usable], dtype=np.float64).reshape(-1, block, stem.shape[1]), axis=(1, 2))
    peak = float(power.max())
    if peak <= 1e-12:
        return None
    active = power[power >= peak * 10 ** (-ACTIVE_BELOW_PEAK_DB / 10)]
    return float(10 * np.log10(np.mean(active)))


def stem_gains(levels: list[float | None], roles: list[str]) -> list[float]:
    """Linear gain per stem that brings each to its role's level relative to the others; the largest gain is 1."""
    measured = [level for level in levels if level is not None]
    if not measured:
        return [1.0] * len(levels)
    reference = max(measured)
    gains_db = [
        0.0 if level is None else min(reference + ROLE_LEVELS_DB.get(role, DEFAULT_LEVEL_DB) - level, MAX_BOOST_DB)
        for level, role in zip(levels, roles, strict=True)
    ]
    top = max(gains_db)
    return [10 ** ((gain - top) / 20) for gain in gains_db]


def channel_volume(gain: float) -> int:
    """MIDI CC7 value that scales a channel by `gain` in TinySoundFont, whose volume curve is (CC7 / 127) ** 3."""
    return int(min(127, max(1, round(127 * gain ** (1 / 3)))))


def write_levels(midi: pretty_midi.PrettyMIDI, gains: list[float]) -> None:
    """Store the balance in the score as each channel's initial volume, so the MIDI file plays back mixed."""
    for instrument, gain in zip(midi.instruments, gains, strict=True):
        others = [change for change in instrument.control_changes if change.number != 7]
        instrument.control_changes = [pretty_midi.ControlChange(7, channel_volume(gain), 0.0), *others]
