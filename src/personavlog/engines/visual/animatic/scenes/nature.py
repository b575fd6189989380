"""Outdoor landscapes: beach, forest, mountains, lake, desert, park."""

from __future__ import annotations

import cv2
import numpy as np

from personavlog.engines.visual.animatic.elements import (
    bush,
    cactus,
    darker,
    grass_tufts,
    lamp_post,
    lighter,
    reeds,
    ridge_fill,
    tree_pine,
    tree_round,
)
from personavlog.engines.visual.animatic.light import as_array
from personavlog.engines.visual.animatic.paint import mix, soft_blur
from personavlog.engines.visual.animatic.scenes.base import SceneContext, SceneLayers, far_lit_rgb, outdoor_layers
from personavlog.engines.visual.animatic.scenes.common import away_from_subject, foliage, surface
from personavlog.engines.visual.animatic.sky import paint_sky


def beach(ctx: SceneContext) -> SceneLayers:
    w, h, u, rng, light = ctx.width, ctx.height, ctx.unit, ctx.rng, ctx.light
    hz = h * 0.52
    shore = h * 0.70
    sky = paint_sky(w, h, hz, light, rng)
    far = ctx.canvas()
    # A headland on the free side, then the sea itself.
    side = ctx.free_side
    xs = np.linspace(0, 1, 12)
    head_x0 = ctx.side_x(side, 0.0)
    head_pts = [(head_x0, hz)]
    for t in xs:
        x = head_x0 - side * t * w * 0.38
        head_pts.append((x, hz - u * 0.07 * np.sin(np.pi * min(1.0, t * 1.3)) ** 0.7 * (1 - t * 0.3)))
    head_pts.append((head_x0 - side * w * 0.38, hz))
    far.poly(head_pts, (0.30, 0.38, 0.36))
    sea_far, sea_near = (0.12, 0.34, 0.52), (0.18, 0.58, 0.64)
    far.vgradient(0, hz, w, shore + u * 0.02, sea_far, sea_near)
    back = far_lit_rgb(ctx, sky, far)
    # Glitter path under the sun or moon: brightness streaks on the water.
    sun_x = light.sun_x * w
    glitter = np.zeros((h, w), np.float32)
    for _ in range(int(120 * w / u)):
        y = rng.uniform(hz + 2, shore)
        spread = (y - hz) / (shore - hz) * u * 0.22 + u * 0.01
        x = rng.normal(sun_x, spread)
        length = u * rng.uniform(0.01, 0.04) * (0.4 + (y - hz) / (shore - hz))
        cv2.line(
            glitter, (round(x - length), round(y)), (round(x + length), round(y)), rng.uniform(0.3, 1.0), 1, cv2.LINE_AA
        )
    sun = as_array(light.sun_colour) * (0.35 if light.cloud_cover > 0.9 else 0.9)
    back = back + glitter[..., None] * sun * (0.6 if light.moon else 1.0)
    # Gentle swell lines across the whole sea.
    for _ in range(int(40 * w / u)):
        y = rng.uniform(hz + 3, shore)
        x = rng.uniform(0, w)
        length = u * rng.uniform(0.03, 0.12) * (0.3 + (y - hz) / (shore - hz))
        cv2.line(
            back,
            (round(x), round(y)),
            (round(x + length), round(y)),
            tuple(float(v) for v in as_array(light.sky_horizon) * 0.8),
            1,
            cv2.LINE_AA,
        )

    mid = ctx.canvas()
    sand = surface(ctx, (0.88, 0.76, 0.56), 0.6)
    wet = darker(sand, 0.25)
    mid.vgradient(0, shore, w, h, wet, sand)
    foam_y = shore
    for k in range(3):
        ys = foam_y + u * (0.012 * k) + u * 0.008 * np.sin(np.linspace(0, 6 + k, 60) + rng.uniform(0, 6))
        pts = [(x, y) for x, y in zip(np.linspace(-10, w + 10, 60), ys, strict=True)]
        pts += [(w + 10, ys[-1] + u * 0.006), (-10, ys[0] + u * 0.006)]
        mid.poly(pts, mix((0.95, 0.97, 0.98), sand, 0.2 + 0.3 * k), 0.9 - 0.25 * k)
    # A palm leaning in from the free side.
    px = away_from_subject(ctx, 0.1)
    base_y = h * 0.86
    top = (px + side * -1 * u * 0.12, h * 0.16)
    trunk = (0.45, 0.34, 0.24)
    for i in range(16):
        t0, t1 = i / 16, (i + 1) / 16
        x0 = px + (top[0] - px) * t0**1.4
        x1 = px + (top[0] - px) * t1**1.4
        y0, y1 = base_y + (top[1] - base_y) * t0, base_y + (top[1] - base_y) * t1
        wid = u * (0.028 - 0.012 * t0)
        mid.poly(
            [(x0 - wid, y0), (x0 + wid, y0), (x1 + wid * 0.9, y1), (x1 - wid * 0.9, y1)],
            trunk if i % 2 else darker(trunk, 0.12),
        )
    leaf = foliage(ctx, (0.20, 0.45, 0.22))
    for angle in np.linspace(0, 2 * np.pi, 9, endpoint=False):
        dx, dy = np.cos(angle), np.sin(angle) * 0.55 - 0.2
        tip = (top[0] + dx * u * 0.24, top[1] + dy * u * 0.2 + u * 0.08 * abs(dx))
        ctrl = (top[0] + dx * u * 0.14, top[1] + dy * u * 0.16 - u * 0.03)
        pts_a, pts_b = [], []
        for t in np.linspace(0, 1, 12):
            bx = (1 - t) ** 2 * top[0] + 2 * (1 - t) * t * ctrl[0] + t * t * tip[0]
            by = (1 - t) ** 2 * top[1] + 2 * (1 - t) * t * ctrl[1] + t * t * tip[1]
            wdt = u * 0.028 * np.sin(np.pi * t)
            pts_a.append((bx, by - wdt))
            pts_b.append((bx, by + wdt))
        mid.poly(pts_a + pts_b[::-1], leaf if dy < 0 else darker(leaf, 0.2))
    mid.cast_shadow(px, base_y, h * 0.7, u * 0.05, light.shadow_dir, light.shadow_length)
    near = ctx.canvas()
    grass = foliage(ctx, (0.55, 0.58, 0.30))
    gx = away_from_subject(ctx, 0.02)
    grass_tufts(near, h * 0.93, h * 1.02, gx - u * 0.12, gx + u * 0.12, grass, rng, 14, u * 0.09, light.sun_side)
    return outdoor_layers(ctx, sky, far, mid, near, back_rgb=back)


