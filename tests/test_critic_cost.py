"""The critics measure each thing once: the same verdicts for less work.

Voice lines are heard together, a reference photo is embedded once, a clip's motion is sampled, and a review
round reuses the critiques of every asset a retake left unchanged.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from personavlog.engines.music.engine import MidiMusicEngine
from personavlog.engines.speech.piper_engine import PiperSpeechEngine
from personavlog.feedback.critics import voice as voice_critic
from personavlog.feedback.critics.music import critique_music
from personavlog.fsutil import sha256_file
from personavlog.manifest import Manifest
from personavlog.measure import identity, speech
from personavlog.measure.motion import FLOW_STRIDE, analyse_frames, flow_sampled
from personavlog.media import read_wav, wav_duration_s, write_wav
from personavlog.pipeline import Review, ReviewLoop
from personavlog.progress import ignore
from personavlog.rundir import RunDir
from personavlog.schema import Critique, Mood, MusicBrief, VlogRequest

LINES = (
    "I sip my coffee and watch the rain run down the window.",
    "The waiter brings a warm cup of tea to my table.",
    "I open my umbrella and step out into the wet street.",
)


@pytest.fixture(scope="module")
def voice_lines(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("lines")
    engine = PiperSpeechEngine()
    wavs = []
    for index, line in enumerate(LINES):
        wav = folder / f"line{index}.wav"
        engine.synthesize(line, wav)
        wavs.append(wav)
    return wavs


def test_lines_heard_together_are_each_heard_as_said(voice_lines: list[Path]) -> None:
    together = speech.transcribe_many(voice_lines)
    assert len(together) == len(LINES)
    for line, wav, heard in zip(LINES, voice_lines, together, strict=True):
        assert speech.word_error_rate(line, heard.text) <= 0.1, heard.text
        alone = speech.transcribe(wav)
        assert speech.word_recall(heard.text, alone.text) >= 0.9
        # The words' times are counted from the line's own start, inside the line.
        spoken_s = wav_duration_s(wav)
        assert heard.words and all(-0.6 <= start < end <= spoken_s + 0.6 for _w, start, end in heard.words)


def test_lines_share_whisper_windows_as_long_as_they_fit() -> None:
    assert speech._windows([4.0, 5.0, 3.0]) == [[0, 1, 2]]
    assert speech._windows([20.0, 9.0, 2.0]) == [[0], [1, 2]]  # 20 + 1 + 9 would leave no spare second
    assert speech._windows([31.0, 2.0, 0.0, 3.0]) == [[0], [1], [2], [3]]  # too long, and empty, alone


def test_the_voice_critic_gives_the_same_verdicts_for_lines_heard_together(voice_lines: list[Path]) -> None:
    lines = [
        voice_critic.VoiceLine(i + 1, text, wav, 6.0)
        for i, (text, wav) in enumerate(zip(LINES, voice_lines, strict=True))
    ]
    together = voice_critic.critique_voices(lines)
    alone = [voice_critic.critique_voice(line.shot_id, line.text, line.wav, line.planned_s) for line in lines]
    assert [[(c.target, c.passed) for c in found] for found in together] == [
        [(c.target, c.passed) for c in found] for found in alone
    ]
    wrong = voice_critic.VoiceLine(9, "The quarterly tax report is due on Monday morning.", voice_lines[0], 6.0)
    (judged,) = voice_critic.critique_voices([wrong])
    assert not next(c for c in judged if c.target.endswith("intelligibility")).passed


def test_the_face_size_and_identity_checks_read_one_detection(astronaut: Path, grace_hopper: Path) -> None:
    image = np.asarray(Image.open(astronaut).convert("RGB"))
    found = identity.find_faces(image)
    assert found.largest_share == pytest.approx(identity.largest_face_share(image))
    other = identity.find_faces(grace_hopper)
    reference = identity.reference_embeddings(astronaut)
    same = identity.distance_to_reference(reference, found)
    different = identity.distance_to_reference(reference, other)
    assert same is not None and same < 0.1
    assert different is not None and different > identity.SAME_PERSON_DISTANCE


def test_a_reference_is_embedded_once_while_its_bytes_stay_the_same(
    tmp_path: Path, astronaut: Path, grace_hopper: Path
) -> None:
    reference = tmp_path / "reference.jpg"
    shutil.copyfile(astronaut, reference)
    identity._reference_embeddings.cache_clear()
    first = identity.reference_embeddings(reference)
    assert identity.reference_embeddings(reference) is first
    assert identity._reference_embeddings.cache_info().hits == 1
    shutil.copyfile(grace_hopper, reference)  # the same path, another person
    replaced = identity.reference_embeddings(reference)
    assert np.linalg.norm(replaced[0] - first[0]) > identity.SAME_PERSON_DISTANCE


def _moving(kind: str, count: int) -> list[np.ndarray]:
    base = cv2.resize(np.random.default_rng(1).integers(0, 255, (60, 80, 3), dtype=np.uint8), (320, 240))
    frames = []
    for i in range(count):
        if kind == "pan":
            shift = 2 * i
        elif kind == "jerk_every_fourth":  # a steady pan with a jump on every fourth frame
            shift = 2 * i + 12 * (i // 4)
        else:
            shift = 2 * i + [0, 14, 2, 20, 0, 16][i % 6]
        frames.append(np.roll(base, shift, axis=1))
    return frames


def test_sampled_flow_covers_every_place_in_the_stride_equally() -> None:
    pairs = range(4000)
    for counted in (0, 1):  # the pairs measured, and the changes of motion counted
        places = np.bincount([p % FLOW_STRIDE for p in pairs if flow_sampled(p, FLOW_STRIDE)[counted]])
        assert len(places) == FLOW_STRIDE and places.min() > 0.9 * places.max()
    measured = sum(flow_sampled(p, FLOW_STRIDE)[0] for p in pairs)
    assert 0.4 < measured / len(pairs) < 0.55
    assert all(flow_sampled(pair, 1) == (True, pair > 0) for pair in range(10))


@pytest.mark.parametrize("kind", ["pan", "jerky", "jerk_every_fourth"])
def test_sampled_motion_agrees_with_every_frame_measured(kind: str) -> None:
    frames = _moving(kind, 96)
    full = analyse_frames(frames)
    sampled = analyse_frames(frames, flow_stride=FLOW_STRIDE)
    assert sampled.flicker_score == full.flicker_score  # every pair, always
    assert abs(sampled.motion_smoothness - full.motion_smoothness) < 0.1
    assert abs(sampled.mean_motion_px - full.mean_motion_px) < 0.15 * full.mean_motion_px
    assert (sampled.motion_smoothness > 0.8) == (full.motion_smoothness > 0.8) == (kind == "pan")


def _brief() -> MusicBrief:
    return MusicBrief(
        genre="ambient", mood=Mood.CALM, bpm=96, key="D", mode="major", instruments=["piano"], energy=[0.3, 0.8]
    )


def test_a_critique_is_reused_while_the_asset_hash_is_unchanged_and_measured_again_when_it_changes(
    tmp_path: Path, astronaut: Path
) -> None:
    """A real review loop and a real music critic; the retake truncates the track, which the critic must see."""
    spans = [(0.0, 6.0), (6.0, 6.0)]
    music = tmp_path / "run" / "music.wav"
    music.parent.mkdir(parents=True)
    MidiMusicEngine().render(_brief(), spans, 12.0, 1, music)
    run = RunDir(tmp_path / "run")
    loop = ReviewLoop(run, ignore)
    manifest = Manifest(request=VlogRequest(theme="a calm morning", reference=astronaut, max_rounds=2))
    measured: list[str] = []

    def measure(round_: int) -> list[Critique]:
        measured.append(sha256_file(music))
        return critique_music(music, _brief(), spans, 12.0, round_)

    def critic(round_: int) -> list[Critique]:
        return loop.memo.critiques("music", {"music": sha256_file(music)}, round_, lambda: measure(round_))

    def failing_guard(round_: int) -> list[Critique]:
        # A check the retakes never fix, so that every round is critiqued.
        return [Critique(stage="music", target="music.guard", score=0, threshold=1, passed=False, round=round_)]

    retakes = iter([False, True])

    def redo() -> None:
        if next(retakes):  # the second retake changes the file: a shorter track
            samples, rate = read_wav(music)
            write_wav(music, samples[: rate * 6], rate)

    review = Review(
        key="music",
        state=lambda: sha256_file(music),
        critic=lambda r: critic(r) + failing_guard(r),
        roll_back=lambda failed, round_: True,
        redo=redo,
    )
    with run.locked():
        loop.run(manifest, review)
    rounds = sorted({c.round for c in manifest.critiques})
    assert rounds == [0, 1, 2]
    assert len(measured) == 2 and measured[0] != measured[1]  # round 1 reused round 0's, round 2 measured anew
    assert loop.memo.reused == 1
    coverage = {c.round: c for c in manifest.critiques if c.target == "music.coverage"}
    assert coverage[0].passed and coverage[1].passed and not coverage[2].passed
    assert coverage[1].model_dump(exclude={"round"}) == coverage[0].model_dump(exclude={"round"})


def test_only_the_lines_a_retake_changed_are_heard_again(
    voice_lines: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    heard: list[list[Path]] = []
    real = speech.transcribe_many

    def counting(recordings: list[Path]) -> list[speech.Transcript]:
        heard.append(list(recordings))
        return real(recordings)

    monkeypatch.setattr(voice_critic, "transcribe_many", counting)
    wavs = [tmp_path / f"{i}.wav" for i in range(len(LINES))]
    for source, wav in zip(voice_lines, wavs, strict=True):
        shutil.copyfile(source, wav)
    loop = ReviewLoop(RunDir(tmp_path), ignore)
    lines = [
        voice_critic.VoiceLine(i + 1, text, wav, 6.0) for i, (text, wav) in enumerate(zip(LINES, wavs, strict=True))
    ]

    def critic(round_: int) -> list[list[Critique]]:
        measured = [{"wav": sha256_file(line.wav), "text": line.text} for line in lines]
        return loop.memo.critiques_of_many(
            "voice", measured, round_, lambda missing: voice_critic.critique_voices([lines[i] for i in missing])
        )

    first = critic(0)
    PiperSpeechEngine().synthesize("I fold my newspaper and listen to the rain.", wavs[1])
    lines[1] = voice_critic.VoiceLine(2, "I fold my newspaper and listen to the rain.", wavs[1], 6.0)
    second = critic(1)
    assert heard == [wavs, [wavs[1]]]
    assert [c.model_dump(exclude={"round"}) for c in second[0]] == [c.model_dump(exclude={"round"}) for c in first[0]]
    assert all(c.round == 1 for found in second for c in found)
    assert next(c for c in second[1] if c.target.endswith("intelligibility")).passed


def test_two_shots_with_the_same_recording_keep_critiques_of_their_own(voice_lines: list[Path]) -> None:
    loop = ReviewLoop(RunDir(voice_lines[0].parent), ignore)
    lines = [voice_critic.VoiceLine(shot, LINES[0], voice_lines[0], 6.0) for shot in (1, 2)]
    measured = [{"shot": line.shot_id, "wav": sha256_file(line.wav), "text": line.text} for line in lines]
    found = loop.memo.critiques_of_many(
        "voice", measured, 0, lambda missing: voice_critic.critique_voices([lines[i] for i in missing])
    )
    assert [{c.target.split(" voice")[0] for c in critiques} for critiques in found] == [{"shot 01"}, {"shot 02"}]
    assert loop.memo.reused == 0
