"""Painted companions and props: dog, cat, friends, cup, umbrella, bicycle, book, laptop, bags and a table.

Each painter draws one figure at its final pixel size on a small canvas, lit like the scene's mid layer and
standing on a soft contact shadow, and returns premultiplied RGBA with the pixel that goes on its anchor.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import cv2
import numpy as np

from personavlog.engines.visual.animatic.elements import darker, lighter
from personavlog.engines.visual.animatic.light import Colour, Lighting
from personavlog.engines.visual.animatic.paint import Canvas, finish, mix, scale, soft_blur, to_u8

Point = tuple[float, float]

COATS: tuple[tuple[Colour, Colour], ...] = (
    ((0.80, 0.56, 0.28), (0.96, 0.88, 0.70)),
    ((0.42, 0.26, 0.15), (0.86, 0.76, 0.62)),
    ((0.13, 0.12, 0.12), (0.92, 0.90, 0.86)),
    ((0.56, 0.55, 0.55), (0.92, 0.92, 0.91)),
    ((0.90, 0.80, 0.62), (0.99, 0.96, 0.90)),
)
"""Dog and cat coats: (main, patch) colours."""
SKINS: tuple[Colour, ...] = (
    (0.96, 0.80, 0.69),
    (0.88, 0.68, 0.53),
    (0.74, 0.53, 0.39),
    (0.56, 0.38, 0.26),
    (0.40, 0.27, 0.19),
)
HAIRS: tuple[Colour, ...] = (
    (0.07, 0.06, 0.06),
    (0.22, 0.14, 0.09),
    (0.42, 0.26, 0.14),
    (0.62, 0.33, 0.16),
    (0.84, 0.70, 0.44),
    (0.62, 0.60, 0.58),
)
CLOTHES: tuple[Colour, ...] = (
    (0.22, 0.36, 0.60),
    (0.72, 0.22, 0.20),
    (0.26, 0.50, 0.38),
    (0.90, 0.74, 0.34),
    (0.52, 0.36, 0.60),
    (0.92, 0.90, 0.86),
    (0.20, 0.20, 0.23),
    (0.82, 0.50, 0.36),
)
PAINTWORK: tuple[Colour, ...] = (
    (0.78, 0.16, 0.16),
    (0.16, 0.52, 0.56),
    (0.56, 0.80, 0.70),
    (0.94, 0.76, 0.22),
    (0.16, 0.18, 0.22),
    (0.20, 0.34, 0.66),
)
"""Bicycles, umbrellas and suitcases."""
INK: Colour = (0.07, 0.06, 0.07)


@dataclass(frozen=True)
class FigureLight:
    """The light a figure standing in the scene receives (as the scene's mid layer is lit)."""

    direct: Colour
    ambient: Colour
    haze: Colour
    haze_amount: float
    shadow_strength: float
    lights_on: float
    key_side: float
    """-1 when the key light comes from the left, +1 from the right."""
    shadow_colour: Colour

    @property
    def total(self) -> Colour:
        """What an albedo of 1 becomes once lit."""
        keep = 1.0 - self.haze_amount
        red, green, blue = (
            (a + d) * keep + h * self.haze_amount for a, d, h in zip(self.ambient, self.direct, self.haze, strict=True)
        )
        return red, green, blue


def figure_light(light: Lighting, indoor: bool, key_side: float) -> FigureLight:
    if indoor:
        # The same room light the interior painters use for their furniture.
        direct = scale(mix(light.indoor_direct, light.direct, 0.25), 0.38 + 0.2 * (1 - light.lights_on))
        ambient = scale(light.indoor_ambient, 0.82)
        haze, amount = mix(light.indoor_ambient, light.indoor_direct, 0.5), 0.04
    else:
        direct, ambient = light.direct, light.ambient
        haze, amount = light.haze, min(0.9, 0.05 + 0.5 * light.haze_amount)
    return FigureLight(
        direct, ambient, haze, amount, light.shadow_strength, light.lights_on, key_side, scale(ambient, 0.08)
    )


def unlit(colour: Colour, light: FigureLight) -> Colour:
    """The albedo that this light turns into `colour` (for colours taken from the lit protagonist)."""
    red, green, blue = (min(1.0, c / max(0.2, t)) for c, t in zip(colour, light.total, strict=True))
    return red, green, blue


@dataclass
class Painted:
    image: np.ndarray
    """Premultiplied RGBA uint8."""
    anchor: Point
    """The image pixel that goes on the figure's anchor in the frame."""


@dataclass(frozen=True)
class Oval:
    """A soft contact shadow: centre, radii and darkness."""

    x: float
    y: float
    rx: float
    ry: float
    amount: float = 0.45


def _render(
    canvas: Canvas, light: FigureLight, seed: int, shadows: Sequence[Oval] = (), texture: float = 0.04
) -> np.ndarray:
    """Light the painted figure and put it on its soft contact shadows."""
    lit = finish(
        canvas,
        light.direct,
        light.ambient,
        light.haze,
        light.haze_amount,
        light.shadow_strength,
        light.lights_on,
        np.random.default_rng(seed),
        texture=texture,
        bloom=0.3,
    )
    if not shadows:
        return lit
    mask = np.zeros((canvas.height, canvas.width), np.float32)
    for oval in shadows:
        cv2.ellipse(
            mask,
            (round(oval.x), round(oval.y)),
            (max(1, round(oval.rx)), max(1, round(oval.ry))),
            0,
            0,
            360,
            float(oval.amount * (0.4 + 0.6 * light.shadow_strength)),
            -1,
            cv2.LINE_AA,
        )
    mask = soft_blur(mask, max(1.0, min(o.ry for o in shadows) * 0.8))
    figure = lit.astype(np.float32) / 255.0
    cover = figure[..., 3:4]
    shade = mask[..., None] * (1.0 - cover)
    out = np.empty_like(lit)
    out[..., :3] = to_u8(figure[..., :3] + shade * np.asarray(light.shadow_colour, np.float32))
    out[..., 3] = to_u8(cover[..., 0] + shade[..., 0])
    return out


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, steps: int = 18) -> list[Point]:
    """Points along an ellipse from `start` to `end` degrees (0 = +x, 90 = +y, i.e. downwards)."""
    angles = np.radians(np.linspace(start, end, steps))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


