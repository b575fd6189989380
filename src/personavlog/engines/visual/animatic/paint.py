"""A painting surface for one scene layer: albedo, light emission and cast shadows, lit once at the end.

Albedo is premultiplied RGBA, so OpenCV's anti-aliased drawing of an opaque shape is exactly "shape over
what is there". Emission is added after lighting (lit windows stay bright at night) and blooms outwards.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from personavlog.engines.visual.animatic.light import Colour

Point = tuple[float, float]
_SHIFT = 4
_ONE = 1 << _SHIFT


def _fixed(points: Sequence[Point]) -> np.ndarray:
    return np.round(np.asarray(points, dtype=np.float64) * _ONE).astype(np.int32).reshape(-1, 1, 2)


def _byte(colour: Colour) -> tuple[int, int, int]:
    red, green, blue = (min(255, max(0, round(c * 255))) for c in colour)
    return red, green, blue


def to_u8(values: np.ndarray, scale: float = 255.0) -> np.ndarray:
    """Float image -> uint8, multiplied by `scale`, rounded and saturated (much faster than numpy's clip)."""
    flat = np.ascontiguousarray(values, dtype=np.float32)
    h = flat.shape[0]
    # The stubs take only arrays as the second operand; OpenCV also takes a scalar.
    return cv2.multiply(flat.reshape(h, -1), scale, dtype=cv2.CV_8U).reshape(flat.shape)  # type: ignore[call-overload]


def content_box(image: np.ndarray, pad: int = 0) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1) around the non-zero pixels (any channel) of an image or mask, grown by `pad`."""
    h, w = image.shape[:2]
    rows = np.flatnonzero(image.reshape(h, -1).any(axis=1))
    if len(rows) == 0:
        return None
    cols_any = np.asarray(image.any(axis=0))
    cols = np.flatnonzero(cols_any.any(axis=1) if cols_any.ndim > 1 else cols_any)
    return (max(0, rows[0] - pad), min(h, rows[-1] + 1 + pad), max(0, cols[0] - pad), min(w, cols[-1] + 1 + pad))


def mix(a: Colour, b: Colour, t: float) -> Colour:
    red, green, blue = (float(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return red, green, blue


def scale(a: Colour, k: float) -> Colour:
    red, green, blue = (float(x * k) for x in a)
    return red, green, blue


def hex_colour(value: str) -> Colour:
    value = value.lstrip("#")
    red, green, blue = (int(value[i : i + 2], 16) / 255.0 for i in (0, 2, 4))
    return red, green, blue


def soft_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur; wide ones run on a reduced copy (a wide blur has no fine detail to lose)."""
    if sigma <= 3.0:
        return cv2.GaussianBlur(image, (0, 0), max(0.3, sigma))
    factor = sigma / 2.0
    h, w = image.shape[:2]
    small = cv2.resize(image, (max(2, round(w / factor)), max(2, round(h / factor))), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), 2.0)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def value_noise(height: int, width: int, cell: float, rng: np.random.Generator) -> np.ndarray:
    """Smooth noise in -1..1 with features about `cell` pixels across."""
    gh, gw = max(2, int(height / cell) + 2), max(2, int(width / cell) + 2)
    grid = rng.uniform(-1.0, 1.0, (gh, gw)).astype(np.float32)
    return cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)


def ridge(
    count: int, rng: np.random.Generator, roughness: float = 0.55, octaves: int = 6, span: float = 1.78
) -> np.ndarray:
    """A 1-D fractal profile of `count` samples in roughly -1..1 (mountain and dune outlines).

    `span` is the width in units of the picture's short side: wider pictures get proportionally more features.
    """
    total = np.zeros(count, np.float32)
    amplitude, cells = 1.0, max(1, round(1.1 * span))
    norm = 0.0
    for _ in range(octaves):
        knots = rng.uniform(-1.0, 1.0, cells + 2).astype(np.float32)
        xs = np.linspace(0, cells, count, dtype=np.float32)
        total += amplitude * np.interp(xs, np.arange(cells + 2, dtype=np.float32), knots).astype(np.float32)
        norm += amplitude
        amplitude *= roughness
        cells *= 2
    return total / norm


