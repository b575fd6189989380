"""The sky: gradient, sun or moon, stars and clouds, shaped by the lighting."""

from __future__ import annotations

import cv2
import numpy as np

from personavlog.engines.visual.animatic.light import Lighting, as_array
from personavlog.engines.visual.animatic.paint import mix, value_noise
from personavlog.schema import Weather


def _gradient(height: int, width: int, horizon: float, light: Lighting) -> np.ndarray:
    ys = np.arange(height, dtype=np.float32) / max(1.0, horizon)
    top, mid, low = as_array(light.sky_top), as_array(light.sky_mid), as_array(light.sky_horizon)
    t1 = np.clip(ys / 0.62, 0, 1)[:, None]
    t2 = np.clip((ys - 0.62) / 0.38, 0, 1)[:, None]
    # Ease both halves so the bands blend without a visible kink.
    t1 = t1 * t1 * (3 - 2 * t1)
    col = top * (1 - t1) + mid * t1
    col = col * (1 - t2) + low * t2
    return np.broadcast_to(col[:, None, :], (height, width, 3)).copy()


def _radial(height: int, width: int, cx: float, cy: float, radius: float) -> np.ndarray:
    ys, xs = np.ogrid[:height, :width]
    d2 = ((xs - cx) ** 2 + (ys - cy) ** 2) / (radius * radius)
    return np.exp(-d2).astype(np.float32)


def _stars(sky: np.ndarray, horizon: float, amount: float, rng: np.random.Generator) -> None:
    height, width = sky.shape[:2]
    count = int(width * horizon / 900 * amount)
    xs = rng.integers(0, width, count)
    ys = (rng.random(count) ** 1.6 * horizon * 0.9).astype(int)
    bright = rng.random(count) ** 3 * 0.9 + 0.1
    fade = np.clip(1.0 - ys / max(1.0, horizon * 0.9), 0, 1)
    for x, y, b, f in zip(xs, ys, bright, fade, strict=True):
        value = float(b * f * amount)
        sky[y, x] = np.maximum(sky[y, x], value)
        if b > 0.75 and 0 < y < height - 1 and 0 < x < width - 1:
            sky[y - 1 : y + 2, x] = np.maximum(sky[y - 1 : y + 2, x], value * 0.45)
            sky[y, x - 1 : x + 2] = np.maximum(sky[y, x - 1 : x + 2], value * 0.45)


def _cloud_mask(size: float, stretch: float, rng: np.random.Generator) -> np.ndarray:
    """Soft cumulus coverage in its own box, centred; the box is (2.6 * size * stretch) x (1.6 * size) half-extents."""
    half_w, half_h = int(2.6 * size * stretch) + 2, int(1.6 * size) + 2
    mask = np.zeros((2 * half_h, 2 * half_w), np.float32)
    cx, cy = float(half_w), float(half_h)
    puffs = int(rng.integers(5, 10))
    for i in range(puffs):
        t = i / max(1, puffs - 1) - 0.5
        px = cx + t * size * 2.2 * stretch + rng.normal(0, size * 0.15)
        r = size * (0.55 + 0.45 * (1 - abs(t) * 1.6)) * rng.uniform(0.7, 1.1)
        py = cy - r * 0.35 + rng.normal(0, size * 0.08)
        cv2.ellipse(
            mask,
            (round(px), round(py)),
            (max(1, round(r * stretch**0.5)), max(1, round(r * 0.8))),
            0,
            0,
            360,
            1.0,
            -1,
            cv2.LINE_AA,
        )
    # Flat-bottomed cumulus: cut below the base line.
    mask[max(0, round(cy + size * 0.35)) :] = 0.0
    return cv2.GaussianBlur(mask, (0, 0), max(1.0, size * 0.05))


