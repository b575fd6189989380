"""Rooms: a café, a home, an office/study, a train carriage. The outside world shows through the windows."""

from __future__ import annotations

import cv2
import numpy as np

from personavlog.engines.visual.animatic.elements import (
    WARM_LIGHT,
    building,
    bush,
    darker,
    lighter,
    tree_pine,
    tree_round,
    windows_grid,
)
from personavlog.engines.visual.animatic.light import Colour
from personavlog.engines.visual.animatic.paint import Canvas, mix
from personavlog.engines.visual.animatic.scenes.base import SceneContext, SceneLayers, far_lit_rgb, indoor_layers
from personavlog.engines.visual.animatic.scenes.common import away_from_subject, foliage, surface
from personavlog.engines.visual.animatic.sky import paint_sky

BOOKS: tuple[Colour, ...] = (
    (0.62, 0.18, 0.16),
    (0.18, 0.32, 0.52),
    (0.85, 0.72, 0.35),
    (0.25, 0.45, 0.32),
    (0.9, 0.88, 0.82),
    (0.45, 0.25, 0.40),
)


def _lamps_level(ctx: SceneContext) -> float:
    return 0.45 + 0.55 * ctx.light.lights_on


def _outside(ctx: SceneContext, hz: float, kind: str) -> np.ndarray:
    w, h, u, rng, light = ctx.width, ctx.height, ctx.unit, ctx.rng, ctx.light
    sky = paint_sky(w, h, hz, light, rng)
    far = ctx.canvas()
    lit_share = min(1.0, light.lights_on * 0.7)
    glass = mix((0.25, 0.3, 0.38), light.sky_horizon, 0.3)
    if kind == "street":
        x = 0.0
        walls = ((0.66, 0.52, 0.44), (0.55, 0.58, 0.62), (0.74, 0.66, 0.52))
        while x < w:
            bw = u * rng.uniform(0.22, 0.32)
            building(
                far,
                x,
                x + bw,
                hz + u * 0.25,
                hz - u * rng.uniform(0.25, 0.45),
                walls[int(rng.integers(0, 3))],
                glass,
                lit_share,
                rng,
                light.sun_side,
            )
            x += bw
        far.rect(0, hz + u * 0.2, w, h, surface(ctx, (0.45, 0.44, 0.44)))
    elif kind == "skyline":
        x = 0.0
        while x < w:
            bw = u * rng.uniform(0.08, 0.16)
            top = hz - u * rng.uniform(0.2, 0.6)
            tone = mix((0.38, 0.44, 0.52), light.haze, rng.uniform(0.1, 0.4))
            far.rect(x, top, x + bw, h, tone)
            windows_grid(
                far,
                x + bw * 0.05,
                x + bw * 0.95,
                top + u * 0.02,
                h,
                max(2, int(bw / (u * 0.025))),
                max(3, int((h - top) / (u * 0.03))),
                glass,
                lit_share,
                rng,
            )
            x += bw + u * rng.uniform(0.0, 0.03)
    else:
        leaf = foliage(ctx, (0.30, 0.48, 0.26))
        far.rect(0, hz, w, h, surface(ctx, (0.40, 0.55, 0.30)))
        for _ in range(int(8 * w / u)):
            tree_round(
                far,
                rng.uniform(0, w),
                hz + u * rng.uniform(0.0, 0.1),
                u * rng.uniform(0.25, 0.45),
                leaf,
                light.sun_side,
                rng,
                snow=ctx.snowing,
            )
        for _ in range(int(3 * w / u)):
            bush(far, rng.uniform(0, w), hz + u * 0.15, u * 0.15, darker(leaf, 0.1), rng, light.sun_side)
    return far_lit_rgb(ctx, sky, far, extra_haze=0.08)


