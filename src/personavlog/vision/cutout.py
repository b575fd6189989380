"""The character cut-out file: an RGBA PNG cropped to the subject, carrying where the face is inside it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin

from personavlog.errors import InputError
from personavlog.fsutil import atomic_path
from personavlog.schema import FaceBox

_FACE_KEY = "personavlog:face"
_ORIGIN_KEY = "personavlog:origin"


def crop_box(alpha: np.ndarray, pad_fraction: float = 0.02, threshold: float = 0.02) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) around everything visibly opaque, padded a little (never past the image)."""
    ys, xs = np.nonzero(alpha > threshold)
    height, width = alpha.shape
    if len(xs) == 0:
        return 0, 0, width, height
    pad = round(pad_fraction * max(height, width))
    return (
        max(0, xs.min() - pad),
        max(0, ys.min() - pad),
        min(width, xs.max() + 1 + pad),
        min(height, ys.max() + 1 + pad),
    )


def save_cutout(path: Path, rgba: np.ndarray, face: FaceBox | None, origin: tuple[int, int]) -> None:
    """Write the RGBA PNG atomically; the face box (cut-out pixels) and crop origin go into PNG text chunks."""
    info = PngImagePlugin.PngInfo()
    if face is not None:
        info.add_text(_FACE_KEY, f"{face.x},{face.y},{face.w},{face.h}")
    info.add_text(_ORIGIN_KEY, f"{origin[0]},{origin[1]}")
    with atomic_path(Path(path)) as tmp:
        Image.fromarray(np.ascontiguousarray(rgba), "RGBA").save(tmp, format="PNG", pnginfo=info, compress_level=3)


def load_cutout(path: Path) -> tuple[np.ndarray, FaceBox | None]:
    """RGBA uint8 array and the face box inside it, when the file records one."""
    try:
        with Image.open(path) as image:
            image.load()
            text = dict(getattr(image, "text", {}) or {})
            rgba = np.asarray(image.convert("RGBA")).copy()
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the character cut-out {path}: {exc}") from None
    face = None
    raw = text.get(_FACE_KEY)
    if raw:
        try:
            x, y, w, h = (int(v) for v in raw.split(","))
            face = FaceBox(x=x, y=y, w=w, h=h)
        except ValueError:
            face = None
    return rgba, face