def _stroke(c: Canvas, points: Sequence[Point], width0: float, width1: float, colour: Colour) -> None:
    """A tapered stroke along a polyline (tails, handles, locks of hair)."""
    pts = np.asarray(points, np.float64)
    left: list[Point] = []
    right: list[Point] = []
    for i, (x, y) in enumerate(pts):
        a, b = pts[max(0, i - 1)], pts[min(len(pts) - 1, i + 1)]
        dx, dy = b - a
        norm = max(1e-6, math.hypot(dx, dy))
        half = (width0 + (width1 - width0) * i / max(1, len(pts) - 1)) / 2
        nx, ny = -dy / norm * half, dx / norm * half
        left.append((x + nx, y + ny))
        right.append((x - nx, y - ny))
    c.poly(left + right[::-1], colour)
    c.circle(float(pts[-1][0]), float(pts[-1][1]), width1 / 2, colour)


def _rotated(points: Sequence[Point], pivot: Point, degrees: float) -> list[Point]:
    a = math.radians(degrees)
    cos, sin = math.cos(a), math.sin(a)
    px, py = pivot
    return [(px + (x - px) * cos - (y - py) * sin, py + (x - px) * sin + (y - py) * cos) for x, y in points]


# -- animals ----------------------------------------------------------------------------------------------


DOG_STRIDE = (-22.0, 0.0, 22.0, 0.0)
"""The legs' swing in degrees through one trot cycle (diagonal pairs move together)."""


def _dog_canvas(height: float, facing: float) -> tuple[int, int, float, float]:
    """(width, height) of `paint_dog`'s picture, and where the middle of the dog stands on the ground in it."""
    width, tall = round(height * 1.75), round(height * 1.28)
    return width, tall, width / 2 - facing * 0.08 * height, tall - height * 0.1


def dog_tail_base(height: float, facing: float) -> Point:
    """Where the tail joins the body, in the pixels of `paint_dog`'s picture."""
    _, _, x0, ground = _dog_canvas(height, facing)
    return x0 - facing * 0.33 * height, ground - 0.63 * height


def paint_dog(
    height: float,
    facing: float,
    coat: tuple[Colour, Colour],
    floppy_ears: bool,
    light: FigureLight,
    legs: float,
    seed: int,
) -> Painted:
    """A dog in profile without its tail (`paint_dog_tail`), facing -1 (left) or +1 (right); `height` is ground
    to the top of its head, `legs` the swing of its legs in degrees."""
    u, d = height, facing
    width, tall, x0, g = _dog_canvas(u, d)
    c = Canvas(width, tall)
    body_y = g - 0.56 * u
    main, patch = coat
    far = darker(main, 0.35)

    def leg(x: float, swing: float, colour: Colour, hind: bool) -> None:
        top = (x, body_y + 0.04 * u)
        if hind:
            joints = [top, (x - d * 0.05 * u, body_y + 0.26 * u), (x + d * 0.01 * u, g - 0.12 * u), (x, g - 0.02 * u)]
        else:
            joints = [top, (x + d * 0.01 * u, body_y + 0.3 * u), (x, g - 0.02 * u)]
        joints = _rotated(joints, top, swing * d)
        _stroke(c, joints, 0.11 * u if hind else 0.09 * u, 0.06 * u, colour)
        fx, fy = joints[-1]
        c.ellipse(fx + d * 0.03 * u, fy, 0.05 * u, 0.028 * u, colour)

    # Far legs first (in the shadow of the body), then the body and the near legs.
    leg(x0 + d * 0.17 * u, -legs, far, False)
    leg(x0 - d * 0.27 * u, legs, far, True)
    c.ellipse(x0, body_y, 0.30 * u, 0.13 * u, main)
    c.ellipse(x0 - d * 0.22 * u, body_y - 0.01 * u, 0.14 * u, 0.14 * u, main)
    c.ellipse(x0 + d * 0.19 * u, body_y + 0.01 * u, 0.15 * u, 0.16 * u, main)
    c.ellipse(x0 + d * 0.29 * u, body_y - 0.03 * u, 0.05 * u, 0.09 * u, patch, angle=-25 * d)
    c.ellipse(x0 + light.key_side * 0.04 * u, body_y - 0.1 * u, 0.24 * u, 0.03 * u, lighter(main, 0.1))
    leg(x0 + d * 0.22 * u, legs, main, False)
    leg(x0 - d * 0.21 * u, -legs, main, True)
    # Neck, collar and head, which leans forward.
    hx, hy = x0 + d * 0.41 * u, g - 0.86 * u
    c.poly(
        [
            (x0 + d * 0.08 * u, body_y - 0.1 * u),
            (x0 + d * 0.32 * u, body_y + 0.06 * u),
            (hx + d * 0.06 * u, hy + 0.1 * u),
            (hx - d * 0.1 * u, hy - 0.04 * u),
        ],
        main,
    )
    c.line(x0 + d * 0.24 * u, g - 0.8 * u, x0 + d * 0.35 * u, body_y - 0.04 * u, (0.80, 0.16, 0.18), 0.045 * u)
    c.circle(hx, hy, 0.13 * u, main)
    c.ellipse(hx + d * 0.14 * u, hy + 0.05 * u, 0.11 * u, 0.06 * u, main)
    c.ellipse(hx + d * 0.15 * u, hy + 0.085 * u, 0.09 * u, 0.03 * u, mix(main, patch, 0.45))
    c.ellipse(hx + light.key_side * 0.03 * u, hy - 0.08 * u, 0.06 * u, 0.025 * u, lighter(main, 0.1))
    c.circle(hx + d * 0.245 * u, hy + 0.03 * u, 0.032 * u, INK)
    c.circle(hx + d * 0.05 * u, hy - 0.025 * u, 0.024 * u, INK)
    c.circle(hx + d * 0.058 * u, hy - 0.033 * u, 0.008 * u, (0.95, 0.95, 0.95))
    if floppy_ears:
        c.ellipse(hx - d * 0.07 * u, hy + 0.03 * u, 0.05 * u, 0.12 * u, darker(main, 0.3), angle=20 * d)
    else:
        ear = [
            (hx - d * 0.11 * u, hy - 0.05 * u),
            (hx + d * 0.0 * u, hy - 0.11 * u),
            (hx - d * 0.09 * u, hy - 0.26 * u),
        ]
        c.poly(ear, darker(main, 0.2))
    shadow = Oval(x0, g, 0.46 * u, 0.06 * u)
    return Painted(_render(c, light, seed, [shadow]), (x0, g))


