"""`[music] soundfont = PATH`: the MIDI engine plays the score through a configured General MIDI soundfont."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from personavlog.backends.create import create_engine, describe_backends
from personavlog.cli import main
from personavlog.config import load_settings
from personavlog.engines.music.soundfont import soundfont_path
from personavlog.errors import InputError
from personavlog.media import read_wav
from personavlog.schema import Mood, MusicBrief

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BRIEF = MusicBrief(
    genre="lofi",
    mood=Mood.CALM,
    bpm=90,
    key="C",
    mode="major",
    instruments=["piano", "acoustic bass"],
    energy=[0.4, 0.6],
)


def _config(tmp_path: Path, soundfont: Path) -> Path:
    config = tmp_path / "music.toml"
    config.write_text(f'[music]\nbackend = "midi"\nsoundfont = "{soundfont}"\n', encoding="utf-8")
    return config


def _render(config: Path | None, out: Path) -> np.ndarray:
    engine = create_engine("music", load_settings(config))
    engine.render(BRIEF, [(0.0, 2.0), (2.0, 2.0)], 4.0, 7, out)
    return read_wav(out)[0]


def test_the_default_is_the_bundled_font_and_adds_nothing_to_the_hash() -> None:
    settings = load_settings(None)
    assert create_engine("music", settings).soundfont is None
    assert "soundfont" not in describe_backends(settings)["music"]
    assert soundfont_path().name == "TimGM6mb.sf2"


def test_a_configured_font_is_the_one_played_and_enters_the_hash(tmp_path: Path) -> None:
    copy = tmp_path / "fonts" / "gm.sf2"
    copy.parent.mkdir()
    shutil.copyfile(soundfont_path(), copy)
    config = _config(tmp_path, copy)
    described = describe_backends(load_settings(config))["music"]
    assert described["soundfont"].startswith("gm.sf2 sha256:")
    assert described != describe_backends(load_settings(None))["music"]

    default = _render(None, tmp_path / "default.wav")
    configured = _render(config, tmp_path / "configured.wav")
    assert np.array_equal(default, configured)  # the same font, the same bytes
    # The engine reads the configured file itself: one that stops being a soundfont fails the render.
    engine = create_engine("music", load_settings(config))
    copy.write_bytes(b"RIFF\0\0\0\0sfbk")
    with pytest.raises(RuntimeError, match=f"Could not load SoundFont file: {copy}"):
        engine.render(BRIEF, [(0.0, 2.0)], 2.0, 7, tmp_path / "broken.wav")


@pytest.mark.parametrize("kind", ["missing", "not a soundfont"])
def test_a_bad_font_is_refused_at_the_start(tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "font.sf2"
    if kind == "not a soundfont":
        path.write_bytes(b"MThd not a soundfont")
    with pytest.raises(InputError, match=r"music\.soundfont"):
        load_settings(_config(tmp_path, path))
    out = tmp_path / "vlog"
    argv = ["make", "--config", str(_config(tmp_path, path)), "--theme", "a walk by the sea"]
    assert main([*argv, "--reference", str(EXAMPLES / "astronaut.jpg"), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert len(error.strip().splitlines()) == 1
    assert "music.soundfont" in error
    assert not out.exists()
