"""Finishing the rendered mix: a small room reverb, fades, and peak normalisation."""

from __future__ import annotations

import functools

import numpy as np
from scipy import fft, signal

FADE_OUT_S = 2.5
FADE_IN_S = 0.01
PEAK_DBFS = -3.0


@functools.lru_cache(maxsize=4)
def _impulse_response(sample_rate: int, decay_s: float) -> np.ndarray:
    """Stereo (n, 2) room response: decorrelated, darkened noise under an exponential decay.

    A fixed generator keeps it identical on every run, so rendering stays bit-exact.
    """
    rng = np.random.default_rng(20240611)
    length = int(decay_s * sample_rate)
    t = np.arange(length) / sample_rate
    envelope = np.exp(-6.9 * t / decay_s)  # -60 dB at decay_s
    predelay = int(0.018 * sample_rate)
    envelope[:predelay] = 0.0
    noise = rng.standard_normal((length, 2))
    b, a = signal.butter(2, 5000 / (sample_rate / 2), btype="low")
    response = signal.lfilter(b, a, noise, axis=0) * envelope[:, None]
    response /= np.sqrt(np.sum(response**2, axis=0, keepdims=True))
    return response.astype(np.float32)


def add_reverb(audio: np.ndarray, sample_rate: int, wet: float, decay_s: float = 1.6) -> np.ndarray:
    """Send the mono sum through the stereo room response (one FFT convolution) and add it to the dry mix."""
    if wet <= 0 or len(audio) == 0:
        return audio
    response = _impulse_response(sample_rate, decay_s)
    size = fft.next_fast_len(len(audio) + len(response) - 1, real=True)
    spectrum = fft.rfft(audio.mean(axis=1), size)
    tails = [fft.irfft(spectrum * fft.rfft(response[:, ch], size), size)[: len(audio)] for ch in range(2)]
    return (audio + wet * np.stack(tails, axis=1)).astype(np.float32)


def apply_fades(audio: np.ndarray, sample_rate: int, fade_out_s: float = FADE_OUT_S) -> np.ndarray:
    """A click-free start and a smooth (raised-cosine) fade to silence over the last `fade_out_s` seconds."""
    out = audio.copy()
    fade_in = min(int(FADE_IN_S * sample_rate), len(out))
    out[:fade_in] *= np.linspace(0.0, 1.0, fade_in, dtype=np.float32)[:, None]
    fade = min(int(fade_out_s * sample_rate), len(out))
    if fade > 0:
        x = np.linspace(0.0, 1.0, fade, dtype=np.float64)
        out[len(out) - fade :] *= (0.5 * (1.0 + np.cos(np.pi * x))).astype(np.float32)[:, None]
    return out


def normalise_peak(audio: np.ndarray, peak_dbfs: float = PEAK_DBFS) -> np.ndarray:
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak <= 1e-9:
        return audio
    return (audio * (10 ** (peak_dbfs / 20) / peak)).astype(np.float32)
