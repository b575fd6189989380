from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def astronaut() -> Path:
    return EXAMPLES / "astronaut.jpg"


@pytest.fixture(scope="session")
def grace_hopper() -> Path:
    return EXAMPLES / "grace_hopper.jpg"


@pytest.fixture(scope="session")
def cutout(astronaut: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The astronaut's cut-out, as the persona stage makes it (read-only for the tests that render shots)."""
    from personavlog.vision.analysis import analyze_reference

    out = tmp_path_factory.mktemp("astronaut") / "cutout.png"
    analyze_reference(astronaut, out)
    return out


@pytest.fixture(scope="session")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """One line spoken by the embedded Piper voice: (its text, its WAV)."""
    from personavlog.engines.speech.piper_engine import PiperSpeechEngine

    line = "I walk down to the harbour and watch the fishing boats come home."
    wav = tmp_path_factory.mktemp("voice") / "line.wav"
    PiperSpeechEngine().synthesize(line, wav)
    return line, wav


def run_cli(*args: str | Path, cwd: Path | None = None, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    return subprocess.run(
        [sys.executable, "-m", "personavlog.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


def json_events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