def _window(
    c: Canvas,
    ctx: SceneContext,
    x0: float,
    y0: float,
    x1: float,
    y1: float,
    frame: Colour,
    panes: tuple[int, int] = (2, 2),
) -> None:
    u = ctx.unit
    t = u * 0.012
    c.rect(x0 - t, y0 - t, x1 + t, y1 + t * 1.5, frame)
    c.erase_rect(x0, y0, x1, y1)
    cols, rows = panes
    for i in range(1, cols):
        x = x0 + (x1 - x0) * i / cols
        c.rect(x - t * 0.35, y0, x + t * 0.35, y1, frame)
    for j in range(1, rows):
        y = y0 + (y1 - y0) * j / rows
        c.rect(x0, y - t * 0.35, x1, y + t * 0.35, frame)
    c.rect(x0 - t * 2, y1 + t * 0.5, x1 + t * 2, y1 + t * 1.8, lighter(frame, 0.1))
    # Glass: a faint sheen with two diagonal reflections.
    sheen = mix(ctx.light.sky_horizon, (1.0, 1.0, 1.0), 0.5)
    c.rect(x0, y0, x1, y1, sheen, 0.06)
    span = x1 - x0
    for off, wid in ((0.15, 0.08), (0.32, 0.03)):
        c.poly(
            [
                (x0 + span * off, y1),
                (x0 + span * (off + wid), y1),
                (x0 + span * (off + wid + 0.25), y0),
                (x0 + span * (off + 0.25), y0),
            ],
            sheen,
            0.08,
        )


def _pendant(c: Canvas, x: float, y: float, r: float, shade: Colour, lamps: float) -> None:
    c.line(x, -5, x, y - r * 0.6, (0.1, 0.1, 0.1), max(1.0, r * 0.06))
    pts = [(x + np.cos(a) * r, y + np.sin(a) * r * 0.9) for a in np.linspace(np.pi, 2 * np.pi, 16)]
    c.poly(pts, shade)
    c.emit_circle(x, y + r * 0.08, r * 0.35, (0.9, 0.85, 0.7), WARM_LIGHT, lamps)
    c.glow(x, y + r * 0.6, r * 3.0, WARM_LIGHT, 0.45 * lamps)
    c.glow(x, y + r * 5.0, r * 6.0, WARM_LIGHT, 0.08 * lamps)


def _shelf(c: Canvas, ctx: SceneContext, x0: float, x1: float, y: float, wood: Colour, items: str) -> None:
    u, rng = ctx.unit, ctx.rng
    c.rect(x0, y, x1, y + u * 0.012, wood)
    x = x0 + u * 0.01
    while x < x1 - u * 0.03:
        if items == "books":
            bw, bh = u * rng.uniform(0.012, 0.022), u * rng.uniform(0.06, 0.09)
            c.rect(x, y - bh, x + bw, y, BOOKS[int(rng.integers(0, len(BOOKS)))])
            x += bw + u * 0.002
        else:
            jw, jh = u * rng.uniform(0.025, 0.04), u * rng.uniform(0.03, 0.06)
            col = [(0.92, 0.9, 0.86), (0.55, 0.35, 0.22), (0.3, 0.45, 0.5), (0.85, 0.6, 0.3)][int(rng.integers(0, 4))]
            c.rect(x, y - jh, x + jw, y, col)
            c.rect(x - u * 0.002, y - jh - u * 0.006, x + jw + u * 0.002, y - jh, darker(col, 0.3))
            x += jw + u * rng.uniform(0.008, 0.02)


def _planks(c: Canvas, ctx: SceneContext, y0: float, wood: Colour) -> None:
    w, h, u = ctx.width, ctx.height, ctx.unit
    c.vgradient(0, y0, w, h, darker(wood, 0.1), wood)
    y, step = y0, u * 0.02
    while y < h:
        c.line(0, y, w, y, darker(wood, 0.25), max(1.0, u * 0.002))
        step *= 1.35
        y += step


