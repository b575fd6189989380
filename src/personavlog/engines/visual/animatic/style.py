"""Looks: a colour grade and texture per style, applied alike to the scene layers and the protagonist.

Pixel-wise colour work and spatial effects (outlines, paint, halation, smear) are applied once to every
pre-rendered layer; only screen-space things (vignette, paper, scanlines, grain) are applied per frame. A
painterly look also names a painting style, in which `painterly.py` has the style network repaint the graded
layers and the person once per shot.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace

import cv2
import numpy as np

from personavlog.engines.visual.animatic.light import Colour
from personavlog.engines.visual.animatic.paint import content_box, soft_blur, to_u8, value_noise
from personavlog.vision import style_transfer


@dataclass(frozen=True)
class StylePreset:
    name: str
    contrast: float = 1.0
    saturation: float = 1.0
    brightness: float = 0.0
    lift: float = 0.0
    shadow_tint: Colour = (0.0, 0.0, 0.0)
    highlight_tint: Colour = (0.0, 0.0, 0.0)
    gains: Colour = (1.0, 1.0, 1.0)
    monochrome: bool = False
    vignette: float = 0.25
    grain: float = 0.0
    halation: float = 0.0
    bloom: float = 0.0
    cel_levels: int = 0
    outline: float = 0.0
    paint: bool = False
    vhs: bool = False
    neural: str | None = None
    """The painting style (`vision.style_transfer.STYLES`) the scene and the person are repainted in, once per shot."""
    neural_strength: float = 0.75
    """How much of the painting is kept over the procedural look (0..1)."""
    neural_face: float = 0.5
    """The same on the protagonist's face, lower so that the face stays recognisable."""
    neural_palette: float = 1.0
    """How much of the painting's own colours come with its brushwork (0 keeps the shot's colours)."""
    neural_brushwork: bool = False
    """Whether the procedural brushwork (washes, cel bands, ink lines) stays under the painting; without it, the
    painting replaces it (and it is the look's fallback where the network is not installed)."""
    neural_flat: float = 1.0
    """The painting's strength, as a share, where the picture is flat (a clear sky, a bare wall): styles whose
    strokes turn smooth gradients into blotches keep those areas as they were."""
    neural_light: float = 0.7
    """How much of the shot's own light the painting keeps (its brightness over areas wider than a stroke): a
    night stays dark and a lamp stays bright under a pale painting style."""


PRESETS: dict[str, StylePreset] = {
    "cinematic": StylePreset(
        "cinematic",
        contrast=1.12,
        saturation=1.05,
        lift=0.02,
        shadow_tint=(-0.02, 0.03, 0.06),
        highlight_tint=(0.06, 0.02, -0.04),
        vignette=0.32,
        bloom=0.25,
    ),
    "film": StylePreset(
        "film",
        contrast=1.04,
        saturation=0.92,
        lift=0.06,
        brightness=0.01,
        shadow_tint=(0.01, 0.02, 0.03),
        highlight_tint=(0.07, 0.03, -0.03),
        gains=(1.04, 1.0, 0.92),
        vignette=0.3,
        grain=0.04,
        halation=0.35,
    ),
    "watercolor": StylePreset(
        "watercolor",
        contrast=0.9,
        saturation=0.9,
        lift=0.08,
        brightness=0.04,
        vignette=0.12,
        paint=True,
        neural="watercolour",
        neural_palette=0.35,
    ),
    "oil_painting": StylePreset(
        "oil_painting",
        contrast=1.06,
        saturation=1.05,
        lift=0.03,
        highlight_tint=(0.04, 0.02, -0.03),
        gains=(1.03, 1.0, 0.94),
        vignette=0.28,
        paint=True,
        neural="oil",
        neural_palette=0.5,
    ),
    "pastel": StylePreset(
        "pastel",
        contrast=0.86,
        saturation=0.85,
        lift=0.1,
        brightness=0.05,
        vignette=0.1,
        paint=True,
        neural="pastel",
        neural_palette=0.6,
    ),
    "ink": StylePreset(
        "ink",
        contrast=1.1,
        saturation=0.45,
        lift=0.06,
        brightness=0.03,
        gains=(1.02, 1.0, 0.95),
        vignette=0.15,
        paint=True,
        outline=0.9,
        neural="ink",
        neural_strength=0.85,
        neural_face=0.4,
    ),
    "anime": StylePreset(
        "anime",
        contrast=1.08,
        saturation=1.3,
        brightness=0.02,
        vignette=0.1,
        cel_levels=5,
        outline=0.8,
        bloom=0.2,
        neural="cel",
        neural_strength=0.5,
        neural_palette=0.2,
        neural_brushwork=True,
        neural_flat=0.0,
    ),
    "vhs": StylePreset(
        "vhs",
        contrast=0.92,
        saturation=0.8,
        lift=0.07,
        shadow_tint=(0.02, 0.0, 0.04),
        highlight_tint=(0.04, 0.02, 0.0),
        vignette=0.35,
        grain=0.05,
        vhs=True,
        bloom=0.15,
    ),
    "black_and_white": StylePreset(
        "black_and_white",
        contrast=1.25,
        monochrome=True,
        lift=0.02,
        vignette=0.38,
        grain=0.05,
    ),
    "documentary": StylePreset(
        "documentary",
        contrast=1.03,
        saturation=0.88,
        lift=0.02,
        vignette=0.12,
    ),
}

