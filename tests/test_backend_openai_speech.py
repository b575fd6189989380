"""The OpenAI-compatible speech backend against a real local server process (Piper behind /v1/audio/speech)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend_support import speech_server
from personavlog.engines.settings import OpenAISpeechSettings as SpeechSettings
from personavlog.engines.speech.openai_speech import OpenAISpeechEngine, SpeechHTTPError
from personavlog.errors import InputError, StageError
from personavlog.measure.speech import transcribe, word_recall
from personavlog.media import read_wav

LINE = "The rain stopped just as I reached the bakery on the corner."


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with speech_server() as url:
        yield url


def _engine(base_url: str, **overrides) -> OpenAISpeechEngine:
    return OpenAISpeechEngine(SpeechSettings(backend="openai", base_url=base_url, **overrides), backoff_s=0.05)


def test_speech_comes_back_as_an_intelligible_wav(base_url: str, tmp_path: Path) -> None:
    wav = tmp_path / "line.wav"
    seconds = _engine(base_url, voice="alloy").synthesize(LINE, wav)
    audio, rate = read_wav(wav)
    assert audio.ndim == 1 and rate == 22050
    assert seconds == pytest.approx(len(audio) / rate) and 2.0 < seconds < 8.0
    assert word_recall(LINE, transcribe(wav).text) >= 0.7


def test_server_errors_are_clear_and_not_retried(base_url: str, tmp_path: Path) -> None:
    engine = _engine(base_url, voice="nobody", max_retries=3)
    started = time.perf_counter()
    with pytest.raises(SpeechHTTPError, match="400: unknown voice 'nobody'") as caught:
        engine.synthesize(LINE, tmp_path / "x.wav")
    assert caught.value.status == 400
    assert time.perf_counter() - started < 5
    assert not (tmp_path / "x.wav").exists()


def test_an_unreachable_server_is_retried_then_reported(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    engine = _engine(f"http://127.0.0.1:{port}/v1", max_retries=2, timeout_s=2)
    started = time.perf_counter()
    with pytest.raises(StageError, match="cannot reach speech server"):
        engine.synthesize(LINE, tmp_path / "x.wav")
    assert time.perf_counter() - started >= 0.05 + 0.1, "backed off between tries"


def test_a_named_but_unset_api_key_is_an_input_error(base_url: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("PV_TEST_SPEECH_KEY", raising=False)
    with pytest.raises(InputError, match="PV_TEST_SPEECH_KEY"):
        _engine(base_url, api_key_env="PV_TEST_SPEECH_KEY").synthesize(LINE, tmp_path / "x.wav")
    monkeypatch.setenv("PV_TEST_SPEECH_KEY", "secret")
    assert _engine(base_url, api_key_env="PV_TEST_SPEECH_KEY").synthesize("Hello there.", tmp_path / "y.wav") > 0.3
