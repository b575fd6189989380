"""Stable random streams: the same (seed, shot, purpose) always gives the same numbers, on any machine."""

from __future__ import annotations

import hashlib

import numpy as np


def rng_for(seed: int, shot_id: int, purpose: str) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}:{shot_id}:{purpose}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))
