"""Theme focus: how an agent rewrites after the script critic found its text off the theme.

A focused rewrite draws more candidates and chooses among them by the same MiniLM theme relevance the critic
measures, with the agent's own score as the tie-break, so the rewrite is chosen for what failed rather than by
the keyword proxy.
"""

from __future__ import annotations

import math

FOCUS_CANDIDATES = 3
RELEVANCE_WEIGHT = 100.0
"""Relevance comes first: the agents' own scores (each about 0..2) only break near-ties (0.02 of relevance)."""


def candidate_count(candidates: int, theme_focus: bool) -> int:
    return max(candidates, FOCUS_CANDIDATES) if theme_focus else candidates


def good_enough(default: float, theme_focus: bool) -> float:
    """A focused rewrite looks at every candidate: no score is good enough to stop early."""
    return math.inf if theme_focus else default


def relevance_bonus(theme: str, text: str) -> float:
    from personavlog.measure.relevance import theme_relevance

    return RELEVANCE_WEIGHT * theme_relevance(theme, text)
