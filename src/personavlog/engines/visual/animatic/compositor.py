"""Per-frame assembly of pre-rendered planes: only affine warps and uint8 blends happen per frame.

Planes are premultiplied RGBA. 'opaque' planes fill the frame, 'over' planes are alpha-composited, 'add'
planes are light (zero coverage) added with a gain. Planes that never move are warped once and reused.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

Matrix = np.ndarray
Effect = Callable[[np.ndarray, int], None]
"""fn(frame, index): draws into the frame in place."""


@dataclass
class Plane:
    image: np.ndarray
    matrices: list[Matrix]
    """One 2x3 affine per frame, mapping this plane's pixels to frame pixels."""
    mode: str = "over"
    gains: list[float] | None = None
    wrap: bool = False
    windows: list[tuple[int, int, int, int]] | None = None
    """For an 'over' plane right above the opaque one: the only places it can be seen through."""
    frames: Callable[[int], np.ndarray] | None = None
    """For a plane whose picture changes (a living face): fn(index) -> that frame's image, shaped like `image`."""
    _cache: tuple[int, int, np.ndarray, np.ndarray | None] | None = field(default=None, repr=False)
    _fixed: bool | None = field(default=None, repr=False)

    def is_fixed(self) -> bool:
        """The plane never moves (its light may still pulse)."""
        if self.frames is not None:
            return False
        if self._fixed is None:
            first = self.matrices[0]
            self._fixed = all(np.array_equal(first, m) for m in self.matrices[1:])
        return self._fixed

    def is_static(self) -> bool:
        """Nothing about the plane changes from frame to frame."""
        return self.is_fixed() and (self.gains is None or len(set(self.gains)) <= 1)


def coverage(image: np.ndarray) -> np.ndarray:
    """True where an RGBA uint8 image has anything (coverage or light): one 32-bit test per pixel."""
    packed = np.ascontiguousarray(image).view(np.uint32)[..., 0]
    return packed != 0


def _runs(filled: npt.ArrayLike, gap: int) -> list[tuple[int, int]]:
    """[start, end) ranges of True, splitting only where at least `gap` False values separate them."""
    idx = np.flatnonzero(filled)
    if len(idx) == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > gap)
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    ends = np.concatenate([idx[breaks] + 1, [idx[-1] + 1]])
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def split_sparse(image: np.ndarray, gap: int = 12) -> list[tuple[np.ndarray, int, int]]:
    """Pieces of a mostly empty layer (string lights at the top, grass at the bottom) with their offsets.

    Pieces are separated by fully empty rows/columns, so warping them one by one cannot leave seams.
    """
    visible = coverage(image)
    pieces: list[tuple[np.ndarray, int, int]] = []
    for y0, y1 in _runs(visible.any(axis=1), gap):
        band = visible[y0:y1]
        for x0, x1 in _runs(band.any(axis=0), gap):
            pieces.append((np.ascontiguousarray(image[y0:y1, x0:x1]), x0, y0))
    return pieces


