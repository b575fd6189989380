"""Painterly looks: the shot's layers and the protagonist repainted by the style network, once per shot.

The picture at rest is painted from the back to the front, each part together with what lies behind it: the
scene (back and mid layers) as one picture, in broader strokes, then the person over the painted scene, then the
near layer over both, so person and scene share one brushwork. Each painted composite is split again with the
layer's alpha: the layer keeps what makes the painted composite differ from the painted picture behind it. At
rest the frame is the painted picture; as the camera and the person move, each layer carries its own paint.
Every frame reuses these layers, so nothing shimmers. Without the style network the layers are returned as they
came (the procedural look).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from personavlog.engines.visual.animatic.compositor import split_sparse
from personavlog.engines.visual.animatic.paint import content_box, soft_blur, to_u8
from personavlog.engines.visual.animatic.person import PersonSprite
from personavlog.engines.visual.animatic.style import StylePreset, painted_by_network
from personavlog.vision import style_transfer

PAINT_SHORT_SIDE = style_transfer.MIN_SHORT_SIDE
"""The frame's short side as the network paints it, at every output size: the strokes keep their size relative
to the picture, faces keep their identity, and a 720p shot costs half of what painting it at full size would."""
_SCENE_SCALE = 0.75
"""The scene (no face in it) is painted at this fraction of the working size: broader strokes behind the person,
as a painter loosens the background, for a little over half the cost of the largest picture of the shot."""
_HIDDEN_SCALE = 0.5
"""The back behind the mid layer shows only in slivers as the layers slide apart: painted at this fraction of
the scene's size, a quarter of the cost."""
_LIGHT_RADIUS = 0.02
"""The shot's light is kept over areas this wide (share of the frame's short side), wider than a stroke."""
_CONTEXT = 16
"""Canvas pixels around a piece that the network sees with it (no seams at the piece's box)."""
_UNIT = np.float32(1 / 255)


@dataclass
class PaintedLayers:
    back: np.ndarray
    mid: np.ndarray | None
    person: PersonSprite
    near: np.ndarray | None


def _mix(original: np.ndarray, painted: np.ndarray, strength: np.ndarray | float, palette: float) -> np.ndarray:
    """Float RGB: the painting's light and brushwork by `strength`, its colours by `strength * palette`."""
    source = cv2.cvtColor(original, cv2.COLOR_RGB2YCrCb)
    target = cv2.cvtColor(painted, cv2.COLOR_RGB2YCrCb)
    weight = np.asarray(strength, np.float32)
    if weight.ndim == 2:
        weight = weight[..., None]
    mixed = source + (target - source) * (weight * np.asarray((1.0, palette, palette), np.float32))
    return np.clip(cv2.cvtColor(mixed.astype(np.float32), cv2.COLOR_YCrCb2RGB), 0.0, 1.0)


def _luma(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., 0] * 0.2126 + rgb[..., 1] * 0.7152 + rgb[..., 2] * 0.0722


def _detail(look: StylePreset, rgb: np.ndarray, light_radius: float) -> np.ndarray:
    """From `neural_flat` where the picture is flat to 1 where it has edges and texture nearby."""
    luma = _luma(rgb)
    edges = np.abs(cv2.Sobel(luma, cv2.CV_32F, 1, 0, ksize=3)) + np.abs(cv2.Sobel(luma, cv2.CV_32F, 0, 1, ksize=3))
    busy = np.clip(soft_blur(edges, light_radius * 0.5) * 6.0, 0.0, 1.0)
    flat = look.neural_flat
    return flat + (1.0 - flat) * busy


