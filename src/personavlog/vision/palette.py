"""Colour summaries of the character: a dominant palette and plain-English colour names."""

from __future__ import annotations

import colorsys

import cv2
import numpy as np

RGB = tuple[int, int, int]

_MAX_SAMPLES = 20000


def to_hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(c) for c in rgb))


def _rounded_rgb(centre: np.ndarray) -> RGB:
    red, green, blue = (int(c + 0.5) for c in np.clip(centre, 0, 255))
    return red, green, blue


def dominant_colours(pixels: np.ndarray, k: int = 5) -> list[tuple[RGB, float]]:
    """k-means (deterministic) over N x 3 uint8 pixels: [(colour, share)], most dominant first."""
    pixels = np.asarray(pixels, dtype=np.uint8).reshape(-1, 3)
    if len(pixels) == 0:
        return []
    if len(pixels) > _MAX_SAMPLES:
        pixels = pixels[:: len(pixels) // _MAX_SAMPLES + 1]
    k = max(1, min(k, len(np.unique(pixels, axis=0))))
    cv2.setRNGSeed(0)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 0.5)
    # The stubs demand a bestLabels array; OpenCV takes None and allocates it.
    _, labels, centres = cv2.kmeans(pixels.astype(np.float32), k, None, criteria, 3, cv2.KMEANS_PP_CENTERS)  # type: ignore[call-overload]
    counts = np.bincount(labels.ravel(), minlength=k).astype(np.float64)
    order = np.argsort(-counts, kind="stable")
    total = counts.sum()
    return [(_rounded_rgb(centres[i]), float(counts[i] / total)) for i in order]


def main_colour(pixels: np.ndarray) -> RGB | None:
    """The biggest cluster of a region: robust to a few stray pixels of something else."""
    found = dominant_colours(pixels, k=3)
    return found[0][0] if found else None


def _hsv(rgb: RGB) -> tuple[float, float, float]:
    h, s, v = colorsys.rgb_to_hsv(*(c / 255.0 for c in rgb))
    return h * 360.0, s, v


def colour_name(rgb: RGB) -> str:
    """A plain-English name such as 'navy blue', 'orange' or 'light grey'."""
    hue, sat, val = _hsv(rgb)
    if val < 0.16:
        return "black"
    if sat < 0.14 or (sat < 0.22 and val < 0.3):
        if val > 0.88:
            return "white"
        if val > 0.62:
            return "light grey"
        if val > 0.36:
            return "grey"
        return "charcoal"
    if hue < 14 or hue >= 345:
        base = "maroon" if val < 0.45 else ("pink" if sat < 0.45 and val > 0.7 else "red")
    elif hue < 40:
        if val < 0.55 or (sat < 0.45 and val < 0.75):
            base = "brown"
        elif sat < 0.35:
            base = "beige"
        else:
            base = "orange"
    elif hue < 68:
        base = "olive" if val < 0.5 else ("cream" if sat < 0.3 else "yellow")
    elif hue < 160:
        base = "green"
    elif hue < 195:
        base = "teal"
    elif hue < 255:
        base = "navy blue" if val < 0.42 else "blue"
    elif hue < 290:
        base = "purple"
    else:
        base = "pink" if val > 0.6 else "plum"
    if base in ("maroon", "brown", "navy blue", "olive", "beige", "cream", "plum"):
        return base
    if val < 0.4:
        return f"dark {base}"
    if val > 0.85 and sat < 0.45:
        return f"light {base}"
    return base


def hair_colour_name(rgb: RGB) -> str:
    """Hair vocabulary: black, dark brown, brown, auburn, red, blonde, light brown, grey, white."""
    hue, sat, val = _hsv(rgb)
    if val < 0.2:
        return "black"
    if sat < 0.16:
        if val > 0.75:
            return "white"
        return "grey" if val > 0.42 else "black"
    if hue >= 345 or hue < 25:
        if sat > 0.55 and val > 0.45:
            return "red"
        return "auburn" if val > 0.32 else "dark brown"
    if hue < 60:
        if val < 0.33:
            return "dark brown"
        if val < 0.52:
            return "brown"
        if val < 0.7 or sat > 0.6:
            return "light brown" if hue < 34 else "dark blonde"
        return "blonde"
    return colour_name(rgb)


def luma(rgb: np.ndarray) -> np.ndarray:
    rgb = np.asarray(rgb, dtype=np.float32)
    return (0.2126 * rgb[..., 0] + 0.7152 * rgb[..., 1] + 0.0722 * rgb[..., 2]) / 255.0
