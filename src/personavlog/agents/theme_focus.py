"""Theme focus: how an agent rewrites after the script critic found its text off the theme.

A focused rewrite draws more candidates and chooses among them by the same MiniLM theme relevance the critic
measures, with the agent's own score as the tie-break, so the rewrite is chosen for what failed rather than by
the keyword proxy. It stops drawing at a candidate that clears the critic's bar with a margin to spare, the
text written anew as well as the whole the critic reads: a line sent back for being far from the theme is mended
only when it is near the theme itself, not when the other lines carry the monologue past the bar.
"""

from __future__ import annotations

import math

FOCUS_CANDIDATES = 3
RELEVANCE_WEIGHT = 100.0
"""Relevance comes first: the agents' own scores (each about 0..2) only break near-ties (0.02 of relevance)."""
STORY_RELEVANCE = 0.60
MONOLOGUE_RELEVANCE = 0.40
"""The relevance the script critic asks of a story and of a whole monologue (MiniLM cosine to the theme):
unrelated text scores about 0.1; a story clearly about the theme 0.6-0.85, and a monologue of a few short lines
that names what the theme is about 0.4-0.7."""
FOCUS_MARGIN = 0.05
"""How far past the critic's bar a focused candidate must be to end the draws."""


def candidate_count(candidates: int, theme_focus: bool) -> int:
    return max(candidates, FOCUS_CANDIDATES) if theme_focus else candidates


def good_enough(default: float, theme_focus: bool) -> float:
    """A focused rewrite is not stopped by the agent's own score (see `clears_the_bar`)."""
    return math.inf if theme_focus else default


def clears_the_bar(theme: str, passes_at: float, whole: str, *written: str) -> bool:
    """Whether a focused candidate ends the draws: the text the critic reads (`whole`) and each part of it written
    anew are `FOCUS_MARGIN` past `passes_at`, the critic's bar."""
    from personavlog.measure.relevance import theme_relevance_many

    return min(theme_relevance_many(theme, [whole, *written])) >= passes_at + FOCUS_MARGIN


def relevance_bonus(theme: str, text: str) -> float:
    from personavlog.measure.relevance import theme_relevance

    return RELEVANCE_WEIGHT * theme_relevance(theme, text)
