"""The shared measurement code, checked against inputs whose answer is known."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from personavlog.measure.identity import SAME_PERSON_DISTANCE, identity_distance
from personavlog.measure.image_quality import niqe
from personavlog.measure.motion import analyse_frames
from personavlog.measure.music import estimate_key, estimate_tempo, segment_rms_db, tempo_matches
from personavlog.measure.relevance import theme_relevance_many
from personavlog.measure.speech import Transcript, word_error_rate, word_recall
from personavlog.measure.sync import Cue, caption_sync, read_srt

RATE = 22050


def test_theme_relevance_separates_on_and_off_theme_text() -> None:
    on, off = theme_relevance_many(
        "a rainy afternoon in a Paris café",
        ["I sip my coffee while rain streaks the café window in Paris.", "The quarterly tax report is due Monday."],
    )
    assert on > 0.5
    assert off < 0.2


def test_niqe_ranks_distortions_below_the_original(astronaut: Path) -> None:
    image = np.asarray(Image.open(astronaut).convert("RGB"))
    noisy = np.clip(image + np.random.default_rng(0).normal(0, 30, image.shape), 0, 255).astype(np.uint8)
    blurred = cv2.GaussianBlur(image, (0, 0), 3)
    original = niqe(image)
    assert niqe(noisy) > original + 2
    assert niqe(blurred) > original + 2


def test_identity_distance_tells_people_apart(astronaut: Path, grace_hopper: Path) -> None:
    image = np.asarray(Image.open(astronaut).convert("RGB"))
    shifted = np.roll(image, 40, axis=1)
    assert identity_distance(astronaut, shifted) < 0.3
    assert identity_distance(astronaut, grace_hopper) > SAME_PERSON_DISTANCE
    assert identity_distance(astronaut, np.full((256, 256, 3), 90, np.uint8)) is None


def _frames(kind: str, count: int = 24) -> list[np.ndarray]:
    base = cv2.resize(np.random.default_rng(1).integers(0, 255, (60, 80, 3), dtype=np.uint8), (320, 240))
    frames = []
    for i in range(count):
        if kind == "pan":
            frames.append(np.roll(base, 2 * i, axis=1))
        elif kind == "jerky":
            frames.append(np.roll(base, [0, 14, 2, 20, 0, 16][i % 6] + i, axis=1))
        elif kind == "flicker":
            frames.append(np.clip(base.astype(int) + (60 if i % 2 else -60), 0, 255).astype(np.uint8))
        else:
            frames.append(base)
    return frames


def test_motion_metrics_detect_flicker_and_jerk() -> None:
    still = analyse_frames(_frames("still"))
    pan = analyse_frames(_frames("pan"))
    jerky = analyse_frames(_frames("jerky"))
    flicker = analyse_frames(_frames("flicker"))
    assert still.flicker_score == 1.0 and still.motion_smoothness == 1.0
    assert abs(pan.mean_motion_px - 2.0) < 0.5
    assert pan.motion_smoothness > 0.8 > jerky.motion_smoothness
    assert flicker.flicker_score < pan.flicker_score


def _tone(freq: float, seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return np.sin(2 * np.pi * freq * t) * np.exp(-3 * t)


def _progression(bpm: float, chord_freqs: list[list[float]], bars: int = 8) -> np.ndarray:
    beat = 60.0 / bpm
    out = np.zeros(int(bars * 4 * beat * RATE) + RATE)
    for index in range(bars * 4):
        start = int(index * beat * RATE)
        chord = chord_freqs[(index // 4) % len(chord_freqs)]
        note = sum(_tone(f, beat) for f in chord) / len(chord)
        out[start : start + len(note)] += note
    return out * 0.3


def test_tempo_and_mode_estimates() -> None:
    a_minor = [[220.0, 261.63, 329.63], [174.61, 220.0, 261.63], [196.0, 246.94, 293.66], [164.81, 207.65, 246.94]]
    c_major = [[261.63, 329.63, 392.0], [174.61, 220.0, 261.63], [196.0, 246.94, 293.66], [261.63, 329.63, 392.0]]
    slow = _progression(72, a_minor)
    fast = _progression(132, c_major)
    assert tempo_matches(estimate_tempo(slow, RATE), 72)
    assert tempo_matches(estimate_tempo(fast, RATE), 132)
    assert estimate_key(slow, RATE).mode == "minor"
    major = estimate_key(fast, RATE)
    assert (major.tonic, major.mode) == ("C", "major")
    quiet, loud = segment_rms_db(np.concatenate([slow[:RATE] * 0.1, slow[:RATE]]), RATE, [(0, 1), (1, 1)])
    assert abs((loud - quiet) - 20) < 0.5


def test_word_measures() -> None:
    assert word_error_rate("I see the sea", "I see the sea") == 0
    assert word_recall("I see the sea today", "i see sea") == 0.6


def test_caption_sync(tmp_path: Path) -> None:
    srt = tmp_path / "a.srt"
    srt.write_text(
        "1\n00:00:01,000 --> 00:00:03,000\nHello there friend\n\n2\n00:00:05,500 --> 00:00:07,000\nGood night\n"
    )
    cues = read_srt(srt)
    assert cues == [
        Cue(start_s=1.0, end_s=3.0, text="Hello there friend"),
        Cue(start_s=5.5, end_s=7.0, text="Good night"),
    ]
    heard = Transcript(text="hello there friend good night", words=[("Hello", 1.2, 1.5), ("good", 5.4, 5.6)])
    report = caption_sync(cues, heard)
    assert report.matched_share == 1.0
    assert abs(report.mean_abs_offset_s - 0.15) < 1e-6