def paint_dog_tail(height: float, facing: float, coat: tuple[Colour, Colour], light: FigureLight, seed: int) -> Painted:
    """The tail of `paint_dog`'s dog on its own, so it can wag by turning; the anchor is where it joins the body."""
    u = height
    width, tall = round(u * 0.45), round(u * 0.34)
    c = Canvas(width, tall)
    base = (width - 0.06 * u if facing > 0 else 0.06 * u, tall - 0.07 * u)
    tail = [(base[0] - facing * k * 0.06 * u, base[1] - 0.22 * u * math.sin(k * 0.42)) for k in range(6)]
    _stroke(c, tail, 0.075 * u, 0.03 * u, coat[0])
    return Painted(_render(c, light, seed), base)


def paint_cat(height: float, facing: float, coat: tuple[Colour, Colour], light: FigureLight, seed: int) -> Painted:
    """A cat sitting, turned a little towards `facing`; `height` is ground to the tips of its ears."""
    u = height
    width, tall = round(u * 1.0), round(u * 1.15)
    c = Canvas(width, tall)
    d = facing
    x, g = width / 2, tall - u * 0.08
    main, patch = coat
    shade = darker(main, 0.25)
    c.ellipse(x - d * 0.04 * u, g - 0.25 * u, 0.25 * u, 0.25 * u, main)
    c.ellipse(x - d * 0.1 * u, g - 0.16 * u, 0.18 * u, 0.15 * u, shade)
    c.ellipse(x + d * 0.03 * u, g - 0.40 * u, 0.16 * u, 0.22 * u, main)
    c.ellipse(x + d * 0.05 * u, g - 0.38 * u, 0.09 * u, 0.15 * u, patch)
    for side in (-1, 1):
        px = x + d * 0.05 * u + side * 0.06 * u
        c.rect(px - 0.035 * u, g - 0.36 * u, px + 0.035 * u, g - 0.02 * u, main)
        c.ellipse(px, g - 0.025 * u, 0.045 * u, 0.028 * u, patch)
    tail = [(x - d * 0.22 * u, g - 0.06 * u), *_arc(x, g - 0.06 * u, 0.26 * u, 0.06 * u, 180 if d > 0 else 0, 90, 8)]
    _stroke(c, [*tail, (x + d * 0.32 * u, g - 0.12 * u)], 0.07 * u, 0.05 * u, shade)
    hx, hy = x + d * 0.05 * u, g - 0.70 * u
    for side in (-1, 1):
        base = (hx + side * 0.15 * u, hy - 0.02 * u)
        inner = (hx + side * 0.04 * u, hy - 0.12 * u)
        tip = (hx + side * 0.14 * u, hy - 0.28 * u)
        c.poly([base, inner, tip], main)
        c.poly(
            [(base[0] - side * 0.03 * u, base[1] - 0.04 * u), (inner[0] + side * 0.03 * u, inner[1]), tip],
            (0.86, 0.56, 0.58),
        )
    c.ellipse(hx, hy, 0.17 * u, 0.145 * u, main)
    c.ellipse(hx + light.key_side * 0.05 * u, hy - 0.07 * u, 0.08 * u, 0.03 * u, lighter(main, 0.15))
    c.ellipse(hx + d * 0.015 * u, hy + 0.07 * u, 0.07 * u, 0.05 * u, patch)
    for side in (-1, 1):
        ex = hx + side * 0.07 * u + d * 0.015 * u
        c.ellipse(ex, hy - 0.005 * u, 0.036 * u, 0.026 * u, (0.62, 0.74, 0.30))
        c.ellipse(ex, hy - 0.005 * u, 0.009 * u, 0.024 * u, INK)
    c.poly(
        [
            (hx + d * 0.015 * u - 0.022 * u, hy + 0.045 * u),
            (hx + d * 0.015 * u + 0.022 * u, hy + 0.045 * u),
            (hx + d * 0.015 * u, hy + 0.07 * u),
        ],
        (0.80, 0.45, 0.48),
    )
    for side in (-1, 1):
        for k in (-1, 1):
            c.line(
                hx + side * 0.08 * u,
                hy + 0.07 * u,
                hx + side * 0.26 * u,
                hy + 0.06 * u + k * 0.03 * u,
                lighter(patch, 0.2),
                max(1.0, 0.006 * u),
            )
    shadow = Oval(x, g, 0.34 * u, 0.05 * u)
    return Painted(_render(c, light, seed, [shadow]), (x, g))