def cafe(ctx: SceneContext) -> SceneLayers:
    w, h, u, rng = ctx.width, ctx.height, ctx.unit, ctx.rng
    lamps = _lamps_level(ctx)
    outside = _outside(ctx, h * 0.55, "street")
    room = ctx.canvas()
    walls = ((0.72, 0.46, 0.36), (0.56, 0.62, 0.52), (0.86, 0.78, 0.64), (0.24, 0.30, 0.38))
    wall = walls[int(rng.integers(0, len(walls)))]
    floor_y, counter_y = h * 0.82, h * 0.64
    room.rect(0, 0, w, floor_y, wall)
    wood = (0.40, 0.26, 0.17)
    wx0 = away_from_subject(ctx, 0.05)
    ww = u * 0.62
    x0, x1 = (wx0, wx0 + ww) if ctx.free_side < 0 else (wx0 - ww, wx0)
    _window(room, ctx, x0, h * 0.1, x1, h * 0.56, (0.16, 0.14, 0.13), (3, 2))
    # Menu board and shelves on the wall behind the counter.
    bx = ctx.side_x(ctx.subject_side, 0.08)
    bx0, bx1 = (bx, bx + u * 0.26) if ctx.subject_side < 0 else (bx - u * 0.26, bx)
    room.rect(bx0 - u * 0.01, h * 0.1 - u * 0.01, bx1 + u * 0.01, h * 0.1 + u * 0.2, wood)
    room.rect(bx0, h * 0.1, bx1, h * 0.1 + u * 0.19, (0.13, 0.15, 0.14))
    for k in range(5):
        ly = h * 0.1 + u * (0.03 + 0.032 * k)
        room.line(bx0 + u * 0.02, ly, bx0 + u * rng.uniform(0.12, 0.22), ly, (0.85, 0.86, 0.8), max(1.0, u * 0.004))
        room.circle(bx1 - u * 0.03, ly, u * 0.005, (0.95, 0.8, 0.4))
    sx0, sx1 = min(bx0, x1 + u * 0.05) if ctx.subject_side > 0 else x1 + u * 0.05, bx1
    if ctx.subject_side < 0:
        sx0, sx1 = bx0, min(x0 - u * 0.05, bx1 + u * 0.3)
    else:
        sx0, sx1 = max(x1 + u * 0.05, bx0 - u * 0.3), bx1
    _shelf(room, ctx, sx0, sx1, h * 0.44, wood, "jars")
    _shelf(room, ctx, sx0, sx1, h * 0.54, wood, "jars")
    # The counter, with an espresso machine on the free side.
    room.rect(0, counter_y, w, floor_y, wood)
    for px in np.arange(u * 0.05, w, u * 0.12):
        room.rect(px, counter_y + u * 0.03, px + u * 0.006, floor_y - u * 0.01, darker(wood, 0.2))
    room.rect(-5, counter_y - u * 0.012, w + 5, counter_y + u * 0.01, lighter(wood, 0.25))
    ex = ctx.side_x(ctx.free_side, 0.32)
    steel = (0.72, 0.74, 0.76)
    room.rect(ex - u * 0.09, counter_y - u * 0.14, ex + u * 0.09, counter_y - u * 0.012, steel)
    room.rect(ex - u * 0.09, counter_y - u * 0.14, ex + u * 0.09, counter_y - u * 0.12, darker(steel, 0.3))
    room.rect(ex - u * 0.06, counter_y - u * 0.1, ex + u * 0.06, counter_y - u * 0.07, darker(steel, 0.5))
    for gx in (-0.04, 0.04):
        room.rect(
            ex + gx * u - u * 0.008,
            counter_y - u * 0.07,
            ex + gx * u + u * 0.008,
            counter_y - u * 0.045,
            (0.1, 0.1, 0.1),
        )
        room.rect(
            ex + gx * u - u * 0.012,
            counter_y - u * 0.035,
            ex + gx * u + u * 0.012,
            counter_y - u * 0.012,
            (0.95, 0.95, 0.93),
        )
    for k in range(3):
        room.circle(ex - u * 0.04 + k * u * 0.04, counter_y - u * 0.13 - u * 0.012, u * 0.012, (0.95, 0.95, 0.93))
    for k, px in enumerate(np.linspace(w * 0.15, w * 0.85, max(2, int(w / u * 1.8)))):
        _pendant(
            room, px, h * (0.2 + 0.04 * (k % 2)), u * 0.05, (0.14, 0.32, 0.30) if k % 2 else (0.15, 0.15, 0.16), lamps
        )
    tiles = ((0.88, 0.86, 0.80), (0.22, 0.22, 0.24))
    room.rect(0, floor_y, w, h, tiles[0])
    rows = 6
    for r in range(rows):
        y0 = floor_y + (h - floor_y) * (r / rows) ** 1.3
        y1 = floor_y + (h - floor_y) * ((r + 1) / rows) ** 1.3
        size = u * (0.04 + 0.03 * r)
        for k, tx in enumerate(np.arange(0, w, size)):
            if (k + r) % 2:
                room.rect(tx, y0, tx + size, y1, tiles[1])
    front = ctx.canvas()
    tx = away_from_subject(ctx, 0.0)
    tw = u * 0.5
    table = (0.30, 0.20, 0.14)
    front.ellipse(tx, h * 1.02, tw, u * 0.12, table)
    front.ellipse(tx, h * 1.0, tw, u * 0.11, lighter(table, 0.12))
    cx = tx - ctx.free_side * u * 0.16
    front.ellipse(cx, h * 0.955, u * 0.075, u * 0.02, (0.92, 0.91, 0.88))
    front.poly(
        [
            (cx - u * 0.045, h * 0.88),
            (cx + u * 0.045, h * 0.88),
            (cx + u * 0.036, h * 0.95),
            (cx - u * 0.036, h * 0.95),
        ],
        (0.95, 0.94, 0.92),
    )
    front.ellipse(cx, h * 0.88, u * 0.045, u * 0.012, (0.38, 0.22, 0.12))
    front.ellipse(cx + u * 0.052, h * 0.91, u * 0.016, u * 0.02, (0.95, 0.94, 0.92))
    front.ellipse(cx + u * 0.052, h * 0.91, u * 0.008, u * 0.012, lighter(table, 0.12))
    return indoor_layers(ctx, outside, room, front, lamps)