def _paint_in_look(
    look: StylePreset, rgb: np.ndarray, scale: float, light_radius: float, strength: np.ndarray | float | None = None
) -> np.ndarray:
    """Float RGB painted by the network at `scale` (its working size), mixed in as the look asks: the shot's light
    kept over `light_radius` px, the painting's strength (the look's, unless given) and palette."""
    assert look.neural is not None
    painted = style_transfer.transfer(to_u8(rgb), look.neural, scale).astype(np.float32) * _UNIT
    if look.neural_light > 0:
        # Equal parts of R, G and B shift the luma by that much: the shot's light, under the painting's strokes.
        lost = soft_blur(_luma(rgb) - _luma(painted), light_radius)
        painted = np.clip(painted + (lost * look.neural_light)[..., None], 0.0, 1.0)
    chosen = look.neural_strength if strength is None else strength
    if look.neural_flat < 1.0:
        chosen = chosen * _detail(look, rgb, light_radius)
    return _mix(rgb, painted, chosen, look.neural_palette)


def _split(painted: np.ndarray, behind: np.ndarray, layer: np.ndarray) -> np.ndarray:
    """Float premultiplied RGB of a layer (premultiplied RGBA, float) whose painted composite over the painted
    `behind` is `painted`. Light beyond the layer's coverage (a lamp's glow) stays the light it was."""
    alpha = layer[..., 3:]
    glow = np.clip(layer[..., :3] - alpha, 0.0, None)
    return np.clip(painted - behind * (1.0 - alpha), 0.0, alpha) + glow


