"""The monologue agent: one first-person, present-tense inner-monologue line per shot, sized to the shot.

A line's word budget is the shot's duration times WORDS_PER_SECOND, within BUDGET_TOLERANCE either way (in
Japanese, characters at japanese.CHARACTERS_PER_SECOND; see monologue_ja). The grammar bounds the length in
characters; a line that is still too long is cut at a sentence boundary, one that is too short is asked for again.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Collection, Sequence
from typing import Any

from personavlog.agents import fit, japanese, monologue_chat, monologue_ja
from personavlog.agents import theme_focus as focus
from personavlog.agents.base import (
    AgentCallLog,
    AgentTask,
    example_shingles,
    fixed_length,
    notes_block,
    notes_for_shot,
    render,
    run_agent,
    speaks_chat,
)
from personavlog.agents.story import beat_index
from personavlog.agents.text import (
    clean_text,
    complete_sentences,
    copies_from,
    normalised,
    shingles,
    similarity,
    trim_to_words,
    without_asides,
    word_count,
)
from personavlog.errors import StageError
from personavlog.llm.base import LLMClient
from personavlog.measure.speech import normalise_words
from personavlog.schema import MonologueLine, PersonaProfile, Story, Storyboard, VlogRequest

AGENT = "monologue"
WORDS_PER_SECOND = 2.5
BUDGET_TOLERANCE = 0.25
FIRST_LINE = "nothing yet"
LINE_DRAWS = 2
"""Draws per candidate of a few-shot English line: a line is short and often drifts from its shot, so more are
drawn and the one that fits best is kept."""
GOOD_LINE = 2.0
"""A line this close to its target length, its shot and the theme (score_line) ends the draws early."""
NEAR_DUPLICATE = 0.6
"""Word similarity to another line above which a line says the same thing again."""
SAME_WORDS = 0.8
"""Share of the shorter line's words (in Japanese, pairs of characters) that the other line has too, from which
two lines say the same thing: the script critic's repeats check, so a line it would send back is not chosen."""
OBJECTION_PENALTY = 1.0
"""Taken off the score of a line the review still objects to (a candidate's retry may keep an objection), so a
line without one is chosen whenever there is one."""
_PROMPT_LABEL = re.compile(r"\b(?:Theme|Beat|Moment|Before|Words|Line|Note):")
"""A field label of the prompt's examples: the model ran on into the next example, so the line ends before it."""
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'll|i'd|me|my|mine|myself|we|us|our)\b", re.IGNORECASE)


def speaking_rate(language: str = "en") -> float:
    """Words a second, or for Japanese characters a second, that the voice says."""
    return japanese.CHARACTERS_PER_SECOND if japanese.is_japanese(language) else WORDS_PER_SECOND


def budget_unit(language: str = "en") -> str:
    return "characters" if japanese.is_japanese(language) else "words"


def spoken_length(text: str, language: str = "en") -> int:
    """A line's length in the budget's unit: words, or for Japanese the kana and kanji read aloud."""
    return japanese.spoken_length(text) if japanese.is_japanese(language) else len(normalise_words(text))


def word_budget(duration_s: float, language: str = "en") -> tuple[int, int, int]:
    """(target, lowest, highest) words (Japanese: characters) for a line spoken over `duration_s` seconds."""
    target = max(3, round(duration_s * speaking_rate(language)))
    low = max(2, int(target * (1 - BUDGET_TOLERANCE) + 0.999))
    high = max(low, int(target * (1 + BUDGET_TOLERANCE)))
    return target, low, high


def line_schema(low: int, high: int) -> dict[str, Any]:
    # ~4.5 characters per word at the low end, ~7 at the high end; the word count is checked after parsing.
    return {
        "type": "object",
        "properties": {"line": {"type": "string", "minLength": int(low * 4.5), "maxLength": int(high * 7) + 10}},
        "required": ["line"],
        "additionalProperties": False,
    }


def parse_line(data: dict[str, Any], low: int, high: int, earlier: Sequence[str]) -> str:
    """The cleaned line, cut to `high` words at a sentence boundary; too short or a repeated line is invalid."""
    text = _PROMPT_LABEL.split(str(data.get("line", "")), maxsplit=1)[0]
    text = complete_sentences(without_asides(clean_text(text)), max_sentences=4)
    if word_count(text) > high:
        text = trim_to_words(text, high)
    count = word_count(text)
    if count < low:
        raise ValueError(f"the line has {count} words; it needs {low} to {high} words")
    key = normalised(text)
    for index, line in enumerate(earlier, 1):
        if normalised(line) == key:
            raise ValueError(f"the line repeats line {index}; say something new")
    return text


