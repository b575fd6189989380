"""A backend from another package: installed with pip, found by its entry point, configured with its own options."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT
from personavlog.media import read_wav

PACKAGE = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "beep-voice"
        version = "1.0"

        [project.entry-points."personavlog.backends"]
        "speech.beep" = "beep_voice.backend:BACKEND"
    """,
    "beep_voice/__init__.py": "",
    # The record and its options: imported when a configuration names the backend.
    "beep_voice/backend.py": """
        from pydantic import Field

        from personavlog.backends import Backend, SectionOptions


        class BeepOptions(SectionOptions):
            backend: str = "beep"
            frequency_hz: float = Field(default=440.0, gt=50.0, lt=4000.0)
            seconds_per_word: float = Field(default=0.25, gt=0.0)


        def describe(options: BeepOptions) -> dict[str, str]:
            return {"frequency_hz": f"{options.frequency_hz:g}"}


        BACKEND = Backend(
            role="speech", name="beep", engine="beep_voice.engine:BeepVoice", options=BeepOptions, describe=describe
        )
    """,
    # The engine: imported only when a run speaks a line.
    "beep_voice/engine.py": """
        import numpy as np

        from personavlog.media import write_wav

        RATE = 22050


        class BeepVoice:
            name = "beep"
            model = "sine"

            def __init__(self, options):
                self.options = options

            def synthesize(self, text, wav_out):
                seconds = max(0.5, self.options.seconds_per_word * len(text.split()))
                t = np.arange(int(seconds * RATE)) / RATE
                write_wav(wav_out, 0.4 * np.sin(2 * np.pi * self.options.frequency_hz * t), RATE)
                return seconds
    """,
}


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("beep-voice")
    for name, text in PACKAGE.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    target = tmp_path_factory.mktemp("site")
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index"]
    result = subprocess.run([*pip, "--target", str(target), str(source)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (target / "beep_voice" / "engine.py").is_file()
    return target


def _cli(plugin: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(plugin), OMP_WAIT_POLICY="PASSIVE", PERSONAVLOG_CANDIDATES="1")
    command = [sys.executable, "-m", "personavlog.cli", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)


def _peak_hz(wav: Path) -> float:
    samples, rate = read_wav(wav)
    spectrum = np.abs(np.fft.rfft(samples.reshape(len(samples), -1)[:, 0]))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


def test_the_plugins_own_options_are_validated_by_its_model(plugin_path: Path, tmp_path: Path) -> None:
    config = tmp_path / "beep.toml"
    config.write_text('[speech]\nbackend = "beep"\nfrequency_hz = 9000\n', encoding="utf-8")
    result = _cli(plugin_path, "dry-run", "--config", config, "--json")
    assert result.returncode == 2
    assert "speech.frequency_hz: Input should be less than 4000" in result.stderr
    config.write_text('[speech]\nbackend = "beep"\nfrequency = 660\n', encoding="utf-8")
    assert "speech.frequency: Extra inputs are not permitted" in _cli(plugin_path, "dry-run", "--config", config).stderr


def test_a_vlog_speaks_with_a_backend_installed_from_another_package(
    plugin_path: Path, astronaut: Path, tmp_path: Path
) -> None:
    config = tmp_path / "beep.toml"
    config.write_text('[speech]\nbackend = "beep"\nfrequency_hz = 660\n', encoding="utf-8")
    out = tmp_path / "run"
    result = _cli(
        plugin_path,
        "make",
        "--config", config,
        "--theme", "a windy morning at the harbour",
        "--reference", astronaut,
        "--duration", "10",
        "--resolution", "360p",
        "--aspect", "1:1",
        "--fps", "12",
        "--seed", "3",
        "--no-feedback",
        "--progress", "none",
        "--out", out,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (out / "vlog.mp4").stat().st_size > 10_000
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["backends"]["speech"] == {"name": "beep", "frequency_hz": "660"}
    voices = sorted(out.glob("shots/*/voice*.wav"))
    assert voices, sorted(p.relative_to(out).as_posix() for p in out.rglob("*.wav"))
    assert all(abs(_peak_hz(wav) - 660) < 5 for wav in voices)