def _rgba(premult_rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    out = np.empty((*alpha.shape[:2], 4), np.uint8)
    out[..., :3] = to_u8(premult_rgb)
    out[..., 3] = alpha
    return out


def _window(canvas: np.ndarray, x: int, y: int, w: int, h: int) -> np.ndarray:
    """`canvas[y:y+h, x:x+w]`, its edge repeated where the window reaches outside."""
    ch, cw = canvas.shape[:2]
    xs = np.clip(np.arange(x, x + w), 0, cw - 1)
    ys = np.clip(np.arange(y, y + h), 0, ch - 1)
    return canvas[ys[:, None], xs[None, :]]


def _store(canvas: np.ndarray, x: int, y: int, values: np.ndarray) -> None:
    """`canvas[y:, x:] = values`, for the part of `values` that lies on the canvas."""
    ch, cw = canvas.shape[:2]
    h, w = values.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(cw, x + w), min(ch, y + h)
    if x1 > x0 and y1 > y0:
        canvas[y0:y1, x0:x1] = values[y0 - y : y1 - y, x0 - x : x1 - x]


class _Painting:
    """The shot's picture at rest on the canvas, plain and painted, built up from the back."""

    def __init__(self, look: StylePreset, scale: float, light_radius: float):
        assert look.neural is not None
        self.look = look
        self.scale = scale
        self.light_radius = light_radius
        self.plain = np.zeros((0, 0, 3), np.float32)
        self.painted = self.plain

    def _paint(self, rgb: np.ndarray, strength: np.ndarray | float | None = None, scale: float = 1.0) -> np.ndarray:
        return _paint_in_look(self.look, rgb, self.scale * scale, self.light_radius, strength)

    def _paint_wrapped(self, rgb: np.ndarray) -> np.ndarray:
        """A picture whose right edge continues at its left (a scrolling back layer) painted without a seam."""
        pad = min(4 * _CONTEXT, rgb.shape[1])
        wrapped = np.concatenate([rgb[:, -pad:], rgb, rgb[:, :pad]], axis=1)
        return self._paint(wrapped, scale=_SCENE_SCALE)[:, pad:-pad]

    def scene(
        self, back: np.ndarray, mid: np.ndarray | None, wrap: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The back and mid layers (canvas-sized premultiplied RGBA) painted as one picture; `wrap`: the back
        scrolls round (its edges meet).

        The back behind the mid layer is painted on its own (smaller), so that the slivers of it the sliding
        layers reveal hold the back's paint, not the mid layer's."""
        plain_back = back[..., :3].astype(np.float32) * _UNIT
        box = content_box(mid[..., 3]) if mid is not None else None
        if wrap:
            # All of a scrolling back comes into view: it is painted whole, and the mid layer over it.
            self.plain = plain_back
            self.painted = self._paint_wrapped(plain_back)
            painted_back = _rgba(self.painted, back[..., 3])
            if mid is None or box is None:
                return painted_back, mid
            y0, y1, x0, x1 = box
            painted_mid = np.zeros_like(mid)
            painted_mid[y0:y1, x0:x1] = self.add(mid[y0:y1, x0:x1], (x0, y0))
            return painted_back, painted_mid
        if mid is None or box is None:
            self.plain = plain_back
            self.painted = self._paint(plain_back, scale=_SCENE_SCALE)
            return _rgba(self.painted, back[..., 3]), mid
        top = mid.astype(np.float32) * _UNIT
        self.plain = top[..., :3] + plain_back * (1.0 - top[..., 3:])
        self.painted = self._paint(self.plain, scale=_SCENE_SCALE)
        # Behind the mid layer and a few pixels around it (where its strokes spill), the back's own paint.
        y0, y1, x0, x1 = box
        reach = max(2, round(0.01 * min(self.plain.shape[:2])))
        y0, y1, x0, x1 = max(0, y0 - reach), y1 + reach, max(0, x0 - reach), x1 + reach
        hidden = self._paint(plain_back[y0:y1, x0:x1], scale=_HIDDEN_SCALE * _SCENE_SCALE)
        cover = cv2.dilate(mid[y0:y1, x0:x1, 3], np.ones((2 * reach + 1, 2 * reach + 1), np.uint8))
        weight = np.clip(soft_blur(cover.astype(np.float32) * _UNIT, reach / 2) * 2.0, 0.0, 1.0)[..., None]
        painted_back = self.painted.copy()
        painted_back[y0:y1, x0:x1] += (hidden - painted_back[y0:y1, x0:x1]) * weight
        painted_mid = _split(self.painted, painted_back, top)
        self.painted = painted_mid + painted_back * (1.0 - top[..., 3:])
        return _rgba(painted_back, back[..., 3]), _rgba(painted_mid, mid[..., 3])

    def add(self, layer: np.ndarray, at: tuple[int, int], strength: np.ndarray | float | None = None) -> np.ndarray:
        """Premultiplied RGBA `layer` (its top-left at canvas `at`) painted over the picture so far, which then
        includes it."""
        pad = _CONTEXT
        x, y = at[0] - pad, at[1] - pad
        top = np.pad(layer, ((pad, pad), (pad, pad), (0, 0))).astype(np.float32) * _UNIT
        if isinstance(strength, np.ndarray):
            strength = np.pad(strength, pad, mode="edge")
        h, w = top.shape[:2]
        plain = top[..., :3] + _window(self.plain, x, y, w, h) * (1.0 - top[..., 3:])
        behind = _window(self.painted, x, y, w, h)
        premult = _split(self._paint(plain, strength), behind, top)
        _store(self.plain, x, y, plain)
        _store(self.painted, x, y, premult + behind * (1.0 - top[..., 3:]))
        return _rgba(premult[pad:-pad, pad:-pad], layer[..., 3])


def _face_strength(person: PersonSprite, box: tuple[int, int, int, int], look: StylePreset) -> np.ndarray:
    """The painting's strength over a box of the sprite: lower on the face (its identity), full elsewhere."""
    y0, y1, x0, x1 = box
    cx = person.face_centre[0] - person.origin[0] - x0
    cy = person.face_centre[1] - person.origin[1] - y0
    face_w, face_h = person.face_size
    ys, xs = np.ogrid[0 : y1 - y0, 0 : x1 - x0]
    distance = ((xs - cx) / (0.75 * face_w)) ** 2 + ((ys - cy) / (0.8 * face_h)) ** 2
    face = np.exp(-np.square(distance)).astype(np.float32)
    return look.neural_strength + (look.neural_face - look.neural_strength) * face


def _paint_person(painting: _Painting, person: PersonSprite, margin: tuple[int, int]) -> PersonSprite:
    box = content_box(person.image[..., 3])
    if box is None:
        return person
    y0, y1, x0, x1 = box
    at = (round(person.origin[0]) + margin[0] + x0, round(person.origin[1]) + margin[1] + y0)
    image = person.image.copy()
    image[y0:y1, x0:x1] = painting.add(person.image[y0:y1, x0:x1], at, _face_strength(person, box, painting.look))
    return replace(person, image=image)


def _paint_near(painting: _Painting, near: np.ndarray) -> np.ndarray:
    """The near layer painted piece by piece (only where it has content)."""
    out = np.zeros_like(near)
    for piece, x0, y0 in split_sparse(near):
        h, w = piece.shape[:2]
        out[y0 : y0 + h, x0 : x0 + w] = painting.add(piece, (x0, y0))
    return out


def paint_layers(
    look: StylePreset,
    back: np.ndarray,
    mid: np.ndarray | None,
    person: PersonSprite,
    near: np.ndarray | None,
    margin: tuple[int, int],
    frame_size: tuple[int, int],
    wrap: bool = False,
) -> PaintedLayers:
    """The canvas-sized premultiplied RGBA layers (back, mid, near) and the person sprite, painted in the look's
    style; unchanged when the look has no painting or the network is not installed.

    `margin` is where the frame's top-left corner lies on the canvas at rest; `wrap`: the back layer scrolls
    round.
    """
    if not painted_by_network(look):
        return PaintedLayers(back, mid, person, near)
    painting = _Painting(look, PAINT_SHORT_SIDE / min(frame_size), _LIGHT_RADIUS * min(frame_size))
    painted_back, painted_mid = painting.scene(back, mid, wrap)
    painted_person = _paint_person(painting, person, margin)
    painted_near = _paint_near(painting, near) if near is not None else None
    return PaintedLayers(painted_back, painted_mid, painted_person, painted_near)


FIGURE_SHORTEST = 24
"""A figure narrower than this (frame pixels, either side) keeps its grade only: the network's strokes are as
large as it is, and painting it would change nothing that shows."""


def _spread(covered: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Float straight RGB: a figure (premultiplied float RGB, its alpha) over its own colours spread outwards,
    so the network sees no black around it to paint a dark halo from."""
    levels = [(covered, alpha)]
    while min(levels[-1][1].shape) > 4:
        rgb, cover = levels[-1]
        levels.append((cv2.pyrDown(rgb), cv2.pyrDown(cover)))
    rgb, cover = levels[-1]
    mean = rgb.reshape(-1, 3).sum(axis=0) / max(float(cover.sum()), 1e-6)
    spread = rgb + (1.0 - cover[..., None]) * mean.astype(np.float32)
    for rgb, cover in reversed(levels[:-1]):
        spread = cv2.pyrUp(spread, dstsize=(cover.shape[1], cover.shape[0]))
        spread = rgb + (1.0 - cover[..., None]) * spread
    return np.clip(spread, 0.0, 1.0)


def paint_figure(look: StylePreset, premult: np.ndarray, frame_size: tuple[int, int]) -> np.ndarray:
    """A figure on its own (premultiplied RGBA, frame pixels) painted in the look's style at the scene's working
    scale, its alpha kept exactly; unchanged when the look has no painting, the network is not installed or the
    figure is smaller than FIGURE_SHORTEST."""
    if not painted_by_network(look):
        return premult
    box = content_box(premult[..., 3])
    if box is None or min(box[1] - box[0], box[3] - box[2]) < FIGURE_SHORTEST:
        return premult
    y0, y1, x0, x1 = box
    pad = _CONTEXT
    piece = np.pad(premult[y0:y1, x0:x1], ((pad, pad), (pad, pad), (0, 0))).astype(np.float32) * _UNIT
    alpha = piece[..., 3:]
    covered = np.minimum(piece[..., :3], alpha)
    # Light beyond the coverage (a glow) stays the light it was; only the covered colour is painted.
    glow = piece[..., :3] - covered
    short = min(frame_size)
    painted = _paint_in_look(look, _spread(covered, alpha[..., 0]), PAINT_SHORT_SIDE / short, _LIGHT_RADIUS * short)
    out = premult.copy()
    out[y0:y1, x0:x1, :3] = to_u8((painted * alpha + glow)[pad:-pad, pad:-pad])
    return out
