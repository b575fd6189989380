"""The protagonist as a pre-lit sprite: framed, matched to the scene's light, rim-lit, with a soft shadow."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from personavlog.engines.visual.animatic.camera import compose
from personavlog.engines.visual.animatic.light import Colour, Lighting
from personavlog.engines.visual.animatic.paint import soft_blur, to_u8
from personavlog.engines.visual.animatic.scenes.base import SceneLayers
from personavlog.schema import FaceBox, Framing
from personavlog.vision.faces import largest_face

# Face height as a share of the frame height, the cap on face width as a share of frame width,
# and where the face centre should sit vertically when the cut-out is tall enough.
_FRAMING: dict[Framing, tuple[float, float, float]] = {
    Framing.CLOSE_UP: (0.34, 0.4, 0.46),
    Framing.MEDIUM: (0.19, 0.27, 0.36),
    Framing.WIDE: (0.13, 0.19, 0.56),
}
_HORIZONTAL: dict[Framing, float] = {Framing.CLOSE_UP: 0.06, Framing.MEDIUM: 0.17, Framing.WIDE: 0.24}


@dataclass
class PersonSprite:
    image: np.ndarray
    """Premultiplied RGBA, already scaled for the frame."""
    origin: tuple[float, float]
    """Frame position of the sprite's top-left corner at rest."""
    pivot: tuple[float, float]
    """Sprite pixel the body breathes and sways about (bottom centre)."""
    face_centre: tuple[float, float]
    """Frame position of the face centre at rest."""
    face_size: tuple[float, float]
    """Face box width and height in frame pixels."""
    from_cutout: tuple[float, float, float] = (1.0, 0.0, 0.0)
    """(scale, dx, dy): a cut-out pixel (u, v) is sprite pixel (u * scale + dx, v * scale + dy)."""
    cut_edges: tuple[float, float] = (-math.inf, math.inf)
    """Frame x (at rest) of the left and right edges where the body is cut off rather than faded out (the
    sprite keeps only what can be on screen); -inf / inf where it has no such edge. They must stay off screen."""

    def landmarks_from_cutout(self, points: np.ndarray) -> np.ndarray:
        """Cut-out landmarks (n, 3) in sprite pixels; depth scales with the picture."""
        scale, dx, dy = self.from_cutout
        return np.asarray(points, np.float64) * scale + np.array([dx, dy, 0.0])


