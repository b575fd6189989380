"""Built places outdoors: a city street, a night market, a snowy village."""

from __future__ import annotations

import numpy as np

from personavlog.engines.visual.animatic.elements import (
    WARM_LIGHT,
    building,
    darker,
    lamp_post,
    lantern,
    lighter,
    person_figure,
    ridge_fill,
    string_lights,
    tree_pine,
)
from personavlog.engines.visual.animatic.light import Colour
from personavlog.engines.visual.animatic.paint import Canvas, mix
from personavlog.engines.visual.animatic.scenes.base import SceneContext, SceneLayers, outdoor_layers
from personavlog.engines.visual.animatic.scenes.common import SNOW, away_from_subject, surface
from personavlog.engines.visual.animatic.sky import paint_sky

FACADES: tuple[Colour, ...] = (
    (0.62, 0.32, 0.26),
    (0.86, 0.79, 0.66),
    (0.33, 0.50, 0.52),
    (0.58, 0.58, 0.62),
    (0.80, 0.62, 0.36),
    (0.48, 0.36, 0.42),
)
AWNINGS: tuple[tuple[Colour, Colour], ...] = (
    ((0.78, 0.18, 0.16), (0.95, 0.92, 0.86)),
    ((0.12, 0.45, 0.42), (0.95, 0.92, 0.86)),
    ((0.95, 0.70, 0.20), (0.75, 0.20, 0.15)),
    ((0.20, 0.30, 0.55), (0.92, 0.90, 0.85)),
)
NEON: tuple[Colour, ...] = ((1.0, 0.25, 0.55), (0.25, 0.85, 1.0), (1.0, 0.65, 0.2), (0.6, 0.4, 1.0))


def _awning(c: Canvas, x0: float, x1: float, y: float, depth: float, colours: tuple[Colour, Colour]) -> None:
    stripes = max(3, int((x1 - x0) / (depth * 0.9)))
    sw = (x1 - x0) / stripes
    for i in range(stripes):
        col = colours[i % 2]
        c.poly(
            [
                (x0 + i * sw, y),
                (x0 + (i + 1) * sw, y),
                (x0 + (i + 1) * sw + sw * 0.08, y + depth),
                (x0 + i * sw + sw * 0.08, y + depth),
            ],
            col,
        )
        c.ellipse(x0 + (i + 0.5) * sw + sw * 0.08, y + depth, sw * 0.5, depth * 0.22, col)


def _skyline(c: Canvas, ctx: SceneContext, hz: float, tone: Colour, lit_share: float) -> None:
    w, u, rng = ctx.width, ctx.unit, ctx.rng
    x = -u * 0.02
    while x < w:
        bw = u * rng.uniform(0.05, 0.12)
        top = hz - u * rng.uniform(0.12, 0.42)
        c.rect(x, top, x + bw, hz + 2, tone)
        if rng.random() < 0.3:
            c.rect(x + bw * 0.4, top - u * 0.05, x + bw * 0.46, top, tone)
        for _ in range(int(bw * (hz - top) / (u * u) * 900 * lit_share)):
            wx, wy = rng.uniform(x + bw * 0.1, x + bw * 0.85), rng.uniform(top + u * 0.01, hz - u * 0.01)
            c.emit_rect(wx, wy, wx + u * 0.006, wy + u * 0.008, tone, WARM_LIGHT, rng.uniform(0.4, 0.9))
        x += bw + u * rng.uniform(-0.01, 0.02)


