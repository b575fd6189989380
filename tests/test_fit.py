"""Choosing written text by meaning: real MiniLM closeness of lines to their shot and of a story to its theme."""

from __future__ import annotations

import pytest

from personavlog.agents import fit
from personavlog.agents.monologue import OBJECTION_PENALTY, score_line

THEME = "a rainy afternoon in a Paris café"
SHOT = fit.shot_text("a small café table by the rainy window", "sips a coffee and watches the rain")


def test_a_line_that_lives_its_shot_scores_above_one_about_something_else() -> None:
    living = "The rain streaks the glass while my coffee goes cold in my hands."
    astray = "I love him. He sleeps well and his hands are good to me."
    assert fit.line_fit(living, SHOT, THEME) > fit.line_fit(astray, SHOT, THEME) + 0.5
    assert not fit.unrelated(living, SHOT, THEME) and fit.unrelated(astray, SHOT, THEME)
    # The monologue agent's choice among candidates of the same length follows the fit.
    assert score_line(living, 12, THEME, SHOT) > score_line(astray, 12, THEME, SHOT)
    # A line the script critic would send back as about something else is weighed down like a review objection.
    # (Each at its own word count, so the length term is 1.)
    weighed_down = 1.0 + fit.line_fit(astray, SHOT, THEME) - OBJECTION_PENALTY
    assert score_line(astray, 13, THEME, SHOT) == pytest.approx(weighed_down)
    assert score_line(living, 13, THEME, SHOT) == pytest.approx(1.0 + fit.line_fit(living, SHOT, THEME))


def test_saying_the_themes_phrase_word_for_word_costs_more_than_it_gains() -> None:
    parroting = "I love a rainy afternoon in a Paris café."
    own = "The waiter knows my order now, and the rain keeps me here."
    to_shot, to_theme = fit.line_closeness(parroting, SHOT, THEME)
    assert to_theme > fit.line_closeness(own, SHOT, THEME)[1]  # what the penalty is for: MiniLM rewards the copy
    assert fit.line_fit(parroting, SHOT, THEME) == 2 * to_shot + to_theme - fit.PARROTING_PENALTY
    assert fit.line_fit(own, SHOT, THEME) > fit.line_fit(parroting, SHOT, THEME)


def test_one_sentence_that_wanders_off_lowers_a_story_more_than_its_share() -> None:
    beats = [
        "Rain drums on the awning as I step into the little café.",
        "The waiter brings a café crème and a warm croissant.",
        "The rain stops and the street outside shines.",
    ]
    wandering = [*beats[:2], "Our friends go to bed at night in their pajamas."]
    kept, lost = fit.beats_fit(beats, THEME), fit.beats_fit(wandering, THEME)
    assert kept > lost
    vectors = fit.encoder().encode([THEME, beats[2], wandering[2]])
    drop_of_one = float(vectors[0] @ vectors[1] - vectors[0] @ vectors[2]) / len(beats)
    assert kept - lost > drop_of_one  # the furthest sentence counts twice: a mean alone would hide it
    assert fit.beats_fit([], THEME) == 0.0
