"""Reading reference images into RGB (or RGBA) arrays, with one-line errors the user can act on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from personavlog.errors import InputError

MIN_SIDE = 64
MAX_SIDE = 2048
"""Larger photos are reduced: the cut-out is never shown bigger than this, and segmentation stays fast."""


def load_reference(path: Path) -> tuple[np.ndarray, np.ndarray | None, float]:
    """(RGB uint8 H x W x 3, alpha H x W or None when there is no real transparency, working/original scale)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"reference image {path} does not exist")
    try:
        with Image.open(path) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(f"cannot read the reference image {path}: not a supported image file ({reason})") from None
    if min(image.size) < MIN_SIDE:
        raise InputError(
            f"reference image {path} is too small ({image.width}x{image.height}); use at least {MIN_SIDE}px"
        )
    original = max(image.size)
    if original > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    rgba = np.asarray(image.convert("RGBA"))
    rgb = np.ascontiguousarray(rgba[..., :3])
    alpha = np.ascontiguousarray(rgba[..., 3]) if has_alpha else None
    if alpha is not None and (alpha < 250).mean() < 0.02:
        alpha = None
    return rgb, alpha, max(image.size) / original