def find_face(rgba: np.ndarray, recorded: FaceBox | None) -> FaceBox:
    if recorded is not None:
        return recorded
    found = largest_face(np.ascontiguousarray(rgba[..., :3]))
    if found is not None:
        return found
    # No face anywhere: treat the top of the silhouette as the head.
    ys, xs = np.nonzero(rgba[..., 3] > 128)
    if len(xs) == 0:
        w = rgba.shape[1]
        return FaceBox(x=w // 3, y=0, w=max(1, w // 3), h=max(1, w // 3))
    top = int(ys.min())
    width = int(xs.max() - xs.min() + 1)
    size = max(4, width // 3)
    row = xs[ys < top + size]
    cx = int(row.mean()) if len(row) else int(xs.mean())
    return FaceBox(x=cx - size // 2, y=top + size // 6, w=size, h=size)


def fade_cut_edges(rgba: np.ndarray) -> np.ndarray:
    """Where the body runs into the left/right edge of the photo, fade it out instead of ending in a straight cut."""
    alpha = rgba[..., 3].astype(np.float32)
    w = alpha.shape[1]
    ramp_w = max(2, int(w * 0.12))
    ramp = np.ones(w, np.float32)
    ramp_in = (np.arange(ramp_w, dtype=np.float32) + 0.5) / ramp_w
    ramp_in = ramp_in * ramp_in * (3 - 2 * ramp_in)
    if (alpha[:, 0] > 128).mean() > 0.05:
        ramp[:ramp_w] = np.minimum(ramp[:ramp_w], ramp_in)
    if (alpha[:, -1] > 128).mean() > 0.05:
        ramp[-ramp_w:] = np.minimum(ramp[-ramp_w:], ramp_in[::-1])
    if ramp.min() >= 1.0:
        return rgba
    out = rgba.copy()
    out[..., 3] = np.clip(alpha * ramp[None, :], 0, 255).astype(np.uint8)
    return out


def subject_position(framing: Framing, width: int, side: float) -> float:
    """Frame x of the face centre: off-centre on `side` (-1 left, +1 right), by framing."""
    return width * (0.5 + side * _HORIZONTAL[framing])


def _luma(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., 0] * 0.2126 + rgb[..., 1] * 0.7152 + rgb[..., 2] * 0.0722


def build_person(
    rgba: np.ndarray,
    face: FaceBox,
    framing: Framing,
    frame_w: int,
    frame_h: int,
    side: float,
    scene: SceneLayers,
    light: Lighting,
    grade: Callable[[np.ndarray], np.ndarray],
    backdrop: Callable[[int, int, int, int], np.ndarray] | None = None,
) -> PersonSprite:
    """Scale, place and light the cut-out for this shot.

    `backdrop(x, y, w, h)` returns the graded scene (float RGB) behind a frame rectangle at rest; its
    colours are wrapped around the silhouette's edge so the person sits in the scene's light.
    """
    rgba = fade_cut_edges(rgba)
    face_share, width_cap, face_y = _FRAMING[framing]
    scale = min(face_share * frame_h / max(1, face.h), width_cap * frame_w / max(1, face.w))
    face_cx, face_cy = face.x + face.w / 2, face.y + face.h / 2
    src_h, src_w = rgba.shape[:2]
    if framing != Framing.WIDE:
        # A tight portrait cannot fill a medium shot from the bottom edge up; meet halfway by enlarging it.
        needed = (1.02 - face_y) * frame_h / max(1.0, src_h - face_cy)
        if needed > scale:
            scale = math.sqrt(scale * needed)
    below = (src_h - face_cy) * scale
    target_x = subject_position(framing, frame_w, side)
    target_y = max(face_y * frame_h, frame_h * 1.02 - below)
    origin_x, origin_y = target_x - face_cx * scale, target_y - face_cy * scale

    # Only what can ever be on screen gets scaled (close-ups keep just head and shoulders).
    slack = 0.12
    vis_x0 = max(0, int((-origin_x - slack * frame_w) / scale))
    vis_y0 = max(0, int((-origin_y - slack * frame_h) / scale))
    vis_x1 = min(src_w, math.ceil((frame_w * (1 + slack) - origin_x) / scale))
    vis_y1 = min(src_h, math.ceil((frame_h * (1 + slack) - origin_y) / scale))
    crop = rgba[vis_y0:vis_y1, vis_x0:vis_x1]
    out_w, out_h = max(2, round(crop.shape[1] * scale)), max(2, round(crop.shape[0] * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    data = cv2.resize(crop, (out_w, out_h), interpolation=interp).astype(np.float32) / 255.0
    rgb, alpha = np.clip(data[..., :3], 0, 1), np.clip(data[..., 3:4], 0, 1)
    if scale > 1.3:
        # Upscaled faces go soft: a gentle unsharp mask brings back eyes and mouth.
        blur = cv2.GaussianBlur(rgb, (0, 0), 0.8 * scale**0.5)
        rgb = np.clip(rgb + (rgb - blur) * 0.6, 0, 1)
    face_in_sprite = ((face_cx - vis_x0) * scale, (face_cy - vis_y0) * scale, face.h * scale)
    rgb = _match_light(rgb, alpha, scene, light, frame_h, face_in_sprite)
    rgb = grade(rgb)
    left, top = origin_x + vis_x0 * scale, origin_y + vis_y0 * scale
    if backdrop is not None:
        rgb = _light_wrap(rgb, alpha, backdrop(round(left), round(top), out_w, out_h), frame_h)
    sprite, pad_x, pad_y = _with_shadow(rgb, alpha, light, frame_h, scene.indoor)
    origin = (left - pad_x, top - pad_y)
    pivot = (pad_x + out_w / 2, pad_y + out_h)
    from_cutout = (scale, pad_x - vis_x0 * scale, pad_y - vis_y0 * scale)
    cut_edges = (left if vis_x0 > 0 else -math.inf, left + out_w if vis_x1 < src_w else math.inf)
    return PersonSprite(
        sprite, origin, pivot, (target_x, target_y), (face.w * scale, face.h * scale), from_cutout, cut_edges
    )


def _light_wrap(rgb: np.ndarray, alpha: np.ndarray, behind: np.ndarray, frame_h: int) -> np.ndarray:
    """Let the scene's light spill a little over the silhouette's edge, as it does around a real subject."""
    radius = max(2.0, frame_h * 0.012)
    a = alpha[..., 0]
    edge = np.clip(a - soft_blur(a, radius) * 1.0, 0, 1) * 2.0
    edge = np.clip(edge, 0, 1)[..., None] * alpha
    spill = soft_blur(behind, radius * 3)
    return np.clip(rgb * (1 - edge * 0.45) + spill * edge * 0.45, 0, 1)


def _match_light(
    rgb: np.ndarray,
    alpha: np.ndarray,
    scene: SceneLayers,
    light: Lighting,
    frame_h: int,
    face: tuple[float, float, float],
) -> np.ndarray:
    key = np.asarray(scene.key_light, np.float32)
    key_luma = max(1e-3, float(_luma(key)))
    tint = 1.0 + (key / key_luma - 1.0) * 0.45
    exposure = float(np.clip(0.5 + 0.45 * scene.ambient_level, 0.6, 1.05))
    out = rgb * tint * exposure
    boost = max(0.0, 0.6 - scene.ambient_level) * 1.0
    if boost > 0:
        # In dark scenes a soft key light stays on the face, as a film crew would light it.
        fx, fy, size = face
        ys, xs = np.ogrid[: rgb.shape[0], : rgb.shape[1]]
        pool = np.exp(-((xs - fx) ** 2 + (ys - fy) ** 2) / (2 * (1.1 * size) ** 2)).astype(np.float32)
        out = out * (1.0 + boost * pool[..., None])
    # Rim light on the edge facing the light, where the silhouette meets the background.
    a = alpha[..., 0]
    shift = max(2, round(frame_h * 0.006))
    moved = np.roll(a, -int(math.copysign(shift, scene.key_side)), axis=1)
    rim = np.clip(a - moved, 0, 1)
    rim = cv2.GaussianBlur(rim, (0, 0), shift * 0.8)[..., None] * a[..., None]
    out = out + rim * np.asarray(scene.rim_light, np.float32) * 0.55
    if light.haze_amount > 0.3:
        out = (
            out * (1 - (light.haze_amount - 0.3) * 0.25)
            + np.asarray(light.haze, np.float32) * (light.haze_amount - 0.3) * 0.25
        )
    return np.clip(out, 0, 1)


def _with_shadow(
    rgb: np.ndarray, alpha: np.ndarray, light: Lighting, frame_h: int, indoor: bool
) -> tuple[np.ndarray, int, int]:
    """Premultiplied RGBA of the person over a soft shadow cast away from the light.

    Indoors the wall is close behind, so the shadow is a visible offset silhouette; outdoors the
    background is far away and only a faint, wide contact darkening remains.
    """
    h, w = alpha.shape[:2]
    offset_x = round(light.shadow_dir * frame_h * (0.06 if indoor else 0.02))
    offset_y = round(frame_h * 0.015)
    blur = max(2.0, frame_h * (0.025 if indoor else 0.035))
    pad_x = abs(offset_x) + int(blur * 3)
    pad_y = int(blur * 3)
    big_h, big_w = h + 2 * pad_y + offset_y, w + 2 * pad_x
    shadow = np.zeros((big_h, big_w), np.float32)
    sx0, sy0 = pad_x + offset_x, pad_y + offset_y
    shadow[sy0 : sy0 + h, sx0 : sx0 + w] = alpha[..., 0]
    strength = (0.15 + 0.3 * light.shadow_strength) * (1.0 if indoor else 0.55)
    shadow = soft_blur(shadow, blur) * strength
    if not indoor:
        # Nothing stands right behind the head outdoors: keep only the darkening low on the body.
        ramp = np.clip((np.arange(big_h, dtype=np.float32) - (pad_y + 0.88 * h)) / (0.12 * h), 0, 1)
        shadow *= ramp[:, None]
    person_a = np.zeros((big_h, big_w), np.float32)
    person_rgb = np.zeros((big_h, big_w, 3), np.float32)
    person_a[pad_y : pad_y + h, pad_x : pad_x + w] = alpha[..., 0]
    person_rgb[pad_y : pad_y + h, pad_x : pad_x + w] = rgb * alpha
    shadow_colour = np.asarray(light.ambient, np.float32) * 0.08
    out_a = person_a + shadow * (1 - person_a)
    out_rgb = person_rgb + (shadow[..., None] * shadow_colour) * (1 - person_a[..., None])
    out = np.empty((big_h, big_w, 4), np.uint8)
    out[..., :3] = to_u8(out_rgb)
    out[..., 3] = to_u8(out_a)
    return out, pad_x, pad_y


def breathing(t: float, phase: float, windy: bool) -> tuple[float, float, float]:
    """(scale_x, scale_y, rotation in degrees) of the body at time t: slow breath and a slight sway."""
    breath = math.sin(2 * math.pi * t / 3.6 + phase)
    sway = math.sin(2 * math.pi * t / (2.6 if windy else 5.2) + phase * 1.7)
    return 1.0 + 0.003 * breath, 1.0 + 0.008 * breath, (1.1 if windy else 0.45) * sway


def body_matrix(
    sprite: PersonSprite, t: float, phase: float, windy: bool, motion: np.ndarray | None = None
) -> np.ndarray:
    """Sprite pixels -> frame pixels: breathing about the pivot, the sprite's place at rest, then `motion` (a 2x3
    affine in frame pixels at rest: what the body does in this frame, see body_motion.BodyTrack.matrix)."""
    sx, sy, deg = breathing(t, phase, windy)
    angle = math.radians(deg)
    cos, sin = math.cos(angle), math.sin(angle)
    a = np.array([[cos * sx, -sin * sy], [sin * sx, cos * sy]])
    px, py = sprite.pivot
    ox, oy = sprite.origin
    translation = np.array([ox + px, oy + py]) - a @ np.array([px, py])
    at_rest = np.hstack([a, translation[:, None]])
    return at_rest if motion is None else compose(motion, at_rest)


__all__ = ["Colour", "PersonSprite", "body_matrix", "build_person", "find_face", "subject_position"]
