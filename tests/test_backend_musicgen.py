"""The MusicGen backend on a tiny random MusicGen (real classes, real loading code), fitted to the vlog length."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from backend_support import tiny_models
from personavlog.engines.music.base import SAMPLE_RATE
from personavlog.engines.music.musicgen import MusicgenEngine, brief_prompt, chunk_spans
from personavlog.engines.settings import MusicgenSettings as MusicSettings
from personavlog.errors import InputError
from personavlog.media import read_wav
from personavlog.schema import MusicBrief

BRIEF = MusicBrief(
    genre="lofi", mood="calm", bpm=80, key="C", mode="major", instruments=["piano", "strings"], energy=[0.2, 0.9]
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> MusicgenEngine:
    model = tiny_models(tmp_path_factory)["music"]
    return MusicgenEngine(MusicSettings(backend="musicgen", model=str(model), chunk_s=5, crossfade_s=1, cpu_threads=1))


def test_chunks_cover_the_length_with_overlapping_seams() -> None:
    assert chunk_spans(4.0, 5.0, 1.0) == [(0.0, 4.0)]
    spans = chunk_spans(12.5, 5.0, 1.0)
    assert spans[0] == (0.0, 5.0)
    assert all(b[0] == pytest.approx(a[0] + 4.0) for a, b in itertools.pairwise(spans))
    assert spans[-1][0] + spans[-1][1] == pytest.approx(12.5)
    assert "80 bpm" in brief_prompt(BRIEF) and "piano, strings" in brief_prompt(BRIEF)


def test_music_has_the_exact_length_and_format_and_follows_the_seed(engine: MusicgenEngine, tmp_path: Path) -> None:
    total = 11.3
    spans = [(0.0, 5.0), (5.0, 6.3)]
    engine.render(BRIEF, spans, total, 1, tmp_path / "a.wav")
    engine.render(BRIEF, spans, total, 1, tmp_path / "a_again.wav")
    engine.render(BRIEF, spans, total, 2, tmp_path / "b.wav")
    audio, rate = read_wav(tmp_path / "a.wav")
    assert rate == SAMPLE_RATE
    assert audio.shape == (round(total * SAMPLE_RATE), 2)
    assert 0.6 < np.abs(audio).max() <= 0.71, "peak at -3 dBFS"
    assert audio[:SAMPLE_RATE].std() > 0.01, "not silence"
    assert np.abs(audio[-50:]).max() < 0.01, "faded out"
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "a_again.wav").read_bytes()
    assert (tmp_path / "a.wav").read_bytes() != (tmp_path / "b.wav").read_bytes()


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no music model configured"):
        MusicgenEngine(MusicSettings(backend="musicgen")).load()
    with pytest.raises(InputError, match="not found"):
        MusicgenEngine(MusicSettings(backend="musicgen", model=str(tmp_path / "absent"))).load()
