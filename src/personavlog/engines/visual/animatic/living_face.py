"""The protagonist's face in motion: the sprite's face region redrawn every frame from its 468 landmarks.

The head turns by a smooth warp of the mesh (each landmark rotated in 3-D about the head's centre, projected back,
and fading to no motion at a ring around the face, so nothing tears where the warp ends). The eyes look around by
moving the iris inside the eye's outline. A blink paints the upper lid down over the eye in the lid's own skin
colour with a lash line along its edge, instead of stretching pixels into a smear. The mouth is never touched:
the monologue is an inner voice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial import Delaunay

from personavlog.engines.visual.animatic.face_motion import FaceMotion
from personavlog.engines.visual.animatic.person import PersonSprite
from personavlog.schema import FaceBox
from personavlog.vision.face_mesh import EYES, FACE_OVAL, EyeContour, face_landmarks

_RING_SCALE = 1.55
"""The warp fades to zero on an ellipse this many times the face oval's size around its centre."""
_FIELD_STEP = 4
"""The displacement field is interpolated on a grid this much coarser than the pixels, then smoothly enlarged."""


@dataclass
class _Eye:
    upper: np.ndarray
    """(n, 2) the upper lid, corner to corner (patch pixels)."""
    lower: np.ndarray
    closed: np.ndarray
    """Where the lids meet when shut: most of the way down, the lower lid rising a little."""
    lash: np.ndarray
    """Premultiplied RGBA of the lash line: the darkest of the open upper lid's edge."""
    thickness: int
    height: float
    """The eye's opening at its widest (patch pixels)."""


def _contour(points: np.ndarray, eye: EyeContour) -> tuple[np.ndarray, np.ndarray]:
    upper = points[[eye.outer, *eye.upper, eye.inner], :2]
    lower = points[[eye.outer, *eye.lower, eye.inner], :2]
    return upper.astype(np.float32), lower.astype(np.float32)


def _eye(patch: np.ndarray, points: np.ndarray, contour: EyeContour) -> _Eye:
    upper, lower = _contour(points, contour)
    height = max(1.0, float(np.max(lower[:, 1] - upper[:, 1])))
    closed = lower + 0.2 * (upper - lower)
    line = np.zeros(patch.shape[:2], np.uint8)
    cv2.polylines(line, [np.round(upper).astype(np.int32)], False, 255, max(1, round(0.12 * height)))
    along = patch[line > 0].astype(np.float32)
    if len(along):
        luma = along[:, :3].mean(axis=1)
        lash = along[luma <= np.percentile(luma, 20)].mean(axis=0)
    else:
        lash = np.array([40.0, 30.0, 28.0, 255.0], np.float32)
    return _Eye(upper, lower, closed, lash.astype(np.float32), max(1, round(0.08 * height)), height)


def _ring(centre: np.ndarray, radii: np.ndarray, count: int = 28) -> np.ndarray:
    angles = np.linspace(0, 2 * math.pi, count, endpoint=False)
    return np.stack([centre[0] + radii[0] * np.cos(angles), centre[1] + radii[1] * np.sin(angles)], axis=1)


def _rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    y, p, r = (math.radians(v) for v in (yaw, pitch, roll))
    rot_y = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rot_x = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    rot_z = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    return rot_z @ rot_x @ rot_y


