"""What a music track does, measured from its audio: tempo, mode and loudness over time.

- estimate_tempo: beats per minute from the autocorrelation of the spectral-flux onset envelope (60-180 bpm;
  octave errors possible, compare with `tempo_matches`, which accepts half and double tempo).
- estimate_mode: "major" or "minor" from the correlation of the averaged chroma with Krumhansl-Kessler key
  profiles over all 24 keys; also returns the tonic and the correlation.
- segment_rms_db: loudness of each span in dBFS (RMS).
- energy_correlation: how well measured per-shot levels follow the brief's per-shot energy (Spearman rank
  correlation, -1..1; 1 when the energy curve is too short or too flat to ask for anything).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from pydantic import BaseModel

_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
NOTE_NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]


class KeyEstimate(BaseModel):
    tonic: str
    mode: str
    correlation: float


def _mono(samples: np.ndarray) -> np.ndarray:
    return samples.mean(axis=1) if samples.ndim == 2 else samples


_FRAMES_PER_CHUNK = 256
"""Spectrogram frames computed at once: memory stays a few MB whatever the length of the track."""


def _spectrogram_chunks(samples: np.ndarray, rate: int, n_fft: int = 4096, hop: int = 1024) -> Iterator[np.ndarray]:
    """Magnitude spectra of Hann-windowed frames, `_FRAMES_PER_CHUNK` rows at a time, in order."""
    mono = _mono(samples).astype(np.float64)
    if len(mono) < n_fft:
        mono = np.pad(mono, (0, n_fft - len(mono)))
    frames = np.lib.stride_tricks.sliding_window_view(mono, n_fft)[::hop]
    window = np.hanning(n_fft)
    for first in range(0, len(frames), _FRAMES_PER_CHUNK):
        yield np.abs(np.fft.rfft(frames[first : first + _FRAMES_PER_CHUNK] * window, axis=1))


def estimate_tempo(samples: np.ndarray, rate: int) -> float:
    hop = 512
    parts, previous = [], None
    for spectrum in _spectrogram_chunks(samples, rate, n_fft=2048, hop=hop):
        log_spec = np.log1p(spectrum * 10)
        if previous is not None:
            log_spec = np.concatenate([previous, log_spec])
        parts.append(np.maximum(0.0, np.diff(log_spec, axis=0)).sum(axis=1))
        previous = log_spec[-1:]
    flux = np.concatenate(parts)
    flux = flux - np.convolve(flux, np.ones(16) / 16, mode="same")
    flux = np.maximum(flux, 0)
    env_rate = rate / hop
    corr = np.correlate(flux, flux, mode="full")[len(flux) - 1 :]
    lags = np.arange(len(corr))
    bpm = 60.0 * env_rate / np.maximum(lags, 1)
    valid = (bpm >= 60) & (bpm <= 180)
    if not valid.any():
        return 0.0
    # Favour tempi near 110 bpm a little, as listeners do, to break octave ties.
    weight = np.exp(-0.5 * (np.log2(bpm[valid] / 110.0) / 0.9) ** 2)
    best = lags[valid][np.argmax(corr[valid] * weight)]
    return float(60.0 * env_rate / best)


def tempo_matches(measured: float, expected: float, tolerance: float = 0.08) -> bool:
    return any(abs(measured * factor - expected) <= tolerance * expected for factor in (0.5, 1.0, 2.0, 2 / 3, 1.5))


def chroma(samples: np.ndarray, rate: int) -> np.ndarray:
    n_fft = 4096
    freqs = np.fft.rfftfreq(n_fft, 1.0 / rate)
    keep = (freqs >= 55) & (freqs <= 2000)
    pitch_class = np.round(12 * np.log2(freqs[keep] / 440.0) + 9).astype(int) % 12
    energy = np.zeros(int(keep.sum()))
    for spectrum in _spectrogram_chunks(samples, rate, n_fft=n_fft):
        energy += (spectrum[:, keep] ** 2).sum(axis=0)
    profile = np.bincount(pitch_class, weights=energy, minlength=12)
    return profile / (profile.sum() + 1e-12)


def estimate_key(samples: np.ndarray, rate: int) -> KeyEstimate:
    profile = chroma(samples, rate)
    best = ("C", "major", -2.0)
    for tonic in range(12):
        for mode, template in (("major", _MAJOR), ("minor", _MINOR)):
            r = float(np.corrcoef(profile, np.roll(template, tonic))[0, 1])
            if r > best[2]:
                best = (NOTE_NAMES[tonic], mode, r)
    return KeyEstimate(tonic=best[0], mode=best[1], correlation=best[2])


def segment_rms_db(samples: np.ndarray, rate: int, spans: list[tuple[float, float]]) -> list[float]:
    mono = _mono(samples)
    levels = []
    for start, duration in spans:
        part = mono[int(start * rate) : int((start + duration) * rate)]
        rms = float(np.sqrt(np.mean(part.astype(np.float64) ** 2))) if len(part) else 0.0
        levels.append(20 * np.log10(rms + 1e-9))
    return levels


def energy_correlation(energy: list[float], levels: list[float]) -> float:
    """Spearman rank correlation between the brief's energy curve and the measured levels of the same shots."""
    if len(energy) < 3 or np.ptp(energy) < 0.15:
        return 1.0  # a flat energy curve asks for nothing to follow
    ranked_energy, ranked_levels = np.argsort(np.argsort(energy)), np.argsort(np.argsort(levels))
    return float(np.corrcoef(ranked_energy, ranked_levels)[0, 1])