# -- people -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Look:
    skin: Colour
    hair: Colour
    clothes: Colour
    hair_style: int
    """0 short, 1 long, 2 bun, 3 curly."""
    neckline: int
    """0 round, 1 collar, 2 hood."""


def random_look(rng: np.random.Generator, clothes: Colour) -> Look:
    return Look(
        SKINS[int(rng.integers(0, len(SKINS)))],
        HAIRS[int(rng.integers(0, len(HAIRS)))],
        clothes,
        int(rng.integers(0, 4)),
        int(rng.integers(0, 3)),
    )


def paint_friend(face: float, bottom: float, facing: float, look: Look, light: FigureLight, seed: int) -> Painted:
    """A simplified person from the head down to `bottom` px below the face centre; `face` is the face height.

    The anchor is the face centre. The figure is turned a little towards `facing`.
    """
    f = face
    width, tall = round(f * 3.2), round(f * 1.0 + bottom)
    c = Canvas(width, tall)
    hx, hy = width / 2, f * 0.9
    d = facing
    clothes, shade = look.clothes, darker(look.clothes, 0.22)
    skin, hair = look.skin, look.hair
    if look.hair_style == 1:
        c.poly(
            [
                *_arc(hx, hy - 0.05 * f, 0.52 * f, 0.58 * f, 180, 360),
                (hx + 0.56 * f, hy + 1.25 * f),
                (hx - 0.56 * f, hy + 1.25 * f),
            ],
            hair,
        )
    elif look.hair_style == 3:
        for k in range(9):
            a = math.radians(180 + k * 22.5 - 10)
            c.circle(hx + 0.42 * f * math.cos(a), hy - 0.08 * f + 0.46 * f * math.sin(a), 0.2 * f, hair)
    c.rect(hx - 0.19 * f, hy + 0.3 * f, hx + 0.19 * f, hy + 1.1 * f, darker(skin, 0.18))
    # Torso: shoulders and arms, widening a little towards the bottom of the frame.
    base = tall + 2.0
    c.poly(
        [
            (hx - 0.35 * f, hy + 0.78 * f),
            (hx + 0.35 * f, hy + 0.78 * f),
            (hx + 1.15 * f, hy + 1.12 * f),
            (hx + 1.3 * f, hy + 1.35 * f),
            (hx + 1.42 * f, base),
            (hx - 1.42 * f, base),
            (hx - 1.3 * f, hy + 1.35 * f),
            (hx - 1.15 * f, hy + 1.12 * f),
        ],
        clothes,
    )
    for side in (-1, 1):
        c.ellipse(hx + side * 1.0 * f, hy + 1.32 * f, 0.42 * f, 0.26 * f, clothes)
        arm = [
            (hx + side * 1.02 * f, hy + 1.2 * f),
            (hx + side * 1.42 * f, hy + 1.45 * f),
            (hx + side * 1.5 * f, base),
            (hx + side * 1.08 * f, base),
        ]
        c.poly(arm, shade if side != light.key_side else clothes)
        c.line(
            hx + side * 1.08 * f, hy + 1.55 * f, hx + side * 1.1 * f, base, darker(clothes, 0.35), max(1.0, 0.03 * f)
        )
    c.ellipse(hx + light.key_side * 0.6 * f, hy + 1.2 * f, 0.5 * f, 0.08 * f, lighter(clothes, 0.15))
    _neckline(c, hx, hy, f, look, skin)
    # Head, ears, hair on top and a few features turned towards `facing`.
    for side in (-1, 1):
        c.ellipse(hx + side * 0.40 * f, hy + 0.05 * f, 0.08 * f, 0.13 * f, darker(skin, 0.08))
    c.ellipse(hx, hy, 0.40 * f, 0.53 * f, skin)
    c.ellipse(hx - light.key_side * 0.22 * f, hy + 0.1 * f, 0.12 * f, 0.3 * f, darker(skin, 0.08))
    _hair_top(c, hx, hy, f, look, d)
    turn = d * 0.07 * f
    for side in (-1, 1):
        ex = hx + turn + side * 0.15 * f
        c.ellipse(ex, hy + 0.03 * f, 0.045 * f, 0.06 * f, INK)
        c.line(ex - 0.07 * f, hy - 0.11 * f, ex + 0.07 * f, hy - 0.12 * f, darker(hair, 0.2), max(1.0, 0.035 * f))
        c.ellipse(ex + side * 0.03 * f, hy + 0.2 * f, 0.07 * f, 0.04 * f, mix(skin, (0.95, 0.45, 0.45), 0.25))
    c.ellipse(hx + turn * 1.4, hy + 0.2 * f, 0.05 * f, 0.03 * f, darker(skin, 0.15))
    c.poly(_arc(hx + turn, hy + 0.3 * f, 0.11 * f, 0.05 * f, 10, 170, 8), darker(mix(skin, (0.75, 0.3, 0.3), 0.4), 0.2))
    return Painted(_render(c, light, seed), (hx, hy))


