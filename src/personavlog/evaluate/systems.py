"""The systems ThemeVlogEval can score, and how each one turns a case into a vlog.

- `full`: PersonaVlog as shipped (agents, critics and rollback);
- `no-feedback`: the same without critics and rollback (the ablation);
- `single-pass`: one LLM call writes the whole plan, no critics (the baseline most generators follow);
- `cmd:TEMPLATE`: any external generator, run as a shell command. Placeholders: {theme} {reference} {style}
  {duration} {out} (all shell-quoted); {out} is the MP4 path to write. A `.srt` next to it (same stem) is
  used for the caption metrics when present.
"""

from __future__ import annotations

import hashlib
import re
import shlex
import subprocess
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from personavlog.config import Settings
from personavlog.errors import InputError
from personavlog.evaluate.suites import Case, load_references

BUILTIN = ("full", "no-feedback", "single-pass")
CMD_TIMEOUT_S = 3600


class SystemSpec(BaseModel):
    name: str
    """As given on the command line."""
    kind: Literal["full", "no-feedback", "single-pass", "cmd"]
    template: str | None = None

    @property
    def slug(self) -> str:
        """A file-name-safe id: the name for built-in systems, cmd-<hash> for commands."""
        if self.kind != "cmd":
            return self.kind
        digest = hashlib.sha1((self.template or "").encode()).hexdigest()[:8]
        return f"cmd-{digest}"

    @property
    def label(self) -> str:
        if self.kind != "cmd":
            return self.kind
        words = re.sub(r"\s+", " ", self.template or "").strip()
        return f"cmd:{words[:40]}{'…' if len(words) > 40 else ''}"

    @property
    def has_project(self) -> bool:
        """Whether the system leaves a PersonaVlog project (manifest, per-shot assets) to read from."""
        return self.kind != "cmd"


class Generated(BaseModel):
    video: Path
    srt: Path | None
    run_dir: Path
    runtime_s: float


def parse_system(name: str) -> SystemSpec:
    if name in BUILTIN:
        return SystemSpec(name=name, kind=name)
    if name.startswith("cmd:") and name[4:].strip():
        template = name[4:].strip()
        if "{out}" not in template:
            raise InputError("a cmd: system must write its MP4 to {out}; add the {out} placeholder")
        return SystemSpec(name=name, kind="cmd", template=template)
    raise InputError(f"unknown system {name!r} (use full, no-feedback, single-pass or cmd:TEMPLATE)")


def fill_template(template: str, case: Case, out: Path) -> str:
    values = {
        "theme": case.theme,
        "reference": str(case.reference_path),
        "style": case.style,
        "duration": f"{case.duration_s:g}",
        "out": str(out),
    }
    command = template
    for key, value in values.items():
        command = command.replace("{" + key + "}", shlex.quote(value))
    return command


def generate(system: SystemSpec, case: Case, run_dir: Path, settings: Settings) -> Generated:
    """Make the case's vlog in `run_dir` (a re-run resumes what a previous, interrupted one left)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if system.kind == "cmd":
        video = run_dir / "vlog.mp4"
        command = fill_template(system.template or "", case, video)
        done = subprocess.run(command, shell=True, cwd=run_dir, capture_output=True, text=True, timeout=CMD_TIMEOUT_S)
        if done.returncode != 0 or not video.is_file():
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise RuntimeError(f"command exited {done.returncode} without writing {video.name}: {' | '.join(tail)}")
        srt = video.with_suffix(".srt")
        return Generated(
            video=video, srt=srt if srt.is_file() else None, run_dir=run_dir, runtime_s=time.perf_counter() - started
        )

    from personavlog.api import make_vlog
    from personavlog.schema import VlogRequest

    request = VlogRequest(
        theme=case.theme,
        reference=case.reference_path,
        style=case.style,
        duration_s=case.duration_s,
        aspect=case.aspect,
        resolution=case.resolution,
        fps=case.fps,
        seed=case.seed,
        feedback=system.kind == "full",
        planner="single-pass" if system.kind == "single-pass" else "agents",
    )
    make_vlog(request, run_dir, settings, allow_no_face=load_references().get(case.reference).drawn)
    return Generated(
        video=run_dir / "vlog.mp4", srt=run_dir / "vlog.srt", run_dir=run_dir, runtime_s=time.perf_counter() - started
    )
