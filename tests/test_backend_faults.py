"""Faults injected between the pipeline and its backends (LLM, judge, speech) and at the disk.

Each fault is answered by a bounded retry (attempts counted at a loopback proxy in front of the real server); a
fault that persists ends in one clear line, the manifest names the stage that stopped, and `resume` finishes once
the fault is gone. Disk full and a read-only folder are injected at the atomic-write boundary as OSError
(ENOSPC, EROFS): the tests run as root, where neither chmod nor an unmounted tmpfs would stop a write.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend_support import speech_server
from conftest import run_cli
from fault_proxy import Fault, FaultProxy, fault_proxy
from llm_server import chat_reply, llama_server, scripted_server
from personavlog import rundir
from personavlog.cli import main
from personavlog.config import LLMSettings
from personavlog.engines.settings import OpenAISpeechSettings
from personavlog.engines.speech.openai_speech import OpenAISpeechEngine
from personavlog.errors import StageError
from personavlog.feedback.critics.keyframe_judge import JudgeUnavailable, judge_keyframe
from personavlog.llm.llamacpp import default_model_path
from personavlog.llm.openai_compat import OpenAICompatClient
from personavlog.manifest import Manifest

FAULTS: list[Fault] = ["429", "500", "invalid_json", "hang", "close"]
RETRIES = 2
SCHEMA = {"type": "object", "properties": {"word": {"type": "string"}}, "required": ["word"]}
PROMPT = 'Answer with JSON only: {"word": "<one word for rain>"}'


@pytest.fixture(scope="module")
def llm_proxy() -> Iterator[FaultProxy]:
    with llama_server(default_model_path()) as base_url, fault_proxy(base_url) as proxy:
        yield proxy


def _llm(url: str, timeout_s: float) -> OpenAICompatClient:
    settings = LLMSettings(backend="openai", base_url=url, max_retries=RETRIES, timeout_s=timeout_s)
    client = OpenAICompatClient(settings, backoff_s=0.01)
    client.complete_json(PROMPT, SCHEMA, seed=1, max_tokens=20)  # settles the response format before counting
    return client


@pytest.mark.parametrize("fault", FAULTS)
def test_an_llm_fault_is_retried_and_a_lasting_one_is_one_clear_line(llm_proxy: FaultProxy, fault: Fault) -> None:
    client = _llm(llm_proxy.url, timeout_s=60 if fault != "hang" else 3)
    llm_proxy.inject(fault)
    result = client.complete_json(PROMPT, SCHEMA, seed=1, max_tokens=20)
    assert "word" in result.parsed and (llm_proxy.attempts, llm_proxy.faulted) == (2, 1)

    llm_proxy.inject(fault, persist=True)
    with pytest.raises(StageError) as caught:
        client.complete_json(PROMPT, SCHEMA, seed=1, max_tokens=20)
    assert llm_proxy.attempts == RETRIES + 1
    message = str(caught.value)
    assert message.startswith("llm: ") and "\n" not in message
    llm_proxy.heal()


@pytest.fixture
def keyframe(tmp_path: Path) -> Path:
    from PIL import Image

    path = tmp_path / "keyframe.png"
    Image.new("RGB", (64, 64), (90, 120, 160)).save(path)
    return path


def test_a_judge_fault_is_retried_and_a_lasting_one_is_no_judgement(keyframe: Path) -> None:
    answer = chat_reply(json.dumps({"score": 4, "reasons": "the cafe is there", "fix": "add rain"}))
    with scripted_server([answer]) as judge_server, fault_proxy(judge_server.base_url) as proxy:
        settings = LLMSettings(backend="openai", base_url=proxy.url, vision=True, max_retries=RETRIES)
        judge = OpenAICompatClient(settings, backoff_s=0.01)
        for fault in ("429", "500", "invalid_json", "close"):
            proxy.inject(fault)
            critique = judge_keyframe(judge, 1, keyframe, "a rainy cafe", "cinematic")
            assert critique.score == 4 and critique.measured and proxy.attempts == 2, fault
        proxy.inject("500", persist=True)
        with pytest.raises(JudgeUnavailable, match="unusable") as caught:
            judge_keyframe(judge, 1, keyframe, "a rainy cafe", "cinematic")
        assert proxy.attempts == RETRIES + 1 and "\n" not in str(caught.value)


def test_a_speech_fault_is_retried_and_a_lasting_one_is_one_clear_line(tmp_path: Path) -> None:
    with speech_server() as base_url, fault_proxy(base_url) as proxy:
        settings = OpenAISpeechSettings(base_url=proxy.url, max_retries=RETRIES, timeout_s=20)
        engine = OpenAISpeechEngine(settings, backoff_s=0.01)
        for fault in ("429", "500", "close"):
            proxy.inject(fault)
            seconds = engine.synthesize("The rain stopped at the bakery.", tmp_path / f"{fault}.wav")
            assert seconds > 0.5 and proxy.attempts == 2, fault
        for fault in ("429", "500"):
            proxy.inject(fault, persist=True)
            with pytest.raises(StageError) as caught:
                engine.synthesize("The rain stopped at the bakery.", tmp_path / "lost.wav")
            assert proxy.attempts == RETRIES + 1 and "\n" not in str(caught.value)
            assert not (tmp_path / "lost.wav").exists()
    down = OpenAISpeechEngine(OpenAISpeechSettings(base_url=base_url, max_retries=1), backoff_s=0.01)
    with pytest.raises(StageError, match="cannot reach speech server"):
        down.synthesize("Nobody is listening.", tmp_path / "down.wav")


def _plan_args(reference: Path, out: Path) -> list[str]:
    return ["plan", "--theme", "a windy walk along the harbour", "--reference", str(reference), "--duration", "10",
            "--seed", "4", "--out", str(out)]  # fmt: skip


@pytest.mark.slow
def test_disk_full_or_read_only_while_writing_is_one_line_and_nothing_is_lost(
    astronaut: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    real_write = rundir.atomic_write_json
    for code in (errno.ENOSPC, errno.EROFS):
        writes: list[Path] = []

        def failing_write(target: Path, data: object, code: int = code, writes: list[Path] = writes) -> None:
            writes.append(target)
            if len(writes) > 2:
                raise OSError(code, os.strerror(code), str(target))
            real_write(target, data)

        monkeypatch.setattr(rundir, "atomic_write_json", failing_write)
        assert main(_plan_args(astronaut, out)) == 1
        err = capsys.readouterr().err
        ours = [line for line in err.splitlines() if line.startswith("personavlog")]  # the embedded model logs too
        assert len(ours) == 1 and "Traceback" not in err
        assert ours[0] == f"personavlog: error: cannot write {out / 'manifest.json'}: {os.strerror(code)}"
        # The last manifest that reached the disk is whole, and no temporary file is left beside it.
        Manifest.model_validate_json((out / "manifest.json").read_text())
        assert not list(out.rglob(".*.tmp*"))

    monkeypatch.setattr(rundir, "atomic_write_json", real_write)
    assert main(_plan_args(astronaut, out)) == 0
    assert json.loads((out / "manifest.json").read_text())["status"] == "planned"


@pytest.mark.slow
def test_a_lasting_llm_fault_stops_the_cli_in_one_line_and_resume_finishes(
    llm_proxy: FaultProxy, astronaut: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "run"
    monkeypatch.setenv("PERSONAVLOG_LLM__BACKEND", "openai")
    monkeypatch.setenv("PERSONAVLOG_LLM__BASE_URL", llm_proxy.url)
    monkeypatch.setenv("PERSONAVLOG_LLM__MAX_RETRIES", "1")
    make = ["make", "--theme", "a rainy afternoon in a Paris café", "--reference", astronaut, "--duration", "10",
            "--resolution", "360p", "--aspect", "1:1", "--fps", "12", "--seed", "3", "--out", out]  # fmt: skip
    llm_proxy.inject("500", persist=True)
    failed = run_cli(*make)
    assert failed.returncode == 1, failed.stderr
    ours = [line for line in failed.stderr.splitlines() if line.startswith("personavlog")]  # the rest: bars
    assert len(ours) == 1 and ours[0].startswith("personavlog: error: llm: ") and "Traceback" not in failed.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["failure"]["stage"] and "HTTP 500" in manifest["failure"]["error"]
    assert llm_proxy.attempts == 2

    llm_proxy.heal()
    resumed = run_cli("resume", out)
    assert resumed.returncode == 0, resumed.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "done" and manifest["failure"] is None
    assert (out / "vlog.mp4").stat().st_size > 0