class LivingFace:
    """Redraws the face region of a premultiplied RGBA sprite for each frame of a shot."""

    def __init__(self, sprite: np.ndarray, landmarks: np.ndarray, motion: FaceMotion):
        """`landmarks`: (468, 3) in sprite pixels (z in the same units)."""
        self.sprite = sprite
        self.motion = motion
        oval = landmarks[list(FACE_OVAL), :2]
        centre = oval.mean(axis=0)
        radii = (oval.max(axis=0) - oval.min(axis=0)) / 2 * _RING_SCALE
        h, w = sprite.shape[:2]
        x0, y0 = (max(0, math.floor(v)) for v in centre - radii - 2)
        x1, y1 = min(w, math.ceil(centre[0] + radii[0] + 2)), min(h, math.ceil(centre[1] + radii[1] + 2))
        self.box = (x0, y0, x1, y1)
        self.patch = sprite[y0:y1, x0:x1].copy()
        self.buffer = sprite.copy()
        local = landmarks.astype(np.float64).copy()
        local[:, 0] -= x0
        local[:, 1] -= y0
        self.points = local
        self.centre3d = np.array([*(centre - [x0, y0]), local[:, 2].mean()])
        self.eyes = [_eye(self.patch, local, contour) for contour in EYES]
        ring = _ring(centre - [x0, y0], radii)
        ph, pw = self.patch.shape[:2]
        corners = np.array([[0, 0], [pw - 1, 0], [0, ph - 1], [pw - 1, ph - 1]], np.float64)
        self.fixed = np.concatenate([ring, corners])
        triangulation = Delaunay(np.concatenate([local[:, :2], self.fixed]))
        gy, gx = np.mgrid[0:ph:_FIELD_STEP, 0:pw:_FIELD_STEP]
        grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float64)
        simplex = triangulation.find_simplex(grid)
        inside = simplex >= 0
        transform = triangulation.transform[np.where(inside, simplex, 0)]
        bary = np.einsum("nij,nj->ni", transform[:, :2], grid - transform[:, 2])
        weights = np.concatenate([bary, 1 - bary.sum(axis=1, keepdims=True)], axis=1)
        self.weights = np.where(inside[:, None], weights, 0.0).astype(np.float32)
        self.vertices = triangulation.simplices[np.where(inside, simplex, 0)]
        self.grid_shape = gx.shape
        self.pixels = np.mgrid[0:ph, 0:pw][::-1].astype(np.float32)
        self.eye_bumps = [self._eye_bump(eye) for eye in self.eyes]

    def _eye_bump(self, eye: _Eye) -> tuple[tuple[slice, slice], np.ndarray, float, float]:
        """How much each patch pixel follows the iris: 1 over the iris, 0 at the lids and corners."""
        outline = np.concatenate([eye.upper, eye.lower[::-1]])
        centre = outline.mean(axis=0)
        half_w = max(1.0, float(np.ptp(outline[:, 0])) / 2)
        half_h = max(1.0, float(np.ptp(outline[:, 1])) / 2)
        ph, pw = self.patch.shape[:2]
        xs, ys = self.pixels
        radius = np.sqrt(((xs - centre[0]) / half_w) ** 2 + ((ys - centre[1]) / half_h) ** 2)
        falloff = np.clip((1.0 - radius) / 0.5, 0, 1)
        inside = np.zeros((ph, pw), np.uint8)
        cv2.fillPoly(inside, [np.round(outline).astype(np.int32)], 255)
        soft = cv2.GaussianBlur(inside.astype(np.float32) / 255.0, (0, 0), max(0.8, 0.15 * half_h))
        bump = (falloff * falloff * (3 - 2 * falloff) * soft).astype(np.float32)
        rows_used, cols_used = np.flatnonzero(bump.any(axis=1)), np.flatnonzero(bump.any(axis=0))
        if len(rows_used) == 0:
            return (slice(0, 0), slice(0, 0)), bump[:0, :0], 2 * half_w, 2 * half_h
        window = (slice(rows_used[0], rows_used[-1] + 1), slice(cols_used[0], cols_used[-1] + 1))
        return window, bump[window], 2 * half_w, 2 * half_h

    def _head_field(self, index: int) -> np.ndarray:
        motion = self.motion
        rotation = _rotation(float(motion.yaw[index]), float(motion.pitch[index]), float(motion.roll[index]))
        relative = self.points - self.centre3d
        moved = relative @ rotation.T
        shift = np.concatenate([(moved - relative)[:, :2], np.zeros((len(self.fixed), 2))]).astype(np.float32)
        coarse = np.einsum("nk,nkd->nd", self.weights, shift[self.vertices]).reshape(*self.grid_shape, 2)
        ph, pw = self.patch.shape[:2]
        return cv2.resize(coarse, (pw, ph), interpolation=cv2.INTER_LINEAR)

    def _paint_lids(self, patch: np.ndarray, closure: float) -> None:
        ph, pw = patch.shape[:2]
        for eye in self.eyes:
            lid = eye.upper + closure * (eye.closed - eye.upper)
            region = np.round(np.concatenate([eye.upper, lid[::-1]]) * 4).astype(np.int32)
            cover = np.zeros((ph, pw), np.uint8)
            cv2.fillPoly(cover, [region], 255, cv2.LINE_AA, shift=2)
            if not cover.any():
                continue
            # The lid's own skin, taken from just above the eye (its texture and light), a shade darker as a
            # closed lid is, and darker still towards the lashes.
            lift = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, -eye.height]])
            skin = cv2.warpAffine(patch, lift, (pw, ph), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            ys = np.arange(ph, dtype=np.float32)[:, None]
            depth = np.clip((ys - float(eye.upper[:, 1].min())) / max(1.0, eye.height), 0, 1)
            shade = (0.95 - 0.12 * depth)[..., None]
            skin[..., :3] *= shade
            a = cv2.GaussianBlur(cover.astype(np.float32) / 255.0, (0, 0), 0.6)[..., None]
            patch[:] = patch * (1 - a) + skin * a
            line = np.zeros((ph, pw), np.uint8)
            cv2.polylines(line, [np.round(lid * 4).astype(np.int32)], False, 255, eye.thickness, cv2.LINE_AA, shift=2)
            b = cv2.GaussianBlur(line.astype(np.float32) / 255.0, (0, 0), 0.5)[..., None] * min(0.8, 1.6 * closure)
            patch[:] = patch * (1 - b) + eye.lash * b

    def frame(self, index: int) -> np.ndarray:
        """The sprite for frame `index` (a buffer reused from frame to frame)."""
        motion = self.motion
        field = self._head_field(index)
        for (rows, cols), bump, eye_w, eye_h in self.eye_bumps:
            field[rows, cols, 0] += bump * float(motion.gaze_x[index]) * eye_w
            field[rows, cols, 1] += bump * float(motion.gaze_y[index]) * eye_h
        source = self.patch
        closure = float(motion.closure[index])
        if closure > 0.02:
            painted = self.patch.astype(np.float32)
            self._paint_lids(painted, closure)
            source = np.clip(painted + 0.5, 0, 255).astype(np.uint8)
        # Backward map: a pixel shows what the forward motion brought to it (displacements are small and smooth).
        map_x = self.pixels[0] - field[..., 0]
        map_y = self.pixels[1] - field[..., 1]
        x0, y0, x1, y1 = self.box
        cv2.remap(
            source, map_x, map_y, cv2.INTER_LINEAR, dst=self.buffer[y0:y1, x0:x1], borderMode=cv2.BORDER_REPLICATE
        )
        return self.buffer


MIN_FACE_PX = 44
"""A face smaller than this on screen (a wide shot) stays still: no one would see it blink."""


def living_face(cutout: np.ndarray, face: FaceBox, sprite: PersonSprite, motion: FaceMotion) -> LivingFace | None:
    """The face of this shot's sprite moving as `motion` says; None when the face is too small, or no landmarks
    are found."""
    if sprite.face_size[1] < MIN_FACE_PX or len(motion.yaw) < 2:
        return None
    landmarks = face_landmarks(np.ascontiguousarray(cutout[..., :3]), face)
    if landmarks is None:
        return None
    return LivingFace(sprite.image, sprite.landmarks_from_cutout(landmarks), motion)
