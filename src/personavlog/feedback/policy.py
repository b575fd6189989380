"""The rollback policy: which stage a failed critique goes back to, how a retake is adjusted, which take wins."""

from __future__ import annotations

from collections.abc import Iterable

from personavlog.manifest import AGENT_STAGES
from personavlog.schema import Critique, Framing

RETAKE_SEED_STEP = 1009
"""Seed offset per retake of an engine stage: far from the seeds neighbouring requests use."""


def fails(critique: Critique) -> bool:
    """Whether a critique asks for a rollback: measured and not passed (a critic that could not measure asks
    nothing)."""
    return critique.measured and not critique.passed


def failing(critiques: Iterable[Critique]) -> list[Critique]:
    return [c for c in critiques if fails(c)]


def is_theme_check(critique: Critique) -> bool:
    return critique.target.endswith(".relevance")


def take_quality(critiques: Iterable[Critique]) -> tuple[int, int, float]:
    """Compare takes of the same artifact: theme checks passed first (a take that fixes a line's length but loses
    the theme is worse), then all checks passed, then the smaller total shortfall; checks not measured do not count."""
    chosen = [c for c in critiques if c.measured]
    return (
        sum(c.passed for c in chosen if is_theme_check(c)),
        sum(c.passed for c in chosen),
        sum(min(0.0, c.score - c.threshold) for c in chosen),
    )


_REWRITTEN_WITH = {"story": ("monologue",)}
"""Agent stages rewritten from another's document: a new story brings a new monologue, which must keep the theme."""


def theme_focus_stages(critiques: Iterable[Critique]) -> set[str]:
    """Agent stages whose rewrite must aim at the theme: those a failed theme check goes back to, and those
    rewritten from them."""
    stages = {c.stage for c in failing(critiques) if is_theme_check(c) and is_agent_stage(c.stage)}
    return stages.union(*(_REWRITTEN_WITH.get(stage, ()) for stage in stages))


def tighter(framing: Framing) -> Framing:
    """A face too small to recognise asks for the next closer framing."""
    return {Framing.WIDE: Framing.MEDIUM, Framing.MEDIUM: Framing.CLOSE_UP}.get(framing, Framing.CLOSE_UP)


def wants_closer(critiques: Iterable[Critique]) -> bool:
    return any(c.target.endswith((".identity", ".face_size")) for c in failing(critiques))


def is_agent_stage(stage: str) -> bool:
    return stage in {name.value for name in AGENT_STAGES}