def home(ctx: SceneContext) -> SceneLayers:
    w, h, u, rng = ctx.width, ctx.height, ctx.unit, ctx.rng
    lamps = _lamps_level(ctx)
    outside = _outside(ctx, h * 0.5, "garden")
    room = ctx.canvas()
    walls = ((0.62, 0.70, 0.76), (0.86, 0.76, 0.70), (0.88, 0.84, 0.72), (0.56, 0.64, 0.56))
    wall = walls[int(rng.integers(0, len(walls)))]
    floor_y = h * 0.82
    room.rect(0, 0, w, floor_y, wall)
    for sx in np.arange(0, w, u * 0.06):
        room.rect(sx, 0, sx + u * 0.025, floor_y, lighter(wall, 0.05))
    room.rect(0, floor_y - u * 0.03, w, floor_y, (0.92, 0.9, 0.86))
    _planks(room, ctx, floor_y, (0.58, 0.40, 0.26))
    wx = away_from_subject(ctx, 0.12)
    ww = u * 0.42
    x0, x1 = (wx, wx + ww) if ctx.free_side < 0 else (wx - ww, wx)
    _window(room, ctx, x0, h * 0.12, x1, h * 0.55, (0.94, 0.93, 0.9), (2, 3))
    fabric = [(0.72, 0.30, 0.28), (0.30, 0.40, 0.55), (0.80, 0.66, 0.40)][int(rng.integers(0, 3))]
    room.rect(x0 - u * 0.06, h * 0.06, x1 + u * 0.06, h * 0.075, (0.3, 0.25, 0.2))
    for cx0, cx1 in ((x0 - u * 0.07, x0 + u * 0.03), (x1 - u * 0.03, x1 + u * 0.07)):
        room.poly([(cx0, h * 0.07), (cx1, h * 0.07), (cx1 + u * 0.01, h * 0.66), (cx0 - u * 0.01, h * 0.66)], fabric)
        for k in range(1, 4):
            fx = cx0 + (cx1 - cx0) * k / 4
            room.line(fx, h * 0.08, fx + u * 0.004, h * 0.65, darker(fabric, 0.2), max(1.0, u * 0.004))
    # Sofa, cushions and pictures on the protagonist's side; a bookcase at the far edge.
    sofa = [(0.35, 0.45, 0.50), (0.55, 0.35, 0.30), (0.40, 0.42, 0.32)][int(rng.integers(0, 3))]
    sx = ctx.subject_x
    room.rect(sx - u * 0.45, h * 0.58, sx + u * 0.45, floor_y - u * 0.02, sofa)
    room.rect(sx - u * 0.5, h * 0.64, sx - u * 0.4, floor_y - u * 0.01, darker(sofa, 0.15))
    room.rect(sx + u * 0.4, h * 0.64, sx + u * 0.5, floor_y - u * 0.01, darker(sofa, 0.15))
    for k, cxp in enumerate((sx - u * 0.3, sx + u * 0.28)):
        room.ellipse(cxp, h * 0.62, u * 0.07, u * 0.05, BOOKS[(k * 3 + 2) % len(BOOKS)], angle=-8 + 16 * k)
    for k, fx in enumerate((sx - u * 0.3, sx - u * 0.05, sx + u * 0.2)):
        fw, fh = u * (0.12 if k != 1 else 0.16), u * (0.16 if k != 1 else 0.12)
        fy = h * 0.22 + (k % 2) * u * 0.03
        room.rect(fx, fy, fx + fw, fy + fh, (0.25, 0.18, 0.12))
        room.rect(fx + u * 0.01, fy + u * 0.01, fx + fw - u * 0.01, fy + fh - u * 0.01, (0.92, 0.9, 0.84))
        art = BOOKS[int(rng.integers(0, len(BOOKS)))]
        room.circle(fx + fw * 0.5, fy + fh * 0.5, min(fw, fh) * 0.22, art)
    lx = sx + ctx.free_side * u * 0.6
    room.line(lx, h * 0.3, lx, floor_y, (0.15, 0.13, 0.12), u * 0.008)
    room.poly(
        [(lx - u * 0.06, h * 0.3), (lx + u * 0.06, h * 0.3), (lx + u * 0.045, h * 0.22), (lx - u * 0.045, h * 0.22)],
        (0.95, 0.88, 0.72),
    )
    room.emit_rect(lx - u * 0.05, h * 0.3 - u * 0.01, lx + u * 0.05, h * 0.3, (0.9, 0.8, 0.6), WARM_LIGHT, lamps)
    room.glow(lx, h * 0.3, u * 0.25, WARM_LIGHT, 0.4 * lamps)
    kx = ctx.side_x(ctx.free_side, 0.0)
    k0, k1 = (kx, kx + u * 0.22) if ctx.free_side < 0 else (kx - u * 0.22, kx)
    room.rect(k0, h * 0.08, k1, floor_y, (0.38, 0.26, 0.18))
    for sy in np.linspace(h * 0.2, floor_y - u * 0.02, 5):
        _shelf(room, ctx, k0 + u * 0.015, k1 - u * 0.015, sy, (0.30, 0.2, 0.13), "books")
    rug = [(0.65, 0.35, 0.3), (0.35, 0.45, 0.55), (0.75, 0.65, 0.45)][int(rng.integers(0, 3))]
    room.ellipse(sx, h * 0.93, u * 0.6, u * 0.07, rug)
    room.ellipse(sx, h * 0.93, u * 0.5, u * 0.05, lighter(rug, 0.15))
    front = ctx.canvas()
    px = away_from_subject(ctx, 0.02)
    front.poly(
        [(px - u * 0.07, h * 0.9), (px + u * 0.07, h * 0.9), (px + u * 0.055, h + 5), (px - u * 0.055, h + 5)],
        (0.72, 0.42, 0.30),
    )
    leaf = (0.22, 0.45, 0.25)
    for a in np.linspace(-2.6, -0.5, 7):
        length = u * rng.uniform(0.2, 0.3)
        tip = (px + np.cos(a) * length, h * 0.9 + np.sin(a) * length)
        mid_pt = (px + np.cos(a) * length * 0.5, h * 0.9 + np.sin(a) * length * 0.5)
        front.ellipse(
            mid_pt[0],
            mid_pt[1],
            length * 0.5,
            u * 0.035,
            leaf if a < -1.5 else darker(leaf, 0.15),
            angle=float(np.rad2deg(a)),
        )
        front.line(px, h * 0.9, tip[0], tip[1], darker(leaf, 0.3), max(1.0, u * 0.003))
    return indoor_layers(ctx, outside, room, front, lamps)