def forest(ctx: SceneContext) -> SceneLayers:
    w, h, u, rng, light = ctx.width, ctx.height, ctx.unit, ctx.rng, ctx.light
    hz = h * 0.6
    sky = paint_sky(w, h, hz, light, rng)
    far = ctx.canvas()
    for row, (tone, hgt) in enumerate((((0.32, 0.45, 0.42), 0.28), ((0.22, 0.36, 0.28), 0.36))):
        x = -u * 0.05
        tint = foliage(ctx, mix(tone, light.haze, 0.35 - row * 0.15))
        while x < w + u * 0.1:
            th = u * hgt * rng.uniform(0.7, 1.15)
            tree_pine(far, x, hz + u * 0.04 * row + th * 0.15, th, tint, light.sun_side, snow=ctx.snowing)
            x += u * rng.uniform(0.035, 0.07)
        far.rect(0, hz + u * 0.04 * row, w, h, surface(ctx, darker(tint, 0.1)))
    mid = ctx.canvas()
    floor_top = h * 0.74
    moss = surface(ctx, foliage(ctx, (0.28, 0.36, 0.18)))
    mid.vgradient(0, floor_top, w, h, darker(moss, 0.1), moss)
    path = surface(ctx, (0.55, 0.45, 0.32), 0.6)
    cx = w * 0.5 + ctx.free_side * w * 0.12
    mid.poly([(cx - u * 0.03, floor_top), (cx + u * 0.03, floor_top), (cx + u * 0.28, h), (cx - u * 0.2, h)], path)
    bark = (0.30, 0.22, 0.18)
    for _ in range(int(9 * w / u)):
        x = rng.uniform(0, w)
        if abs(x - ctx.subject_x) < u * 0.12:
            continue
        tw = u * rng.uniform(0.025, 0.05)
        base_y = floor_top + rng.uniform(0, h - floor_top) * 0.35
        mid.poly([(x - tw, base_y), (x + tw, base_y), (x + tw * 0.7, -5), (x - tw * 0.7, -5)], bark)
        mid.rect(x + ctx.light.sun_side * tw * 0.15, -5, x + ctx.light.sun_side * tw * 0.6, base_y, lighter(bark, 0.12))
        mid.cast_shadow(x, base_y, h * 0.6, tw * 2, light.shadow_dir, light.shadow_length, 0.8)
    canopy = foliage(ctx, (0.18, 0.32, 0.18))
    for _ in range(int(22 * w / u)):
        mid.circle(
            rng.uniform(-0.05, 1.05) * w,
            rng.uniform(-0.08, 0.12) * h,
            u * rng.uniform(0.06, 0.14),
            canopy if rng.random() < 0.6 else lighter(canopy, 0.12),
        )
    if light.direct[0] > 0.5 and not light.is_dark:
        # Shafts of light slanting from the sun's side through the canopy.
        for _ in range(5):
            x0 = rng.uniform(0.1, 0.9) * w
            dx = -light.sun_side * u * 0.35
            wid = u * rng.uniform(0.02, 0.06)
            beam = np.zeros((h, w), np.uint8)
            pts = np.array([[x0, 0], [x0 + wid, 0], [x0 + wid * 2.5 + dx, h], [x0 + dx, h]], np.int32)
            cv2.fillPoly(beam, [pts], 255)
            beam = soft_blur(beam, u * 0.01)
            add = beam[..., None].astype(np.float32) * as_array(light.sun_colour) * 0.18
            mid.emit[:] = np.clip(mid.emit.astype(np.float32) + add, 0, 255).astype(np.uint8)
    near = ctx.canvas()
    side = ctx.free_side
    tx = away_from_subject(ctx, 0.03)
    tw = u * 0.09
    near.poly([(tx - tw, h + 5), (tx + tw, h + 5), (tx + tw * 0.8, -5), (tx - tw * 0.8, -5)], darker(bark, 0.35))
    near.rect(tx - side * tw * 0.1, -5, tx - side * tw * 0.6, h + 5, darker(bark, 0.2))
    fern = foliage(ctx, (0.24, 0.42, 0.20))
    for fx in (away_from_subject(ctx, 0.15), ctx.side_x(ctx.subject_side, 0.02)):
        for k in range(7):
            ang = np.deg2rad(-160 + k * 23)
            length = u * rng.uniform(0.12, 0.2)
            for t in np.linspace(0.1, 1, 9):
                lx = fx + np.cos(ang) * length * t
                ly = h * 1.01 + np.sin(ang) * length * t + (t**2) * length * 0.35
                near.ellipse(lx, ly, u * 0.016 * (1.1 - t), u * 0.006, fern, angle=np.rad2deg(ang) + 90)
            near.line(
                fx,
                h * 1.01,
                fx + np.cos(ang) * length,
                h * 1.01 + np.sin(ang) * length + length * 0.35,
                darker(fern, 0.2),
                max(1.0, u * 0.003),
            )
    return outdoor_layers(ctx, sky, far, mid, near)