def _neckline(c: Canvas, hx: float, hy: float, f: float, look: Look, skin: Colour) -> None:
    if look.neckline == 0:
        c.poly(_arc(hx, hy + 0.78 * f, 0.3 * f, 0.22 * f, 0, 180, 10), darker(skin, 0.1))
    elif look.neckline == 1:
        c.poly([(hx - 0.26 * f, hy + 0.75 * f), (hx, hy + 1.25 * f), (hx + 0.26 * f, hy + 0.75 * f)], darker(skin, 0.1))
        for side in (-1, 1):
            c.poly(
                [
                    (hx + side * 0.28 * f, hy + 0.72 * f),
                    (hx + side * 0.02 * f, hy + 1.2 * f),
                    (hx + side * 0.4 * f, hy + 1.05 * f),
                ],
                (0.94, 0.93, 0.9),
            )
    else:
        hood = darker(look.clothes, 0.12)
        c.poly(_arc(hx, hy + 0.85 * f, 0.62 * f, 0.3 * f, 180, 360, 12), hood)
        c.poly(_arc(hx, hy + 0.8 * f, 0.26 * f, 0.18 * f, 0, 180, 10), darker(skin, 0.1))
        for side in (-1, 1):
            c.line(
                hx + side * 0.12 * f,
                hy + 0.95 * f,
                hx + side * 0.14 * f,
                hy + 1.6 * f,
                (0.93, 0.92, 0.9),
                max(1.0, 0.03 * f),
            )


def _hair_top(c: Canvas, hx: float, hy: float, f: float, look: Look, facing: float) -> None:
    hair = look.hair
    part = -facing * 0.12 * f
    cap = _arc(hx, hy - 0.06 * f, 0.45 * f, 0.52 * f, 180, 360, 20)
    fringe = [(hx + 0.43 * f, hy - 0.1 * f), (hx + part, hy - 0.36 * f), (hx - 0.43 * f, hy - 0.1 * f)]
    c.poly(cap + fringe, hair)
    c.ellipse(hx + facing * 0.05 * f, hy - 0.42 * f, 0.22 * f, 0.07 * f, lighter(hair, 0.18), angle=-8 * facing)
    if look.hair_style == 1:
        for side in (-1, 1):
            c.poly(
                [
                    (hx + side * 0.36 * f, hy - 0.2 * f),
                    (hx + side * 0.5 * f, hy - 0.05 * f),
                    (hx + side * 0.58 * f, hy + 1.2 * f),
                    (hx + side * 0.36 * f, hy + 1.25 * f),
                ],
                hair,
            )
    elif look.hair_style == 2:
        c.circle(hx - facing * 0.05 * f, hy - 0.6 * f, 0.2 * f, hair)
    elif look.hair_style == 3:
        for k in range(5):
            a = math.radians(200 + k * 35)
            c.circle(hx + 0.36 * f * math.cos(a), hy - 0.1 * f + 0.42 * f * math.sin(a), 0.17 * f, hair)


# -- things people carry ----------------------------------------------------------------------------------


def paint_umbrella(span: float, tilt: float, canopy: Colour, light: FigureLight, wet: bool, seed: int) -> Painted:
    """An open umbrella, `span` px across, leaning by `tilt` degrees; the anchor is the handle's end."""
    s = span
    width, tall = round(s * 1.2), round(s * 1.2)
    c = Canvas(width, tall)
    top = (width / 2, s * 0.12)
    rim_y = top[1] + s * 0.26
    handle = (width / 2, top[1] + s * 0.95)
    ribs = 6
    points = [*_arc(top[0], rim_y, s / 2, s * 0.26, 180, 360, 24)]
    scallops: list[Point] = []
    for k in range(ribs):
        x0 = top[0] - s / 2 + s * k / ribs
        scallops += _arc(x0 + s / ribs / 2, rim_y, s / ribs / 2, s * 0.035, 0, 180, 6)[::-1]
    shaft = [(top[0], top[1] - s * 0.05), (handle[0], handle[1])]
    hook = _arc(handle[0] - s * 0.04, handle[1], s * 0.04, s * 0.04, 0, 180, 8)
    rotate = lambda pts: _rotated(pts, handle, tilt)  # noqa: E731
    sh = rotate(shaft)
    c.line(sh[0][0], sh[0][1], sh[1][0], sh[1][1], (0.18, 0.16, 0.16), max(1.5, s * 0.016))
    _stroke(c, rotate(hook), s * 0.025, s * 0.022, (0.30, 0.18, 0.10))
    c.poly(rotate(points + scallops[::-1]), canopy)
    # Panels alternate light and shade; the ribs run from the tip to the rim.
    for k in range(ribs):
        if (k % 2 == 0) == (light.key_side > 0):
            continue
        x0, x1 = top[0] - s / 2 + s * k / ribs, top[0] - s / 2 + s * (k + 1) / ribs
        c.poly(rotate([top, (x0, rim_y), (x1, rim_y)]), darker(canopy, 0.16))
    for k in range(ribs + 1):
        xk = top[0] - s / 2 + s * k / ribs
        r = rotate([top, (xk, rim_y)])
        c.line(r[0][0], r[0][1], r[1][0], r[1][1], darker(canopy, 0.35), max(1.0, s * 0.006))
    gloss = rotate(_arc(top[0] + light.key_side * s * 0.12, rim_y - s * 0.12, s * 0.16, s * 0.05, 180, 360, 10))
    c.poly(gloss, lighter(canopy, 0.45 if wet else 0.25), 0.7)
    tip = rotate([(top[0], top[1] - s * 0.06)])[0]
    c.circle(tip[0], tip[1], s * 0.012, (0.2, 0.2, 0.2))
    return Painted(_render(c, light, seed, texture=0.03), rotate([handle])[0])