class Canvas:
    def __init__(self, width: int, height: int):
        self.width = width
        self.height = height
        self.albedo = np.zeros((height, width, 4), np.uint8)
        self.emit = np.zeros((height, width, 3), np.uint8)
        self.shade = np.zeros((height, width), np.uint8)

    @property
    def unit(self) -> float:
        """Size unit for shapes: the short side, so compositions survive any aspect ratio."""
        return float(min(self.width, self.height))

    # -- opaque or translucent shapes into albedo ---------------------------------------------------------
    def poly(self, points: Sequence[Point], colour: Colour, opacity: float = 1.0) -> None:
        self.polys([points], colour, opacity)

    def polys(self, shapes: Sequence[Sequence[Point]], colour: Colour, opacity: float = 1.0) -> None:
        if not shapes:
            return
        fixed = [_fixed(s) for s in shapes if len(s) >= 3]
        if opacity >= 0.999:
            cv2.fillPoly(self.albedo, fixed, (*_byte(colour), 255), cv2.LINE_AA, _SHIFT)
            return
        self._translucent(fixed, colour, opacity)

    def rect(self, x0: float, y0: float, x1: float, y1: float, colour: Colour, opacity: float = 1.0) -> None:
        self.poly([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], colour, opacity)

    def ellipse(
        self, cx: float, cy: float, rx: float, ry: float, colour: Colour, opacity: float = 1.0, angle: float = 0.0
    ) -> None:
        pts = np.asarray(cv2.ellipse2Poly((0, 0), (1000, 1000), 0, 0, 360, 6)).astype(np.float64) / 1000.0
        rad = np.deg2rad(angle)
        cos, sin = np.cos(rad), np.sin(rad)
        xs = cx + pts[:, 0] * rx * cos - pts[:, 1] * ry * sin
        ys = cy + pts[:, 0] * rx * sin + pts[:, 1] * ry * cos
        self.poly(list(zip(xs, ys, strict=True)), colour, opacity)

    def circle(self, cx: float, cy: float, r: float, colour: Colour, opacity: float = 1.0) -> None:
        self.ellipse(cx, cy, r, r, colour, opacity)

    def circles(self, centres: Sequence[Point], radii: Sequence[float], colour: Colour) -> None:
        for (cx, cy), r in zip(centres, radii, strict=True):
            cv2.circle(
                self.albedo,
                (round(cx * _ONE), round(cy * _ONE)),
                max(1, round(r * _ONE)),
                (*_byte(colour), 255),
                -1,
                cv2.LINE_AA,
                _SHIFT,
            )

    def line(
        self, x0: float, y0: float, x1: float, y1: float, colour: Colour, thickness: float, opacity: float = 1.0
    ) -> None:
        t = max(1, round(thickness))
        if opacity >= 0.999:
            p0, p1 = (round(x0 * _ONE), round(y0 * _ONE)), (round(x1 * _ONE), round(y1 * _ONE))
            cv2.line(self.albedo, p0, p1, (*_byte(colour), 255), t, cv2.LINE_AA, _SHIFT)
            return
        length = max(1e-6, float(np.hypot(x1 - x0, y1 - y0)))
        nx, ny = -(y1 - y0) / length * t / 2, (x1 - x0) / length * t / 2
        self.poly([(x0 + nx, y0 + ny), (x1 + nx, y1 + ny), (x1 - nx, y1 - ny), (x0 - nx, y0 - ny)], colour, opacity)

    def vgradient(self, x0: float, y0: float, x1: float, y1: float, top: Colour, bottom: Colour) -> None:
        """Opaque rectangle shaded from `top` to `bottom`."""
        ix0, iy0 = max(0, int(np.floor(x0))), max(0, int(np.floor(y0)))
        ix1, iy1 = min(self.width, int(np.ceil(x1))), min(self.height, int(np.ceil(y1)))
        if ix1 <= ix0 or iy1 <= iy0:
            return
        t = np.clip((np.arange(iy0, iy1, dtype=np.float32) - y0) / max(1.0, y1 - y0), 0, 1)[:, None]
        col = (np.asarray(top, np.float32)[None, :] * (1 - t) + np.asarray(bottom, np.float32)[None, :] * t) * 255
        self.albedo[iy0:iy1, ix0:ix1, :3] = np.clip(col, 0, 255).astype(np.uint8)[:, None, :]
        self.albedo[iy0:iy1, ix0:ix1, 3] = 255

    def _translucent(self, fixed: Sequence[np.ndarray], colour: Colour, opacity: float) -> None:
        allpts = np.concatenate([f.reshape(-1, 2) for f in fixed]) / _ONE
        x0 = max(0, int(allpts[:, 0].min()) - 2)
        y0 = max(0, int(allpts[:, 1].min()) - 2)
        x1 = min(self.width, int(allpts[:, 0].max()) + 3)
        y1 = min(self.height, int(allpts[:, 1].max()) + 3)
        if x1 <= x0 or y1 <= y0:
            return
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        offset = np.array([x0 * _ONE, y0 * _ONE], np.int32)
        cv2.fillPoly(mask, [f - offset for f in fixed], 255, cv2.LINE_AA, _SHIFT)
        a = mask.astype(np.float32)[..., None] * (opacity / 255.0)
        roi = self.albedo[y0:y1, x0:x1].astype(np.float32)
        src = np.array([*(_byte(colour)), 255], np.float32)
        self.albedo[y0:y1, x0:x1] = np.clip(roi * (1 - a) + src * a, 0, 255).astype(np.uint8)

    def erase(self, points: Sequence[Point]) -> None:
        """Cut a hole (a window) through everything painted so far."""
        mask = np.zeros((self.height, self.width), np.uint8)
        cv2.fillPoly(mask, [_fixed(points)], 255, cv2.LINE_AA, _SHIFT)
        keep = (255 - mask).astype(np.float32)[..., None] / 255.0
        self.albedo[:] = (self.albedo.astype(np.float32) * keep).astype(np.uint8)
        self.emit[:] = (self.emit.astype(np.float32) * keep).astype(np.uint8)

    def erase_rect(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.erase([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])

    # -- light sources -------------------------------------------------------------------------------------
    def emit_poly(self, points: Sequence[Point], base: Colour, light: Colour, strength: float = 1.0) -> None:
        self.poly(points, base)
        cv2.fillPoly(self.emit, [_fixed(points)], _byte(scale(light, strength)), cv2.LINE_AA, _SHIFT)

    def emit_rect(
        self, x0: float, y0: float, x1: float, y1: float, base: Colour, light: Colour, strength: float = 1.0
    ) -> None:
        self.emit_poly([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], base, light, strength)

    def emit_circle(self, cx: float, cy: float, r: float, base: Colour, light: Colour, strength: float = 1.0) -> None:
        self.circle(cx, cy, r, base)
        cv2.circle(
            self.emit,
            (round(cx * _ONE), round(cy * _ONE)),
            max(1, round(r * _ONE)),
            _byte(scale(light, strength)),
            -1,
            cv2.LINE_AA,
            _SHIFT,
        )

    def glow(self, cx: float, cy: float, radius: float, light: Colour, strength: float = 1.0) -> None:
        """A soft pool of light added on top of everything (no coverage of its own)."""
        r = max(2.0, radius)
        x0, y0 = max(0, int(cx - 2.2 * r)), max(0, int(cy - 2.2 * r))
        x1, y1 = min(self.width, int(cx + 2.2 * r) + 1), min(self.height, int(cy + 2.2 * r) + 1)
        if x1 <= x0 or y1 <= y0:
            return
        ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        d2 = ((xs - cx) ** 2 + (ys - cy) ** 2) / (r * r)
        fall = np.exp(-d2 * 1.6) * strength
        add = fall[..., None] * np.asarray(light, np.float32)[None, None, :] * 255.0
        roi = self.emit[y0:y1, x0:x1].astype(np.float32)
        self.emit[y0:y1, x0:x1] = np.clip(roi + add, 0, 255).astype(np.uint8)

    # -- shadows ---------------------------------------------------------------------------------------------
    def shadow(self, points: Sequence[Point], amount: float = 1.0) -> None:
        mask = np.zeros_like(self.shade)
        cv2.fillPoly(mask, [_fixed(points)], int(255 * amount), cv2.LINE_AA, _SHIFT)
        np.maximum(self.shade, mask, out=self.shade)

    def cast_shadow(
        self,
        x: float,
        base_y: float,
        height: float,
        width: float,
        shadow_dir: float,
        length: float,
        amount: float = 1.0,
    ) -> None:
        """The ground shadow of an upright object standing at (x, base_y)."""
        reach = height * length * 0.55
        dx = shadow_dir * reach
        dy = height * 0.05 * min(1.0, length)
        half = width / 2
        self.shadow(
            [
                (x - half, base_y),
                (x + half, base_y),
                (x + half * 0.6 + dx, base_y + dy),
                (x - half * 0.6 + dx, base_y + dy),
            ],
            amount,
        )

    def has_content(self) -> bool:
        return bool(self.albedo[..., 3].any() or self.emit.any())


def finish(
    canvas: Canvas,
    direct: Colour,
    ambient: Colour,
    haze: Colour,
    haze_amount: float,
    shadow_strength: float,
    lights_on: float,
    rng: np.random.Generator,
    texture: float = 0.06,
    bloom: float = 0.6,
) -> np.ndarray:
    """Light the painted albedo and add emission: premultiplied RGBA uint8 (work is limited to painted areas)."""
    out = np.zeros((canvas.height, canvas.width, 4), np.uint8)
    emitting = lights_on > 0 and bool(canvas.emit.any())
    sigma = canvas.unit * 0.012
    box = content_box(canvas.albedo[..., 3])
    if emitting:
        glow_box = content_box(canvas.emit, pad=int(sigma * 4 * 3) if bloom > 0 else 0)
        if glow_box is not None:
            box = (
                glow_box
                if box is None
                else (
                    min(box[0], glow_box[0]),
                    max(box[1], glow_box[1]),
                    min(box[2], glow_box[2]),
                    max(box[3], glow_box[3]),
                )
            )
    if box is None:
        return out
    y0, y1, x0, x1 = box
    albedo = canvas.albedo[y0:y1, x0:x1].astype(np.float32) * np.float32(1 / 255)
    height, width = y1 - y0, x1 - x0
    if texture > 0:
        # Paint is never perfectly flat: a faint, large-grained variation keeps surfaces from looking synthetic.
        grain = value_noise(height, width, canvas.unit / 40.0, rng) * np.float32(0.6 * texture)
        grain += value_noise(height, width, canvas.unit / 260.0, rng) * np.float32(0.4 * texture)
        grain += 1.0
        albedo[..., :3] *= grain[..., None]
    # Light and haze are one affine map of premultiplied (r, g, b, a): colour * light * (1 - haze) + haze * a.
    keep = 1.0 - haze_amount
    full_light = np.asarray(ambient, np.float32) + np.asarray(direct, np.float32)
    matrix = np.zeros((3, 4), np.float32)
    matrix[:, :3] = np.diag(full_light * keep)
    matrix[:, 3] = np.asarray(haze, np.float32) * haze_amount
    lit: np.ndarray = cv2.transform(albedo, matrix)
    shade_box = content_box(canvas.shade[y0:y1, x0:x1])
    if shade_box is not None and shadow_strength > 0:
        sy0, sy1, sx0, sx1 = shade_box
        shade = canvas.shade[y0 + sy0 : y0 + sy1, x0 + sx0 : x0 + sx1].astype(np.float32)[..., None]
        blocked = np.asarray(direct, np.float32) * np.float32(shadow_strength * keep / 255)
        lit[sy0:sy1, sx0:sx1] -= albedo[sy0:sy1, sx0:sx1, :3] * shade * blocked
    if emitting:
        emission = canvas.emit[y0:y1, x0:x1].astype(np.float32) * np.float32(lights_on / 255)
        lit += emission
        if bloom > 0:
            lit += soft_blur(emission, sigma) * np.float32(bloom * 0.8)
            lit += soft_blur(emission, sigma * 4) * np.float32(bloom * 0.6)
    out[y0:y1, x0:x1, :3] = to_u8(lit)
    out[y0:y1, x0:x1, 3] = canvas.albedo[y0:y1, x0:x1, 3]
    return out
