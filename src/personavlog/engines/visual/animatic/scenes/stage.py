"""A festival stage: truss, screen, speaker stacks, sweeping light beams and a crowd in front."""

from __future__ import annotations

import cv2
import numpy as np

from personavlog.engines.visual.animatic.elements import darker, lighter, person_figure
from personavlog.engines.visual.animatic.light import Colour
from personavlog.engines.visual.animatic.paint import Canvas, mix, soft_blur
from personavlog.engines.visual.animatic.scenes.base import Pulse, SceneContext, SceneLayers, outdoor_layers
from personavlog.engines.visual.animatic.sky import paint_sky

BEAMS: tuple[Colour, ...] = ((1.0, 0.25, 0.65), (0.25, 0.75, 1.0), (1.0, 0.75, 0.25), (0.55, 0.35, 1.0))


def _beams(ctx: SceneContext, sources: list[tuple[float, float]], colours: list[Colour], spread: float) -> np.ndarray:
    """Additive light cones as premultiplied RGBA with zero coverage."""
    w, h, u, rng = ctx.width, ctx.height, ctx.unit, ctx.rng
    light = np.zeros((h, w, 3), np.float32)
    for (sx, sy), col in zip(sources, colours, strict=True):
        angle = rng.normal(0, spread)
        length = h * 1.1
        ex = sx + np.sin(angle) * length
        ey = sy + np.cos(angle) * length
        half = u * 0.09
        cone = np.zeros((h, w), np.uint8)
        pts = np.array([[sx - u * 0.01, sy], [sx + u * 0.01, sy], [ex + half, ey], [ex - half, ey]], np.int32)
        cv2.fillPoly(cone, [pts], 255, cv2.LINE_AA)
        ys = np.clip((np.arange(h, dtype=np.float32)[:, None] - sy) / (h - sy + 1), 0, 1)
        fade = 1.0 - ys * 0.75
        light += (
            soft_blur(cone, u * 0.012).astype(np.float32)[..., None]
            / 255.0
            * fade[..., None]
            * np.asarray(col, np.float32)
            * 0.28
        )
    out = np.zeros((h, w, 4), np.uint8)
    out[..., :3] = np.clip(light * 255, 0, 255).astype(np.uint8)
    return out


