"""A Japanese vlog end to end: Japanese story and monologue, the Kokoro voice in the mix, Japanese captions."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from conftest import run_cli
from personavlog.agents.japanese import japanese_share, spoken_length
from personavlog.measure.sync import read_srt
from personavlog.media import read_wav

THEME = "桜の季節に京都を一人で旅する"
FRAME_S = 0.02


def _mixed_mono(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as container:
        rate = container.streams.audio[0].codec_context.sample_rate
        chunks = [frame.to_ndarray() for frame in container.decode(audio=0)]
    return np.concatenate(chunks, axis=1).mean(axis=0).astype(np.float64), rate


def _envelope(samples: np.ndarray, rate: int, frames: int) -> np.ndarray:
    hop = round(FRAME_S * rate)
    padded = np.zeros(frames * hop)
    padded[: min(len(samples), len(padded))] = samples[: len(padded)]
    return np.sqrt(np.mean(padded.reshape(frames, hop) ** 2, axis=1))


@pytest.mark.slow
def test_a_japanese_vlog_speaks_and_captions_in_japanese(tmp_path: Path, astronaut: Path) -> None:
    out = tmp_path / "kyoto"
    args = ("--theme", THEME, "--reference", astronaut, "--language", "ja", "--duration", "10")
    result = run_cli("make", *args, "--resolution", "360p", "--progress", "none", "--out", out)
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["backends"]["speech"]["name"] == "kokoro_ja"

    story = manifest["story"]
    assert all(japanese_share(text) >= 0.9 for text in [story["title"], story["logline"], *story["beats"]])
    lines = {shot["id"]: shot["monologue"] for shot in manifest["storyboard"]["shots"]}
    assert lines and all(japanese_share(line) >= 0.9 and spoken_length(line) >= 4 for line in lines.values())

    # Each line is spoken by the Japanese voice: 24 kHz speech, at a rate a listener can follow.
    for shot_id, line in lines.items():
        voice, rate = read_wav(out / "shots" / f"{shot_id:02d}" / "voice.wav")
        assert rate == 24000
        assert float(np.sqrt(np.mean(voice**2))) > 0.03
        assert 2.5 < spoken_length(line) / (len(voice) / rate) < 9.0

    # The vlog's sound follows the voice lines: its loudness envelope tracks the voices placed on the timeline.
    mixed, rate = _mixed_mono(out / "vlog.mp4")
    frames = int(len(mixed) / rate / FRAME_S)
    assert float(np.sqrt(np.mean(mixed**2))) > 0.01
    placed = np.zeros(frames)
    for shot in manifest["timeline"]["shots"]:
        voice, voice_rate = read_wav(out / "shots" / f"{shot['shot_id']:02d}" / "voice.wav")
        start = round((shot["start_s"] + shot["voice_offset_s"]) / FRAME_S)
        envelope = _envelope(voice, voice_rate, len(voice) // round(FRAME_S * voice_rate))
        end = min(frames, start + len(envelope))
        placed[start:end] += envelope[: end - start]
    assert np.corrcoef(_envelope(mixed, rate, frames), placed)[0, 1] > 0.3

    # Captions are the Japanese lines, broken by characters, none starting with closing punctuation.
    cue_lines = [line for cue in read_srt(out / "vlog.srt") for line in cue.text.splitlines()]
    captions = "".join(cue_lines)
    assert cue_lines and japanese_share(captions) >= 0.9
    assert "".join(lines.values()).replace(" ", "") == captions.replace(" ", "")
    assert not any(line[0] in "。、」！？" for line in cue_lines)

    # The English-only recogniser does not pretend to judge Japanese speech.
    heard = [c for c in manifest["critiques"] if c["target"].endswith(".intelligibility")]
    assert heard and all(not c["measured"] and "tiny.en" in c["reason"] for c in heard)