def office(ctx: SceneContext) -> SceneLayers:
    w, h, u, rng = ctx.width, ctx.height, ctx.unit, ctx.rng
    lamps = _lamps_level(ctx)
    outside = _outside(ctx, h * 0.62, "skyline")
    room = ctx.canvas()
    wall = [(0.78, 0.80, 0.82), (0.55, 0.60, 0.66), (0.82, 0.78, 0.72)][int(rng.integers(0, 3))]
    floor_y, desk_y = h * 0.84, h * 0.7
    room.rect(0, 0, w, floor_y, wall)
    room.vgradient(0, floor_y, w, h, (0.35, 0.36, 0.40), (0.28, 0.29, 0.32))
    wx = away_from_subject(ctx, 0.0)
    ww = w * 0.62
    x0, x1 = (wx, wx + ww) if ctx.free_side < 0 else (wx - ww, wx)
    frame = (0.22, 0.23, 0.25)
    _window(room, ctx, x0, h * 0.08, x1, h * 0.6, frame, (max(2, int(ww / (u * 0.3))), 1))
    # Pinboard with notes and a clock on the protagonist's side.
    bx = ctx.side_x(ctx.subject_side, 0.05)
    b0, b1 = (bx, bx + u * 0.24) if ctx.subject_side < 0 else (bx - u * 0.24, bx)
    room.rect(b0, h * 0.14, b1, h * 0.14 + u * 0.17, (0.62, 0.46, 0.32))
    notes = ((1.0, 0.9, 0.4), (0.6, 0.85, 1.0), (1.0, 0.6, 0.7), (0.7, 0.95, 0.6))
    for _ in range(7):
        nx, ny = rng.uniform(b0 + u * 0.01, b1 - u * 0.05), rng.uniform(h * 0.14 + u * 0.01, h * 0.14 + u * 0.12)
        room.rect(nx, ny, nx + u * 0.04, ny + u * 0.04, notes[int(rng.integers(0, 4))])
    cx, cy = (b0 + b1) / 2, h * 0.14 + u * 0.27
    room.circle(cx, cy, u * 0.045, (0.15, 0.15, 0.16))
    room.circle(cx, cy, u * 0.04, (0.96, 0.96, 0.94))
    room.line(cx, cy, cx, cy - u * 0.03, (0.1, 0.1, 0.1), max(1.0, u * 0.004))
    room.line(cx, cy, cx + u * 0.02, cy + u * 0.008, (0.1, 0.1, 0.1), max(1.0, u * 0.004))
    _shelf(room, ctx, b0, b1, h * 0.56, (0.3, 0.3, 0.32), "books")
    desk = [(0.55, 0.40, 0.28), (0.85, 0.84, 0.82), (0.25, 0.25, 0.27)][int(rng.integers(0, 3))]
    room.rect(-5, desk_y, w + 5, desk_y + u * 0.025, desk)
    room.rect(-5, desk_y + u * 0.025, w + 5, floor_y + u * 0.04, darker(desk, 0.3))
    mx = ctx.side_x(ctx.free_side, 0.3)
    room.rect(mx - u * 0.012, desk_y - u * 0.08, mx + u * 0.012, desk_y, (0.15, 0.15, 0.16))
    room.rect(mx - u * 0.05, desk_y - u * 0.008, mx + u * 0.05, desk_y, (0.15, 0.15, 0.16))
    room.rect(mx - u * 0.2, desk_y - u * 0.3, mx + u * 0.2, desk_y - u * 0.07, (0.08, 0.08, 0.09))
    screen = (0.55, 0.75, 1.0)
    room.emit_rect(mx - u * 0.19, desk_y - u * 0.29, mx + u * 0.19, desk_y - u * 0.08, (0.1, 0.14, 0.2), screen, 0.55)
    for k in range(6):
        ly = desk_y - u * (0.26 - 0.03 * k)
        room.emit_rect(
            mx - u * 0.16, ly, mx + u * rng.uniform(-0.08, 0.12), ly + u * 0.01, (0.2, 0.25, 0.3), (0.9, 0.95, 1.0), 0.5
        )
    room.glow(mx, desk_y - u * 0.18, u * 0.35, screen, 0.15)
    lx = mx + ctx.free_side * u * 0.32
    room.line(lx, desk_y, lx - ctx.free_side * u * 0.05, desk_y - u * 0.15, (0.2, 0.2, 0.22), u * 0.008)
    room.line(
        lx - ctx.free_side * u * 0.05,
        desk_y - u * 0.15,
        lx + ctx.free_side * u * 0.04,
        desk_y - u * 0.2,
        (0.2, 0.2, 0.22),
        u * 0.008,
    )
    head = (lx + ctx.free_side * u * 0.06, desk_y - u * 0.19)
    room.ellipse(head[0], head[1], u * 0.045, u * 0.025, (0.2, 0.2, 0.22), angle=20 * ctx.free_side)
    room.glow(head[0], head[1] + u * 0.08, u * 0.18, WARM_LIGHT, 0.45 * lamps)
    front = ctx.canvas()
    fx = away_from_subject(ctx, 0.08)
    front.rect(fx - u * 0.15, h * 0.94, fx + u * 0.12, h * 0.99, (0.86, 0.84, 0.78))
    front.rect(fx - u * 0.15, h * 0.94, fx - u * 0.13, h * 0.99, (0.7, 0.25, 0.2))
    mugx = fx + ctx.free_side * -u * 0.2
    front.rect(mugx - u * 0.035, h * 0.86, mugx + u * 0.035, h * 0.97, (0.85, 0.35, 0.25))
    front.ellipse(mugx, h * 0.86, u * 0.035, u * 0.01, (0.3, 0.18, 0.1))
    front.ellipse(mugx + u * 0.045, h * 0.905, u * 0.015, u * 0.025, (0.85, 0.35, 0.25))
    front.ellipse(mugx + u * 0.045, h * 0.905, u * 0.007, u * 0.015, (0.0, 0.0, 0.0), 0.0)
    return indoor_layers(ctx, outside, room, front, lamps)


