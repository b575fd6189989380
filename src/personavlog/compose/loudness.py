"""Loudness (ITU-R BS.1770-4), true peak, and loudness normalisation with a smooth look-ahead limiter.

Everything works on float32 arrays shaped (samples,) or (samples, channels) and processes long
signals in chunks, so the extra memory is bounded by the chunk size rather than the signal length.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.ndimage import uniform_filter1d
from scipy.signal import firwin, sosfilt

SILENCE_LUFS = -70.0
_CHUNK_S = 10.0
_BATCH = 1 << 15
_PHASE_TAPS = 16
_OVERSAMPLE = 4


def _as_2d(samples: np.ndarray) -> np.ndarray:
    return samples[:, None] if samples.ndim == 1 else samples


def k_weighting_sos(rate: int) -> np.ndarray:
    """The two K-weighting biquads (high shelf, then RLB high-pass) for any sample rate, as SOS rows."""
    k = math.tan(math.pi * 1681.974450955533 / rate)
    q = 0.7071752369554196
    vh = 10.0 ** (3.999843853973347 / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    shelf = [
        (vh + vb * k / q + k * k) / a0,
        2.0 * (k * k - vh) / a0,
        (vh - vb * k / q + k * k) / a0,
        1.0,
        2.0 * (k * k - 1.0) / a0,
        (1.0 - k / q + k * k) / a0,
    ]
    k = math.tan(math.pi * 38.13547087602444 / rate)
    q = 0.5003270373238773
    a0 = 1.0 + k / q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    return np.array([shelf, highpass], dtype=np.float64)


def _segment_powers(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mean square of the K-weighted signal per 100 ms segment and channel: (segments, channels)."""
    data = _as_2d(samples)
    sos = k_weighting_sos(rate)
    segment = round(0.1 * rate)
    count = data.shape[0] // segment
    state = np.zeros((sos.shape[0], 2, data.shape[1]))
    chunk = segment * max(1, round(_CHUNK_S / 0.1))
    powers = np.empty((count, data.shape[1]))
    for first in range(0, count * segment, chunk):
        block = data[first : min(first + chunk, count * segment)].astype(np.float64)
        filtered, state = sosfilt(sos, block, axis=0, zi=state)
        seg = filtered.reshape(-1, segment, data.shape[1])
        powers[first // segment : first // segment + seg.shape[0]] = np.mean(seg * seg, axis=1)
    return powers


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    """Gated integrated loudness in LUFS (400 ms blocks, 75 % overlap); -inf for silence or < 400 ms."""
    powers = _segment_powers(samples, rate)
    if powers.shape[0] < 4:
        return -math.inf
    blocks = sliding_window_view(powers, 4, axis=0).mean(axis=-1).sum(axis=1)
    with np.errstate(divide="ignore"):
        block_lufs = -0.691 + 10.0 * np.log10(blocks)
    gated = blocks[block_lufs > SILENCE_LUFS]
    if gated.size == 0:
        return -math.inf
    relative_gate = -0.691 + 10.0 * math.log10(float(gated.mean())) - 10.0
    gated = blocks[(block_lufs > SILENCE_LUFS) & (block_lufs > relative_gate)]
    return -0.691 + 10.0 * math.log10(float(gated.mean()))


def _oversampling_phases() -> np.ndarray:
    """4-phase interpolation filter (64 taps, flat to 18 kHz at 48 kHz), one row of 16 taps per phase."""
    taps = firwin(_OVERSAMPLE * _PHASE_TAPS, 1.0 / _OVERSAMPLE, window=("kaiser", 5.0)) * _OVERSAMPLE
    return np.stack([taps[phase::_OVERSAMPLE] for phase in range(_OVERSAMPLE)]).astype(np.float32)


def _interpolated_peaks(data: np.ndarray, index: np.ndarray | None) -> np.ndarray:
    """max |value| of the oversampled points in [m, m + 1) for each sample m in `index` (all if None)."""
    phases = _oversampling_phases()
    before = (_PHASE_TAPS - 1) // 2
    total = data.shape[0]
    if index is None:
        peaks = np.zeros(total, dtype=np.float32)
        for channel in range(data.shape[1]):
            column = np.ascontiguousarray(data[:, channel])
            for phase in phases:
                interpolated = np.convolve(column, phase)[before + 1 : before + 1 + total]
                np.maximum(peaks, np.abs(interpolated), out=peaks)
        return peaks
    padded = np.pad(data, ((before, _PHASE_TAPS - 1 - before), (0, 0)))
    offsets = np.arange(_PHASE_TAPS)
    peaks = np.empty(index.size, dtype=np.float32)
    for first in range(0, index.size, _BATCH):
        part = index[first : first + _BATCH]
        windows = padded[part[:, None] + offsets]
        values = np.einsum("kjc,pj->kpc", windows, phases[:, ::-1])
        peaks[first : first + part.size] = np.abs(values).max(axis=(1, 2))
    return peaks


def peak_envelope(samples: np.ndarray, threshold: float = 0.0) -> np.ndarray:
    """True-peak envelope (float32): per sample, the largest |value| over all channels of the signal and
    of its 4x oversampled points up to the next sample.

    Inter-sample points are evaluated only near samples louder than threshold / 2: a band-limited
    signal does not overshoot its neighbouring samples by 6 dB, so quieter stretches cannot reach the
    threshold and keep their sample magnitude. The default evaluates everywhere.
    """
    data = _as_2d(samples).astype(np.float32, copy=False)
    out = np.abs(data).max(axis=1)
    if out.size == 0:
        return out
    loud = out > threshold / 2.0
    loud[:-1] |= loud[1:]  # the stretch before a loud sample leads up to it
    if np.count_nonzero(loud) > out.size // 16:  # gathering windows costs ~12x more per sample
        np.maximum(out, _interpolated_peaks(data, None), out=out)
    else:
        index = np.flatnonzero(loud)
        out[index] = np.maximum(out[index], _interpolated_peaks(data, index))
    return out


def to_db(amplitude: float) -> float:
    return 20.0 * math.log10(amplitude) if amplitude > 0 else -math.inf


def true_peak_db(samples: np.ndarray) -> float:
    if not samples.size:
        return -math.inf
    return to_db(float(peak_envelope(samples, threshold=float(np.abs(samples).max())).max()))


def sample_peak_db(samples: np.ndarray) -> float:
    return to_db(float(np.abs(samples).max())) if samples.size else -math.inf


def limiter_gain(
    envelope: np.ndarray, rate: int, ceiling_db: float, lookahead_s: float = 0.005, release_s: float = 0.08
) -> np.ndarray:
    """Smooth gain (float32, one per sample) that keeps a signal with this peak envelope under the ceiling.

    The gain needed at each sample is spread backwards over the look-ahead (so it ramps down before
    a peak instead of clipping it) and recovers with an exponential release.
    """
    ceiling = 10.0 ** (ceiling_db / 20.0)
    needed = np.minimum(1.0, ceiling / np.maximum(envelope, 1e-9)).astype(np.float32)
    total = needed.shape[0]
    if total == 0 or float(needed.min()) >= 1.0:
        return np.ones(total, dtype=np.float32)
    block = max(1, rate // 1000)
    blocks = -(-total // block)
    padded = np.ones(blocks * block, dtype=np.float32)
    padded[:total] = needed
    per_block = padded.reshape(blocks, block).min(axis=1)
    ahead = max(1, math.ceil(lookahead_s * rate / block))
    per_block = sliding_window_view(np.concatenate([per_block, np.ones(ahead, np.float32)]), ahead + 1).min(axis=1)
    recover = 1.0 - math.exp(-block / (release_s * rate))
    released = per_block.tolist()
    level = 1.0
    for index, floor in enumerate(released):
        level = min(floor, level + (1.0 - level) * recover)
        released[index] = level
    gain = np.repeat(np.asarray(released, dtype=np.float32), block)[:total]
    # Two causal box filters whose combined span fits inside the look-ahead keep gain <= needed everywhere.
    span = ahead * block + 1
    first = (span + 1) // 2
    second = span + 1 - first
    for size in (first, second):
        gain = uniform_filter1d(gain, size=size, origin=(size - 1) // 2, mode="nearest")
    return np.minimum(gain, 1.0).astype(np.float32)


def _trim_to_ceiling(samples: np.ndarray, ceiling_db: float) -> np.ndarray:
    """A tiny static trim for the rare inter-sample peak that the time-varying gain lets through."""
    peak = true_peak_db(samples)
    if peak > ceiling_db:
        samples *= np.float32(10.0 ** ((ceiling_db - peak) / 20.0))
    return samples


def limit(samples: np.ndarray, rate: int, ceiling_db: float) -> np.ndarray:
    """Look-ahead limit `samples` to `ceiling_db` true peak."""
    data = _as_2d(samples)
    envelope = peak_envelope(data, threshold=10.0 ** (ceiling_db / 20.0))
    out = data * limiter_gain(envelope, rate, ceiling_db)[:, None]
    return _trim_to_ceiling(out, ceiling_db).reshape(samples.shape)


def normalise(
    samples: np.ndarray, rate: int, target_lufs: float = -16.0, ceiling_db: float = -1.5, rounds: int = 4
) -> np.ndarray:
    """Gain to `target_lufs` integrated loudness, limited to `ceiling_db` true peak.

    The limiter takes a little loudness away, so the gain is corrected and the limiter re-run until
    the result lands within 0.05 LU of the target.
    """
    data = _as_2d(samples).astype(np.float32, copy=False)
    loudness = integrated_loudness(data, rate)
    if not math.isfinite(loudness):
        return samples.astype(np.float32, copy=True)
    gain_db = target_lufs - loudness
    # Later rounds raise the gain a little; 3 dB of slack keeps their peaks inside the evaluated set.
    envelope = peak_envelope(data, threshold=10.0 ** ((ceiling_db - gain_db - 3.0) / 20.0))
    out = data
    for _ in range(rounds):
        gain = np.float32(10.0 ** (gain_db / 20.0))
        out = data * (gain * limiter_gain(envelope * gain, rate, ceiling_db))[:, None]
        error = target_lufs - integrated_loudness(out, rate)
        if abs(error) < 0.05:
            break
        gain_db += error
    return _trim_to_ceiling(out, ceiling_db).reshape(samples.shape)
