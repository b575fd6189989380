"""Small helpers shared by the scene painters."""

from __future__ import annotations

from personavlog.engines.visual.animatic.elements import darker
from personavlog.engines.visual.animatic.light import Colour
from personavlog.engines.visual.animatic.paint import mix
from personavlog.engines.visual.animatic.scenes.base import SceneContext

SNOW: Colour = (0.93, 0.95, 0.99)


def surface(ctx: SceneContext, colour: Colour, snow_cover: float = 0.85) -> Colour:
    """A ground colour as the weather leaves it: whitened by snow, darkened by rain."""
    if ctx.snowing:
        return mix(colour, SNOW, snow_cover)
    if ctx.raining:
        return darker(colour, 0.22)
    return colour


def foliage(ctx: SceneContext, colour: Colour) -> Colour:
    if ctx.snowing:
        return mix(colour, (0.35, 0.42, 0.40), 0.4)
    return colour


def away_from_subject(ctx: SceneContext, inset: float) -> float:
    """An x near the edge that the protagonist does not occupy."""
    return ctx.side_x(ctx.free_side, inset)