def mountains(ctx: SceneContext) -> SceneLayers:
    w, h, u, rng, light = ctx.width, ctx.height, ctx.unit, ctx.rng, ctx.light
    hz = h * 0.62
    sky = paint_sky(w, h, hz, light, rng)
    far = ctx.canvas()
    rock = (0.42, 0.46, 0.56)
    ridge_fill(
        far,
        hz - u * 0.06,
        hz - u * 0.46,
        mix(rock, light.haze, 0.45),
        rng,
        light.sun_side,
        0.58,
        7,
        snowcap=0.32,
        facet=0.35,
    )
    ridge_fill(
        far,
        hz + u * 0.02,
        hz - u * 0.26,
        mix((0.30, 0.36, 0.40), light.haze, 0.25),
        rng,
        light.sun_side,
        0.55,
        7,
        snowcap=0.0 if not ctx.snowing else 0.5,
        facet=0.3,
    )
    mid = ctx.canvas()
    hill = surface(ctx, foliage(ctx, (0.30, 0.42, 0.24)))
    tops = ridge_fill(
        mid,
        hz + u * 0.16,
        hz - u * 0.02,
        hill,
        rng,
        light.sun_side,
        0.45,
        5,
        facet=0.2,
        bottom_colour=darker(hill, 0.15),
    )
    pine = foliage(ctx, (0.14, 0.27, 0.20))
    for _ in range(int(22 * w / u)):
        x = rng.uniform(0, w)
        if abs(x - ctx.subject_x) < u * 0.1:
            continue
        y = tops[min(w - 1, max(0, int(x)))] + u * rng.uniform(0.005, 0.05)
        tree_pine(mid, x, y, u * rng.uniform(0.06, 0.12), pine, light.sun_side, snow=ctx.snowing)
    near = ctx.canvas()
    stone = surface(ctx, (0.42, 0.40, 0.38), 0.5)
    rx = away_from_subject(ctx, 0.08)
    for k in range(3):
        cx = rx + rng.normal(0, u * 0.08)
        r = u * rng.uniform(0.07, 0.13)
        pts = [
            (cx + np.cos(a) * r * rng.uniform(0.8, 1.2), h * 1.0 + np.sin(a) * r * 0.8 - r * 0.2)
            for a in np.linspace(np.pi, 2 * np.pi, 7)
        ]
        pts += [(cx + r, h + 5), (cx - r, h + 5)]
        near.poly(pts, stone if k != 1 else lighter(stone, 0.1))
    grass_tufts(
        near, h * 0.95, h * 1.02, 0, w, surface(ctx, (0.46, 0.52, 0.26)), rng, int(16 * w / u), u * 0.06, light.sun_side
    )
    return outdoor_layers(ctx, sky, far, mid, near)


