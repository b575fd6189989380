"""DIR/summary.csv: one row per job with its status, paths, durations, attempts and a one-line reason."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pydantic import BaseModel

from personavlog.fsutil import atomic_write_text

SUMMARY = "summary.csv"
COLUMNS = ("line", "status", "out_dir", "vlog", "duration_s", "seconds", "attempts", "host", "reason")


class Row(BaseModel):
    line: int
    status: str
    """pending, done, skipped, failed, interrupted."""
    out_dir: Path
    vlog: Path | None = None
    duration_s: float | None = None
    seconds: float | None = None
    attempts: int = 0
    host: str = ""
    reason: str = ""


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return " ".join(str(value).split())


def write_summary(out_dir: Path, rows: list[Row]) -> Path:
    """Rewrite the summary atomically: a reader never sees half a file, even while the batch runs."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in sorted(rows, key=lambda r: r.line):
        writer.writerow([_cell(getattr(row, column)) for column in COLUMNS])
    path = Path(out_dir) / SUMMARY
    atomic_write_text(path, buffer.getvalue())
    return path


def read_summary(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
