"""Summary statistics for the report: mean with a 95 % confidence interval (Student t), and system ranking."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel
from scipy import stats


class Summary(BaseModel):
    n: int
    mean: float | None
    ci_low: float | None
    ci_high: float | None


def summarise(values: Sequence[float | None]) -> Summary:
    """Mean and 95 % t-interval of the values that are not None (NA); the interval is the mean when n == 1."""
    data = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=np.float64)
    if data.size == 0:
        return Summary(n=0, mean=None, ci_low=None, ci_high=None)
    mean = float(data.mean())
    if data.size == 1:
        return Summary(n=1, mean=mean, ci_low=mean, ci_high=mean)
    half = float(stats.t.ppf(0.975, data.size - 1) * data.std(ddof=1) / math.sqrt(data.size))
    return Summary(n=int(data.size), mean=mean, ci_low=mean - half, ci_high=mean + half)


def rank_systems(means: dict[str, dict[str, float | None]], directions: dict[str, str]) -> dict[str, float]:
    """Average rank of each system over the metrics every system has (1 = best); lower is better.

    `means`: system -> metric -> mean. Ties share the average of their ranks.
    """
    systems = list(means)
    ranks: dict[str, list[float]] = {s: [] for s in systems}
    for metric, direction in directions.items():
        values = [means[s].get(metric) for s in systems]
        if len(systems) < 2 or any(v is None for v in values):
            continue
        signed = [-(v or 0.0) if direction == "higher" else (v or 0.0) for v in values]
        for system, rank in zip(systems, stats.rankdata(signed, method="average"), strict=True):
            ranks[system].append(float(rank))
    return {s: float(np.mean(r)) if r else float("nan") for s, r in ranks.items()}