def paint_bicycle(height: float, facing: float, paint: Colour, light: FigureLight, seed: int) -> Painted:
    """A bicycle in profile, ground to handlebar `height` px; the anchor is the ground between the wheels."""
    u = height / 1.32
    width, tall = round(u * 2.2), round(height + u * 0.2)
    c = Canvas(width, tall)
    d = facing
    mid, g = width / 2, tall - u * 0.08
    r = 0.5 * u
    rear, front = (mid - d * 0.75 * u, g - r), (mid + d * 0.75 * u, g - r)
    tyre, metal = (0.09, 0.09, 0.1), (0.72, 0.73, 0.75)
    thick = max(1.5, 0.05 * u)
    for hub in (rear, front):
        c.circle(hub[0], hub[1], r, tyre)
        c.circle(hub[0], hub[1], r * 0.88, metal)
        _hollow(c, hub, r * 0.81)
        for k in range(8):
            a = math.pi * k / 8
            c.line(
                hub[0] - r * 0.8 * math.cos(a),
                hub[1] - r * 0.8 * math.sin(a),
                hub[0] + r * 0.8 * math.cos(a),
                hub[1] + r * 0.8 * math.sin(a),
                metal,
                max(1.0, 0.008 * u),
            )
        c.circle(hub[0], hub[1], 0.05 * u, (0.3, 0.3, 0.32))
    bracket = (mid - d * 0.1 * u, g - 0.45 * u)
    seat = (mid - d * 0.34 * u, g - 1.14 * u)
    head_top, head_low = (mid + d * 0.5 * u, g - 1.1 * u), (mid + d * 0.56 * u, g - 0.92 * u)
    c.line(bracket[0], bracket[1], rear[0], rear[1], darker(paint, 0.2), thick * 0.8)
    c.line(seat[0], seat[1] + 0.08 * u, rear[0], rear[1], darker(paint, 0.2), thick * 0.8)
    c.line(bracket[0], bracket[1], head_low[0], head_low[1], paint, thick)
    c.line(seat[0], seat[1] + 0.06 * u, head_top[0], head_top[1], paint, thick)
    c.line(bracket[0], bracket[1], seat[0], seat[1], paint, thick)
    c.line(head_low[0], head_low[1], front[0], front[1], darker(paint, 0.1), thick * 0.85)
    c.line(head_low[0], head_low[1], head_top[0], head_top[1], darker(paint, 0.25), thick * 1.2)
    c.line(bracket[0], bracket[1], rear[0], rear[1], (0.2, 0.2, 0.22), max(1.0, 0.015 * u))
    c.circle(bracket[0], bracket[1], 0.09 * u, (0.25, 0.25, 0.27))
    c.line(bracket[0], bracket[1], bracket[0] + d * 0.12 * u, bracket[1] + 0.12 * u, (0.2, 0.2, 0.22), thick * 0.8)
    c.rect(
        bracket[0] + d * 0.12 * u - 0.06 * u,
        bracket[1] + 0.11 * u,
        bracket[0] + d * 0.12 * u + 0.06 * u,
        bracket[1] + 0.15 * u,
        tyre,
    )
    c.line(seat[0], seat[1], seat[0] - d * 0.02 * u, seat[1] - 0.08 * u, metal, thick * 0.7)
    c.ellipse(seat[0] - d * 0.03 * u, seat[1] - 0.1 * u, 0.16 * u, 0.04 * u, (0.16, 0.12, 0.1))
    bar = (head_top[0] - d * 0.02 * u, g - 1.3 * u)
    c.line(head_top[0], head_top[1], bar[0], bar[1], metal, thick * 0.8)
    _stroke(
        c,
        [bar, (bar[0] - d * 0.12 * u, bar[1] - 0.01 * u), (bar[0] - d * 0.2 * u, bar[1] + 0.03 * u)],
        thick * 0.8,
        thick,
        (0.15, 0.13, 0.12),
    )
    shadows = [Oval(rear[0], g, 0.5 * u, 0.05 * u, 0.35), Oval(front[0], g, 0.5 * u, 0.05 * u, 0.35)]
    return Painted(_render(c, light, seed, shadows, texture=0.02), (mid, g))


def _hollow(c: Canvas, centre: Point, radius: float) -> None:
    """Clear a disc (a wheel's inside) so the scene shows through between the spokes."""
    mask = np.zeros(c.albedo.shape[:2], np.uint8)
    cv2.circle(mask, (round(centre[0] * 16), round(centre[1] * 16)), round(radius * 16), 255, -1, cv2.LINE_AA, 4)
    keep = (255 - mask).astype(np.float32)[..., None] / 255.0
    c.albedo[:] = (c.albedo.astype(np.float32) * keep).astype(np.uint8)


def paint_suitcase(height: float, paint: Colour, light: FigureLight, seed: int) -> Painted:
    """A wheeled suitcase with its handle pulled out; the anchor is the ground under it."""
    h = height
    width, tall = round(h * 0.75), round(h * 1.1)
    c = Canvas(width, tall)
    x, g = width / 2, tall - h * 0.06
    bw, bh = h * 0.44, h * 0.64
    top = g - 0.05 * h - bh
    for side in (-1, 1):
        c.line(x + side * bw * 0.25, top, x + side * bw * 0.25, g - h, (0.55, 0.56, 0.58), max(1.0, h * 0.018))
    c.rect(x - bw * 0.32, g - h - 0.03 * h, x + bw * 0.32, g - h + 0.02 * h, (0.12, 0.12, 0.13))
    c.rect(x - bw / 2, top, x + bw / 2, g - 0.05 * h, paint)
    c.rect(x - bw / 2, top, x + bw / 2, top + bh * 0.06, lighter(paint, 0.15))
    for k in (-0.25, 0.0, 0.25):
        c.line(x + k * bw, top + bh * 0.1, x + k * bw, g - 0.08 * h, darker(paint, 0.2), max(1.0, h * 0.012))
    side_x = x - light.key_side * bw * 0.4
    c.rect(
        min(side_x, x - light.key_side * bw / 2),
        top,
        max(side_x, x - light.key_side * bw / 2),
        g - 0.05 * h,
        darker(paint, 0.18),
    )
    for side in (-1, 1):
        c.circle(x + side * bw * 0.38, g - 0.025 * h, 0.03 * h, (0.1, 0.1, 0.1))
    return Painted(_render(c, light, seed, [Oval(x, g, bw * 0.6, 0.03 * h)], texture=0.02), (x, g))


