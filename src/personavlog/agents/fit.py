"""How well a written line or story belongs where it is put, by meaning (MiniLM cosine), for choosing candidates.

Keywords miss a line that lives its moment in other words ("The waiter knows my order now." at a café table) and
reward one that only repeats the theme's words. The sentence embedding the script critic uses scores meaning: a
line about its shot's place and action scores about 0.3-0.6 against them, one about something else (bed, a lover,
another city) below 0.2. Saying the theme's phrase word for word is not living it, so it is taken off.
"""

from __future__ import annotations

from collections.abc import Sequence

from personavlog.agents.text import parrots
from personavlog.measure.text_embedding import encoder

UNRELATED = 0.2
"""A line closer than this to neither its shot nor the theme is about something else."""
PARROTING_PENALTY = 1.0
"""Repeating the theme gains up to about 0.5 of closeness to the theme and some to the shot: this puts a line
that lives the moment in its own words ahead."""


def shot_text(location: str, action: str) -> str:
    """What a shot shows, as one text to compare a line with."""
    return f"{location}: {action}"


def line_closeness(line: str, shot: str, theme: str) -> tuple[float, float]:
    """(cosine to the shot, cosine to the theme) of a monologue line."""
    line_vector, shot_vector, theme_vector = encoder().encode([line, shot, theme])
    return float(line_vector @ shot_vector), float(line_vector @ theme_vector)


def unrelated(line: str, shot: str, theme: str) -> bool:
    """The line belongs neither to its shot nor to the theme."""
    return max(line_closeness(line, shot, theme)) < UNRELATED


def line_fit(line: str, shot: str, theme: str) -> float:
    """About 0..1.5: twice the closeness to the shot plus the closeness to the theme, less parroting."""
    to_shot, to_theme = line_closeness(line, shot, theme)
    return 2 * to_shot + to_theme - (PARROTING_PENALTY if parrots(line, theme) else 0.0)


def beats_fit(beats: Sequence[str], theme: str) -> float:
    """About 0..1: how close the story's sentences stay to the theme, the furthest one counting as much as all
    the others (one sentence that wanders off, to bed or to another city, breaks the story)."""
    if not beats:
        return 0.0
    theme_vector, *vectors = encoder().encode([theme, *beats])
    closeness = [
        float(theme_vector @ v) - (PARROTING_PENALTY if parrots(b, theme) else 0.0)
        for b, v in zip(beats, vectors, strict=True)
    ]
    return (sum(closeness) / len(closeness) + min(closeness)) / 2
