"""The final soundtrack: loudness-normalised, peak-limited, AAC-encoded and checked after decoding.

AAC can push peaks a little above what went in, so the limiter aims below the peak limit and, if the
decoded result still overshoots, runs again with a lower ceiling.
"""

from __future__ import annotations

from dataclasses import dataclass

import av
import numpy as np

from personavlog.compose.aac import decode_aac, encode_aac
from personavlog.compose.loudness import integrated_loudness, normalise, sample_peak_db, true_peak_db


@dataclass(frozen=True)
class Soundtrack:
    packets: list[av.Packet]
    rate: int
    samples: int
    integrated_lufs: float
    true_peak_db: float
    sample_peak_db: float


def master_soundtrack(
    mix: np.ndarray,
    rate: int,
    target_lufs: float = -16.0,
    peak_limit_db: float = -1.0,
    bit_rate: int = 160_000,
    codec_headroom_db: float = 0.5,
    attempts: int = 3,
) -> Soundtrack:
    """Normalise `mix` ((samples, 2) float32) and encode it; figures are measured on the decoded AAC."""
    ceiling = peak_limit_db - codec_headroom_db
    attempts = max(1, attempts)
    for attempt in range(attempts):
        audio = normalise(mix, rate, target_lufs, ceiling)
        packets, extradata = encode_aac(audio, rate, bit_rate)
        del audio
        decoded = decode_aac(packets, extradata, rate, mix.shape[0])
        peak = true_peak_db(decoded)
        if peak <= peak_limit_db or attempt == attempts - 1:
            break
        ceiling -= peak - peak_limit_db + 0.2
    return Soundtrack(
        packets=packets,
        rate=rate,
        samples=mix.shape[0],
        integrated_lufs=integrated_loudness(decoded, rate),
        true_peak_db=peak,
        sample_peak_db=sample_peak_db(decoded),
    )
