"""kill -9 anywhere: bench/kill_resume.py kills a short render at 20 random moments and resumes it each time."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "kill_resume.py"


def _bench() -> object:
    spec = importlib.util.spec_from_file_location("kill_resume", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("kill_resume", module)  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_a_render_killed_at_twenty_random_moments_finishes_as_if_never_killed(tmp_path: Path, astronaut: Path) -> None:
    summary = _bench().run_kills(tmp_path / "work", astronaut, seed=3, kills=20)  # type: ignore[attr-defined]
    problems = [p for r in summary["rounds"] for p in r["problems"]]
    twice = [s for r in summary["rounds"] for s in r["stages_finished_twice"]]
    assert summary["kills_made"] >= 20
    assert not problems, problems
    assert not twice, f"stages computed again after they finished: {twice}"
    assert all(r["plan_equal"] for r in summary["rounds"]), "a resumed run planned another vlog than the same seed"
    assert summary["survived"]


def test_a_half_written_file_is_caught_by_the_check(tmp_path: Path, astronaut: Path) -> None:
    """The bench's own check must see a cut video and a cut sound, or the kill test above could not fail."""
    import shutil
    import wave

    import numpy as np

    from personavlog.media import write_wav

    bench = _bench()
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(astronaut, run / "whole.jpg")
    write_wav(run / "voice.wav", np.zeros(16000, dtype=np.float32), 16000)
    with wave.open(str(run / "voice.wav")) as sound:
        assert sound.getnframes() == 16000
    assert bench.check_run(run, final=True) == []  # type: ignore[attr-defined]
    data = (run / "voice.wav").read_bytes()
    (run / "voice.wav").write_bytes(data[: len(data) // 2])
    picture = (run / "whole.jpg").read_bytes()
    (run / "whole.jpg").write_bytes(picture[: len(picture) // 2])
    (run / ".vlog.abc.tmp.mp4").write_bytes(b"partial")
    problems = bench.check_run(run, final=True)  # type: ignore[attr-defined]
    assert any("voice.wav" in p for p in problems) and any("whole.jpg" in p for p in problems)
    assert any("temporary files left" in p for p in problems)
