"""Animated weather: rain streaks, snowflakes, fog wisps, wind-blown leaves and floating motes.

Rain, snow and fog are pre-drawn tileable textures scrolled per frame (a few saturating adds); wind
particles are a few dozen small ellipses drawn directly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from personavlog.engines.visual.animatic.light import Colour, Lighting
from personavlog.engines.visual.animatic.paint import value_noise
from personavlog.schema import LocationKind, Weather


@dataclass
class ScrollingTexture:
    image: np.ndarray
    velocity: tuple[float, float]
    """Pixels per second (x, y)."""
    sway: float = 0.0
    sway_period: float = 4.0
    gain: float = 1.0

    def draw(self, frame: np.ndarray, t: float, mask: np.ndarray | None = None) -> None:
        h, w = frame.shape[:2]
        ox = (self.velocity[0] * t + self.sway * math.sin(2 * math.pi * t / self.sway_period)) % w
        oy = (self.velocity[1] * t) % h
        add_wrapped(frame, self.image, int(ox), int(oy), self.gain, mask)


def add_wrapped(
    frame: np.ndarray, tex: np.ndarray, ox: int, oy: int, gain: float = 1.0, mask: np.ndarray | None = None
) -> None:
    """frame += tex shifted by (ox, oy) with wrap-around, in at most four saturating block adds.

    Where `mask` is zero nothing is added.
    """
    h, w = frame.shape[:2]
    ox, oy = ox % w, oy % h
    for fy0, fy1, ty0 in ((oy, h, 0), (0, oy, h - oy)):
        if fy1 <= fy0:
            continue
        for fx0, fx1, tx0 in ((ox, w, 0), (0, ox, w - ox)):
            if fx1 <= fx0:
                continue
            dst = frame[fy0:fy1, fx0:fx1]
            src = tex[ty0 : ty0 + fy1 - fy0, tx0 : tx0 + fx1 - fx0]
            if mask is not None:
                cv2.add(dst, src, dst=dst, mask=mask[fy0:fy1, fx0:fx1])
            elif gain == 1.0:
                cv2.add(dst, src, dst=dst)
            else:
                cv2.addWeighted(dst, 1.0, src, gain, 0.0, dst=dst)


def _rgba(intensity: np.ndarray, colour: Colour) -> np.ndarray:
    out = np.empty((*intensity.shape, 4), np.uint8)
    for c in range(3):
        out[..., c] = np.clip(intensity * colour[c], 0, 255).astype(np.uint8)
    out[..., 3] = 0
    return out


def _rain(
    w: int,
    h: int,
    rng: np.random.Generator,
    count: int,
    length: float,
    angle: float,
    bright: float,
    thickness: int,
    colour: Colour,
) -> np.ndarray:
    canvas: np.ndarray = np.zeros((h, w), np.float32)
    xs, ys = rng.uniform(0, w, count), rng.uniform(0, h, count)
    lengths = length * rng.uniform(0.6, 1.3, count)
    values = bright * rng.uniform(0.4, 1.0, count)
    dx, dy = math.sin(angle), math.cos(angle)
    for x, y, ln, v in zip(xs, ys, lengths, values, strict=True):
        for ox in (0, -w, w):
            for oy in (0, -h):
                p0 = (round(x + ox), round(y + oy))
                p1 = (round(x + ox + dx * ln), round(y + oy + dy * ln))
                cv2.line(canvas, p0, p1, float(v), thickness, cv2.LINE_AA)
    canvas = cv2.GaussianBlur(canvas, (0, 0), 0.6)
    return _rgba(canvas, colour)


def _flakes(
    w: int, h: int, rng: np.random.Generator, count: int, radius: float, bright: float, blur: float, colour: Colour
) -> np.ndarray:
    canvas: np.ndarray = np.zeros((h, w), np.float32)
    xs, ys = rng.uniform(0, w, count), rng.uniform(0, h, count)
    radii = radius * rng.uniform(0.5, 1.2, count)
    for x, y, r in zip(xs, ys, radii, strict=True):
        for ox in (0, -w, w):
            for oy in (0, -h, h):
                cv2.circle(
                    canvas,
                    (round((x + ox) * 4), round((y + oy) * 4)),
                    max(1, round(r * 4)),
                    float(bright * rng.uniform(0.6, 1.0)),
                    -1,
                    cv2.LINE_AA,
                    2,
                )
    if blur > 0:
        canvas = cv2.GaussianBlur(canvas, (0, 0), blur)
    return _rgba(canvas, colour)


def _fog(w: int, h: int, rng: np.random.Generator, strength: float, colour: Colour) -> np.ndarray:
    unit = min(w, h)
    field = value_noise(h, w * 2, unit * 0.35, rng) * 0.7 + value_noise(h, w * 2, unit * 0.1, rng) * 0.3
    # Tileable horizontally: cross-fade the two halves of a double-width field.
    ramp = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    tile = field[:, :w] * ramp + field[:, w:] * (1 - ramp)
    ys = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    band = np.clip(1.0 - np.abs(ys - 0.62) * 1.8, 0, 1)
    intensity = np.clip(tile * 0.5 + 0.5, 0, 1) ** 2 * band * strength * 255
    return _rgba(intensity, colour)


@dataclass
class Leaf:
    x: float
    y: float
    vx: float
    vy: float
    size: float
    phase: float
    colour: tuple[int, int, int, int]


class WeatherEffects:
    """Draws the weather in two passes: behind the room/mid layer, and in front of everything."""

    def __init__(
        self,
        weather: Weather,
        light: Lighting,
        location: LocationKind,
        width: int,
        height: int,
        fps: int,
        rng: np.random.Generator,
        indoor: bool,
        tint: Callable[[Colour], Colour],
    ):
        self.fps = fps
        self.width, self.height = width, height
        self.back: list[ScrollingTexture] = []
        self.front: list[ScrollingTexture] = []
        self.leaves: list[Leaf] = []
        self.leaf_behind = indoor or weather != Weather.WIND
        self._front_mask: np.ndarray | None = None
        unit = min(width, height)
        dark = light.is_dark
        if weather == Weather.RAIN:
            colour = tint((0.75, 0.8, 0.88))
            far = _rain(
                width,
                height,
                rng,
                int(900 * width * height / 1e6),
                unit * 0.04,
                0.18,
                70 if not dark else 50,
                1,
                colour,
            )
            speed = unit * 2.6
            self.back.append(ScrollingTexture(far, (speed * math.sin(0.18), speed * math.cos(0.18))))
            if not indoor:
                near = _rain(
                    width,
                    height,
                    rng,
                    int(160 * width * height / 1e6),
                    unit * 0.09,
                    0.2,
                    85,
                    max(1, round(unit / 500)),
                    colour,
                )
                self.front.append(ScrollingTexture(near, (unit * 4.5 * math.sin(0.2), unit * 4.5 * math.cos(0.2))))
        elif weather == Weather.SNOW:
            colour = tint((0.95, 0.96, 1.0))
            small = _flakes(width, height, rng, int(700 * width * height / 1e6), unit * 0.0022, 200, 0.5, colour)
            self.back.append(ScrollingTexture(small, (unit * 0.03, unit * 0.09), sway=unit * 0.02, sway_period=5.0))
            if not indoor:
                big = _flakes(
                    width, height, rng, int(90 * width * height / 1e6), unit * 0.006, 230, unit * 0.002, colour
                )
                self.front.append(ScrollingTexture(big, (unit * 0.05, unit * 0.2), sway=unit * 0.04, sway_period=3.3))
        elif weather == Weather.FOG:
            haze_r, haze_g, haze_b = (min(1.0, c * 1.1 + 0.1) for c in light.haze)
            colour = tint((haze_r, haze_g, haze_b))
            wisps = _fog(width, height, rng, 0.32 if not indoor else 0.18, colour)
            (self.back if indoor else self.front).append(ScrollingTexture(wisps, (unit * 0.04, 0.0)))
        if weather == Weather.WIND or (weather == Weather.CLEAR and not dark and not indoor):
            windy = weather == Weather.WIND
            palette = self._leaf_palette(location, light, windy)
            count = int((38 if windy else 7) * width / unit)
            for _ in range(count):
                speed = unit * (rng.uniform(0.5, 0.9) if windy else rng.uniform(0.01, 0.04))
                red, green, blue = (int(c * 255) for c in tint(palette[int(rng.integers(0, len(palette)))]))
                self.leaves.append(
                    Leaf(
                        x=rng.uniform(0, width),
                        y=rng.uniform(0, height * 0.95) if windy else rng.uniform(height * 0.35, height),
                        vx=speed,
                        vy=unit * rng.uniform(-0.02, 0.06) if windy else -unit * rng.uniform(0.0, 0.015),
                        size=unit * (rng.uniform(0.004, 0.009) if windy else rng.uniform(0.0015, 0.003)),
                        phase=rng.uniform(0, 2 * math.pi),
                        colour=(red, green, blue, 255),
                    )
                )
            self.windy = windy
        else:
            self.windy = False

    @staticmethod
    def _leaf_palette(location: LocationKind, light: Lighting, windy: bool) -> list[Colour]:
        if not windy:
            glow = light.sun_colour
            r, g, b = (min(1.0, c * 0.9 + 0.1) for c in glow)
            return [(r, g, b)]
        if location in (LocationKind.DESERT, LocationKind.BEACH):
            return [(0.85, 0.72, 0.52), (0.78, 0.64, 0.46)]
        if location in (LocationKind.SNOWY_VILLAGE,) or light.weather == Weather.SNOW:
            return [(0.95, 0.96, 1.0)]
        return [(0.85, 0.45, 0.15), (0.75, 0.6, 0.15), (0.55, 0.3, 0.12), (0.5, 0.6, 0.2)]

    def _draw_leaves(self, frame: np.ndarray, t: float) -> None:
        w, h = self.width, self.height
        for leaf in self.leaves:
            x = (leaf.x + leaf.vx * t) % (w + 40) - 20
            y = (leaf.y + leaf.vy * t + leaf.size * 6 * math.sin(t * 2.4 + leaf.phase)) % h
            if self.windy:
                angle = math.degrees(t * 5.0 + leaf.phase)
                axes = (
                    max(1, round(leaf.size * 1.6)),
                    max(1, round(leaf.size * (0.35 + 0.35 * abs(math.sin(t * 4 + leaf.phase))))),
                )
                cv2.ellipse(frame, (round(x), round(y)), axes, angle, 0, 360, leaf.colour, -1, cv2.LINE_AA)
            else:
                twinkle = 0.5 + 0.5 * math.sin(t * 1.7 + leaf.phase)
                col = tuple(int(c * (0.12 + 0.25 * twinkle)) for c in leaf.colour[:3])
                r = max(1, round(leaf.size))
                roi_y0, roi_y1 = max(0, round(y) - r), min(h, round(y) + r + 1)
                roi_x0, roi_x1 = max(0, round(x) - r), min(w, round(x) + r + 1)
                if roi_y1 > roi_y0 and roi_x1 > roi_x0:
                    roi = frame[roi_y0:roi_y1, roi_x0:roi_x1]
                    cv2.add(roi, np.full_like(roi, (*col, 0)), dst=roi)

    def draw_back(self, frame: np.ndarray, index: int) -> None:
        t = index / self.fps
        for tex in self.back:
            tex.draw(frame, t)
        if self.leaf_behind and self.leaves:
            self._draw_leaves(frame, t)

    def keep_clear(self, centre: tuple[float, float], size: tuple[float, float]) -> None:
        """Keep the nearest particles off an elliptical area (the protagonist's face), so it stays readable."""
        mask = np.full((self.height, self.width), 255, np.uint8)
        cv2.ellipse(
            mask,
            (round(centre[0]), round(centre[1])),
            (max(1, round(size[0])), max(1, round(size[1]))),
            0,
            0,
            360,
            0,
            -1,
        )
        self._front_mask = mask

    def draw_front(self, frame: np.ndarray, index: int) -> None:
        t = index / self.fps
        for tex in self.front:
            tex.draw(frame, t, self._front_mask)
        if not self.leaf_behind and self.leaves:
            self._draw_leaves(frame, t)

    @property
    def has_back(self) -> bool:
        return bool(self.back) or (self.leaf_behind and bool(self.leaves))

    @property
    def has_front(self) -> bool:
        return bool(self.front) or (not self.leaf_behind and bool(self.leaves))
