"""`personavlog batch` on local processes, with Ray made unimportable: jobs file, faults, interrupt and resume."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from personavlog.batch.jobs import load_jobs
from personavlog.batch.summary import read_summary
from personavlog.cli import main
from personavlog.distributed import TransientError, WorkerDied
from personavlog.distributed.local import ProcessExecutor
from personavlog.errors import InputError
from personavlog.rundir import RunDir

BLOCK_RAY = """
import sys


class _NoRay:
    def find_spec(self, name, path=None, target=None):
        if name == "ray" or name.startswith("ray."):
            raise ModuleNotFoundError("No module named 'ray'")
        return None


sys.meta_path.insert(0, _NoRay())
"""
SHORT = {"duration": 10, "resolution": "360p", "aspect": "1:1", "fps": 12}


def write_jobs(path: Path, *lines: dict | str) -> Path:
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


@pytest.fixture(scope="module")
def no_ray_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a machine without Ray: `import ray` fails in the CLI and in every worker process."""
    site = tmp_path_factory.mktemp("no-ray")
    (site / "sitecustomize.py").write_text(BLOCK_RAY)
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    return dict(os.environ, PYTHONPATH=path, OMP_WAIT_POLICY="PASSIVE")


@pytest.fixture(scope="module")
def fast_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = tmp_path_factory.mktemp("config") / "batch.toml"
    config.write_text("candidates = 1\n")
    return config


def batch_command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "personavlog.cli", "batch", *map(str, args)]


# ---- the jobs file ----------------------------------------------------------------------------