def city_street(ctx: SceneContext) -> SceneLayers:
    w, h, u, rng, light = ctx.width, ctx.height, ctx.unit, ctx.rng, ctx.light
    hz = h * 0.6
    kerb, road_top = h * 0.80, h * 0.84
    sky = paint_sky(w, h, hz, light, rng)
    lit_share = min(1.0, light.lights_on * 0.75)
    far = ctx.canvas()
    _skyline(far, ctx, hz, mix((0.30, 0.34, 0.44), light.haze, 0.3), lit_share)
    mid = ctx.canvas()
    glass = mix((0.25, 0.32, 0.40), light.sky_horizon, 0.35)
    x = -u * rng.uniform(0.0, 0.1)
    k = int(rng.integers(0, len(FACADES)))
    shopfronts: list[tuple[float, float]] = []
    while x < w:
        bw = u * rng.uniform(0.26, 0.4)
        top = h * rng.uniform(0.08, 0.34)
        wall = FACADES[k % len(FACADES)]
        building(mid, x, x + bw, kerb - u * 0.13, top, wall, glass, lit_share, rng, light.sun_side)
        # Ground floor shop: dark frame, big window (lit after dark), awning, door.
        mid.rect(x, kerb - u * 0.13, x + bw, kerb, darker(wall, 0.35))
        mid.emit_rect(
            x + bw * 0.08, kerb - u * 0.105, x + bw * 0.62, kerb - u * 0.015, darker(glass, 0.3), WARM_LIGHT, 0.9
        )
        mid.rect(x + bw * 0.7, kerb - u * 0.105, x + bw * 0.88, kerb, darker(wall, 0.55))
        _awning(mid, x + bw * 0.04, x + bw * 0.66, kerb - u * 0.135, u * 0.035, AWNINGS[k % len(AWNINGS)])
        shopfronts.append((x + bw * 0.08, x + bw * 0.62))
        x += bw
        k += 1
    pavement = surface(ctx, (0.62, 0.60, 0.58), 0.8)
    mid.vgradient(0, kerb, w, road_top, lighter(pavement, 0.05), pavement)
    mid.rect(0, road_top - u * 0.006, w, road_top, darker(pavement, 0.3))
    asphalt = surface(ctx, (0.26, 0.26, 0.28), 0.6)
    mid.vgradient(0, road_top, w, h, asphalt, darker(asphalt, 0.15))
    dash_y = road_top + (h - road_top) * 0.55
    for dx in np.arange(-u * 0.05, w, u * 0.22):
        mid.rect(dx, dash_y, dx + u * 0.12, dash_y + u * 0.01, surface(ctx, (0.92, 0.88, 0.70), 0.3))
    if ctx.raining or light.lights_on > 0.3:
        # Wet or night streets mirror the shop windows as soft vertical streaks.
        for x0, x1 in shopfronts:
            mid.glow(
                (x0 + x1) / 2,
                road_top + (h - road_top) * 0.3,
                (x1 - x0) * 0.35,
                WARM_LIGHT,
                0.25 if ctx.raining else 0.1,
            )
    iron = (0.12, 0.13, 0.14)
    for lx in np.arange(w * 0.1, w, u * 0.55):
        if abs(lx - ctx.subject_x) < u * 0.12:
            continue
        mid.cast_shadow(lx, kerb + u * 0.01, u * 0.3, u * 0.012, light.shadow_dir, light.shadow_length)
        lamp_post(mid, lx, kerb + u * 0.01, u * 0.32, iron, (1.0, 0.86, 0.6), light.lights_on)
    coats = ((0.18, 0.2, 0.26), (0.35, 0.22, 0.2), (0.25, 0.3, 0.28), (0.4, 0.38, 0.36))
    for _ in range(int(3 * w / u)):
        px = rng.uniform(0, w)
        if abs(px - ctx.subject_x) < u * 0.2:
            continue
        person_figure(mid, px, kerb + u * 0.02, u * rng.uniform(0.16, 0.19), coats[int(rng.integers(0, 4))], rng)
    near = ctx.canvas()
    sx = away_from_subject(ctx, 0.06)
    near.rect(sx - u * 0.012, h * 0.05, sx + u * 0.012, h + 5, (0.16, 0.2, 0.18))
    near.rect(sx - u * 0.08, h * 0.1, sx + u * 0.08, h * 0.1 + u * 0.06, (0.10, 0.38, 0.22))
    near.rect(sx - u * 0.074, h * 0.1 + u * 0.006, sx + u * 0.074, h * 0.1 + u * 0.054, (0.13, 0.45, 0.27))
    near.rect(sx - u * 0.05, h * 0.1 + u * 0.025, sx + u * 0.05, h * 0.1 + u * 0.033, (0.92, 0.94, 0.92))
    for bx in (away_from_subject(ctx, 0.18), away_from_subject(ctx, 0.26)):
        near.rect(bx - u * 0.012, h * 0.9, bx + u * 0.012, h + 5, (0.2, 0.2, 0.22))
        near.ellipse(bx, h * 0.9, u * 0.012, u * 0.006, (0.3, 0.3, 0.32))
    return outdoor_layers(ctx, sky, far, mid, near)