def paint_bag(height: float, paint: Colour, light: FigureLight, seed: int) -> Painted:
    """A backpack standing on the ground; the anchor is the ground under it."""
    h = height
    width, tall = round(h * 0.95), round(h * 1.12)
    c = Canvas(width, tall)
    x, g = width / 2, tall - h * 0.06
    bw = h * 0.62
    c.poly(_arc(x, g - h * 0.86, bw * 0.22, h * 0.1, 180, 360, 10), (0.16, 0.14, 0.13))
    c.poly([*_arc(x, g - h * 0.62, bw / 2, h * 0.3, 180, 360, 16), (x + bw / 2, g), (x - bw / 2, g)], paint)
    c.rect(x - bw * 0.34, g - h * 0.38, x + bw * 0.34, g - h * 0.03, darker(paint, 0.15))
    c.rect(x - bw * 0.34, g - h * 0.38, x + bw * 0.34, g - h * 0.33, darker(paint, 0.3))
    c.line(x - bw * 0.5, g - h * 0.6, x + bw * 0.5, g - h * 0.6, darker(paint, 0.25), max(1.0, h * 0.02))
    c.ellipse(x + light.key_side * bw * 0.2, g - h * 0.8, bw * 0.2, h * 0.05, lighter(paint, 0.2))
    return Painted(_render(c, light, seed, [Oval(x, g, bw * 0.6, 0.04 * h)], texture=0.03), (x, g))


# -- on a table or in a hand ----------------------------------------------------------------------------------


def paint_cup(
    height: float,
    takeaway: bool,
    light: FigureLight,
    seed: int,
    hand: tuple[Colour, Colour] | None = None,
    steam: bool = True,
) -> Painted:
    """A mug (or a paper cup with a lid), `height` px tall; the anchor is the middle of its base.

    With `hand` (skin, sleeve) a hand holds it, its forearm rising from below the frame.
    """
    h = height
    width, tall = round(h * 2.2), round(h * (3.2 if hand else 1.9))
    c = Canvas(width, tall)
    x, base = width / 2, h * 1.6
    w = h * 0.72
    top = base - h
    if hand is not None:
        skin, sleeve = hand
        _stroke(
            c,
            [(x + w * 1.0, tall + 2.0), (x + w * 0.75, base + h * 0.55), (x + w * 0.35, base - h * 0.1)],
            w * 1.05,
            w * 0.8,
            sleeve,
        )
        c.ellipse(x + w * 0.42, base - h * 0.15, w * 0.4, h * 0.32, darker(skin, 0.08))
    if takeaway:
        c.poly(
            [(x - w * 0.5, top + h * 0.08), (x + w * 0.5, top + h * 0.08), (x + w * 0.4, base), (x - w * 0.4, base)],
            (0.96, 0.95, 0.92),
        )
        c.poly(
            [
                (x - w * 0.48, top + h * 0.35),
                (x + w * 0.48, top + h * 0.35),
                (x + w * 0.44, top + h * 0.7),
                (x - w * 0.44, top + h * 0.7),
            ],
            (0.62, 0.42, 0.26),
        )
        c.rect(x - w * 0.55, top - h * 0.02, x + w * 0.55, top + h * 0.1, (0.96, 0.96, 0.95))
        c.rect(x - w * 0.4, top - h * 0.09, x + w * 0.4, top, (0.9, 0.9, 0.89))
    else:
        mug = (0.94, 0.93, 0.90)
        side = -light.key_side
        start = -90.0 if side > 0 else 90.0
        handle = _arc(x + side * w * 0.46, top + h * 0.45, w * 0.28, h * 0.24, start, start + 180, 12)
        _stroke(c, handle, h * 0.11, h * 0.11, darker(mug, 0.08))
        c.rect(x - w * 0.5, top, x + w * 0.5, base - h * 0.08, mug)
        c.ellipse(x, base - h * 0.08, w * 0.5, h * 0.08, mug)
        c.rect(x - light.key_side * w * 0.5, top, x - light.key_side * w * 0.3, base - h * 0.05, darker(mug, 0.15))
        c.ellipse(x, top, w * 0.5, h * 0.09, darker(mug, 0.1))
        c.ellipse(x, top + h * 0.015, w * 0.44, h * 0.065, (0.36, 0.21, 0.12))
    if hand is not None:
        skin = hand[0]
        for k in range(4):
            fy = top + h * (0.3 + 0.18 * k)
            c.ellipse(x - w * 0.05, fy, w * 0.42, h * 0.085, skin)
            c.line(x - w * 0.45, fy + h * 0.07, x + w * 0.3, fy + h * 0.08, darker(skin, 0.2), max(1.0, h * 0.02))
        c.ellipse(x - w * 0.25, top + h * 0.18, w * 0.3, h * 0.07, skin, angle=-20)
    if steam:
        for k, dx in enumerate((-0.18, 0.18)):
            wave = [
                (x + w * dx + w * 0.12 * math.sin(t * 5 + k * 2), top - h * 0.15 - t * h * 0.55)
                for t in np.linspace(0, 1, 10)
            ]
            for a, b in pairwise(wave):
                c.line(a[0], a[1], b[0], b[1], (0.95, 0.95, 0.95), max(1.0, h * 0.05), 0.35)
    shadows = [] if hand else [Oval(x, base, w * 0.62, h * 0.07)]
    return Painted(_render(c, light, seed, shadows, texture=0.02), (x, base))