def test_jobs_file_lines_become_requests_with_make_defaults(tmp_path: Path, astronaut: Path) -> None:
    shutil.copy(astronaut, tmp_path / "me.jpg")
    jobs = load_jobs(
        write_jobs(
            tmp_path / "jobs.jsonl",
            {"theme": "A Walk  in Kyoto", "reference": "me.jpg", **SHORT, "no_feedback": True, "seed": 4},
            "",
            {"theme": "market day", "reference": str(astronaut), "style": "Watercolor", "allow_no_face": True},
        )
    )
    assert [job.line for job in jobs] == [1, 3]
    first, second = jobs
    assert first.name == "0001-a-walk-in-kyoto"
    assert first.request.reference == (tmp_path / "me.jpg").resolve()
    assert (first.request.duration_s, first.request.resolution, first.request.fps) == (10, "360p", 12)
    assert first.request.feedback is False and first.request.seed == 4
    assert second.request.duration_s == 30 and second.request.aspect == "16:9" and second.request.style == "watercolor"
    assert second.allow_no_face is True


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "jobs.jsonl line 2: not valid JSON"),
        ('["a list"]', "jobs.jsonl line 2: expected a JSON object"),
        ('{"theme": "x"}', "jobs.jsonl line 2: reference: Field required"),
        ('{"theme": "x", "reference": "a.jpg", "duration": 3}', "jobs.jsonl line 2: duration: Input should be greater"),
        ('{"theme": "x", "reference": "a.jpg", "colour": "red"}', "jobs.jsonl line 2: colour: Extra inputs"),
        ('{"theme": "x", "reference": "a.jpg", "aspect": "4:3"}', "jobs.jsonl line 2: aspect: Input should be"),
    ],
)
def test_a_bad_line_is_one_error_with_its_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, message: str
) -> None:
    jobs = write_jobs(tmp_path / "jobs.jsonl", {"theme": "fine", "reference": "a.jpg"}, line)
    with pytest.raises(InputError, match="line 2"):
        load_jobs(jobs)
    assert main(["batch", str(jobs), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists(), "nothing may run when the jobs file is wrong"


def test_ray_option_without_ray_says_how_to_install(tmp_path: Path, no_ray_env: dict[str, str]) -> None:
    jobs = write_jobs(tmp_path / "jobs.jsonl", {"theme": "x", "reference": "a.jpg"})
    result = subprocess.run(
        batch_command(jobs, "--out", tmp_path / "out", "--ray", "auto"),
        env=no_ray_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "personavlog: error: Ray is not installed: pip install 'personavlog[ray]' (or run without --ray)"
    ]


# ---- the local executor's fault handling, on real processes -----------------------------------


def die_on_first_attempt(marker: str) -> int:
    """Killed by SIGKILL the first time it runs; returns its pid the next time."""
    path = Path(marker)
    if not path.exists():
        path.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return os.getpid()


def always_die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def fail_transiently(counter: str) -> None:
    path = Path(counter)
    path.write_text(str(int(path.read_text() or "0") + 1) if path.exists() else "1")
    raise TransientError("the service is not answering")


def fail_for_good() -> None:
    raise InputError("reference image not found: nope.jpg")


def test_process_executor_retries_a_killed_task_in_a_new_process(tmp_path: Path) -> None:
    executor = ProcessExecutor(workers=2, max_attempts=3)
    try:
        pid = executor.submit(die_on_first_attempt, str(tmp_path / "killed")).result(timeout=120)
        with pytest.raises(WorkerDied, match=r"killed by SIGKILL \(2 attempts\)"):
            ProcessExecutor(workers=1, max_attempts=2).submit(always_die).result(timeout=120)
        counter = tmp_path / "count"
        with pytest.raises(TransientError, match="not answering"):
            executor.submit(fail_transiently, str(counter)).result(timeout=120)
        with pytest.raises(InputError, match=r"nope\.jpg"):
            executor.submit(fail_for_good).result(timeout=120)
    finally:
        executor.shutdown()
    killed = int((tmp_path / "killed").read_text())
    assert pid != killed and pid != os.getpid()
    assert counter.read_text() == "3", "a transient failure is tried max_attempts times, no more"


def test_a_job_that_keeps_failing_ends_failed_with_its_reason(
    tmp_path: Path, astronaut: Path, no_ray_env: dict[str, str]
) -> None:
    config = tmp_path / "dead-llm.toml"
    config.write_text('[llm]\nbackend = "openai"\nbase_url = "http://127.0.0.1:9/v1"\nmax_retries = 0\n')
    jobs = write_jobs(tmp_path / "jobs.jsonl", {"theme": "a walk", "reference": str(astronaut), **SHORT})
    out = tmp_path / "out"
    result = subprocess.run(
        batch_command(jobs, "--out", out, "--attempts", "2", "--config", config),
        env=no_ray_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1, result.stderr
    (row,) = read_summary(out / "summary.csv")
    assert row["status"] == "failed" and row["attempts"] == "2"
    assert "cannot reach the LLM server at http://127.0.0.1:9/v1" in row["reason"]
    assert "\n" not in row["reason"]


# ---- end to end: processes, no Ray, interrupted and resumed ------------------------------------


def _wait_for(condition, timeout: float, what: str, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the batch exited ({process.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def _stages_done(run: RunDir) -> set[str]:
    try:
        return set(json.loads(run.manifest_path.read_text())["stages"])
    except (OSError, ValueError, KeyError):
        return set()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_local_batch_without_ray_is_interrupted_then_resumes_and_skips(
    tmp_path: Path, astronaut: Path, no_ray_env: dict[str, str], fast_config: Path
) -> None:
    jobs = write_jobs(
        tmp_path / "jobs.jsonl",
        {"theme": "a morning run by the river", "reference": str(astronaut), **SHORT, "no_feedback": True},
        {"theme": "a lost photo", "reference": str(tmp_path / "missing.jpg"), **SHORT},
    )
    out = tmp_path / "out"
    command = batch_command(jobs, "--out", out, "--workers", "2", "--config", fast_config)
    run = RunDir(out / "0001-a-morning-run-by-the-river")

    # A shell without job control starts background commands with SIGINT ignored, and Python then installs no
    # KeyboardInterrupt handler: the batch is started as from a terminal, SIGINT at its default.
    first = subprocess.Popen(
        command,
        env=no_ray_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        _wait_for(lambda: "story" in _stages_done(run), 600, "the story stage", first)
        first.send_signal(signal.SIGINT)
        _, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 130, err
    assert "run the same command again to resume" in err
    rows = {row["line"]: row for row in read_summary(out / "summary.csv")}
    assert rows["1"]["status"] == "interrupted"
    assert rows["2"]["status"] == "failed" and rows["2"]["attempts"] == "1", "bad input is not retried"
    assert "reference image not found" in rows["2"]["reason"]
    worker_pid = int((out / ".batch" / "attempts" / f"{run.root.name}.log").read_text().split()[2])
    _wait_for(lambda: not _pid_alive(worker_pid), 30, "the interrupted worker to exit")
    before = json.loads(run.manifest_path.read_text())
    assert before["status"] != "done"

    second = subprocess.run(command, env=no_ray_env, capture_output=True, text=True, timeout=1200)
    assert second.returncode == 1, second.stderr  # line 2 still fails
    rows = {row["line"]: row for row in read_summary(out / "summary.csv")}
    assert rows["1"]["status"] == "done" and rows["1"]["attempts"] == "1"
    assert float(rows["1"]["duration_s"]) == pytest.approx(10, abs=1.5)
    after = RunDir(run.root).load()
    assert after.status == "done"
    # Resumed, not restarted: the stages finished before the interruption kept their records and LLM calls.
    stages = {str(key): record for key, record in after.stages.items()}
    for stage in ("persona", "story"):
        assert stages[stage].input_hash == before["stages"][stage]["input_hash"]
    assert [c.agent for c in after.llm_calls][: len(before["llm_calls"])] == [c["agent"] for c in before["llm_calls"]]
    assert sum(c.agent == "story" for c in after.llm_calls) == sum(c["agent"] == "story" for c in before["llm_calls"])
    assert run.asset_intact(after, run.video) and run.asset_intact(after, run.srt)
    assert not list(run.root.rglob(".*.tmp*")), "no half-written file may remain"

    vlog_mtime = run.video.stat().st_mtime_ns
    third = subprocess.run(command, env=no_ray_env, capture_output=True, text=True, timeout=600)
    assert third.returncode == 1
    rows = {row["line"]: row for row in read_summary(out / "summary.csv")}
    assert rows["1"]["status"] == "skipped"
    assert run.video.stat().st_mtime_ns == vlog_mtime


def test_shots_go_to_actors_only_for_gpu_backends_with_a_cluster() -> None:
    from personavlog.config import Settings
    from personavlog.distributed.shots import LocalShotRenderer, shot_renderer, wants_actors

    animatic = Settings.model_validate({"distributed": {"ray_address": "auto"}})
    assert isinstance(shot_renderer(animatic, lambda: None), LocalShotRenderer)
    assert wants_actors(Settings.model_validate({"visual": "diffusers", "distributed": {"ray_address": "auto"}}))
    assert not wants_actors(Settings.model_validate({"visual": "diffusers"}))  # no cluster here
    assert not wants_actors(Settings.model_validate({"visual": "diffusers", "distributed": {"shots": "local"}}))
    assert wants_actors(Settings.model_validate({"distributed": {"shots": "ray"}}))