def lake(ctx: SceneContext) -> SceneLayers:
    w, h, u, rng, light = ctx.width, ctx.height, ctx.unit, ctx.rng, ctx.light
    hz = h * 0.5
    shore = h * 0.8
    sky = paint_sky(w, h, hz, light, rng)
    far = ctx.canvas()
    ridge_fill(
        far,
        hz - u * 0.01,
        hz - u * 0.26,
        mix((0.40, 0.45, 0.55), light.haze, 0.35),
        rng,
        light.sun_side,
        0.55,
        7,
        snowcap=0.22,
        facet=0.3,
    )
    trees = foliage(ctx, (0.16, 0.30, 0.24))
    x = -u * 0.05
    while x < w + u * 0.05:
        tree_pine(far, x, hz + 1, u * rng.uniform(0.04, 0.08), trees, light.sun_side, snow=ctx.snowing)
        x += u * rng.uniform(0.015, 0.035)
    back = far_lit_rgb(ctx, sky, far)
    # The lake mirrors everything above the horizon, darker and bluer, broken by ripples.
    rows = int(min(hz, shore - hz))
    src = back[int(hz) - rows : int(hz)][::-1]
    water = as_array((0.10, 0.22, 0.32))
    mirror: np.ndarray = src * 0.62 + water * 0.38 * (0.5 + 0.5 * float(np.mean(light.ambient)))
    wobble = (rng.normal(0, 1, (rows, 1)) * u * 0.002).astype(np.float32)
    map_x = np.tile(np.arange(w, dtype=np.float32), (rows, 1)) + wobble
    map_y = np.tile(np.arange(rows, dtype=np.float32)[:, None], (1, w))
    mirror = cv2.remap(mirror.astype(np.float32), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    back[int(hz) : int(hz) + rows] = mirror
    back[int(hz) + rows :] = mirror[-1]
    for _ in range(int(70 * w / u)):
        y = rng.uniform(hz + 2, shore)
        xr = rng.uniform(0, w)
        length = u * rng.uniform(0.02, 0.09) * (0.3 + (y - hz) / (shore - hz))
        cv2.line(
            back,
            (round(xr), round(y)),
            (round(xr + length), round(y)),
            tuple(float(v) for v in as_array(light.sky_horizon) * 0.75),
            1,
            cv2.LINE_AA,
        )
    mid = ctx.canvas()
    bank = surface(ctx, foliage(ctx, (0.32, 0.42, 0.22)))
    ys = shore + u * 0.02 * np.sin(np.linspace(0, 5, 50) + rng.uniform(0, 6))
    mid.poly(
        [(x, y) for x, y in zip(np.linspace(-5, w + 5, 50), ys, strict=True)] + [(w + 5, h + 5), (-5, h + 5)], bank
    )
    # A wooden jetty running out into the water on the free side.
    jx = ctx.side_x(ctx.free_side, 0.3)
    wood = (0.45, 0.33, 0.22)
    mid.poly(
        [
            (jx - u * 0.03, hz + (shore - hz) * 0.45),
            (jx + u * 0.03, hz + (shore - hz) * 0.45),
            (jx + u * 0.13, h * 0.92),
            (jx - u * 0.13, h * 0.92),
        ],
        wood,
    )
    for t in np.linspace(0.1, 0.95, 9):
        y = hz + (shore - hz) * 0.45 + (h * 0.92 - hz - (shore - hz) * 0.45) * t
        half = u * (0.03 + 0.1 * t)
        mid.line(jx - half, y, jx + half, y, darker(wood, 0.3), max(1.0, u * 0.002))
    for t in (0.3, 0.7, 1.0):
        y = hz + (shore - hz) * 0.45 + (h * 0.92 - hz - (shore - hz) * 0.45) * t
        half = u * (0.03 + 0.1 * t)
        for sx in (-1, 1):
            mid.rect(
                jx + sx * half - u * 0.004, y, jx + sx * half + u * 0.004, y + u * 0.04 * (0.5 + t), darker(wood, 0.4)
            )
    for _ in range(5):
        x = ctx.side_x(ctx.free_side, rng.uniform(0.0, 0.12))
        tree_pine(
            mid,
            x,
            shore + u * 0.03,
            u * rng.uniform(0.25, 0.4),
            foliage(ctx, (0.12, 0.25, 0.18)),
            light.sun_side,
            snow=ctx.snowing,
        )
    near = ctx.canvas()
    reed = foliage(ctx, (0.42, 0.48, 0.24))
    for _ in range(5):
        reeds(near, ctx.side_x(ctx.free_side, rng.uniform(0.02, 0.2)), h * 1.02, u * rng.uniform(0.18, 0.3), reed, rng)
    for _ in range(2):
        reeds(
            near, ctx.side_x(ctx.subject_side, rng.uniform(0.0, 0.05)), h * 1.02, u * rng.uniform(0.12, 0.2), reed, rng
        )
    return outdoor_layers(ctx, sky, far, mid, near, back_rgb=back)


def desert(ctx: SceneContext) -> SceneLayers:
    w, h, u, rng, light = ctx.width, ctx.height, ctx.unit, ctx.rng, ctx.light
    hz = h * 0.6
    sky = paint_sky(w, h, hz, light, rng)
    far = ctx.canvas()
    mesa = mix((0.66, 0.36, 0.24), light.haze, 0.25)
    x = rng.uniform(-0.1, 0.2) * w
    while x < w:
        mw = u * rng.uniform(0.15, 0.4)
        mh = u * rng.uniform(0.05, 0.14)
        far.poly([(x, hz + 2), (x + mw * 0.12, hz - mh), (x + mw * 0.88, hz - mh), (x + mw, hz + 2)], mesa)
        far.poly(
            [(x + mw * 0.12, hz - mh), (x + mw * 0.3, hz - mh), (x + mw * 0.22, hz + 2), (x, hz + 2)],
            lighter(mesa, 0.1) if light.sun_side < 0 else darker(mesa, 0.12),
        )
        x += mw + u * rng.uniform(0.2, 0.6)
    ridge_fill(
        far,
        hz + 2,
        hz - u * 0.02,
        surface(ctx, mix((0.80, 0.55, 0.34), light.haze, 0.15), 0.5),
        rng,
        light.sun_side,
        0.4,
        4,
        facet=0.2,
    )
    mid = ctx.canvas()
    sand = surface(ctx, (0.90, 0.64, 0.38), 0.5)
    ridge_fill(
        mid,
        hz + u * 0.16,
        hz - u * 0.04,
        lighter(sand, 0.04),
        rng,
        light.sun_side,
        0.3,
        3,
        facet=0.5,
        bottom_colour=darker(sand, 0.05),
    )
    ridge_fill(
        mid,
        hz + u * 0.3,
        hz + u * 0.12,
        sand,
        rng,
        light.sun_side,
        0.35,
        3,
        facet=0.55,
        bottom_colour=darker(sand, 0.1),
    )
    near = ctx.canvas()
    cx = away_from_subject(ctx, 0.12)
    cactus(near, cx, h * 1.02, u * 0.45, foliage(ctx, (0.24, 0.45, 0.30)), light.sun_side)
    near.cast_shadow(cx, h * 1.0, u * 0.45, u * 0.08, light.shadow_dir, light.shadow_length)
    shrub = (0.45, 0.40, 0.25)
    bush(near, away_from_subject(ctx, 0.3), h * 1.01, u * 0.1, shrub, rng, light.sun_side)
    return outdoor_layers(ctx, sky, far, mid, near)


def park(ctx: SceneContext) -> SceneLayers:
    w, h, u, rng, light = ctx.width, ctx.height, ctx.unit, ctx.rng, ctx.light
    hz = h * 0.58
    sky = paint_sky(w, h, hz, light, rng)
    far = ctx.canvas()
    city = mix((0.45, 0.50, 0.58), light.haze, 0.55)
    x = 0.0
    while x < w:
        bw = u * rng.uniform(0.04, 0.09)
        far.rect(x, hz - u * rng.uniform(0.06, 0.2), x + bw, hz + 2, city)
        x += bw + u * rng.uniform(0.0, 0.03)
    treeline = foliage(ctx, mix((0.26, 0.42, 0.24), light.haze, 0.3))
    for _ in range(int(30 * w / u)):
        far.circle(rng.uniform(0, w), hz - u * rng.uniform(0.0, 0.03), u * rng.uniform(0.025, 0.05), treeline)
    far.rect(0, hz - 2, w, h, surface(ctx, treeline))
    mid = ctx.canvas()
    lawn = surface(ctx, foliage(ctx, (0.36, 0.56, 0.26)))
    mid.vgradient(0, hz, w, h, darker(lawn, 0.08), lighter(lawn, 0.06))
    path = surface(ctx, (0.80, 0.72, 0.58), 0.6)
    curve = np.linspace(0, 1, 30)
    px = w * 0.5 + ctx.free_side * w * 0.05 + np.sin(curve * 3.0) * u * 0.08
    py = hz + (h - hz) * curve
    half = u * (0.01 + 0.16 * curve**1.5)
    left = [(x - d, y) for x, y, d in zip(px, py, half, strict=True)]
    right = [(x + d, y) for x, y, d in zip(px, py, half, strict=True)]
    mid.poly(left + right[::-1], path)
    leaf = foliage(ctx, (0.28, 0.50, 0.24))
    for k in range(int(3 * w / u) + 2):
        x = rng.uniform(0, w)
        if abs(x - ctx.subject_x) < u * 0.15 and k > 0:
            continue
        base_y = hz + (h - hz) * rng.uniform(0.05, 0.3)
        th = u * (0.18 + 0.6 * (base_y - hz) / (h - hz))
        mid.cast_shadow(x, base_y, th, th * 0.55, light.shadow_dir, light.shadow_length, 0.9)
        tree_round(mid, x, base_y, th, leaf, light.sun_side, rng, snow=ctx.snowing)
    bx = ctx.side_x(ctx.free_side, 0.3)
    by = hz + (h - hz) * 0.45
    wood, iron = (0.52, 0.36, 0.22), (0.14, 0.14, 0.15)
    bench_w = u * 0.16
    mid.cast_shadow(bx, by, u * 0.06, bench_w, light.shadow_dir, light.shadow_length, 0.8)
    for k in range(3):
        mid.rect(bx - bench_w / 2, by - u * (0.06 + 0.018 * k), bx + bench_w / 2, by - u * (0.052 + 0.018 * k), wood)
    mid.rect(bx - bench_w / 2, by - u * 0.03, bx + bench_w / 2, by - u * 0.022, wood)
    for sx in (-0.45, 0.45):
        mid.rect(bx + sx * bench_w - u * 0.004, by - u * 0.03, bx + sx * bench_w + u * 0.004, by, iron)
    lamp_post(mid, bx + ctx.free_side * bench_w * 0.9, by, u * 0.3, iron, (1.0, 0.85, 0.6), light.lights_on)
    for _ in range(int(40 * w / u)):
        fx = rng.uniform(0, w)
        fy = hz + (h - hz) * rng.uniform(0.1, 0.5)
        col = [(0.95, 0.35, 0.40), (1.0, 0.85, 0.3), (0.95, 0.95, 0.95), (0.7, 0.45, 0.85)][int(rng.integers(0, 4))]
        if not ctx.snowing:
            mid.circle(fx, fy, u * 0.004, col)
    near = ctx.canvas()
    grass_tufts(near, h * 0.94, h * 1.02, 0, w, lighter(lawn, 0.05), rng, int(25 * w / u), u * 0.05, light.sun_side)
    branch_x = away_from_subject(ctx, 0.0)
    for _ in range(14):
        near.circle(
            branch_x + rng.normal(0, u * 0.1),
            rng.uniform(-0.04, 0.1) * h,
            u * rng.uniform(0.04, 0.07),
            darker(leaf, 0.25) if rng.random() < 0.5 else darker(leaf, 0.1),
        )
    return outdoor_layers(ctx, sky, far, mid, near)


__all__ = ["beach", "desert", "forest", "lake", "mountains", "park"]