def stage(ctx: SceneContext) -> SceneLayers:
    w, h, u, rng, light = ctx.width, ctx.height, ctx.unit, ctx.rng, ctx.light
    hz = h * 0.66
    show = 0.6 + 0.4 * light.lights_on
    sky = paint_sky(w, h, hz, light, rng)
    far = ctx.canvas()
    centre = w * 0.5 + ctx.free_side * w * 0.12
    half = min(w * 0.42, u * 0.85)
    left, right = centre - half, centre + half
    deck = h * 0.7
    top = h * 0.12
    steel = (0.32, 0.33, 0.36)
    far.rect(left, top, right, deck, (0.06, 0.06, 0.08))
    # The LED wall: a warm-to-cool gradient with a dotted pattern.
    sx0, sx1, sy0, sy1 = left + half * 0.25, right - half * 0.25, top + u * 0.08, deck - u * 0.12
    far.rect(sx0 - u * 0.01, sy0 - u * 0.01, sx1 + u * 0.01, sy1 + u * 0.01, (0.02, 0.02, 0.03))
    a, b = BEAMS[int(rng.integers(0, 4))], BEAMS[int(rng.integers(0, 4))]
    rows = 14
    for r in range(rows):
        col = mix(a, b, r / (rows - 1))
        y0 = sy0 + (sy1 - sy0) * r / rows
        far.emit_rect(sx0, y0, sx1, y0 + (sy1 - sy0) / rows * 0.85, darker(col, 0.7), col, 0.55 * show)
    for tx in (left, right):
        far.rect(tx - u * 0.03, top - u * 0.05, tx + u * 0.03, deck, steel)
        for ty in np.arange(top, deck, u * 0.06):
            far.line(tx - u * 0.03, ty, tx + u * 0.03, ty + u * 0.06, lighter(steel, 0.2), max(1.0, u * 0.004))
    far.rect(left - u * 0.03, top - u * 0.07, right + u * 0.03, top - u * 0.01, steel)
    for tx in np.arange(left - u * 0.03, right + u * 0.03, u * 0.06):
        far.line(tx, top - u * 0.07, tx + u * 0.06, top - u * 0.01, lighter(steel, 0.2), max(1.0, u * 0.004))
    fixtures = [(float(x), top) for x in np.linspace(left + u * 0.06, right - u * 0.06, 7)]
    for (fx, fy), col in zip(fixtures, BEAMS * 2, strict=False):
        far.rect(fx - u * 0.018, fy, fx + u * 0.018, fy + u * 0.03, (0.08, 0.08, 0.09))
        far.emit_rect(fx - u * 0.012, fy + u * 0.024, fx + u * 0.012, fy + u * 0.034, col, col, show)
    mid = ctx.canvas()
    mid.rect(left - u * 0.1, deck, right + u * 0.1, deck + u * 0.06, (0.08, 0.08, 0.09))
    mid.rect(left - u * 0.1, deck, right + u * 0.1, deck + u * 0.006, (0.35, 0.35, 0.38))
    mid.vgradient(0, deck + u * 0.06, w, h, (0.16, 0.16, 0.18), (0.12, 0.12, 0.14))
    for side in (left, right):
        for k in range(3):
            bx0, by0 = side - u * 0.09, deck - u * 0.1 * (k + 1)
            mid.rect(bx0, by0, bx0 + u * 0.18, by0 + u * 0.1, (0.07, 0.07, 0.08))
            mid.circle(bx0 + u * 0.09, by0 + u * 0.05, u * 0.032, (0.16, 0.16, 0.17))
            mid.circle(bx0 + u * 0.09, by0 + u * 0.05, u * 0.012, (0.05, 0.05, 0.05))
    for k in range(3):
        px = centre + (k - 1) * half * 0.35
        person_figure(mid, px, deck, u * 0.2, (0.03, 0.03, 0.04), rng)
    mid.glow(centre, deck - u * 0.1, half * 0.7, a, 0.25 * show)
    beams_a = _beams(ctx, fixtures[::2], [BEAMS[i % 4] for i in range(len(fixtures[::2]))], 0.35)
    beams_b = _beams(ctx, fixtures[1::2], [BEAMS[(i + 2) % 4] for i in range(len(fixtures[1::2]))], 0.45)
    near = _crowd(ctx, a, b, show)
    layers = outdoor_layers(ctx, sky, far, mid, near, lights_on=show)
    layers.pulses = [Pulse(beams_a, 0.4, 1.6, 0.0, 0.2, 1.0), Pulse(beams_b, 0.4, 2.1, 0.5, 0.2, 1.0)]
    layers.key_light = mix(a, (1.0, 1.0, 1.0), 0.5)
    layers.rim_light = b
    return layers


def _crowd(ctx: SceneContext, rim_a: Colour, rim_b: Colour, show: float) -> Canvas:
    w, h, u, rng = ctx.width, ctx.height, ctx.unit, ctx.rng
    near = ctx.canvas()
    dark = (0.03, 0.03, 0.04)
    for _ in range(int(16 * w / u)):
        x = rng.uniform(-0.02, 1.02) * w
        if abs(x - ctx.subject_x) < u * 0.1:
            continue
        size = u * rng.uniform(0.35, 0.5)
        base = h + size * rng.uniform(0.3, 0.5)
        person_figure(near, x, base, size, dark, rng)
        near.circle(
            x + u * 0.01,
            base - size + size * 0.075 - u * 0.004,
            size * 0.075,
            mix(rim_a, rim_b, rng.random()),
            0.25 * show,
        )
        if rng.random() < 0.3:
            arm = -1 if rng.random() < 0.5 else 1
            near.line(
                x + arm * size * 0.12, base - size * 0.75, x + arm * size * 0.2, base - size * 1.15, dark, size * 0.045
            )
    return near


__all__ = ["stage"]