def night_market(ctx: SceneContext) -> SceneLayers:
    w, h, u, rng, light = ctx.width, ctx.height, ctx.unit, ctx.rng, ctx.light
    hz = h * 0.55
    ground = h * 0.8
    sky = paint_sky(w, h, hz, light, rng)
    glow_on = max(light.lights_on, 0.5)
    far = ctx.canvas()
    _skyline(far, ctx, hz + u * 0.05, mix((0.22, 0.22, 0.30), light.haze, 0.2), glow_on * 0.7)
    for _ in range(int(4 * w / u)):
        nx, ny = rng.uniform(0, w), hz - u * rng.uniform(0.02, 0.2)
        col = NEON[int(rng.integers(0, len(NEON)))]
        far.emit_rect(nx, ny, nx + u * rng.uniform(0.03, 0.07), ny + u * 0.018, darker(col, 0.6), col, glow_on)
    mid = ctx.canvas()
    pavement = surface(ctx, (0.40, 0.36, 0.34), 0.7)
    mid.vgradient(0, hz + u * 0.05, w, h, darker(pavement, 0.2), pavement)
    x = -u * rng.uniform(0.0, 0.1)
    k = int(rng.integers(0, len(AWNINGS)))
    wood = (0.42, 0.28, 0.18)
    goods = ((0.95, 0.55, 0.2), (0.85, 0.2, 0.2), (0.95, 0.85, 0.35), (0.45, 0.7, 0.3), (0.9, 0.9, 0.85))
    stall_tops: list[float] = []
    while x < w:
        sw = u * rng.uniform(0.3, 0.42)
        counter_top = ground - u * 0.14
        roof = ground - u * rng.uniform(0.42, 0.5)
        stall_tops.append(roof)
        mid.rect(x + sw * 0.04, roof, x + sw * 0.07, ground, darker(wood, 0.3))
        mid.rect(x + sw * 0.93, roof, x + sw * 0.96, ground, darker(wood, 0.3))
        mid.emit_rect(
            x + sw * 0.07, roof + u * 0.05, x + sw * 0.93, counter_top, (0.22, 0.16, 0.12), (1.0, 0.72, 0.40), 0.35
        )
        for _ in range(14):
            gx = rng.uniform(x + sw * 0.1, x + sw * 0.9)
            mid.circle(gx, counter_top - u * 0.012, u * rng.uniform(0.008, 0.016), goods[int(rng.integers(0, 5))])
        mid.rect(x + sw * 0.02, counter_top, x + sw * 0.98, ground, wood)
        mid.rect(x + sw * 0.02, counter_top, x + sw * 0.98, counter_top + u * 0.012, lighter(wood, 0.2))
        _awning(mid, x, x + sw, roof, u * 0.05, AWNINGS[k % len(AWNINGS)])
        sign = NEON[k % len(NEON)]
        mid.emit_rect(
            x + sw * 0.3, roof - u * 0.06, x + sw * 0.7, roof - u * 0.015, darker(sign, 0.5), sign, 0.7 * glow_on
        )
        for lx in np.linspace(x + sw * 0.2, x + sw * 0.8, 3):
            lantern(mid, lx, roof + u * 0.11, u * 0.022, (1.0, 0.35, 0.2) if k % 2 else (1.0, 0.62, 0.25), glow_on)
        x += sw + u * 0.02
        k += 1
    coats = ((0.12, 0.12, 0.16), (0.2, 0.14, 0.14), (0.14, 0.18, 0.16), (0.22, 0.2, 0.22))
    for _ in range(int(7 * w / u)):
        px = rng.uniform(0, w)
        if abs(px - ctx.subject_x) < u * 0.18:
            continue
        person_figure(
            mid,
            px,
            ground + u * rng.uniform(0.02, 0.08),
            u * rng.uniform(0.2, 0.25),
            coats[int(rng.integers(0, 4))],
            rng,
        )
    near = ctx.canvas()
    bulbs = ((1.0, 0.8, 0.45), (1.0, 0.55, 0.3), (1.0, 0.9, 0.6))
    string_lights(near, -u * 0.05, h * 0.04, w * 0.55, h * 0.1, u * 0.08, int(10 * w / u), bulbs, glow_on, u * 0.008)
    string_lights(
        near, w * 0.45, h * 0.12, w + u * 0.05, h * 0.03, u * 0.07, int(10 * w / u), bulbs, glow_on, u * 0.008
    )
    lx = away_from_subject(ctx, 0.07)
    lantern(near, lx, h * 0.22, u * 0.05, (1.0, 0.3, 0.18), glow_on)
    return outdoor_layers(ctx, sky, far, mid, near, lights_on=glow_on)