_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "black_and_white",
        (
            "black and white",
            "black-and-white",
            "b&w",
            "b/w",
            "monochrome",
            "noir",
            "grayscale",
            "greyscale",
            "silent film",
        ),
    ),
    ("vhs", ("vhs", "camcorder", "vintage", "retro", "80s", "90s", "lo-fi", "lofi", "analog video", "tape")),
    (
        "oil_painting",
        (
            "oil",
            "impasto",
            "acrylic",
            "canvas",
            "old master",
            "renaissance",
            "baroque",
            "rembrandt",
            "vermeer",
            "fine art",
        ),
    ),
    (
        "ink",
        (
            "ink",
            "sketch",
            "pencil",
            "charcoal",
            "drawing",
            "pen and",
            "etching",
            "engraving",
            "woodcut",
            "line art",
            "linework",
        ),
    ),
    ("pastel", ("pastel", "impressionis", "monet", "renoir", "chalk", "crayon")),
    ("watercolor", ("watercolor", "watercolour", "painterly", "painting", "gouache", "storybook", "illustrat")),
    ("anime", ("anime", "manga", "cartoon", "cel", "comic", "ghibli", "toon", "animated", "pixar")),
    ("film", ("film", "35mm", "16mm", "kodak", "analog", "analogue", "warm", "nostalgic", "polaroid", "super 8")),
    ("documentary", ("documentary", "realistic", "natural", "raw", "journalistic", "vlog", "handheld", "news")),
    ("cinematic", ("cinematic", "movie", "epic", "hollywood", "blockbuster", "dramatic", "moody", "teal")),
)


# Mood nudges the grade a little (saturation, brightness, contrast, highlight and shadow tints).
_MOODS: dict[str, tuple[float, float, float, Colour, Colour]] = {
    "calm": (0.95, 0.0, 0.97, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0)),
    "joyful": (1.1, 0.02, 1.0, (0.0, 0.0, 0.0), (0.03, 0.02, 0.0)),
    "nostalgic": (0.88, 0.01, 0.96, (0.02, 0.01, 0.0), (0.05, 0.02, -0.02)),
    "melancholic": (0.8, -0.02, 1.0, (-0.01, 0.0, 0.04), (0.0, 0.0, 0.02)),
    "energetic": (1.12, 0.01, 1.08, (0.0, 0.0, 0.0), (0.02, 0.0, 0.0)),
    "tense": (0.88, -0.02, 1.12, (-0.02, 0.03, 0.02), (0.0, 0.01, 0.0)),
    "romantic": (1.02, 0.01, 0.97, (0.02, 0.0, 0.02), (0.05, 0.01, 0.01)),
    "hopeful": (1.04, 0.03, 1.0, (0.0, 0.0, 0.0), (0.03, 0.02, -0.01)),
    "playful": (1.15, 0.02, 1.02, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0)),
}


def with_mood(preset: StylePreset, mood: str) -> StylePreset:
    nudge = _MOODS.get(str(mood))
    if nudge is None:
        return preset
    saturation, brightness, contrast, shadow, highlight = nudge
    shadow_r, shadow_g, shadow_b = (a + b for a, b in zip(preset.shadow_tint, shadow, strict=True))
    highlight_r, highlight_g, highlight_b = (a + b for a, b in zip(preset.highlight_tint, highlight, strict=True))
    return replace(
        preset,
        saturation=preset.saturation * saturation,
        brightness=preset.brightness + brightness,
        contrast=preset.contrast * contrast,
        shadow_tint=(shadow_r, shadow_g, shadow_b),
        highlight_tint=(highlight_r, highlight_g, highlight_b),
    )


