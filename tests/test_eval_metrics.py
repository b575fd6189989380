"""ThemeVlogEval metrics: each one separates good input from a degraded version of it."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from personavlog.engines.music.engine import MidiMusicEngine
from personavlog.evaluate.make_characters import CHARACTERS, draw
from personavlog.evaluate.stats import rank_systems, summarise
from personavlog.evaluate.suites import load_references, suite_cases
from personavlog.evaluate.video import DecodedVideo, detect_shots
from personavlog.measure.aesthetic import aesthetic
from personavlog.measure.background import background_consistency
from personavlog.measure.brisque_quality import brisque
from personavlog.measure.duration import duration_error, runtime_per_output_s
from personavlog.measure.identity import face_embeddings, identity_distance
from personavlog.measure.image_quality import niqe
from personavlog.measure.motion import analyse_frames
from personavlog.measure.music_mood import music_mood_match
from personavlog.measure.relevance import theme_relevance_many
from personavlog.measure.speech import transcribe, word_error_rate
from personavlog.measure.sync import Cue, caption_sync
from personavlog.media import read_wav
from personavlog.schema import Mood, MusicBrief


def _rgb(path: Path, side: int = 360) -> np.ndarray:
    with Image.open(path) as loaded:
        return np.asarray(loaded.convert("RGB").resize((side, side)))


def test_dataset_has_licensed_references_with_faces_and_fixed_suites() -> None:
    refs = load_references()
    assert len(refs.references) >= 6 and len(refs.styles) >= 6
    assert sum(r.drawn for r in refs.references) >= 4
    for ref in refs.references:
        assert ref.path.is_file() and ref.license and ref.source
        assert face_embeddings(ref.path), f"{ref.id} has no face the identity metric can find"
    core, full = suite_cases("core"), suite_cases("full")
    assert len(core) == 12 and len(full) >= 60
    assert core == full[:12]
    assert len({c.category for c in core}) >= 10
    assert suite_cases("full", 20) == suite_cases("full")[:20]


def test_drawn_characters_are_deterministic() -> None:
    stored = np.asarray(Image.open(load_references().get(CHARACTERS[0].id).path).convert("RGB"))
    assert np.array_equal(np.asarray(draw(CHARACTERS[0])), stored)


def test_identity_is_worse_for_a_different_person(astronaut: Path, grace_hopper: Path) -> None:
    frame = _rgb(astronaut)
    assert identity_distance(astronaut, frame) < 0.35 < 0.6 < identity_distance(astronaut, _rgb(grace_hopper))


def test_image_quality_is_worse_for_blurred_and_noisy_frames(astronaut: Path) -> None:
    frame = _rgb(astronaut)
    blurred = cv2.GaussianBlur(frame, (0, 0), 3)
    noisy = np.clip(frame + np.random.default_rng(0).normal(0, 25, frame.shape), 0, 255).astype(np.uint8)
    assert brisque(blurred) > brisque(frame) + 10 and brisque(noisy) > brisque(frame) + 10
    assert niqe(blurred) > niqe(frame) + 5
    # NIQE fits its model over 96 px patches: at 360 px there are too few of them to see noise, at 512 px there are.
    full = _rgb(astronaut, 512)
    assert niqe(np.clip(full + np.random.default_rng(0).normal(0, 30, full.shape), 0, 255).astype(np.uint8)) > niqe(
        full
    )


def test_aesthetic_proxy_is_worse_for_blurred_grey_or_dark_frames(astronaut: Path) -> None:
    frame = _rgb(astronaut)
    good = aesthetic(frame)
    blurred = aesthetic(cv2.GaussianBlur(frame, (0, 0), 4))
    grey = aesthetic(np.repeat(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2))
    dark = aesthetic((frame * 0.15).astype(np.uint8))
    assert blurred.sharpness < good.sharpness and blurred.aesthetic_proxy < good.aesthetic_proxy
    assert grey.colorfulness < 0.05 < good.colorfulness and grey.aesthetic_proxy < good.aesthetic_proxy
    assert dark.exposure < good.exposure and dark.aesthetic_proxy < good.aesthetic_proxy
    assert 0.0 <= good.aesthetic_proxy <= 1.0


def _person_over(background: np.ndarray, person: np.ndarray, x: int) -> np.ndarray:
    frame = background.copy()
    frame[100:300, x : x + 160] = person
    return frame


def test_background_consistency_is_worse_when_the_background_changes(grace_hopper: Path) -> None:
    person = cv2.resize(_rgb(grace_hopper), (160, 200))
    rng = np.random.default_rng(3)
    backgrounds = [cv2.resize(rng.integers(0, 255, (9, 16, 3), dtype=np.uint8), (480, 360)) for _ in range(4)]
    steady = [_person_over(backgrounds[0], person, 100 + 10 * i) for i in range(8)]
    changing = [_person_over(backgrounds[i % 4], person, 100 + 10 * i) for i in range(8)]
    assert background_consistency(steady) > 0.9 > background_consistency(changing)


def _pan(count: int = 24) -> list[np.ndarray]:
    base = cv2.resize(np.random.default_rng(1).integers(0, 255, (60, 80, 3), dtype=np.uint8), (320, 240))
    return [np.roll(base, 3 * i, axis=1) for i in range(count)]


def test_shuffled_frames_are_less_smooth_and_flicker_more() -> None:
    frames = _pan()
    order = np.random.default_rng(0).permutation(len(frames))
    smooth, shuffled = analyse_frames(frames), analyse_frames([frames[i] for i in order])
    assert smooth.motion_smoothness > shuffled.motion_smoothness
    assert smooth.flicker_score > shuffled.flicker_score


def test_shot_detection_finds_hard_cuts() -> None:
    rng = np.random.default_rng(2)
    looks = [np.full((120, 160, 3), rng.integers(0, 255, 3), np.uint8) for _ in range(3)]
    video = DecodedVideo(frames=[looks[i // 24] for i in range(72)], fps=12.0, duration_s=6.0)
    assert [round(s.start_s, 2) for s in detect_shots(video)] == [0.0, 2.0, 4.0]


def test_off_theme_text_is_less_relevant() -> None:
    on, off = theme_relevance_many(
        "baking bread at dawn in a small kitchen",
        ["I knead the dough as the oven warms and the first light reaches the kitchen.", "The train leaves at nine."],
    )
    assert on > off + 0.3


def test_mismatched_transcript_has_higher_wer(spoken: tuple[str, Path]) -> None:
    line, wav = spoken
    heard = transcribe(wav).text
    assert word_error_rate(line, heard) < 0.2
    assert word_error_rate("The quarterly report is due on Monday morning.", heard) > 0.8


def test_shifted_captions_are_less_in_sync(spoken: tuple[str, Path]) -> None:
    line, wav = spoken
    heard = transcribe(wav)
    start = heard.words[0][1]
    on_time = caption_sync([Cue(start_s=start, end_s=start + 3, text=line)], heard)
    late = caption_sync([Cue(start_s=start + 1.0, end_s=start + 4, text=line)], heard)
    assert on_time.mean_abs_offset_s < 0.1 < 0.8 < late.mean_abs_offset_s


def test_wrong_mood_music_matches_its_brief_worse(tmp_path: Path) -> None:
    spans = [(0.0, 5.0), (5.0, 5.0), (10.0, 5.0)]
    lively = MusicBrief(
        genre="indie pop",
        mood=Mood.JOYFUL,
        bpm=128,
        key="C",
        mode="major",
        instruments=["piano", "drums"],
        energy=[0.2, 0.5, 0.9],
    )
    sombre = MusicBrief(
        genre="piano ballad",
        mood=Mood.MELANCHOLIC,
        bpm=66,
        key="A",
        mode="minor",
        instruments=["piano"],
        energy=[0.9, 0.5, 0.2],
    )
    engine = MidiMusicEngine()
    engine.render(lively, spans, 15.0, 1, tmp_path / "lively.wav")
    engine.render(sombre, spans, 15.0, 1, tmp_path / "sombre.wav")
    right = music_mood_match(*read_wav(tmp_path / "lively.wav"), lively, spans)
    wrong = music_mood_match(*read_wav(tmp_path / "sombre.wav"), lively, spans)
    assert right.music_mood_match > wrong.music_mood_match + 0.2


def test_duration_and_runtime_measures() -> None:
    assert duration_error(10.0, 10.0) == 0.0 < duration_error(12.0, 10.0) == pytest.approx(0.2)
    assert runtime_per_output_s(60.0, 10.0) == 6.0 and runtime_per_output_s(1.0, 0.0) is None


def test_summary_interval_and_ranking() -> None:
    summary = summarise([1.0, 2.0, 3.0, None])
    assert summary.n == 3 and summary.mean == 2.0 and summary.ci_low < 2.0 < summary.ci_high
    assert summarise([None]).mean is None
    ranks = rank_systems({"a": {"x": 0.9, "y": 1.0}, "b": {"x": 0.5, "y": 3.0}}, {"x": "higher", "y": "lower"})
    assert ranks == {"a": 1.0, "b": 2.0}


@pytest.mark.slow
def test_storyboard_judge_asks_a_real_openai_compatible_server() -> None:
    from llm_server import llama_server
    from personavlog.config import LLMSettings
    from personavlog.evaluate.judge import CRITERIA, judge_available, judge_plan
    from personavlog.llm.llamacpp import default_model_path

    assert not judge_available(LLMSettings())  # the embedded planner model is never used as a judge
    plan = (
        "Story: Dawn Loaves. I bake bread before sunrise.\n"
        "Shot 1 (3 s, wide, static): a small kitchen, dawn; I knead the dough.\n"
        "Shot 2 (4 s, close_up, push_in): the oven, dawn; I slide the loaf in.\n"
        "Shot 3 (3 s, medium, pan_left): the window, day; I break the warm bread."
    )
    with llama_server(default_model_path()) as base_url:
        settings = LLMSettings(backend="openai", base_url=base_url, max_retries=1, timeout_s=120)
        assert judge_available(settings)
        scores = judge_plan(settings, "baking bread at dawn", "a woman in a blue shirt", plan, seed=1)
    assert all(1 <= getattr(scores, name) <= 5 for name in CRITERIA)
