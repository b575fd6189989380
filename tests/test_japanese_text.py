"""Japanese for the writers and critics: budgets in characters, Japanese script only, whole sentences, honest checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from personavlog.agents import japanese, monologue_ja, story_ja
from personavlog.agents.monologue import word_budget
from personavlog.agents.story import PARTS
from personavlog.compose.captions import CaptionRenderer
from personavlog.compose.text_wrap import join_units
from personavlog.feedback.critics.script import critique_script
from personavlog.feedback.critics.voice import critique_voice
from personavlog.media import write_wav
from personavlog.schema import MonologueLine, Shot, Story, Storyboard

THEME = "桜の季節に京都を一人で旅する"


def test_the_japanese_budget_is_characters_at_the_voices_rate() -> None:
    assert word_budget(6.0, "ja") == (27, 21, 33)
    assert word_budget(6.0, "ja-JP") == word_budget(6.0, "ja")
    assert word_budget(6.0) == (15, 12, 18)


def test_spoken_length_counts_kana_and_kanji_only() -> None:
    assert japanese.spoken_length("桜が、きれい。Kyoto！") == 5
    assert japanese.japanese_share("京都の桜") == 1.0
    assert japanese.japanese_share("I walk in Kyoto 京都") < 0.3


def test_theme_words_are_its_kanji_and_katakana_runs() -> None:
    assert japanese.theme_words(THEME) == ["桜", "季節", "京都", "一人", "旅"]
    assert japanese.missing_words(THEME, "京都の桜を一人で見る旅。") == ["季節"]


def test_a_line_is_cut_after_its_last_whole_sentence() -> None:
    line = monologue_ja.parse_line({"line": "「桜がきれい。」\n京都の朝は静かだ。でも少し寒くて、手が"}, 5, 14, [])
    assert line == "桜がきれい。京都の朝は静かだ。"
    assert monologue_ja.parse_line({"line": "桜がきれい。京都の朝は静かだ。"}, 3, 6, []) == "桜がきれい。"


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("I walk under the cherry trees in Kyoto.", "in Japanese"),
        ("桜。", "characters"),
        ("桜がきれい。京都の朝。", "repeats line 1"),
    ],
)
def test_lines_in_english_too_short_or_repeated_are_asked_again(line: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        monologue_ja.parse_line({"line": line}, 4, 30, ["桜がきれい。京都の朝。"])


def test_a_line_that_copies_an_example_or_an_earlier_line_is_reviewed() -> None:
    assert monologue_ja.review_line("船が帰ってくる。桜の京都。", [], THEME) is not None
    assert monologue_ja.review_line("鴨川の風が冷たい。", ["鴨川の風が冷たくて"], THEME) is not None
    assert monologue_ja.review_line("鴨川の風が少し冷たい。", ["桜の道を歩く。"], THEME) is None
    beat = "鴨川沿いの桜並木で、花びらが雪のように舞う。"
    assert "story's sentence" in (monologue_ja.review_line("花びらが雪のように舞う。", [], THEME, beat) or "")
    assert "recites the theme" in (monologue_ja.review_line(f"{THEME}。楽しい。", [], THEME) or "")
    recited, own = f"{THEME}。", "京都の桜が満開で、風が冷たい。"
    assert monologue_ja.score_line(recited, 16, THEME) < monologue_ja.score_line(own, 16, THEME)


def test_a_japanese_story_is_whole_japanese_sentences_about_the_theme() -> None:
    parts = PARTS[3]
    data = {
        "title": "桜の京都、ひとり旅",
        "logline": "桜の季節に京都を一人で歩く。",
        "opening": "朝の京都駅に一人で降りる。",
        "turn": "鴨川沿いの桜並木で、花びらが雪のように舞う。",
        "ending": "夕暮れの清水寺で、旅の一日を思い返す。",
    }
    story = story_ja.parse_story(data, parts)
    assert story.title == "桜の京都" and len(story.beats) == 3
    assert story_ja.review_story(story, THEME) is None
    with pytest.raises(ValueError, match="in Japanese"):
        story_ja.parse_story({**data, "turn": "Petals fall like snow by the river."}, parts)
    again = Story(title="桜", logline=story.logline, beats=[story.logline, *story.beats[1:]])
    assert "says again" in (story_ja.review_story(again, THEME) or "")


def _board() -> Storyboard:
    shot = Shot(
        id=1,
        duration_s=6.0,
        location="a canal lined with cherry trees in Kyoto",
        location_kind="park",
        time_of_day="day",
        weather="clear",
        action="walks along the canal under the blossoms",
        camera="static",
        framing="wide",
        mood="calm",
    )
    return Storyboard(shots=[shot])


def test_the_script_critic_measures_japanese_lines_in_characters() -> None:
    beats = ["駅に着く。", "桜を見る。", "寺で休む。"]
    story = Story(title="桜の京都", logline="桜の季節に京都を一人で旅する。", beats=beats)
    fits = [MonologueLine(shot_id=1, text="鴨川の桜が満開で、風が吹くたびに花びらが舞う。少し寒い。")]
    short = [MonologueLine(shot_id=1, text="桜。")]
    by = lambda found: {c.target: c for c in found}  # noqa: E731
    ok = by(critique_script(THEME, story, _board(), fits, language="ja"))
    assert ok["monologue.length"].passed and ok["monologue.first_person"].passed
    assert ok["story.structure"].passed
    bad = by(critique_script(THEME, story, _board(), short, language="ja"))
    assert not bad["monologue.length"].passed and "1 characters but needs about 27" in bad["monologue.length"].feedback


def test_the_voice_critic_marks_japanese_intelligibility_not_measured(tmp_path: Path) -> None:
    wav = tmp_path / "voice.wav"
    rate = 24000
    write_wav(wav, 0.3 * np.sin(2 * np.pi * 220 * np.arange(3 * rate) / rate), rate)
    found = {c.target.split(".")[-1]: c for c in critique_voice(1, "桜がきれい。", wav, 2.0, language="ja")}
    assert not found["intelligibility"].measured and "tiny.en" in found["intelligibility"].reason
    assert found["intelligibility"].feedback == ""
    assert found["duration"].measured and not found["duration"].passed
    assert "characters" in found["duration"].feedback


def test_japanese_captions_break_by_characters_never_before_closing_marks() -> None:
    text = "「桜がきれい」と思わず声が出た。鴨川の風は少し冷たいけれど、花びらが舞って、一人の旅も悪くない。"
    for width in (320, 360, 480, 640):
        renderer = CaptionRenderer(width, round(width * 9 / 16))
        cues = renderer.layout(text)
        lines = [join_units(line) for cue in cues for line in cue]
        assert "".join(lines) == text and len(lines) > 1
        assert not any(line[0] in "。、」！？" for line in lines)
        assert not any(line[-1] in "「" for line in lines)
        assert all(renderer.measure(line) <= renderer.max_text_width for line in lines)