def _cottage(c: Canvas, ctx: SceneContext, x: float, base: float, width: float, wall: Colour, lit: float) -> None:
    u, rng = ctx.unit, ctx.rng
    wall_h = width * rng.uniform(0.55, 0.75)
    roof_h = width * rng.uniform(0.38, 0.5)
    top = base - wall_h
    c.rect(x, top, x + width, base, wall)
    c.rect(x + width * 0.7, top - roof_h * 0.9, x + width * 0.82, top - roof_h * 0.2, darker(wall, 0.4))
    overhang = width * 0.08
    roof = [(x - overhang, top + u * 0.005), (x + width / 2, top - roof_h), (x + width + overhang, top + u * 0.005)]
    c.poly(roof, (0.35, 0.22, 0.20))
    # Thick snow on the roof, with a soft lip hanging over the eaves.
    c.poly(
        [
            (x - overhang * 1.2, top + u * 0.002),
            (x + width / 2, top - roof_h - u * 0.012),
            (x + width + overhang * 1.2, top + u * 0.002),
            (x + width + overhang, top + u * 0.012),
            (x + width / 2, top - roof_h + u * 0.014),
            (x - overhang, top + u * 0.012),
        ],
        SNOW,
    )
    c.ellipse(x + width * 0.76, top - roof_h * 0.9, width * 0.08, u * 0.008, SNOW)
    door_w = width * 0.18
    dx = x + width * rng.uniform(0.15, 0.6)
    c.rect(dx, base - wall_h * 0.55, dx + door_w, base, darker(wall, 0.5))
    for wx in (x + width * 0.12, x + width * 0.62):
        if abs(wx - dx) < door_w * 1.3:
            continue
        ww, wh = width * 0.22, wall_h * 0.32
        wy = base - wall_h * 0.72
        c.rect(wx - u * 0.004, wy - u * 0.004, wx + ww + u * 0.004, wy + wh + u * 0.004, (0.95, 0.93, 0.88))
        c.emit_rect(wx, wy, wx + ww, wy + wh, (0.25, 0.2, 0.15), WARM_LIGHT, lit * rng.uniform(0.7, 1.0))
        c.line(wx + ww / 2, wy, wx + ww / 2, wy + wh, (0.95, 0.93, 0.88), max(1.0, u * 0.003))
        c.line(wx, wy + wh / 2, wx + ww, wy + wh / 2, (0.95, 0.93, 0.88), max(1.0, u * 0.003))
        c.rect(wx - u * 0.006, wy + wh, wx + ww + u * 0.006, wy + wh + u * 0.008, SNOW)
        if lit > 0.05:
            c.glow(wx + ww / 2, wy + wh * 1.6, ww * 1.4, WARM_LIGHT, 0.2 * lit)


