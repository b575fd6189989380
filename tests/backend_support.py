"""Shared pieces of the real-model backend tests: the tiny models, a shot to render, a cut-out, the speech server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from personavlog.engines.visual.base import ShotRenderSpec
from personavlog.schema import PersonaProfile, Shot, ShotVisual

TESTS = Path(__file__).resolve().parent


def tiny_models(factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The tiny random models, written once per test session and shared by every backend test."""
    from personavlog.devtools.tiny_models import build_all

    return build_all(factory.getbasetemp() / "tiny-models")


def shot_spec(
    seconds: float = 1.0, size: int = 64, fps: int = 12, seed: int = 3, camera: str = "push_in"
) -> ShotRenderSpec:
    shot = Shot(
        id=1,
        duration_s=seconds,
        location="a rainy street",
        location_kind="city_street",
        time_of_day="dawn",
        weather="rain",
        action="walks to the café",
        camera=camera,
        framing="medium",
        mood="calm",
    )
    visual = ShotVisual(
        shot_id=1, keyframe_prompt="a person walks through the city at dawn", motion_prompt="she walks forward"
    )
    persona = PersonaProfile(
        description="a person in a white suit",
        age_range="30s",
        hair="dark",
        clothing="white suit",
        palette=["#203040", "#806040", "#a0b0c0"],
        cutout="cutout.png",
    )
    return ShotRenderSpec(
        shot=shot,
        visual=visual,
        persona=persona,
        style="cinematic",
        width=size,
        height=size,
        fps=fps,
        duration_s=seconds,
        seed=seed,
        shot_index=0,
        shot_count=1,
    )


def write_cutout(photo: Path, out: Path) -> Path:
    """An RGBA cut-out of a photo: its central part opaque, the rest transparent."""
    rgb = np.asarray(Image.open(photo).convert("RGB"))
    alpha = np.zeros(rgb.shape[:2], np.uint8)
    h, w = alpha.shape
    alpha[h // 8 :, w // 5 : w - w // 5] = 255
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(out)
    return out


@contextmanager
def speech_server() -> Iterator[str]:
    """A real local OpenAI-compatible speech server process on a free loopback port; yields its /v1 URL."""
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    process = subprocess.Popen(
        [sys.executable, str(TESTS / "speech_server.py"), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 120
        line = process.stdout.readline()
        while not line.startswith("listening") and time.monotonic() < deadline and process.poll() is None:
            line = process.stdout.readline()
        assert line.startswith("listening"), "speech server did not start"
        yield line.split()[1]
    finally:
        process.terminate()
        process.wait(timeout=30)