def resolve_style(style: str) -> StylePreset:
    """The preset whose keywords the style text mentions (first match wins); typos are matched loosely."""
    text = " ".join(style.lower().replace("_", " ").split())
    for name, words in _KEYWORDS:
        if any(word in text for word in words):
            return PRESETS[name]
    vocabulary = {word: name for name, words in _KEYWORDS for word in words}
    for token in text.split():
        close = difflib.get_close_matches(token, list(vocabulary), n=1, cutoff=0.8)
        if close:
            return PRESETS[vocabulary[close[0]]]
    return PRESETS["cinematic"]


def painted_by_network(preset: StylePreset) -> bool:
    """Whether the style network paints this look here (it names a painting style and the model is installed)."""
    return preset.neural is not None and style_transfer.available()


_LUMA = (0.2126, 0.7152, 0.0722)


def _luma(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., 0] * _LUMA[0] + rgb[..., 1] * _LUMA[1] + rgb[..., 2] * _LUMA[2]


class Grader:
    def __init__(self, preset: StylePreset, width: int, height: int, rng: np.random.Generator):
        self.preset = preset
        self.width = width
        self.height = height
        self._rng = rng
        # The network's painting replaces the procedural brushwork (washes, cel bands, ink lines), not the grade.
        self._brushwork = preset.neural_brushwork or not painted_by_network(preset)
        self._matrix = self._colour_matrix()
        self._overlay = self._screen_overlay()
        self._grain = self._grain_tile() if preset.grain > 0 else None

    # -- colour (pre-render) -----------------------------------------------------------------------------
    def _colour_matrix(self) -> np.ndarray:
        """Gains, contrast, brightness and saturation (or monochrome) folded into one 3x4 affine."""
        p = self.preset
        luma = np.asarray(_LUMA, np.float64)
        gains = np.diag(np.asarray(p.gains, np.float64))
        if p.monochrome:
            mixing = np.outer(np.asarray((1.0, 0.99, 0.96)), luma)
        else:
            mixing = np.outer(np.ones(3), luma) * (1 - p.saturation) + np.eye(3) * p.saturation
        linear = mixing @ (gains * p.contrast)
        offset = mixing @ np.full(3, 0.5 - 0.5 * p.contrast + p.brightness)
        return np.hstack([linear, offset[:, None]]).astype(np.float32)

    def grade(self, rgb: np.ndarray) -> np.ndarray:
        """Float RGB 0..1 (straight, not premultiplied) -> graded float RGB."""
        p = self.preset
        shape = rgb.shape
        flat = np.ascontiguousarray(rgb, dtype=np.float32).reshape(-1, 1, 3)
        x: np.ndarray = cv2.transform(flat, self._matrix).reshape(shape)
        if not p.monochrome and (any(p.shadow_tint) or any(p.highlight_tint)):
            lum = np.clip(_luma(x), 0, 1)[..., None]
            x += np.square(1.0 - lum) * np.asarray(p.shadow_tint, np.float32)
            x += np.square(lum) * np.asarray(p.highlight_tint, np.float32)
        if p.cel_levels and self._brushwork:
            value = np.maximum(x.max(axis=-1, keepdims=True), 1e-4)
            steps = p.cel_levels
            scaled = np.clip(value, 0, 1) * steps
            floor = np.floor(scaled)
            # Soft steps: a short ramp between bands instead of a hard edge.
            banded = (floor + np.clip((scaled - floor - 0.85) / 0.15, 0, 1) + 0.5) / steps
            x *= np.minimum(banded, 1.05) / value
        if p.lift:
            x *= np.float32(1.0 - p.lift)
            x += np.float32(p.lift)
        return np.clip(x, 0.0, 1.0, out=x)

    def grade_colour(self, colour: Colour) -> Colour:
        out = self.grade(np.asarray(colour, np.float32).reshape(1, 1, 3))[0, 0]
        return (float(out[0]), float(out[1]), float(out[2]))

    # -- layers (pre-render) -----------------------------------------------------------------------------
    def stylise(self, premult: np.ndarray, opaque: bool = False) -> np.ndarray:
        """Grade and texture a premultiplied RGBA layer (only where it has content)."""
        glow = self.preset.halation > 0 or self.preset.bloom > 0
        box = content_box(premult, pad=int(min(self.width, self.height) * 0.06) if glow else 2)
        result = np.zeros_like(premult)
        if box is None:
            return result
        y0, y1, x0, x1 = box
        result[y0:y1, x0:x1] = self._stylise(premult[y0:y1, x0:x1], opaque)
        return result

    def _stylise(self, premult: np.ndarray, opaque: bool) -> np.ndarray:
        p = self.preset
        if opaque:
            rgb = premult[..., :3].astype(np.float32) * np.float32(1 / 255)
            alpha = None
            straight = rgb
        else:
            data = premult.astype(np.float32) * np.float32(1 / 255)
            alpha = data[..., 3:4]
            rgb = data[..., :3]
            straight = np.minimum(rgb / np.maximum(alpha, 1e-3), 1.0)
        if p.paint and self._brushwork:
            straight = self._paint(straight, alpha if alpha is not None else np.ones_like(rgb[..., :1]))
        if p.vhs:
            straight = self._smear(straight)
        graded = self.grade(np.clip(straight, 0, 1))
        if alpha is None:
            out = graded
        else:
            # Light beyond the coverage (glows) keeps its brightness above the covered colour.
            extra = np.clip(rgb - alpha, 0, None)
            if p.monochrome:
                extra = np.repeat(_luma(extra)[..., None], 3, axis=-1)
            out = graded * alpha + extra
        if p.outline > 0 and self._brushwork:
            out = self._outline(out, alpha if alpha is not None else np.ones_like(rgb[..., :1]), graded)
        if p.halation > 0 or p.bloom > 0:
            out = self._glow(out)
        result = np.empty_like(premult)
        result[..., :3] = to_u8(out)
        result[..., 3] = premult[..., 3] if not opaque else 255
        return result

    def _glow(self, rgb: np.ndarray) -> np.ndarray:
        p = self.preset
        lum = _luma(rgb)
        bright = np.clip(lum - 0.72, 0, None)[..., None]
        unit = min(self.width, self.height)
        if not bright.any():
            return rgb
        halo = soft_blur(bright * rgb, unit * 0.02)
        out = rgb
        if p.bloom:
            out = out + halo * p.bloom * 2.0
        if p.halation:
            out = (
                out
                + soft_blur(bright[..., 0], unit * 0.008)[..., None]
                * np.asarray((1.0, 0.35, 0.15), np.float32)
                * p.halation
                * 2.5
            )
        return out

    def _paint(self, rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
        """Watercolour: flattened washes, pigment pooling at edges, granulation."""
        unit = min(self.width, self.height)
        src = np.clip(rgb * 255, 0, 255).astype(np.uint8)
        flat = cv2.edgePreservingFilter(src, flags=cv2.RECURS_FILTER, sigma_s=unit * 0.05, sigma_r=0.35)
        flat = flat.astype(np.float32) / 255.0
        gray = _luma(flat)
        edges = np.abs(cv2.Laplacian(cv2.GaussianBlur(gray, (0, 0), 1.2), cv2.CV_32F, ksize=3))
        edges = np.clip(edges * 4.0, 0, 0.35)[..., None]
        h, w = rgb.shape[:2]
        grain = value_noise(h, w, unit / 90, self._rng) * 0.5 + value_noise(h, w, unit / 18, self._rng) * 0.5
        wash = flat * (1.0 - edges * 0.6) * (1.0 + grain[..., None] * 0.06)
        return wash * 0.92 + 0.08

    def _smear(self, rgb: np.ndarray) -> np.ndarray:
        """VHS: soft luma, chroma smeared sideways and shifted."""
        ycc = cv2.cvtColor(np.clip(rgb, 0, 1).astype(np.float32), cv2.COLOR_RGB2YCrCb)
        unit = min(self.width, self.height)
        k = max(3, int(unit * 0.012)) | 1
        shift = max(1, int(unit * 0.004))
        for ch in (1, 2):
            smeared = cv2.blur(ycc[..., ch], (k, 1))
            ycc[..., ch] = np.roll(smeared, shift, axis=1)
        ycc[..., 0] = cv2.GaussianBlur(ycc[..., 0], (0, 0), 0.8)
        return cv2.cvtColor(ycc, cv2.COLOR_YCrCb2RGB)

    def _outline(self, out: np.ndarray, alpha: np.ndarray, graded: np.ndarray) -> np.ndarray:
        """Anime ink: dark lines where colour or coverage changes sharply."""
        gray = np.clip(_luma(graded) * alpha[..., 0] * 255, 0, 255).astype(np.uint8)
        cover = np.clip(alpha[..., 0] * 255, 0, 255).astype(np.uint8)
        unit = min(self.width, self.height)
        edges = cv2.Canny(cv2.GaussianBlur(gray, (0, 0), 1.0), 40, 110) | cv2.Canny(cover, 60, 160)
        if unit > 900:
            edges = cv2.dilate(edges, np.ones((2, 2), np.uint8))
        ink = cv2.GaussianBlur(edges.astype(np.float32) / 255.0, (0, 0), 0.6)[..., None] * self.preset.outline
        ink_colour = np.asarray((0.08, 0.06, 0.1), np.float32)
        return out * (1.0 - ink) + ink_colour * alpha * ink

    # -- screen space (per frame) ---------------------------------------------------------------------------
    def _screen_overlay(self) -> np.ndarray | None:
        p = self.preset
        w, h = self.width, self.height
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        nx, ny = (xs / w - 0.5) * 2, (ys / h - 0.5) * 2
        radius = np.sqrt(nx * nx * 0.8 + ny * ny * 1.0)
        mult = 1.0 - p.vignette * np.clip(radius - 0.35, 0, None) ** 1.6
        unit = min(w, h)
        if p.paint:
            paper = value_noise(h, w, unit / 150, self._rng) * 0.6 + value_noise(h, w, unit / 30, self._rng) * 0.4
            mult = mult * (0.965 + 0.035 * paper)
        if p.vhs:
            mult = mult * np.where((ys.astype(np.int32) // max(1, round(h / 360))) % 2 == 0, 1.0, 0.93)
        if np.allclose(mult, 1.0):
            return None
        over = np.clip(mult * 255.0, 0, 255).astype(np.uint8)
        return cv2.merge([over, over, over, np.full_like(over, 255)])

    def _grain_tile(self) -> np.ndarray:
        h, w = self.height + 64, self.width + 64
        noise = self._rng.normal(0.0, 1.0, (h, w)).astype(np.float32)
        if min(self.width, self.height) > 900:
            noise = cv2.GaussianBlur(noise, (0, 0), 0.7) * 1.6
        mono = np.clip(128 + noise * 40, 0, 255).astype(np.uint8)
        return cv2.merge([mono, mono, mono, mono])

    def finish(self, frame: np.ndarray, index: int) -> None:
        """In-place per-frame touches on an RGBA frame."""
        p = self.preset
        if self._overlay is not None:
            cv2.multiply(frame, self._overlay, dst=frame, scale=1.0 / 255.0)
        if self._grain is not None:
            rng = np.random.default_rng(index * 7919 + 17)
            ox, oy = (int(v) for v in rng.integers(0, 64, 2))
            view = self._grain[oy : oy + self.height, ox : ox + self.width]
            amount = p.grain * 2.2
            cv2.addWeighted(frame, 1.0, view, amount, -128.0 * amount, dst=frame)
        if p.vhs:
            self._tracking(frame, index)

    def _tracking(self, frame: np.ndarray, index: int) -> None:
        h = self.height
        band = max(2, h // 60)
        y = int((index * h / 90.0) % (h + band * 4)) - band * 2
        y0, y1 = max(0, y), min(h, y + band)
        if y1 > y0:
            shift = max(1, self.width // 160)
            frame[y0:y1] = np.roll(frame[y0:y1], shift, axis=1)
            cv2.add(frame[y0:y1], np.full_like(frame[y0:y1], 22), dst=frame[y0:y1])
        scale = self.height / 720.0
        cv2.putText(
            frame,
            "PLAY",
            (round(40 * scale), round(60 * scale)),
            cv2.FONT_HERSHEY_SIMPLEX,
            1.1 * scale,
            (235, 235, 235, 255),
            max(1, round(2 * scale)),
            cv2.LINE_AA,
        )
        cv2.fillPoly(
            frame,
            [
                np.array(
                    [
                        [round(150 * scale), round(36 * scale)],
                        [round(150 * scale), round(62 * scale)],
                        [round(172 * scale), round(49 * scale)],
                    ],
                    np.int32,
                )
            ],
            (235, 235, 235, 255),
            cv2.LINE_AA,
        )