def snowy_village(ctx: SceneContext) -> SceneLayers:
    w, h, u, rng, light = ctx.width, ctx.height, ctx.unit, ctx.rng, ctx.light
    hz = h * 0.56
    ground = h * 0.8
    sky = paint_sky(w, h, hz, light, rng)
    lit = max(0.55, light.lights_on)
    far = ctx.canvas()
    ridge_fill(
        far, hz, hz - u * 0.16, mix((0.80, 0.84, 0.92), light.haze, 0.2), rng, light.sun_side, 0.45, 5, facet=0.25
    )
    pine = mix((0.18, 0.30, 0.28), light.haze, 0.3)
    for _ in range(int(30 * w / u)):
        tree_pine(
            far,
            rng.uniform(0, w),
            hz + u * rng.uniform(-0.02, 0.03),
            u * rng.uniform(0.05, 0.1),
            pine,
            light.sun_side,
            snow=True,
        )
    mid = ctx.canvas()
    mid.vgradient(0, hz + u * 0.02, w, h, (0.86, 0.89, 0.95), (0.95, 0.96, 0.99))
    walls = ((0.70, 0.25, 0.22), (0.82, 0.64, 0.38), (0.42, 0.50, 0.62), (0.55, 0.40, 0.30), (0.85, 0.82, 0.74))
    x = -u * rng.uniform(0.05, 0.15)
    k = int(rng.integers(0, len(walls)))
    while x < w:
        cw = u * rng.uniform(0.24, 0.34)
        base = ground - u * rng.uniform(0.0, 0.04)
        _cottage(mid, ctx, x, base, cw, walls[k % len(walls)], lit)
        mid.ellipse(x + cw / 2, base + u * 0.004, cw * 0.62, u * 0.018, (0.93, 0.95, 0.99))
        x += cw + u * rng.uniform(0.04, 0.12)
        if rng.random() < 0.6:
            tree_pine(
                mid,
                x - u * 0.05,
                base + u * 0.01,
                u * rng.uniform(0.2, 0.3),
                (0.14, 0.28, 0.24),
                light.sun_side,
                snow=True,
            )
        k += 1
    lamp_post(mid, away_from_subject(ctx, 0.32), ground + u * 0.03, u * 0.3, (0.12, 0.12, 0.13), (1.0, 0.84, 0.55), lit)
    near = ctx.canvas()
    wood = (0.40, 0.30, 0.22)
    fence_y = h * 0.9
    for fx in np.arange(away_from_subject(ctx, 0.0) - u * 0.4, away_from_subject(ctx, 0.0) + u * 0.4, u * 0.07):
        near.rect(fx - u * 0.01, fence_y - u * 0.1, fx + u * 0.01, h + 5, wood)
        near.ellipse(fx, fence_y - u * 0.1, u * 0.014, u * 0.008, SNOW)
    side = ctx.free_side
    rail_x0, rail_x1 = away_from_subject(ctx, 0.0) - u * 0.45, away_from_subject(ctx, 0.0) + u * 0.45
    near.rect(rail_x0, fence_y - u * 0.075, rail_x1, fence_y - u * 0.06, darker(wood, 0.15))
    near.rect(rail_x0, fence_y - u * 0.079, rail_x1, fence_y - u * 0.073, SNOW)
    ys = h * 0.97 + u * 0.02 * np.sin(np.linspace(0, 4, 30) + side)
    near.poly(
        [(x, y) for x, y in zip(np.linspace(-5, w + 5, 30), ys, strict=True)] + [(w + 5, h + 5), (-5, h + 5)],
        (0.95, 0.96, 0.99),
    )
    return outdoor_layers(ctx, sky, far, mid, near, lights_on=lit)
