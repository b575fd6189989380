"""Critics on real artifacts, and the review loop's rollback and best-take rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from personavlog.engines.music.engine import MidiMusicEngine
from personavlog.engines.speech.piper_engine import PiperSpeechEngine
from personavlog.feedback.critics.music import critique_music
from personavlog.feedback.critics.script import critique_script
from personavlog.feedback.critics.visual import critique_keyframe
from personavlog.feedback.critics.voice import critique_voice
from personavlog.feedback.notes import note_overrides
from personavlog.feedback.policy import take_quality, theme_focus_stages, tighter
from personavlog.manifest import Manifest, StageId, StageName
from personavlog.media import read_wav, write_wav
from personavlog.pipeline import Review, ReviewLoop
from personavlog.pipeline.reviews import lines_at_fault
from personavlog.progress import ignore
from personavlog.rundir import RunDir
from personavlog.schema import (
    CameraMove,
    Critique,
    Framing,
    LocationKind,
    MonologueLine,
    Mood,
    MusicBrief,
    Shot,
    Story,
    Storyboard,
    TimeOfDay,
    VlogRequest,
    Weather,
)

THEME = "a foggy morning walk in the forest"
FOREST_STORY = Story(
    title="Into the mist",
    logline="I walk into a foggy forest at dawn and find the trees slowly appearing.",
    beats=["I enter the misty forest path.", "The fog thickens and I lose the trail.", "Sunlight breaks through."],
)


def _board(durations: list[float]) -> Storyboard:
    return Storyboard(
        shots=[
            Shot(
                id=i + 1,
                duration_s=d,
                location="a forest path",
                location_kind=LocationKind.FOREST,
                time_of_day=TimeOfDay.DAWN,
                weather=Weather.FOG,
                action="walks slowly",
                camera=CameraMove.PUSH_IN,
                framing=Framing.MEDIUM,
                mood=Mood.CALM,
            )
            for i, d in enumerate(durations)
        ]
    )


def _by_target(critiques: list[Critique]) -> dict[str, Critique]:
    return {c.target: c for c in critiques}


def test_script_critic_passes_a_good_script_and_names_what_is_wrong_with_a_bad_one() -> None:
    story = FOREST_STORY
    board = _board([4.0, 4.0])
    good = [
        MonologueLine(shot_id=1, text="The fog hides the trees, and I breathe the cold air."),
        MonologueLine(shot_id=2, text="I hear birds somewhere above me in the mist."),
    ]
    assert all(c.passed for c in critique_script(THEME, story, board, good))

    bad = [
        MonologueLine(shot_id=1, text="Quarterly revenue grew in every region of the company."),
        MonologueLine(shot_id=2, text="Quarterly revenue grew in every region of the company."),
    ]
    verdicts = _by_target(critique_script(THEME, story, board, bad, round_=1))
    assert not verdicts["monologue.repeats"].passed
    assert "shots 1 and 2" in verdicts["monologue.repeats"].feedback
    assert verdicts["monologue.repeats"].shots == [2]  # the later line of the pair is written again
    assert not verdicts["monologue.relevance"].passed
    assert not verdicts["monologue.first_person"].passed and verdicts["monologue.first_person"].shots == [1, 2]
    assert all(c.round == 1 for c in verdicts.values())
    # Only lines at fault: a rollback writes those lines again; any other failure runs the agents again.
    assert lines_at_fault([verdicts["monologue.first_person"]]) == [1, 2]
    assert lines_at_fault([verdicts["monologue.first_person"], verdicts["monologue.repeats"]]) == [1, 2]
    inside = [good[0], MonologueLine(shot_id=2, text="I breathe the cold air.")]  # the first line says it all
    assert _by_target(critique_script(THEME, story, board, inside))["monologue.repeats"].shots == [2]
    story_off = Critique(stage="story", target="story.relevance", score=0.1, threshold=0.6, passed=False)
    assert lines_at_fault([verdicts["monologue.first_person"], story_off]) == []
    assert lines_at_fault([]) == []


def test_a_monologue_that_repeats_the_theme_instead_of_living_it_goes_back() -> None:
    theme = "getting lost in the alleys of Lisbon"
    story = Story(
        title="Lost in Lisbon",
        logline="I wander the alleys of Lisbon without a map.",
        beats=["I leave the map at the hotel.", "A tram bell rings in a narrow alley.", "I find the river."],
    )
    board = _board([4.0, 4.0, 4.0])
    parroting = [
        MonologueLine(shot_id=1, text="I love getting lost in the alleys of Lisbon."),
        MonologueLine(shot_id=2, text="The tram bell makes me jump every time."),
        MonologueLine(shot_id=3, text="Getting lost in the alleys of Lisbon is my dream."),
    ]
    verdict = _by_target(critique_script(theme, story, board, parroting))["monologue.parroting"]
    assert not verdict.passed and verdict.stage == "monologue"
    assert verdict.feedback.startswith("Lines of shots 1, 3 repeat") and "shot 3: " in verdict.feedback
    assert verdict.shots == [1, 3] and lines_at_fault([verdict]) == [1, 3]
    living = [parroting[0], parroting[1], MonologueLine(shot_id=3, text="The river, at last. My feet hurt.")]
    assert _by_target(critique_script(theme, story, board, living))["monologue.parroting"].passed


def test_a_monologue_off_its_theme_sends_back_the_lines_furthest_from_it() -> None:
    lines = [
        MonologueLine(shot_id=1, text="The fog hides the trees, and I breathe the cold air."),
        MonologueLine(shot_id=2, text="Quarterly revenue grew in every region of the company."),
        MonologueLine(shot_id=3, text="I sign the contract and send the invoice to the bank."),
    ]
    verdict = _by_target(critique_script(THEME, FOREST_STORY, _board([4.0, 4.0, 4.0]), lines))["monologue.relevance"]
    assert not verdict.passed and verdict.shots == [2, 3]  # the forest line stays
    assert lines_at_fault([verdict]) == [2, 3]


def test_a_line_about_something_else_than_its_shot_goes_back_alone_with_what_the_shot_shows() -> None:
    story = FOREST_STORY
    board = _board([4.0, 4.0, 4.0])
    lines = [
        MonologueLine(shot_id=1, text="The fog hides the trees, and I breathe the cold air."),
        MonologueLine(shot_id=2, text="I love him. He sleeps well and his hands are good to me."),
        MonologueLine(shot_id=3, text="I hear birds somewhere above me in the mist."),
    ]
    verdict = _by_target(critique_script(THEME, story, board, lines))["monologue.off_shot"]
    assert not verdict.passed and verdict.stage == "monologue" and verdict.shots == [2]
    assert "shot 2: walks slowly at a forest path" in verdict.feedback
    assert lines_at_fault([verdict]) == [2]
    lines[1] = MonologueLine(shot_id=2, text="Every step is slow here; the path keeps vanishing in the fog.")
    assert _by_target(critique_script(THEME, story, board, lines))["monologue.off_shot"].passed


def test_relevance_feedback_names_the_theme_words_the_text_never_uses() -> None:
    story = Story(
        title="Quarterly numbers",
        logline="I present the quarterly numbers to the board.",
        beats=["I open the slides.", "The board asks questions.", "I close the laptop."],
    )
    lines = [MonologueLine(shot_id=1, text="I hope they like the chart."), MonologueLine(shot_id=2, text="Done.")]
    verdicts = _by_target(critique_script(THEME, story, _board([4.0, 4.0]), lines))
    for target in ("story.relevance", "monologue.relevance"):
        critique = verdicts[target]
        assert not critique.passed and f"relevance {critique.score:.2f}" in critique.feedback
        assert "never mentions foggy, morning, walk, forest" in critique.feedback


def test_voice_critic_flags_a_line_too_long_for_its_shot(tmp_path: Path) -> None:
    wav = tmp_path / "line.wav"
    text = "I walk between the tall trees while the fog slowly lifts from the path in front of me."
    PiperSpeechEngine().synthesize(text, wav)
    fits = _by_target(critique_voice(1, text, wav, planned_s=8.0))
    assert fits["shot 01 voice.duration"].passed and fits["shot 01 voice.intelligibility"].passed
    too_long = _by_target(critique_voice(1, text, wav, planned_s=2.0))
    assert not too_long["shot 01 voice.duration"].passed
    assert too_long["shot 01 voice.duration"].stage == "monologue"
    assert "words" in too_long["shot 01 voice.duration"].feedback


def test_keyframe_critic_checks_identity(astronaut: Path, grace_hopper: Path) -> None:
    same = _by_target(critique_keyframe(1, astronaut, astronaut, Framing.CLOSE_UP))
    assert same["shot 01 keyframe.identity"].passed and same["shot 01 keyframe.face_size"].passed
    other = _by_target(critique_keyframe(1, astronaut, grace_hopper, Framing.CLOSE_UP))
    assert not other["shot 01 keyframe.identity"].passed
    assert other["shot 01 keyframe.identity"].stage == "clip/01"


def test_music_critic_checks_coverage_and_tempo(tmp_path: Path) -> None:
    brief = MusicBrief(
        genre="ambient", mood=Mood.CALM, bpm=96, key="D", mode="major", instruments=["piano"], energy=[0.3, 0.8]
    )
    music = tmp_path / "music.wav"
    MidiMusicEngine().render(brief, [(0.0, 6.0), (6.0, 6.0)], 12.0, 1, music)
    verdicts = _by_target(critique_music(music, brief, [(0.0, 6.0), (6.0, 6.0)], 12.0))
    assert verdicts["music.coverage"].passed and verdicts["music.tempo"].passed
    samples, rate = read_wav(music)
    write_wav(music, samples[: rate * 6], rate)
    assert not _by_target(critique_music(music, brief, [(0.0, 6.0), (6.0, 6.0)], 12.0))["music.coverage"].passed


def test_policy_and_notes() -> None:
    ok = Critique(stage="s", target="t", score=1, threshold=0.5, passed=True)
    slightly = Critique(stage="s", target="t", score=0.4, threshold=0.5, passed=False)
    badly = Critique(stage="s", target="t", score=0.1, threshold=0.5, passed=False)
    assert take_quality([ok]) > take_quality([slightly]) > take_quality([badly])
    on_theme = Critique(stage="monologue", target="monologue.relevance", score=0.5, threshold=0.4, passed=True)
    off_theme = on_theme.model_copy(update={"score": 0.1, "passed": False})
    too_long = Critique(stage="monologue", target="shot 01 voice.duration", score=1.3, threshold=1.2, passed=False)
    fits = too_long.model_copy(update={"score": 1.0, "passed": True})
    # Fixing a line's length does not pay for losing the theme.
    assert take_quality([on_theme, too_long]) > take_quality([off_theme, fits])
    assert theme_focus_stages([off_theme, too_long]) == {"monologue"} and not theme_focus_stages([on_theme])
    story_off = off_theme.model_copy(update={"stage": "story", "target": "story.relevance"})
    assert theme_focus_stages([story_off]) == {"story", "monologue"}  # the new story's monologue keeps the theme
    assert tighter(Framing.WIDE) == Framing.MEDIUM and tighter(Framing.MEDIUM) == Framing.CLOSE_UP
    assert note_overrides("make it night and raining") == {"time_of_day": TimeOfDay.NIGHT, "weather": Weather.RAIN}


@pytest.mark.parametrize("retake_scores", [[0.2, 0.9], [0.9, 0.2]])
def test_review_keeps_the_best_take_and_bounds_rounds(
    tmp_path: Path, astronaut: Path, retake_scores: list[float]
) -> None:
    """The loop under test is real; the artifact is a text file whose content the critic reads as its score."""
    run = RunDir(tmp_path / "run")
    loop = ReviewLoop(run, ignore)
    music = StageId(StageName.MUSIC)
    manifest = Manifest(request=VlogRequest(theme=THEME, reference=astronaut, max_rounds=2))
    artifact = run.root / "artifact.txt"
    artifact.parent.mkdir(parents=True)
    takes = iter(["0.5", *map(str, retake_scores)])
    artifact.write_text(next(takes))

    def critic(round_: int) -> list[Critique]:
        score = float(artifact.read_text())
        return [
            Critique(stage="music", target="x.score", score=score, threshold=0.8, passed=score >= 0.8, round=round_)
        ]

    def roll_back(failed: list[tuple[int, Critique]], round_: int) -> bool:
        manifest.retake(music).retake = round_
        for index, _ in failed:
            loop.rollback(manifest, index, "music", round_)
        return True

    review = Review(
        key="x",
        state=lambda: "state",
        critic=critic,
        roll_back=roll_back,
        redo=lambda: artifact.write_text(next(takes)) and None,
        files=lambda: [artifact],
    )
    with run.locked():
        loop.run(manifest, review)
    rounds = [c.round for c in manifest.critiques]
    if retake_scores[0] < 0.5:  # the first retake is worse: it is undone and the loop stops
        assert artifact.read_text() == "0.5"
        assert rounds == [0, 1] and manifest.retakes.get(music) is None
    else:  # the first retake passes: it is kept and no further round runs
        assert artifact.read_text() == "0.9"
        assert rounds == [0, 1] and manifest.retakes[music].retake == 1
    assert [r.from_critique for r in manifest.rollbacks] == [0]
    assert manifest.rollbacks[0].kept is (retake_scores[0] >= 0.5)
    assert manifest.reviews["x"] == "state"
    assert not (run.root / ".takes").exists()


def test_a_guard_rejects_a_retake_that_fixes_the_failing_check_but_loses_the_theme(
    tmp_path: Path, astronaut: Path
) -> None:
    """As when the voice review shortens a line: the length passes, but the monologue is no longer on theme."""
    run = RunDir(tmp_path / "run")
    loop = ReviewLoop(run, ignore)
    manifest = Manifest(request=VlogRequest(theme=THEME, reference=astronaut, max_rounds=1))
    artifact = run.root / "line.txt"
    artifact.parent.mkdir(parents=True)
    artifact.write_text("1.4 0.6")  # (length ratio, theme relevance) of the current take
    takes = iter(["1.0 0.1"])

    def critic(round_: int) -> list[Critique]:
        ratio = float(artifact.read_text().split()[0])
        return [
            Critique(
                stage="monologue",
                target="shot 01 voice.duration",
                score=-ratio,
                threshold=-1.2,
                passed=ratio <= 1.2,
                round=round_,
            )
        ]

    def theme(round_: int) -> list[Critique]:
        relevance = float(artifact.read_text().split()[1])
        return [
            Critique(
                stage="monologue",
                target="monologue.relevance",
                score=relevance,
                threshold=0.4,
                passed=relevance >= 0.4,
                round=round_,
            )
        ]

    def roll_back(failed: list[tuple[int, Critique]], round_: int) -> bool:
        for index, _ in failed:
            loop.rollback(manifest, index, "monologue", round_)
        return True

    review = Review(
        key="voices",
        state=lambda: "s",
        critic=critic,
        roll_back=roll_back,
        redo=lambda: artifact.write_text(next(takes)) and None,
        files=lambda: [artifact],
        guards=theme,
    )
    with run.locked():
        loop.run(manifest, review)
    assert artifact.read_text() == "1.4 0.6"
    assert [c.target for c in manifest.critiques] == ["shot 01 voice.duration"] * 2
    assert [r.kept for r in manifest.rollbacks] == [False]
