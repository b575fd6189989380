"""Checks on user input that must fail early, with one clear line, before anything is written."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, UnidentifiedImageError

from personavlog.errors import InputError

MAX_REFERENCE_PIXELS = 40_000_000
MIN_REFERENCE_SIDE = 64


def check_reference_image(path: Path) -> None:
    path = Path(path)
    if not path.exists():
        raise InputError(f"reference image not found: {path}")
    if not path.is_file():
        raise InputError(f"reference image is not a file: {path}")
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > MAX_REFERENCE_PIXELS:
                raise InputError(f"reference image is too large ({width}x{height}); use at most 40 megapixels")
            image.verify()
    except InputError:
        raise
    except PermissionError:
        raise InputError(f"reference image is not readable: {path}") from None
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise InputError(f"reference is not an image PersonaVlog can read (PNG, JPEG, WebP, ...): {path}") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"reference image is damaged or unreadable: {path} ({exc})") from None
    if min(width, height) < MIN_REFERENCE_SIDE:
        raise InputError(
            f"reference image is too small ({width}x{height}); use at least {MIN_REFERENCE_SIDE} px a side"
        )
