"""Reading reference images into RGB (or RGBA) arrays, with one-line errors the user can act on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from personavlog.errors import InputError

MIN_SIDE = 64
MAX_SIDE = 4096


def load_reference(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """Return (RGB uint8 H x W x 3, alpha uint8 H x W or None when the image has no real transparency)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"reference image {path} does not exist")
    try:
        with Image.open(path) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise InputError(f"cannot read the reference image {path}: not a supported image file ({exc})") from None
    if min(image.size) < MIN_SIDE:
        raise InputError(
            f"reference image {path} is too small ({image.width}x{image.height}); use at least {MIN_SIDE}px"
        )
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    rgba = np.asarray(image.convert("RGBA"))
    rgb = np.ascontiguousarray(rgba[..., :3])
    alpha = np.ascontiguousarray(rgba[..., 3]) if has_alpha else None
    if alpha is not None and (alpha < 250).mean() < 0.02:
        alpha = None
    return rgb, alpha