def paint_book(
    height: float, cover: Colour, light: FigureLight, seed: int, hand: tuple[Colour, Colour] | None = None
) -> Painted:
    """A book open towards the reader (its cover to the camera); lying shut on a table without `hand`."""
    h = height
    width, tall = round(h * 2.4), round(h * (2.6 if hand else 1.4))
    c = Canvas(width, tall)
    x, base = width / 2, h * 1.2
    if hand is None:
        w = h * 1.4
        pages = [
            (x - w / 2, base - h * 0.12),
            (x + w * 0.42, base - h * 0.12),
            (x + w * 0.5, base),
            (x - w * 0.45, base),
        ]
        c.poly(pages, (0.93, 0.91, 0.85))
        c.poly(
            [
                (x - w / 2, base - h * 0.3),
                (x + w * 0.4, base - h * 0.3),
                (x + w * 0.5, base - h * 0.12),
                (x - w * 0.48, base - h * 0.12),
            ],
            cover,
        )
        c.line(x - w * 0.3, base - h * 0.21, x + w * 0.25, base - h * 0.21, lighter(cover, 0.35), max(1.0, h * 0.03))
        return Painted(_render(c, light, seed, [Oval(x, base, w * 0.55, h * 0.06)], texture=0.02), (x, base))
    skin, sleeve = hand
    w = h * 0.75
    _stroke(
        c,
        [(x + w * 1.3, tall + 2.0), (x + w * 1.0, base + h * 0.5), (x + w * 0.75, base - h * 0.1)],
        w * 0.8,
        w * 0.6,
        sleeve,
    )
    top = base - h
    for side in (-1, 1):
        outer = x + side * w
        c.poly([(x, top + h * 0.06), (outer, top), (outer, base - h * 0.04), (x, base)], (0.94, 0.92, 0.86))
        c.poly(
            [(x, top + h * 0.12), (outer, top + h * 0.07), (outer, base), (x, base + h * 0.04)],
            cover if side != light.key_side else lighter(cover, 0.12),
        )
    c.line(x, top + h * 0.1, x, base + h * 0.04, darker(cover, 0.4), max(1.0, h * 0.04))
    c.line(x - w * 0.75, top + h * 0.4, x - w * 0.25, top + h * 0.43, lighter(cover, 0.4), max(1.0, h * 0.05))
    for k in range(3):
        c.ellipse(x + w * 0.95, top + h * (0.35 + 0.18 * k), w * 0.22, h * 0.07, skin)
    return Painted(_render(c, light, seed, texture=0.02), (x, base))


def paint_laptop(width_px: float, light: FigureLight, seed: int) -> Painted:
    """An open laptop seen from behind its screen; the anchor is the middle of its base."""
    w = width_px
    width, tall = round(w * 1.3), round(w * 0.85)
    c = Canvas(width, tall)
    x, base = width / 2, w * 0.75
    body = (0.74, 0.75, 0.78)
    c.poly(
        [(x - w * 0.5, base - w * 0.05), (x + w * 0.5, base - w * 0.05), (x + w * 0.54, base), (x - w * 0.54, base)],
        darker(body, 0.2),
    )
    c.poly(
        [
            (x - w * 0.47, base - w * 0.66),
            (x + w * 0.47, base - w * 0.66),
            (x + w * 0.5, base - w * 0.05),
            (x - w * 0.5, base - w * 0.05),
        ],
        body,
    )
    c.rect(x - w * 0.47, base - w * 0.66, x + w * 0.47, base - w * 0.63, lighter(body, 0.3))
    c.emit_circle(x, base - w * 0.37, w * 0.05, lighter(body, 0.3), (0.95, 0.96, 1.0), 0.5)
    c.glow(x, base - w * 0.68, w * 0.3, (0.7, 0.82, 1.0), 0.25)
    return Painted(_render(c, light, seed, [Oval(x, base, w * 0.58, w * 0.04)], texture=0.02), (x, base))


def paint_table(width: int, depth: float, front: float, wood: Colour, light: FigureLight, seed: int) -> Painted:
    """A table top running across the frame: `depth` px of surface and `front` px of edge and shade below.

    The anchor is the left end of the far edge of the surface.
    """
    tall = round(depth + front)
    c = Canvas(width, tall)
    c.poly([(-2, 0), (width + 2, 0), (width + 2, depth), (-2, depth)], wood)
    c.rect(-2, 0, width + 2, depth * 0.12, darker(wood, 0.12))
    c.ellipse(width * (0.5 + 0.3 * light.key_side), depth * 0.5, width * 0.25, depth * 0.25, lighter(wood, 0.12))
    c.rect(-2, depth, width + 2, depth + front * 0.22, darker(wood, 0.3))
    c.vgradient(-2, depth + front * 0.22, width + 2, tall + 1, darker(wood, 0.6), darker(wood, 0.75))
    return Painted(_render(c, light, seed, texture=0.06), (0.0, 0.0))