def holes(image: np.ndarray, max_rects: int = 6) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) covering every pixel of a layer that lets what is behind show through."""
    see_through: np.ndarray = (image[..., 3] < 255).astype(np.uint8)
    see_through = cv2.dilate(see_through, np.ones((5, 5), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(see_through, connectivity=8)
    boxes = sorted(
        ((int(s[0]), int(s[1]), int(s[0] + s[2]), int(s[1] + s[3])) for s in stats[1:count]),
        key=lambda b: (b[2] - b[0]) * (b[3] - b[1]),
        reverse=True,
    )
    if len(boxes) > max_rects:
        rest = boxes[max_rects - 1 :]
        merged = (min(b[0] for b in rest), min(b[1] for b in rest), max(b[2] for b in rest), max(b[3] for b in rest))
        boxes = [*boxes[: max_rects - 1], merged]
    return boxes


def crop_to_content(image: np.ndarray) -> tuple[np.ndarray, int, int] | None:
    """The smallest sub-image holding everything visible (coverage or light), and its offset."""
    visible = coverage(image)
    rows = np.flatnonzero(visible.any(axis=1))
    if len(rows) == 0:
        return None
    cols = np.flatnonzero(visible.any(axis=0))
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    return np.ascontiguousarray(image[y0:y1, x0:x1]), int(x0), int(y0)


def _roi(matrix: Matrix, src_w: int, src_h: int, frame_w: int, frame_h: int) -> tuple[int, int, int, int] | None:
    corners = np.array([[0, 0, 1], [src_w, 0, 1], [0, src_h, 1], [src_w, src_h, 1]], np.float64)
    mapped = corners @ matrix.T
    x0 = max(0, int(np.floor(mapped[:, 0].min())) - 1)
    y0 = max(0, int(np.floor(mapped[:, 1].min())) - 1)
    x1 = min(frame_w, int(np.ceil(mapped[:, 0].max())) + 1)
    y1 = min(frame_h, int(np.ceil(mapped[:, 1].max())) + 1)
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1, y1


def _warp(
    plane: Plane, matrix: Matrix, frame_w: int, frame_h: int, image: np.ndarray | None = None
) -> tuple[int, int, np.ndarray] | None:
    image = plane.image if image is None else image
    h, w = image.shape[:2]
    box = _roi(matrix, w, h, frame_w, frame_h)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    local = matrix.copy()
    local[0, 2] -= x0
    local[1, 2] -= y0
    warped = cv2.warpAffine(
        image,
        local,
        (x1 - x0, y1 - y0),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0, 0),
    )
    return x0, y0, warped


def _inverse_alpha(warped: np.ndarray) -> np.ndarray:
    inv = 255 - warped[..., 3]
    return cv2.merge([inv, inv, inv, inv])


def _warp_opaque(frame: np.ndarray, plane: Plane, matrix: Matrix, rect: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = rect
    local = matrix.copy()
    local[0, 2] -= x0
    local[1, 2] -= y0
    border = cv2.BORDER_WRAP if plane.wrap else cv2.BORDER_REPLICATE
    roi = frame[y0:y1, x0:x1]
    cv2.warpAffine(plane.image, local, (x1 - x0, y1 - y0), dst=roi, flags=cv2.INTER_LINEAR, borderMode=border)


def draw_opaque(frame: np.ndarray, plane: Plane, index: int, cover: Plane | None = None) -> None:
    """Fill the frame with an opaque plane; where `cover` is known to hide it, skip the work."""
    frame_h, frame_w = frame.shape[:2]
    matrix = plane.matrices[index]
    if cover is None or cover.windows is None:
        _warp_opaque(frame, plane, matrix, (0, 0, frame_w, frame_h))
        return
    cover_matrix = cover.matrices[index]
    cover_h, cover_w = cover.image.shape[:2]
    cover_box = _roi(cover_matrix, cover_w, cover_h, frame_w, frame_h)
    if cover_box is None:
        _warp_opaque(frame, plane, matrix, (0, 0, frame_w, frame_h))
        return
    # Shrink to a box surely inside the (possibly slightly rotated) cover, past its anti-aliased rim.
    tilt = abs(float(cover_matrix[0, 1])) * max(cover_w, cover_h)
    inset = 2 + math.ceil(tilt)
    cx0, cy0, cx1, cy1 = cover_box
    cx0, cy0, cx1, cy1 = cx0 + inset, cy0 + inset, cx1 - inset, cy1 - inset
    top, bottom = max(0, cy0), min(frame_h, cy1)
    rects = [
        (0, 0, frame_w, top),
        (0, bottom, frame_w, frame_h),
        (0, top, max(0, cx0), bottom),
        (min(frame_w, cx1), top, frame_w, bottom),
    ]
    for x0, y0, x1, y1 in cover.windows:
        box = _roi(_shifted(cover.matrices[index], x0, y0), x1 - x0, y1 - y0, frame_w, frame_h)
        if box is not None:
            rects.append(box)
    for rect in rects:
        if rect[2] > rect[0] and rect[3] > rect[1]:
            _warp_opaque(frame, plane, matrix, rect)


def _shifted(matrix: Matrix, dx: float, dy: float) -> Matrix:
    out = matrix.copy()
    out[:, 2] += matrix[:, :2] @ np.array([dx, dy])
    return out


def draw_plane(frame: np.ndarray, plane: Plane, index: int) -> None:
    frame_h, frame_w = frame.shape[:2]
    matrix = plane.matrices[index]
    if plane.mode == "opaque":
        draw_opaque(frame, plane, index)
        return
    if plane._cache is not None:
        x0, y0, warped, inv = plane._cache
    else:
        image = plane.frames(index) if plane.frames is not None else None
        placed = _warp(plane, matrix, frame_w, frame_h, image)
        if placed is None:
            return
        x0, y0, warped = placed
        inv = _inverse_alpha(warped) if plane.mode == "over" else None
        if plane.is_fixed():
            plane._cache = (x0, y0, warped, inv)
    roi = frame[y0 : y0 + warped.shape[0], x0 : x0 + warped.shape[1]]
    if plane.mode == "add":
        gain = 1.0 if plane.gains is None else plane.gains[index]
        if gain > 0.004:
            cv2.addWeighted(roi, 1.0, warped, gain, 0.0, dst=roi)
        return
    assert inv is not None, "an 'over' plane always carries its inverse alpha"
    cv2.multiply(roi, inv, dst=roi, scale=1.0 / 255.0)
    cv2.add(roi, warped, dst=roi)


class FrameComposer:
    """Draws planes in order; a static prefix of the stack is flattened into one background up front."""

    def __init__(
        self,
        width: int,
        height: int,
        planes: list[Plane],
        effects: list[tuple[int, Effect]] | None = None,
    ):
        self.width = width
        self.height = height
        self.effects = sorted(effects or [], key=lambda e: e[0])
        """(position, fn): fn(frame, index) runs before the plane at `position` (len(planes): after all)."""
        prefix = 0
        first_effect = self.effects[0][0] if self.effects else len(planes)
        while prefix < len(planes) and prefix < first_effect and planes[prefix].is_static():
            prefix += 1
        self.base: np.ndarray | None = None
        if prefix > 0 and planes[0].mode == "opaque":
            base = np.zeros((height, width, 4), np.uint8)
            for plane in planes[:prefix]:
                draw_plane(base, plane, 0)
            self.base = base
            self.planes = planes[prefix:]
            self.effects = [(pos - prefix, fn) for pos, fn in self.effects]
        else:
            self.planes = planes
        self._frame = np.zeros((height, width, 4), np.uint8)

    def render(self, index: int) -> np.ndarray:
        frame = self._frame
        if self.base is not None:
            np.copyto(frame, self.base)
        effects = iter(self.effects)
        pending = next(effects, None)
        for position, plane in enumerate(self.planes):
            while pending is not None and pending[0] <= position:
                pending[1](frame, index)
                pending = next(effects, None)
            if plane.mode == "opaque" and position + 1 < len(self.planes):
                draw_opaque(frame, plane, index, self.planes[position + 1])
            else:
                draw_plane(frame, plane, index)
        while pending is not None:
            pending[1](frame, index)
            pending = next(effects, None)
        return frame
