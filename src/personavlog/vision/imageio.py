"""Reading reference images in bounded memory, into RGB (or RGBA) arrays, with one-line errors the user can act on.

A JPEG (a phone photo, up to `MAX_JPEG_PIXELS`) is decoded reduced by its own decoder (Pillow's `draft`: 1/2, 1/4
or 1/8 scale), so a 200-megapixel photo costs about what a 12-megapixel one does. Other formats have no reduced
decode: they are read in full, so they are held to `MAX_FULL_DECODE_PIXELS`.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from personavlog.errors import InputError

MIN_SIDE = 64
MAX_SIDE = 2048
"""Larger photos are reduced: the cut-out is never shown bigger than this, and segmentation stays fast."""
MAX_JPEG_PIXELS = 200_000_000
MAX_FULL_DECODE_PIXELS = 50_000_000
"""About 200 MB as RGBA: the most a PNG, WebP, GIF, BMP or TIFF may need while it is read."""

# Only decoders that run in-process on the file's bytes (Pillow's EPS reader, for one, runs Ghostscript).
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")  # a phone's MPO opens as JPEG
_REDUCED_DECODE = ("JPEG", "MPO")
_READABLE = "JPEG, PNG, WebP, GIF, BMP or TIFF"

# Pillow's own bomb guard (by default it warns above 89 MP) stays as a backstop above the largest image read at
# all: the size is checked against the per-format limits here, from the header, before anything is decoded.
Image.MAX_IMAGE_PIXELS = 2 * MAX_JPEG_PIXELS


def _megapixels(width: int, height: int) -> str:
    return f"{width * height / 1e6:.0f} megapixels"


def pixel_limit(image_format: str) -> int:
    """The most pixels an image of `image_format` (Pillow's name: "JPEG", "PNG", ...) may have."""
    return MAX_JPEG_PIXELS if image_format in _REDUCED_DECODE else MAX_FULL_DECODE_PIXELS


def check_size(path: Path, width: int, height: int, image_format: str) -> None:
    """The header's size against the limits: too small to use, or too large to read in bounded memory."""
    pixels = width * height
    if image_format in _REDUCED_DECODE and pixels > MAX_JPEG_PIXELS:
        raise InputError(
            f"reference image {path} is too large ({width}x{height}, {_megapixels(width, height)}); "
            f"use at most {MAX_JPEG_PIXELS // 1_000_000} megapixels"
        )
    if image_format not in _REDUCED_DECODE and pixels > MAX_FULL_DECODE_PIXELS:
        raise InputError(
            f"reference image {path} is too large ({width}x{height} {image_format}, "
            f"{_megapixels(width, height)}): a {image_format} is read in full, so at most "
            f"{MAX_FULL_DECODE_PIXELS // 1_000_000} megapixels; save it smaller or as JPEG "
            f"(up to {MAX_JPEG_PIXELS // 1_000_000} megapixels)"
        )
    if min(width, height) < MIN_SIDE:
        raise InputError(f"reference image {path} is too small ({width}x{height}); use at least {MIN_SIDE} px a side")


def _not_an_image(path: Path) -> InputError:
    with open(path, "rb") as handle:
        head = handle.read(512).lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return InputError(f"reference {path} is an SVG drawing; export it as PNG first ({_READABLE} are read)")
    kind = "is empty" if path.stat().st_size == 0 else "is not an image PersonaVlog can read"
    return InputError(f"reference {path} {kind} ({_READABLE} are read)")


def _eight_bit(image: Image.Image) -> Image.Image:
    """16-bit and 32-bit grey (a 16-bit PNG, a scientific TIFF) as 8-bit L: Pillow's own conversion clips at 255,
    which turns a 16-bit photo into a white page. Every other mode Pillow converts itself."""
    if image.mode.startswith("I;16"):
        return Image.fromarray((np.asarray(image) // 257).astype(np.uint8), mode="L")
    if image.mode == "I":
        values = np.clip(np.asarray(image), 0, 65535)
        return Image.fromarray((values // 257 if values.max(initial=0) > 255 else values).astype(np.uint8), mode="L")
    if image.mode == "F":
        values = np.asarray(image, dtype=np.float32)
        top = max(float(values.max(initial=0.0)), 1.0)
        return Image.fromarray(np.clip(values * (255.0 / top), 0, 255).astype(np.uint8), mode="L")
    return image


_ORIENTATION_TAG = 0x0112
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
"""EXIF orientation -> the transposition that shows the picture upright (as a phone's gallery does)."""
_QUARTER_TURNS = (
    Image.Transpose.TRANSPOSE,
    Image.Transpose.TRANSVERSE,
    Image.Transpose.ROTATE_90,
    Image.Transpose.ROTATE_270,
)


def _check_path(path: Path) -> None:
    if path.is_symlink() and not path.exists():
        raise InputError(f"reference image {path} is a broken symbolic link (its target is missing, or a loop)")
    if not path.exists():
        raise InputError(f"reference image not found: {path} does not exist")
    if not path.is_file():
        raise InputError(f"reference image {path} is not a file")
    try:
        with open(path, "rb"):
            pass
    except PermissionError:
        raise InputError(f"reference image {path} is not readable (permission denied)") from None


def _rgb_or_rgba(image: Image.Image) -> Image.Image:
    """8-bit RGB, or RGBA when the image carries transparency (an alpha band or a transparent palette entry)."""
    image = _eight_bit(image)
    transparent = "A" in image.getbands() or "transparency" in image.info
    mode = "RGBA" if transparent else "RGB"
    return image if image.mode == mode else image.convert(mode)


def read_reference(path: Path) -> tuple[Image.Image, tuple[int, int]]:
    """The reference as an upright 8-bit RGB or RGBA image no larger than `MAX_SIDE`, and its original upright size.

    The first frame of an animated GIF or WebP; EXIF rotation applied. Raises InputError with one line.
    """
    path = Path(path)
    _check_path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=FORMATS) as opened:
                image_format = opened.format or "image"
                width, height = opened.size
                check_size(path, width, height, image_format)
                if image_format in _REDUCED_DECODE:
                    opened.draft(None, (MAX_SIDE, MAX_SIDE))
                opened.load()
                orientation = opened.getexif().get(_ORIENTATION_TAG)
                image = _rgb_or_rgba(opened)
                if max(image.size) > MAX_SIDE:
                    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(
            f"reference image {path} is too large (more than {MAX_JPEG_PIXELS // 1_000_000} megapixels); "
            "use a smaller picture"
        ) from None
    except UnidentifiedImageError:
        raise _not_an_image(path) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(f"reference image {path} is damaged or cannot be decoded ({reason})") from None
    transpose = _UPRIGHT.get(orientation) if isinstance(orientation, int) else None
    if transpose is None:
        return image, (width, height)
    upright = image.transpose(transpose)
    return upright, (height, width) if transpose in _QUARTER_TURNS else (width, height)


def load_reference(path: Path) -> tuple[np.ndarray, np.ndarray | None, float]:
    """(RGB uint8 H x W x 3, alpha H x W or None when there is no real transparency, working/original scale)."""
    image, (original_width, original_height) = read_reference(path)
    pixels = np.asarray(image)
    rgb = np.ascontiguousarray(pixels[..., :3])
    alpha = np.ascontiguousarray(pixels[..., 3]) if image.mode == "RGBA" else None
    if alpha is not None and (alpha < 250).mean() < 0.02:
        alpha = None
    return rgb, alpha, max(image.size) / max(original_width, original_height)
