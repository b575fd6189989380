"""Atomic writes: the file appears whole or not at all, with the permissions an ordinary write would give it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from personavlog.fsutil import atomic_path, atomic_write_bytes


def test_a_written_file_has_the_mode_an_ordinary_write_gives(tmp_path: Path) -> None:
    atomic_write_bytes(tmp_path / "atomic.bin", b"vlog")
    (tmp_path / "plain.bin").write_bytes(b"vlog")
    mode = stat.S_IMODE((tmp_path / "atomic.bin").stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "plain.bin").stat().st_mode)
    assert mode & stat.S_IRGRP, "a vlog others may read (a web server, a shared folder) is not private"


def test_the_process_umask_decides_the_mode(tmp_path: Path) -> None:
    script = "import sys; from pathlib import Path; from personavlog.fsutil import atomic_write_bytes; "
    script += "atomic_write_bytes(Path(sys.argv[1]), b'x')"
    target = tmp_path / "private.bin"
    previous = os.umask(0o077)
    try:
        subprocess.run([sys.executable, "-c", script, str(target)], check=True)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "vlog.mp4"
    target.write_bytes(b"the earlier vlog")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("encoder died")
    assert target.read_bytes() == b"the earlier vlog"
    assert [path.name for path in tmp_path.iterdir()] == ["vlog.mp4"]