def _countryside_strip(ctx: SceneContext, hz: float) -> np.ndarray:
    """A horizontally tileable landscape, so it can scroll past the train windows forever."""
    w, h, u, rng, light = ctx.width, ctx.height, ctx.unit, ctx.rng, ctx.light
    sky = paint_sky(w, h, hz, light, rng, show_sun=False)
    far = ctx.canvas()
    xs = np.arange(w, dtype=np.float32)
    hills = np.zeros(w, np.float32)
    for f in (1, 2, 3, 5, 8):
        hills += rng.uniform(0.3, 1.0) / f * np.sin(2 * np.pi * f * xs / w + rng.uniform(0, 6.3))
    hills = hz - u * 0.06 - (hills - hills.min()) / max(1e-6, float(np.ptp(hills))) * u * 0.12
    hill = surface(ctx, foliage(ctx, mix((0.36, 0.50, 0.32), light.haze, 0.3)))
    far.poly(
        [(float(x), float(y)) for x, y in zip(xs[::4], hills[::4], strict=True)]
        + [(w + 5.0, float(hills[0])), (w + 5.0, float(h)), (-5.0, float(h))],
        hill,
    )
    far.rect(0, hz + u * 0.05, w, h, surface(ctx, foliage(ctx, (0.42, 0.55, 0.30))))
    for _ in range(int(10 * w / u)):
        x = rng.uniform(0, w)
        th = u * rng.uniform(0.08, 0.2)
        for dx in (-w, 0.0, w):
            tree_pine(
                far, x + dx, hz + u * 0.08, th, foliage(ctx, (0.18, 0.32, 0.22)), light.sun_side, snow=ctx.snowing
            )
    for px in np.arange(0, w, w / max(2, round(w / (u * 0.6)))):
        far.rect(px, hz - u * 0.25, px + u * 0.01, h, (0.25, 0.22, 0.2))
        far.rect(px - u * 0.03, hz - u * 0.24, px + u * 0.04, hz - u * 0.23, (0.25, 0.22, 0.2))
    if light.lights_on > 0.5:
        for _ in range(int(6 * w / u)):
            x, y = rng.uniform(0, w), hz + u * rng.uniform(0.0, 0.1)
            far.emit_rect(x, y, x + u * 0.008, y + u * 0.006, (0.1, 0.1, 0.1), WARM_LIGHT, 0.8)
    rgb = far_lit_rgb(ctx, sky, far)
    # Speed: the nearby landscape is smeared along the direction of travel.
    k = max(3, int(u * 0.03)) | 1
    padded = np.concatenate([rgb[:, -k:], rgb, rgb[:, :k]], axis=1)
    return np.ascontiguousarray(cv2.blur(padded, (k, 1))[:, k:-k])


