"""Script critic: is the story about the theme and well formed, and does every line fit its shot?

Routes to the `story` agent (relevance, structure) and the `monologue` agent (relevance, repeats, first person,
length against the shot's duration, lines that repeat the theme's phrase instead of living it (MiniLM
relevance rewards parroting, so it is checked on its own), and lines about something else than their shot and
the theme).
"""

from __future__ import annotations

import re

from personavlog.agents import fit, japanese
from personavlog.agents.monologue import budget_unit, says_the_same, spoken_length, word_budget
from personavlog.agents.story import story_text
from personavlog.agents.text import missing_theme_words, parrots
from personavlog.agents.theme_focus import MONOLOGUE_RELEVANCE, STORY_RELEVANCE
from personavlog.measure.relevance import theme_relevance_many
from personavlog.measure.speech import normalise_words
from personavlog.schema import Critique, MonologueLine, Shot, Story, Storyboard

_FIRST_PERSON = re.compile(r"\b(i|i'm|i've|i'll|i'd|me|my|mine|myself|we|us|our)\b", re.IGNORECASE)


def _relevance(stage: str, theme: str, text: str, score: float, threshold: float, advice: str, round_: int) -> Critique:
    """A theme-relevance critique whose feedback gives the score, the advice and the theme words never used."""
    missing = missing_theme_words(theme, text) + japanese.missing_words(theme, text)
    naming = f" It never mentions {', '.join(missing)}: bring them in." if missing else ""
    return Critique(
        stage=stage,
        target=f"{stage}.relevance",
        score=round(score, 4),
        threshold=threshold,
        passed=score >= threshold,
        feedback=f"{advice.format(theme=theme, score=score, threshold=threshold)}{naming}",
        round=round_,
    )


def story_relevance(theme: str, story: Story, score: float, round_: int = 0) -> Critique:
    advice = (
        "The story drifts from the theme '{theme}' (relevance {score:.2f}, needs {threshold:.2f}). Make the title, "
        "the logline and every beat clearly about {theme}: name its place, its objects and what the person does there."
    )
    return _relevance("story", theme, story_text(story), score, STORY_RELEVANCE, advice, round_)


def monologue_relevance(theme: str, lines: list[MonologueLine], score: float, round_: int = 0) -> Critique:
    """The whole monologue's relevance; it names the lines furthest from the theme, which a rollback rewrites
    (aiming at the theme) while the others stay."""
    advice = (
        "The inner monologue does not sound like it is about '{theme}' (relevance {score:.2f}, needs "
        "{threshold:.2f}). In each line, think about what is seen, heard or felt in that moment of {theme}."
    )
    critique = _relevance("monologue", theme, monologue_text(lines), score, MONOLOGUE_RELEVANCE, advice, round_)
    return critique if critique.passed else critique.model_copy(update={"shots": _furthest_from(theme, lines)})


def _furthest_from(theme: str, lines: list[MonologueLine]) -> list[int]:
    """The lines less relevant to the theme on their own than a whole monologue must be, or else the least
    relevant one."""
    if not lines:
        return []
    scores = theme_relevance_many(theme, [line.text for line in lines])
    below = [line.shot_id for line, score in zip(lines, scores, strict=True) if score < MONOLOGUE_RELEVANCE]
    return below or [min(zip(scores, (line.shot_id for line in lines), strict=True))[1]]


def monologue_text(lines: list[MonologueLine]) -> str:
    return " ".join(line.text for line in lines)


def critique_monologue_relevance(theme: str, lines: list[MonologueLine], round_: int = 0) -> Critique:
    (score,) = theme_relevance_many(theme, [monologue_text(lines)])
    return monologue_relevance(theme, lines, score, round_)