def says_the_same(a: str, b: str) -> bool:
    """Most of the shorter line's words are in the other one too."""
    words_a, words_b = set(normalise_words(a)), set(normalise_words(b))
    if not words_a and not words_b:
        words_a, words_b = japanese.shingles(a, 2), japanese.shingles(b, 2)
    return len(words_a & words_b) >= SAME_WORDS * max(1, min(len(words_a), len(words_b)))


def review_line(text: str, earlier: Sequence[str], examples: set[tuple[str, ...]]) -> str | None:
    """Quality objections: not the narrator's own thought, half-repeating an earlier line (as the script critic
    judges it too), copying an example."""
    if not _FIRST_PERSON.search(text) and word_count(text) > 6:
        return "the line must be the person's own thought, in the first person (I, me, my)"
    for index, line in enumerate(earlier, 1):
        if (
            not shingles(line, 5).isdisjoint(shingles(text, 5))
            or similarity(line, text) >= NEAR_DUPLICATE
            or says_the_same(line, text)
        ):
            return f"the line repeats words of line {index}; say something new"
    if copies_from(text, examples):
        return "the line copies an example; think about this moment"
    return None


def score_line(text: str, target: int, theme: str, shot: str) -> float:
    """Close to the word target, and about this shot and the theme by meaning (agents/fit.py); a line the script
    critic would find about something else loses OBJECTION_PENALTY (asking again with that note seldom helps a
    small model, so it is weighed, not sent back)."""
    penalty = OBJECTION_PENALTY if fit.unrelated(text, shot, theme) else 0.0
    return 1.0 - abs(word_count(text) - target) / target + fit.line_fit(text, shot, theme) - penalty


def _with_line(texts: Sequence[str], index: int, text: str) -> str:
    """The monologue as it would read with `text` as line `index` (lines not written yet left out)."""
    return " ".join(t for t in (*texts[:index], text, *texts[index + 1 :]) if t)


def write_monologue(
    llm: LLMClient,
    request: VlogRequest,
    persona: PersonaProfile,
    story: Story,
    storyboard: Storyboard,
    feedback: Sequence[str],
    *,
    candidates: int = 1,
    log: AgentCallLog | None = None,
    shot_ids: Collection[int] | None = None,
    current: Sequence[MonologueLine] | None = None,
    theme_focus: bool = False,
) -> list[MonologueLine]:
    """One line per shot, in order, each within its word budget and different from the others.

    With `shot_ids`, only those shots' lines are written (and returned); the `current` lines of the other shots
    are the context they follow and must not repeat. With `theme_focus` (a rollback for theme relevance) more
    candidates are drawn, each scored also by the theme relevance of the whole monologue with it in place, until
    one clears the critic's bar (`theme_focus.clears_the_bar`).
    """
    del persona  # the monologue is the narrator's voice; their look does not change what they think
    in_japanese = japanese.is_japanese(request.language)
    examples = example_shingles("monologue.txt", request.theme)
    if speaks_chat(llm) and not in_japanese:
        with contextlib.suppress(StageError):  # no valid set of lines: ask line by line instead
            return _write_together(
                llm, request, story, storyboard, feedback, candidates, log, shot_ids, current or [], theme_focus
            )
    known = {line.shot_id: line.text for line in current or []}
    written: list[MonologueLine] = []
    count = len(storyboard.shots)
    for index, shot in enumerate(storyboard.shots):
        if shot_ids is not None and shot.id not in shot_ids:
            continue
        beat = story.beats[beat_index(index, count, len(story.beats))]
        target, low, high = word_budget(shot.duration_s, request.language)
        written_texts = {line.shot_id: line.text for line in written}
        texts = [written_texts.get(s.id, known.get(s.id, "")) for s in storyboard.shots]
        earlier = [text for i, text in enumerate(texts) if text and i != index]
        before = texts[index - 1] if index > 0 and texts[index - 1] else ("まだなし" if in_japanese else FIRST_LINE)
        notes = notes_block(notes_for_shot(feedback, shot.id))
        shown = fit.shot_text(shot.location, shot.action)

        def parse(data: dict[str, Any], low: int = low, high: int = high, earlier: list[str] = earlier) -> str:
            if in_japanese:
                return monologue_ja.parse_line(data, low, high, earlier)
            return parse_line(data, low, high, earlier)

        def review(text: str, earlier: list[str] = earlier, beat: str = beat) -> str | None:
            if in_japanese:
                return monologue_ja.review_line(text, earlier, request.theme, beat)
            return review_line(text, earlier, examples)

        def score(
            text: str,
            target: int = target,
            shown: str = shown,
            texts: list[str] = texts,
            index: int = index,
            earlier: list[str] = earlier,
        ) -> float:
            own = (
                monologue_ja.score_line(text, target, request.theme)
                if in_japanese
                else score_line(text, target, request.theme, shown)
                - (OBJECTION_PENALTY if review_line(text, earlier, examples) else 0.0)
            )
            return own + (focus.relevance_bonus(request.theme, _with_line(texts, index, text)) if theme_focus else 0.0)

        def mended(text: str, texts: list[str] = texts, index: int = index) -> bool:
            whole = _with_line(texts, index, text)
            return focus.clears_the_bar(request.theme, focus.MONOLOGUE_RELEVANCE, whole, text)

        task = AgentTask(
            agent=AGENT,
            prompt=render(
                monologue_ja.TEMPLATE if in_japanese else "monologue.txt",
                theme=request.theme,
                beat=beat,
                moment=f"{shot.action} ({shot.mood})",
                before=before,
                notes=notes,
            ),
            fixed_chars=fixed_length(monologue_ja.TEMPLATE if in_japanese else "monologue.txt"),
            cue=f"文字数: {target}\n行:" if in_japanese else f"Words: {target}\nLine:",
            schema=monologue_ja.line_schema(low, high) if in_japanese else line_schema(low, high),
            parse=parse,
            review=review,
            score=score,
            max_tokens=int(high * 1.5) + 40 if in_japanese else int(high * 2.2) + 20,
            temperature=0.7,
            good_enough=focus.good_enough(GOOD_LINE, theme_focus),
            enough=mended if theme_focus else None,
        )
        draws = focus.candidate_count(candidates if in_japanese else candidates * LINE_DRAWS, theme_focus)
        text = run_agent(llm, task, seed=request.seed, candidates=draws, log=log, salt=index)
        written.append(MonologueLine(shot_id=shot.id, text=text))
    return written


