"""The service under load (bench/web_load.py): concurrent jobs and event streams, the server killed mid-render."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "web_load.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("web_load", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("web_load", module)  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_a_killed_server_loses_no_queued_job_and_every_stream_ends(tmp_path: Path, astronaut: Path) -> None:
    """Quick: the server is killed during the first render; the jobs come back queued, the cut streams reconnect,
    and every client sees its job's end (a cancel, so that nothing has to render in full)."""
    summary = _bench().run_load(
        tmp_path / "work", astronaut, jobs=4, clients=12, restarts=1, dropouts=4, workers=1, cancel=True, timeout_s=300
    )
    assert summary["held"], summary["problems"]
    assert summary["accepted"] == 4 and summary["lost"] == 0
    assert summary["clients_saw_terminal"] == 12
    assert summary["clients_cut_and_reconnected"] >= 1
    after_dropouts = summary["streams_after_dropouts"]
    assert after_dropouts["event_streams"] <= after_dropouts["clients_following"] <= 12


@pytest.mark.slow
def test_twenty_jobs_fifty_clients_and_a_kill_lose_nothing_and_render_nothing_twice(
    tmp_path: Path, astronaut: Path
) -> None:
    summary = _bench().run_load(tmp_path / "work", astronaut, jobs=20, clients=50, restarts=1, workers=2)
    assert summary["held"], summary["problems"]
    assert summary["accepted"] == 20 and summary["lost"] == 0 and summary["rendered_twice"] == 0
    assert summary["clients_saw_terminal"] == 50
    assert summary["jobs_resumed"] >= 1 and summary["clients_cut_and_reconnected"] >= 1