def critique_script(
    theme: str,
    story: Story,
    storyboard: Storyboard,
    lines: list[MonologueLine],
    round_: int = 0,
    language: str = "en",
) -> list[Critique]:
    """Japanese lines are measured in characters and need no pronoun: Japanese leaves the speaker unsaid."""
    in_japanese = japanese.is_japanese(language)
    story_score, monologue_score = theme_relevance_many(theme, [story_text(story), monologue_text(lines)])
    critiques = [
        story_relevance(theme, story, story_score, round_),
        monologue_relevance(theme, lines, monologue_score, round_),
    ]

    distinct_beats = len({" ".join(normalise_words(b)) or b for b in story.beats})
    structure = distinct_beats / max(1, len(story.beats)) if len(story.beats) >= 3 else 0.0
    critiques.append(
        Critique(
            stage="story",
            target="story.structure",
            score=round(structure, 4),
            threshold=1.0,
            passed=structure >= 1.0,
            feedback="The story needs at least three different beats: a beginning, a turn and an ending.",
            round=round_,
        )
    )

    repeats = [
        (a.shot_id, b.shot_id) for i, a in enumerate(lines) for b in lines[i + 1 :] if says_the_same(a.text, b.text)
    ]
    critiques.append(
        Critique(
            stage="monologue",
            target="monologue.repeats",
            score=-float(len(repeats)),
            threshold=0.0,
            passed=not repeats,
            feedback="; ".join(f"the lines of shots {a} and {b} say the same thing" for a, b in repeats)
            + ". Give every shot its own thought about what happens in it.",
            round=round_,
            shots=sorted({later for _, later in repeats}),
        )
    )

    critiques.append(_parroting(theme, storyboard, lines, round_))
    if not in_japanese:
        critiques.append(_off_shot(theme, storyboard, lines, round_))

    durations = {shot.id: shot.duration_s for shot in storyboard.shots}
    off_budget: list[str] = []
    not_first_person: list[int] = []
    for line in lines:
        length, unit = spoken_length(line.text, language), budget_unit(language)
        target, low, high = word_budget(durations[line.shot_id], language)
        if not low <= length <= high:
            off_budget.append(f"shot {line.shot_id} has {length} {unit} but needs about {target}")
        if not in_japanese and not _FIRST_PERSON.search(line.text):
            not_first_person.append(line.shot_id)
    fit_share = 1 - len(off_budget) / max(1, len(lines))
    critiques.append(
        Critique(
            stage="monologue",
            target="monologue.length",
            score=round(fit_share, 4),
            threshold=0.9,
            passed=fit_share >= 0.9,
            feedback="; ".join(off_budget) + ". Fit each line to its shot's duration.",
            round=round_,
        )
    )
    critiques.append(
        Critique(
            stage="monologue",
            target="monologue.first_person",
            score=round(1 - len(not_first_person) / max(1, len(lines)), 4),
            threshold=1.0,
            passed=not not_first_person,
            feedback=f"Lines of shots {', '.join(map(str, not_first_person))} are not in the first person; "
            "write them as the person's own thoughts (I, me, my).",
            round=round_,
            shots=not_first_person,
        )
    )
    return critiques


def _parroting(theme: str, storyboard: Storyboard, lines: list[MonologueLine], round_: int) -> Critique:
    """More than one line with the theme's phrase word for word reads as a slogan; the feedback names what each
    of those shots shows, so the rewrite has something of its own to say."""
    copying = [line.shot_id for line in lines if parrots(line.text, theme)]
    shots = {shot.id: shot for shot in storyboard.shots}
    moments = _what_shots_show(shots, [sid for sid in copying if sid in shots])
    return Critique(
        stage="monologue",
        target="monologue.parroting",
        score=-float(len(copying)),
        threshold=-1.0,
        passed=len(copying) <= 1,
        feedback=f"Lines of shots {', '.join(map(str, copying))} repeat the words '{theme}' instead of living it; "
        f"write what the person sees, does and feels there ({moments}).",
        round=round_,
        shots=copying,
    )


def _off_shot(theme: str, storyboard: Storyboard, lines: list[MonologueLine], round_: int) -> Critique:
    """A line close to neither its shot nor the theme (bed, a lover, another city) is heard over a picture it has
    nothing to do with; the feedback says what each of those shots shows."""
    shots = {shot.id: shot for shot in storyboard.shots}
    astray = [
        line.shot_id
        for line in lines
        if line.shot_id in shots
        and fit.unrelated(line.text, fit.shot_text(shots[line.shot_id].location, shots[line.shot_id].action), theme)
    ]
    moments = _what_shots_show(shots, astray)
    return Critique(
        stage="monologue",
        target="monologue.off_shot",
        score=-float(len(astray)),
        threshold=0.0,
        passed=not astray,
        feedback=f"Lines of shots {', '.join(map(str, astray))} are about something else than their shot and "
        f"'{theme}'; write what the person sees, does and feels there ({moments}).",
        round=round_,
        shots=astray,
    )


def _what_shots_show(shots: dict[int, Shot], shot_ids: list[int]) -> str:
    """ "shot 2: walks slowly at a forest path; ...": what a rewritten line can be about."""
    return "; ".join(f"shot {sid}: {shots[sid].action} at {shots[sid].location}" for sid in shot_ids)
