"""A critic that raises never fails a run: the vlog is made, the critique is recorded as not measured, no rollback."""

from __future__ import annotations

from pathlib import Path

import faster_whisper.transcribe
import pytest

from personavlog.api import make_vlog
from personavlog.config import load_settings
from personavlog.feedback.critics import final_cut, keyframe_judge, music, script, visual, voice
from personavlog.feedback.policy import take_quality
from personavlog.manifest import Manifest
from personavlog.measure import speech
from personavlog.progress import ProgressEvent
from personavlog.schema import Critique, VlogRequest


class CriticCrash(RuntimeError):
    pass


def _raise(name: str):
    def crash(*_args: object, **_kwargs: object) -> list[Critique]:
        raise CriticCrash(f"{name} metric blew up")

    return crash


def _judge_crash(_judge: object, shot_id: int, *_args: object, **_kwargs: object) -> Critique:
    if shot_id == 2:
        raise CriticCrash(f"judge crashed on shot {shot_id}")
    raise keyframe_judge.JudgeUnavailable(f"the judge's answer about shot {shot_id} was unusable: not JSON")


real_critique_clip = visual.critique_clip


def _clip_crash(shot_id: int, *args: object, **kwargs: object) -> list[Critique]:
    """Shot 1 is measured (its judge's failure is its only gap), shot 3 on crashes in the clip metric."""
    if shot_id < 3:
        return real_critique_clip(shot_id, *args, **kwargs)  # type: ignore[arg-type]
    raise CriticCrash(f"clip metric blew up on shot {shot_id}")


@pytest.fixture(scope="module")
def crashed_run(tmp_path_factory: pytest.TempPathFactory, astronaut: Path) -> tuple[Manifest, list[ProgressEvent]]:
    root = tmp_path_factory.mktemp("critic_guard")
    config = root / "judge.toml"
    # The judge is never reached over HTTP: judge_keyframe itself is replaced by one that raises.
    config.write_text('[judge]\nbackend = "openai"\nbase_url = "http://127.0.0.1:9/v1"\nvision = true\n')
    events: list[ProgressEvent] = []
    request = VlogRequest(
        theme="a windy walk along the harbour",
        reference=astronaut,
        duration_s=10,
        resolution="360p",
        aspect="1:1",
        fps=12,
        seed=4,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(script, "critique_script", _raise("script"))
        patch.setattr(voice, "critique_voices", _raise("voice"))
        patch.setattr(visual, "critique_clip", _clip_crash)
        patch.setattr(keyframe_judge, "judge_keyframe", _judge_crash)
        patch.setattr(music, "critique_music", _raise("music"))
        patch.setattr(final_cut, "critique_final_cut", _raise("final cut"))
        manifest = make_vlog(request, root / "run", settings=load_settings(config), on_progress=events.append)
    return manifest, events


def test_every_crashing_critic_is_recorded_not_measured_and_the_vlog_is_done(
    crashed_run: tuple[Manifest, list[ProgressEvent]],
) -> None:
    manifest, events = crashed_run
    assert manifest.status == "done"
    assert manifest.compose_report is not None and manifest.compose_report.mp4.is_file()
    unmeasured = {c.target: c for c in manifest.critiques if not c.measured}
    assert manifest.storyboard is not None
    shots = [s.id for s in manifest.storyboard.shots]
    assert len(shots) >= 3, shots
    expected = {"script.critic", "voices.critic", "music.critic", "compose.critic", "shot 01 keyframe.judge"}
    expected |= {f"clip/{shot:02d}.critic" for shot in shots[1:]}
    assert expected <= set(unmeasured)
    assert "script metric blew up" in unmeasured["script.critic"].reason
    assert "CriticCrash" in unmeasured["compose.critic"].reason
    assert "judge crashed on shot 2" in unmeasured["clip/02.critic"].reason
    assert "clip metric blew up on shot 3" in unmeasured["clip/03.critic"].reason
    assert "not JSON" in unmeasured["shot 01 keyframe.judge"].reason
    measured_shot_1 = {c.target for c in manifest.critiques if c.measured and c.stage == "clip/01"}
    assert {"shot 01 keyframe.identity", "shot 01 clip.flicker"} <= measured_shot_1
    warned = {e.message.split(" not measured")[0] for e in events if e.kind == "warning"}
    assert expected <= warned


def test_no_rollback_follows_from_a_critique_not_measured(crashed_run: tuple[Manifest, list[ProgressEvent]]) -> None:
    manifest, _events = crashed_run
    assert all(manifest.critiques[r.from_critique].measured for r in manifest.rollbacks)
    assert all(c.round == 0 for c in manifest.critiques if not c.measured)


def test_a_critique_not_measured_does_not_weigh_on_the_choice_of_take() -> None:
    measured = Critique(stage="music", target="music.coverage", score=0.9, threshold=0.8, passed=True)
    crashed = Critique(stage="music", target="music.critic", score=0, threshold=0, passed=False, measured=False)
    assert take_quality([measured, crashed]) == take_quality([measured])


def test_a_manifest_written_before_critiques_could_be_unmeasured_still_loads() -> None:
    old = {"stage": "compose", "target": "vlog.loudness", "score": -0.4, "threshold": -1.5, "passed": True}
    critique = Critique.model_validate(old)
    assert critique.measured and critique.reason == ""


def test_a_failed_word_alignment_is_transcribed_again_without_word_times(
    spoken: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    line, wav = spoken
    calls: list[bool] = []
    real = faster_whisper.transcribe.WhisperModel.find_alignment

    def misaligned(*args: object, **kwargs: object) -> object:
        calls.append(True)
        raise IndexError(
            "boolean index did not match indexed array along axis 0; size of axis is 0 but size of corresponding "
            "boolean axis is 1"
        )

    monkeypatch.setattr(faster_whisper.transcribe.WhisperModel, "find_alignment", misaligned)
    heard = speech.transcribe(wav)
    assert calls, "the alignment was never tried"
    assert not heard.words_aligned
    assert speech.word_recall(line, heard.text) >= 0.8
    assert [w for w, _s, _e in heard.words] == heard.text.split()
    starts = [start for _w, start, _e in heard.words]
    assert starts == sorted(starts) and all(start < end for _w, start, end in heard.words)

    monkeypatch.setattr(faster_whisper.transcribe.WhisperModel, "find_alignment", real)
    assert speech.transcribe(wav).words_aligned