def _add_clouds(
    sky: np.ndarray, horizon: float, light: Lighting, rng: np.random.Generator, sun: tuple[float, float]
) -> None:
    height, width = sky.shape[:2]
    unit = min(width, height)
    stretch = 2.6 if light.weather == Weather.WIND else 1.0
    count = round(2 + light.cloud_cover * 9 * width / max(unit, 1) / 1.6)
    lit = as_array(mix(light.sun_colour, (1.0, 1.0, 1.0), 0.5))
    brightness = float(np.mean(light.sky_horizon)) * 1.1 + 0.08
    shadow = as_array(mix(light.sky_mid, light.sky_top, 0.3)) * 0.95
    horizon_colour = as_array(light.sky_horizon)
    opacity = 0.85 if light.cloud_cover < 0.9 else 0.7
    for _ in range(count):
        size = unit * rng.uniform(0.035, 0.085) * (1.0 + light.cloud_cover * 0.6)
        cx = rng.uniform(-0.05, 1.05) * width
        cy = horizon * rng.uniform(0.12, 0.8)
        mask = _cloud_mask(size, stretch, rng)
        if light.cloud_cover < 0.6 and abs(cx - sun[0]) < size * 2.5 + unit * 0.08 and abs(cy - sun[1]) < unit * 0.12:
            continue
        mh, mw = mask.shape
        x0, y0 = round(cx) - mw // 2, round(cy) - mh // 2
        sx0, sy0 = max(0, -x0), max(0, -y0)
        dx0, dy0 = max(0, x0), max(0, y0)
        dx1, dy1 = min(width, x0 + mw), min(height, y0 + mh)
        if dx1 <= dx0 or dy1 <= dy0:
            continue
        m = mask[sy0 : sy0 + dy1 - dy0, sx0 : sx0 + dx1 - dx0][..., None] * opacity
        ys = np.arange(dy0, dy1, dtype=np.float32)[:, None, None]
        shade = np.clip((ys - (cy - size)) / (size * 1.6), 0, 1)
        colour = lit * min(1.0, brightness) * (1 - shade) + shadow * shade
        # Clouds further away are smaller, paler and closer to the horizon colour.
        depth = cy / max(1.0, horizon)
        colour = colour * (1 - depth * 0.45) + horizon_colour * depth * 0.45
        roi = sky[dy0:dy1, dx0:dx1]
        roi[:] = roi * (1 - m) + colour * m


def _overcast(sky: np.ndarray, horizon: float, light: Lighting, rng: np.random.Generator) -> None:
    height, width = sky.shape[:2]
    unit = min(width, height)
    field: np.ndarray = (
        value_noise(height, width, unit / 6, rng) * 0.6 + value_noise(height, width, unit / 18, rng) * 0.4
    )
    field = cv2.resize(cv2.resize(field, (width, max(2, height // 3))), (width, height))
    ys = np.arange(height, dtype=np.float32)[:, None] / max(1.0, horizon)
    strength = np.clip(1.0 - ys, 0, 1) * 0.22
    sky += (field * strength)[..., None] * np.float32(0.5)


def paint_sky(
    width: int, height: int, horizon: float, light: Lighting, rng: np.random.Generator, show_sun: bool = True
) -> np.ndarray:
    """Float32 RGB 0..1 of the whole canvas; everything below `horizon` is meant to be painted over."""
    # Smooth parts are painted at half size; the sharp ones (stars, the disk) at full size afterwards.
    small_w, small_h = max(8, width // 2), max(8, height // 2)
    k = small_w / width
    sky = _gradient(small_h, small_w, horizon * k, light)
    unit = min(small_w, small_h)
    sun_x = light.sun_x * small_w
    sun_y = horizon * k * (1.0 - light.sun_y * 0.9)
    veiled = light.cloud_cover >= 0.95 or light.weather == Weather.FOG
    if show_sun:
        glow_colour = as_array(light.sun_colour)
        if light.moon:
            sky += _radial(small_h, small_w, sun_x, sun_y, unit * 0.16)[..., None] * glow_colour * 0.12
        else:
            strength = 0.35 if veiled else 0.6
            sky += _radial(small_h, small_w, sun_x, sun_y, unit * 0.35)[..., None] * glow_colour * strength * 0.5
            sky += _radial(small_h, small_w, sun_x, sun_y, unit * 0.09)[..., None] * glow_colour * strength
    if light.cloud_cover > 0.05:
        _add_clouds(sky, horizon * k, light, rng, (sun_x, sun_y))
    if light.cloud_cover >= 0.95:
        _overcast(sky, horizon * k, light, rng)
    sky = cv2.resize(sky, (width, height), interpolation=cv2.INTER_CUBIC)
    if light.stars > 0:
        _stars(sky, horizon, light.stars, rng)
    if show_sun and not veiled and light.sun_y > 0:
        full_unit = min(width, height)
        radius = full_unit * (0.045 if light.moon else 0.04)
        cx, cy = light.sun_x * width, horizon * (1.0 - light.sun_y * 0.9)
        mask = np.zeros((height, width), np.uint8)
        cv2.circle(mask, (round(cx * 4), round(cy * 4)), round(radius * 4), 255, -1, cv2.LINE_AA, 2)
        disk = mask.astype(np.float32) / 255.0
        colour = as_array(light.sun_colour) * (1.0 if light.moon else 1.25)
        if light.moon:
            craters = 1.0 - 0.12 * np.clip(value_noise(height, width, radius * 0.5, rng), 0, 1)
            colour = colour[None, None, :] * craters[..., None]
        sky[:] = sky * (1 - disk[..., None]) + colour * disk[..., None]
    return np.clip(sky, 0, 1.5)
