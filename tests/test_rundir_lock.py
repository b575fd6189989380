"""The run directory's lock: waiting for another process's render, and a dead holder never blocking."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from personavlog.rundir import RunDir

HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(60)
"""


def test_waiting_ends_when_the_holder_dies(tmp_path: Path) -> None:
    run = RunDir(tmp_path / "run")
    run.root.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(run.root / ".lock")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        assert run.wait_until_unlocked(0.5) is False
        assert time.monotonic() - started >= 0.5
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        assert run.wait_until_unlocked(5.0) is True
        with run.locked():
            pass
    finally:
        holder.kill()
        holder.wait()