def _write_together(
    llm: LLMClient,
    request: VlogRequest,
    story: Story,
    storyboard: Storyboard,
    feedback: Sequence[str],
    candidates: int,
    log: AgentCallLog | None,
    shot_ids: Collection[int] | None,
    current: Sequence[MonologueLine],
    theme_focus: bool,
) -> list[MonologueLine]:
    """The instruct-model form: the lines of all (or the chosen) shots in one call (agents/monologue_chat.py)."""
    shots = storyboard.shots
    wanted = [shot for shot in shots if shot_ids is None or shot.id in shot_ids]
    kept = {line.shot_id: line.text for line in current if shot_ids is not None and line.shot_id not in shot_ids}
    budgets = {shot.id: word_budget(shot.duration_s, request.language) for shot in shots}
    shown = {shot.id: fit.shot_text(shot.location, shot.action) for shot in shots}
    examples = example_shingles("monologue.txt", request.theme)

    def parse_one(text: str, shot_id: int, others: list[str]) -> str:
        # A short or repeated line is a review note, not an invalid answer: one line must not cost all the rest.
        del others  # a repeated line is the review's to send back, like a short one
        return parse_line({"line": text}, 2, budgets[shot_id][2], [])

    def review_one(text: str, shot_id: int, before: list[str]) -> str | None:
        _, low, high = budgets[shot_id]
        if word_count(text) < low:
            return f"the line has {word_count(text)} words; it needs {low} to {high} words"
        return review_line(text, before, examples)

    def whole(written: dict[int, str]) -> str:
        """The monologue as it would read with these lines in place."""
        return " ".join(written.get(shot.id, kept.get(shot.id, "")) for shot in shots)

    def score_all(written: dict[int, str]) -> float:
        own = sum(score_line(t, budgets[sid][0], request.theme, shown[sid]) for sid, t in written.items())
        own /= max(1, len(written))
        if theme_focus:
            own += focus.relevance_bonus(request.theme, whole(written))
        return own

    def mended(written: dict[int, str]) -> bool:
        return focus.clears_the_bar(request.theme, focus.MONOLOGUE_RELEVANCE, whole(written), *written.values())

    task = monologue_chat.monologue_task(
        request,
        story,
        shots,
        wanted,
        kept,
        budgets,
        feedback,
        parse_one=parse_one,
        review_one=review_one,
        score_all=score_all,
    )
    task.good_enough = focus.good_enough(GOOD_LINE, theme_focus)
    task.enough = mended if theme_focus else None
    del candidates  # one long answer (its review asks again once); a focused rewrite still draws several
    written = run_agent(llm, task, seed=request.seed, candidates=focus.candidate_count(1, theme_focus), log=log)
    return [MonologueLine(shot_id=shot.id, text=written[shot.id]) for shot in wanted]
