"""The embedded "animatic" visual engine: CPU-only painted scenes with the protagonist composited in."""

from personavlog.engines.visual.animatic.engine import AnimaticEngine

__all__ = ["AnimaticEngine"]