def transit(ctx: SceneContext) -> SceneLayers:
    w, h, u, rng, light = ctx.width, ctx.height, ctx.unit, ctx.rng, ctx.light
    lamps = max(0.6, _lamps_level(ctx))
    outside = _countryside_strip(ctx, h * 0.42)
    room = ctx.canvas()
    panel = (0.74, 0.75, 0.74)
    accent = [(0.16, 0.45, 0.55), (0.70, 0.22, 0.20), (0.95, 0.70, 0.25)][int(rng.integers(0, 3))]
    win_top, win_bottom, floor_y = h * 0.2, h * 0.56, h * 0.9
    room.rect(0, 0, w, floor_y, panel)
    room.rect(0, 0, w, h * 0.08, lighter(panel, 0.3))
    room.emit_rect(0, h * 0.08, w, h * 0.1, (0.9, 0.9, 0.88), (0.95, 0.97, 1.0), 0.8 * lamps)
    room.glow(w * 0.25, h * 0.09, u * 0.3, (0.95, 0.97, 1.0), 0.15 * lamps)
    room.glow(w * 0.75, h * 0.09, u * 0.3, (0.95, 0.97, 1.0), 0.15 * lamps)
    room.rect(0, h * 0.6, w, h * 0.64, accent)
    pitch = u * 0.62
    x = -rng.uniform(0, pitch * 0.5)
    while x < w:
        x0, x1 = x + u * 0.05, x + pitch - u * 0.05
        room.rect(x0 - u * 0.015, win_top - u * 0.015, x1 + u * 0.015, win_bottom + u * 0.015, darker(panel, 0.35))
        room.erase(
            [
                (x0 + u * 0.03, win_top),
                (x1 - u * 0.03, win_top),
                (x1, win_top + u * 0.03),
                (x1, win_bottom - u * 0.03),
                (x1 - u * 0.03, win_bottom),
                (x0 + u * 0.03, win_bottom),
                (x0, win_bottom - u * 0.03),
                (x0, win_top + u * 0.03),
            ]
        )
        room.rect(x0, win_top, x1, win_bottom, mix(light.sky_horizon, (1, 1, 1), 0.5), 0.06)
        x += pitch
    room.rect(0, win_top - u * 0.05, w, win_top - u * 0.04, (0.75, 0.76, 0.78))
    for k, hx in enumerate(np.arange(u * 0.1, w, u * 0.16)):
        room.line(hx, win_top - u * 0.045, hx, win_top + u * 0.03, (0.2, 0.2, 0.22), max(1.0, u * 0.006))
        room.ellipse(hx, win_top + u * 0.05, u * 0.02, u * 0.025, (0.9, 0.9, 0.9) if k % 2 else accent)
        room.ellipse(hx, win_top + u * 0.05, u * 0.012, u * 0.017, (0, 0, 0), 0.0)
    seat = [(0.20, 0.28, 0.50), (0.50, 0.18, 0.22), (0.25, 0.40, 0.35)][int(rng.integers(0, 3))]
    for sx in np.arange(-u * 0.1, w, u * 0.36):
        room.rect(sx + u * 0.02, h * 0.5, sx + u * 0.32, floor_y - u * 0.06, seat)
        room.rect(sx + u * 0.02, h * 0.5, sx + u * 0.32, h * 0.53, lighter(seat, 0.15))
        for k in range(4):
            room.circle(sx + u * (0.06 + 0.08 * k), h * 0.62, u * 0.006, lighter(seat, 0.3))
        room.rect(sx + u * 0.0, floor_y - u * 0.08, sx + u * 0.34, floor_y - u * 0.05, darker(seat, 0.3))
    room.vgradient(0, floor_y, w, h, (0.40, 0.40, 0.42), (0.32, 0.32, 0.34))
    front = ctx.canvas()
    px = away_from_subject(ctx, 0.1)
    chrome = (0.80, 0.82, 0.85)
    front.rect(px - u * 0.018, -5, px + u * 0.018, h + 5, chrome)
    front.rect(px - u * 0.006, -5, px + u * 0.002, h + 5, (1.0, 1.0, 1.0))
    front.rect(px + u * 0.008, -5, px + u * 0.018, h + 5, darker(chrome, 0.3))
    layers = indoor_layers(ctx, outside, room, front, lamps)
    layers.back_drift = -u * 0.9
    return layers


__all__ = ["cafe", "home", "office", "transit"]
