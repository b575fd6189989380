"""The MLLM keyframe judge: what it sends to an OpenAI-compatible vision model and how it turns answers into critiques.

The vision model is a remote API here, so a scripted server on loopback stands in for it; the client, the request
and the critique are the real code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from llm_server import ScriptedReply, chat_reply, scripted_server
from personavlog.backends import create_llm
from personavlog.config import LLMSettings, load_settings
from personavlog.feedback.critics.keyframe_judge import MIN_JUDGE_SCORE, JudgeUnavailable, judge_keyframe

PROMPT = "a woman with short brown hair sipping coffee by a rain-streaked café window, close-up"


@pytest.fixture
def keyframe(tmp_path: Path) -> Path:
    path = tmp_path / "keyframe.png"
    Image.new("RGB", (64, 48), (40, 60, 90)).save(path)
    return path


def _answer(score: int, reasons: str = "the window and the cup are there", fix: str = "add rain") -> ScriptedReply:
    return chat_reply(json.dumps({"score": score, "reasons": reasons, "fix": fix}))


def test_a_good_judgement_passes_and_the_request_carries_image_prompt_and_style(keyframe: Path) -> None:
    with scripted_server([_answer(4)]) as server:
        judge = create_llm(LLMSettings(backend="openai", base_url=server.base_url, vision=True, max_retries=0))
        critique = judge_keyframe(judge, 2, keyframe, PROMPT, "watercolor", round_=1, seed=7)
    assert critique.passed and critique.score == 4 and critique.threshold == MIN_JUDGE_SCORE
    assert (critique.stage, critique.target, critique.round) == ("clip/02", "shot 02 keyframe.judge", 1)
    content = server.requests[0]["body"]["messages"][0]["content"]
    assert content[1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert PROMPT in content[0]["text"] and "watercolor" in content[0]["text"]
    assert server.requests[0]["body"]["seed"] == 7


def test_a_poor_judgement_fails_with_the_reasons_as_feedback(keyframe: Path) -> None:
    with scripted_server([_answer(2, "no café in sight, an empty street", "paint the café interior")]) as server:
        judge = create_llm(LLMSettings(backend="openai", base_url=server.base_url, vision=True, max_retries=0))
        critique = judge_keyframe(judge, 3, keyframe, PROMPT, "cinematic")
    assert not critique.passed and critique.score == 2
    assert "no café in sight" in critique.feedback and "paint the café interior" in critique.feedback


def test_an_out_of_range_or_missing_answer_is_no_judgement(keyframe: Path) -> None:
    with scripted_server([_answer(9)]) as server:
        judge = create_llm(LLMSettings(backend="openai", base_url=server.base_url, vision=True, max_retries=0))
        with pytest.raises(JudgeUnavailable, match="unusable"):
            judge_keyframe(judge, 1, keyframe, PROMPT, "cinematic")
    with scripted_server([ScriptedReply(503, {"error": {"message": "overloaded"}})]) as server:
        judge = create_llm(LLMSettings(backend="openai", base_url=server.base_url, vision=True, max_retries=0))
        with pytest.raises(JudgeUnavailable, match="503"):
            judge_keyframe(judge, 1, keyframe, PROMPT, "cinematic")


def test_a_judge_without_vision_is_refused_before_any_request(keyframe: Path) -> None:
    with scripted_server([_answer(5)]) as server:
        judge = create_llm(LLMSettings(backend="openai", base_url=server.base_url, vision=False))
        with pytest.raises(JudgeUnavailable, match="does not accept images"):
            judge_keyframe(judge, 1, keyframe, PROMPT, "cinematic")
    assert server.requests == []


def test_the_judge_is_configured_by_file_or_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().judge is None
    config = tmp_path / "judge.toml"
    config.write_text('[judge]\nbackend = "openai"\nbase_url = "http://127.0.0.1:9/v1"\nvision = true\n')
    judge = load_settings(config).judge
    assert judge is not None and judge.vision and judge.base_url == "http://127.0.0.1:9/v1"
    monkeypatch.setenv("PERSONAVLOG_JUDGE__MODEL", "qwen2.5-vl")
    judge = load_settings(config).judge
    assert judge is not None and judge.model == "qwen2.5-vl"
