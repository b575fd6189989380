"""Reusable painted props: trees, buildings, people, lamps, lanterns, ridges, grass."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from personavlog.engines.visual.animatic.light import Colour
from personavlog.engines.visual.animatic.paint import Canvas, mix, ridge, scale, to_u8

WARM_LIGHT: Colour = (1.0, 0.78, 0.45)
WINDOW_LIGHTS: tuple[Colour, ...] = ((1.0, 0.80, 0.50), (1.0, 0.88, 0.62), (0.98, 0.70, 0.42), (0.85, 0.90, 1.0))


def lighter(colour: Colour, k: float = 0.25) -> Colour:
    return mix(colour, (1.0, 1.0, 1.0), k)


def darker(colour: Colour, k: float = 0.25) -> Colour:
    return scale(colour, 1.0 - k)


def tree_round(
    c: Canvas,
    x: float,
    base: float,
    h: float,
    leaf: Colour,
    light_side: float,
    rng: np.random.Generator,
    trunk: Colour = (0.30, 0.22, 0.17),
    snow: bool = False,
) -> None:
    tw = h * 0.055
    c.poly([(x - tw, base), (x + tw, base), (x + tw * 0.6, base - h * 0.6), (x - tw * 0.6, base - h * 0.6)], trunk)
    cx, cy, r = x, base - h * 0.66, h * 0.30
    blobs = [
        (cx + rng.normal(0, r * 0.45), cy + rng.normal(0, r * 0.3), r * rng.uniform(0.5, 0.8))
        for _ in range(int(rng.integers(6, 10)))
    ]
    blobs.append((cx, cy, r * 0.8))
    for bx, by, br in blobs:
        c.circle(bx, by, br, darker(leaf, 0.18))
    for bx, by, br in blobs:
        if by < cy + r * 0.2:
            c.circle(bx + light_side * br * 0.22, by - br * 0.18, br * 0.72, leaf)
    for bx, by, br in blobs[:4]:
        c.circle(bx + light_side * br * 0.4, by - br * 0.35, br * 0.35, lighter(leaf, 0.14))
    if snow:
        for bx, by, br in blobs:
            c.ellipse(bx, by - br * 0.55, br * 0.7, br * 0.3, (0.93, 0.95, 0.98))


def tree_pine(
    c: Canvas,
    x: float,
    base: float,
    h: float,
    leaf: Colour,
    light_side: float,
    snow: bool = False,
    trunk: Colour = (0.28, 0.20, 0.15),
) -> None:
    tw = h * 0.035
    c.rect(x - tw, base - h * 0.18, x + tw, base, trunk)
    tiers = 4
    for i in range(tiers):
        top = base - h + h * 0.2 * i
        bottom = base - h * 0.12 - h * 0.26 * (tiers - 1 - i) * 0.55
        bottom = min(base - h * 0.1, top + h * (0.35 + 0.08 * i))
        half = h * (0.13 + 0.06 * i)
        c.poly([(x, top), (x + half, bottom), (x - half, bottom)], leaf)
        side = x + light_side * half * 0.5
        c.poly([(x, top), (side, bottom), (x, bottom)], lighter(leaf, 0.08) if light_side else leaf)
        if snow:
            c.poly(
                [
                    (x, top),
                    (x + half * 0.45, top + (bottom - top) * 0.42),
                    (x, top + (bottom - top) * 0.32),
                    (x - half * 0.45, top + (bottom - top) * 0.42),
                ],
                (0.92, 0.94, 0.98),
            )
            c.ellipse(x, bottom, half * 0.85, h * 0.018, (0.92, 0.94, 0.98))


def bush(
    c: Canvas, x: float, base: float, w: float, leaf: Colour, rng: np.random.Generator, light_side: float = 0.0
) -> None:
    for _ in range(6):
        r = w * rng.uniform(0.22, 0.36)
        c.circle(x + rng.uniform(-0.35, 0.35) * w, base - r * 0.8, r, darker(leaf, 0.1))
    for _ in range(3):
        r = w * rng.uniform(0.15, 0.25)
        c.circle(x + light_side * w * 0.15 + rng.uniform(-0.2, 0.2) * w, base - r * 1.4, r, lighter(leaf, 0.1))


def windows_grid(
    c: Canvas,
    x0: float,
    x1: float,
    y0: float,
    y1: float,
    cols: int,
    rows: int,
    glass: Colour,
    lit_share: float,
    rng: np.random.Generator,
    frame: Colour | None = None,
    strength: float = 1.0,
) -> None:
    cell_w, cell_h = (x1 - x0) / cols, (y1 - y0) / rows
    for row in range(rows):
        for col in range(cols):
            wx0 = x0 + col * cell_w + cell_w * 0.22
            wy0 = y0 + row * cell_h + cell_h * 0.2
            wx1, wy1 = wx0 + cell_w * 0.56, wy0 + cell_h * 0.6
            if frame is not None:
                pad = cell_w * 0.05
                c.rect(wx0 - pad, wy0 - pad, wx1 + pad, wy1 + pad, frame)
            if rng.random() < lit_share:
                light = WINDOW_LIGHTS[int(rng.integers(0, len(WINDOW_LIGHTS)))]
                c.emit_rect(wx0, wy0, wx1, wy1, darker(light, 0.55), light, strength * rng.uniform(0.55, 0.95))
            else:
                c.rect(wx0, wy0, wx1, wy1, glass)
                c.poly(
                    [
                        (wx0, wy1),
                        (wx0 + (wx1 - wx0) * 0.5, wy0),
                        (wx1, wy0),
                        (wx1, wy0 + (wy1 - wy0) * 0.2),
                        (wx0 + (wx1 - wx0) * 0.1, wy1),
                    ],
                    lighter(glass, 0.12),
                )


def building(
    c: Canvas,
    x0: float,
    x1: float,
    base: float,
    top: float,
    wall: Colour,
    glass: Colour,
    lit_share: float,
    rng: np.random.Generator,
    light_side: float,
    floors: int | None = None,
) -> None:
    c.rect(x0, top, x1, base, wall)
    side_w = (x1 - x0) * 0.08
    if light_side > 0:
        c.rect(x0, top, x0 + side_w, base, darker(wall, 0.18))
    else:
        c.rect(x1 - side_w, top, x1, base, darker(wall, 0.18))
    c.rect(
        x0 - (x1 - x0) * 0.02, top - (x1 - x0) * 0.03, x1 + (x1 - x0) * 0.02, top + (x1 - x0) * 0.01, darker(wall, 0.3)
    )
    height = base - top
    floors = floors or max(2, int(height / ((x1 - x0) * 0.28)))
    cols = max(2, int((x1 - x0) / (height / floors) * 0.9))
    windows_grid(
        c,
        x0 + side_w * 0.5,
        x1 - side_w * 0.5,
        top + height * 0.04,
        base - height / floors * 0.9,
        cols,
        max(1, floors - 1),
        glass,
        lit_share,
        rng,
    )


def person_figure(c: Canvas, x: float, base: float, h: float, colour: Colour, rng: np.random.Generator) -> None:
    """A simple standing figure for crowds and passers-by."""
    head = h * 0.075
    shoulders = h * rng.uniform(0.13, 0.16)
    c.circle(x, base - h + head, head, colour)
    c.poly(
        [
            (x - shoulders, base - h * 0.78),
            (x + shoulders, base - h * 0.78),
            (x + shoulders * 0.8, base - h * 0.42),
            (x - shoulders * 0.8, base - h * 0.42),
        ],
        colour,
    )
    c.ellipse(x, base - h * 0.78, shoulders, h * 0.04, colour)
    leg = shoulders * 0.42
    c.poly(
        [
            (x - shoulders * 0.75, base - h * 0.45),
            (x + shoulders * 0.75, base - h * 0.45),
            (x + leg * 1.3, base),
            (x + leg * 0.2, base),
            (x, base - h * 0.25),
            (x - leg * 0.2, base),
            (x - leg * 1.3, base),
        ],
        colour,
    )


def lamp_post(c: Canvas, x: float, base: float, h: float, colour: Colour, light: Colour, lit: float) -> None:
    w = h * 0.018
    c.rect(x - w, base - h, x + w, base, colour)
    c.rect(x - w * 2.2, base - h * 0.04, x + w * 2.2, base, colour)
    c.poly(
        [
            (x - w * 3.5, base - h * 1.0),
            (x + w * 3.5, base - h * 1.0),
            (x + w * 2, base - h * 1.06),
            (x - w * 2, base - h * 1.06),
        ],
        colour,
    )
    c.emit_rect(x - w * 2.6, base - h * 0.995, x + w * 2.6, base - h * 0.93, darker(light, 0.4), light, lit)
    if lit > 0.05:
        c.glow(x, base - h * 0.96, h * 0.16, light, 0.55 * lit)
        c.glow(x, base - h * 0.5, h * 0.45, light, 0.08 * lit)


def lantern(c: Canvas, x: float, y: float, r: float, colour: Colour, lit: float) -> None:
    c.line(x, y - r * 2.2, x, y - r * 0.9, (0.12, 0.1, 0.1), max(1.0, r * 0.08))
    c.rect(x - r * 0.45, y - r * 1.0, x + r * 0.45, y - r * 0.8, (0.15, 0.1, 0.08))
    c.rect(x - r * 0.45, y + r * 0.8, x + r * 0.45, y + r * 1.0, (0.15, 0.1, 0.08))
    pts = np.asarray(cv2.ellipse2Poly((0, 0), (1000, 1000), 0, 0, 360, 8)).astype(np.float64) / 1000.0
    c.emit_poly([(x + px * r * 0.8, y + py * r * 0.88) for px, py in pts], darker(colour, 0.35), colour, 0.9 * lit)
    for k in (-0.45, 0.0, 0.45):
        c.line(x + k * r * 0.8, y - r * 0.8, x + k * r * 0.8, y + r * 0.8, darker(colour, 0.5), max(1.0, r * 0.05))
    if lit > 0.05:
        c.glow(x, y, r * 2.6, colour, 0.35 * lit)


def string_lights(
    c: Canvas,
    x0: float,
    y0: float,
    x1: float,
    y1: float,
    sag: float,
    count: int,
    colours: Sequence[Colour],
    lit: float,
    bulb: float,
) -> None:
    ts = np.linspace(0, 1, 40)
    xs = x0 + (x1 - x0) * ts
    ys = y0 + (y1 - y0) * ts + sag * 4 * ts * (1 - ts)
    for i in range(len(ts) - 1):
        c.line(xs[i], ys[i], xs[i + 1], ys[i + 1], (0.08, 0.07, 0.07), max(1.0, bulb * 0.25))
    for i, t in enumerate(np.linspace(0.03, 0.97, count)):
        bx = x0 + (x1 - x0) * t
        by = y0 + (y1 - y0) * t + sag * 4 * t * (1 - t) + bulb * 1.2
        col = colours[i % len(colours)]
        c.emit_circle(bx, by, bulb, darker(col, 0.4), col, lit)
        if lit > 0.05:
            c.glow(bx, by, bulb * 4, col, 0.3 * lit)


def ridge_fill(
    c: Canvas,
    base: float,
    peak: float,
    colour: Colour,
    rng: np.random.Generator,
    light_side: float,
    roughness: float = 0.55,
    octaves: int = 6,
    snowcap: float = 0.0,
    facet: float = 0.28,
    bottom_colour: Colour | None = None,
    period: float | None = None,
) -> np.ndarray:
    """Fill a mountain/dune/hill silhouette whose top follows a fractal ridge; slopes facing the light are lit.

    `base` is the lowest ridge height (y), `peak` the highest (y). Returns the ridge y for every column.
    """
    width, height = c.width, c.height
    profile = ridge(width, rng, roughness, octaves, span=width / max(1.0, c.unit))
    profile = (profile - profile.min()) / max(1e-6, float(np.ptp(profile)))
    top_y = base - (base - peak) * profile
    ys = np.arange(height, dtype=np.float32)[:, None]
    inside = ys >= top_y[None, :]
    # Shading follows a smoothed outline: the jagged one would turn every column into a stripe.
    soft_top = cv2.GaussianBlur(top_y.reshape(1, -1).astype(np.float32), (0, 0), max(1.0, width / 80)).ravel()
    depth = np.clip((ys - soft_top[None, :]) / max(1.0, height - peak), 0, 1)
    # Rock faces: the outline's light/shadow pattern is swept down-slope, so facets run diagonally like ridges.
    detail = cv2.GaussianBlur(top_y.reshape(1, -1).astype(np.float32), (0, 0), max(1.0, width / 500)).ravel()
    lit_line = np.clip(0.5 - np.gradient(detail) * light_side * 1.2, 0.0, 1.0).astype(np.float32)
    grad = np.gradient(soft_top)
    downhill = np.tanh(grad / max(1e-6, float(np.std(grad)) * 0.5)).astype(np.float32)
    below = np.clip(ys - top_y[None, :], 0, None)
    xs = np.arange(width, dtype=np.float32)[None, :] - downhill[None, :] * below * 0.9
    map_y = np.zeros((height, width), np.float32)
    lit2d = cv2.remap(
        lit_line.reshape(1, -1), xs.astype(np.float32), map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    crest = np.exp(-below / max(1.0, (base - peak) * 0.6))
    shade = 1.0 + facet * (2 * lit2d - 1) * (0.15 + 0.85 * crest)
    col = np.asarray(colour, np.float32)
    low = np.asarray(bottom_colour if bottom_colour is not None else darker(colour, 0.1), np.float32)
    fade = np.exp(-depth * 6)[..., None]
    rgb = (col[None, None, :] * shade[..., None]) * fade + low[None, None, :] * (1 - fade)
    if snowcap > 0:
        depth_px = (base - peak) * snowcap * np.clip((profile - 0.3) / 0.7, 0, 1) ** 0.8
        depth_px = cv2.GaussianBlur(depth_px.reshape(1, -1).astype(np.float32), (0, 0), max(1.0, width / 250)).ravel()
        snowy = ys < (soft_top + depth_px)[None, :]
        snow = np.asarray((0.94, 0.95, 0.98), np.float32)[None, None, :] * (0.78 + 0.22 * shade[..., None])
        rgb = np.where(snowy[..., None], snow, rgb)
    # Anti-aliased top edge: coverage from the sub-pixel distance to the ridge line.
    cover = np.clip(ys - top_y[None, :] + 0.5, 0.0, 1.0)
    cover = np.where(inside | (cover > 0), cover, 0.0).astype(np.float32)[..., None]
    current = c.albedo.astype(np.float32)
    new_rgb = rgb * 255.0 * cover + current[..., :3] * (1 - cover)
    new_a = 255.0 * cover + current[..., 3:4] * (1 - cover)
    c.albedo[..., :3] = to_u8(new_rgb, 1.0)
    c.albedo[..., 3:4] = to_u8(new_a, 1.0)
    return top_y


def grass_tufts(
    c: Canvas,
    y0: float,
    y1: float,
    x0: float,
    x1: float,
    colour: Colour,
    rng: np.random.Generator,
    count: int,
    blade: float,
    light_side: float = 0.0,
) -> None:
    for _ in range(count):
        bx = rng.uniform(x0, x1)
        by = rng.uniform(y0, y1)
        h = blade * rng.uniform(0.6, 1.3)
        shade = rng.uniform(-0.12, 0.12)
        col = lighter(colour, shade) if shade > 0 else darker(colour, -shade)
        for k in range(int(rng.integers(3, 6))):
            lean = rng.normal(0, 0.35) + light_side * 0.05
            tip = (bx + lean * h + k * blade * 0.05, by - h)
            w = blade * 0.06
            c.poly([(bx - w + k * w, by), (bx + w + k * w, by), tip], col)


def reeds(c: Canvas, x: float, base: float, h: float, colour: Colour, rng: np.random.Generator) -> None:
    for _ in range(int(rng.integers(5, 9))):
        lean = rng.normal(0, 0.12) * h
        tip_x, tip_y = x + lean + rng.normal(0, h * 0.05), base - h * rng.uniform(0.7, 1.0)
        c.line(x + rng.normal(0, h * 0.03), base, tip_x, tip_y, colour, max(1.0, h * 0.012))
        if rng.random() < 0.5:
            c.ellipse(tip_x, tip_y + h * 0.08, h * 0.018, h * 0.07, (0.36, 0.24, 0.15))


def cactus(c: Canvas, x: float, base: float, h: float, colour: Colour, light_side: float) -> None:
    w = h * 0.09
    c.rect(x - w, base - h + w, x + w, base, colour)
    c.circle(x, base - h + w, w, colour)
    for side, arm_y, arm_h in ((-1, 0.55, 0.28), (1, 0.42, 0.22)):
        ax = x + side * w * 2.6
        c.rect(min(x, ax), base - h * arm_y - w * 0.7, max(x, ax), base - h * arm_y + w * 0.7, colour)
        c.rect(ax - w * 0.7, base - h * arm_y - h * arm_h, ax + w * 0.7, base - h * arm_y + w * 0.7, colour)
        c.circle(ax, base - h * arm_y - h * arm_h, w * 0.7, colour)
    c.rect(x + light_side * w * 0.2, base - h + w, x + light_side * w * 0.7, base, lighter(colour, 0.15))
