"""What the server refuses: oversized or disguised uploads, paths outside a job, requests without the token."""

from __future__ import annotations

import hmac
import io
import ipaddress
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from personavlog.errors import InputError
from personavlog.inputs import MAX_REFERENCE_PIXELS, check_reference_image
from personavlog.vision.imageio import pixel_limit

TOKEN_ENV = "PERSONAVLOG_TOKEN"
TOKEN_COOKIE = "personavlog_token"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Formats are detected from the bytes; the client's file name and content type are never trusted.
_ACCEPTED_FORMATS = {"PNG": "png", "JPEG": "jpg", "MPO": "jpg", "WEBP": "webp"}  # MPO: many phones' JPEGs
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}


class Refusal(Exception):
    """A request the server will not serve: an HTTP status and a one-line reason."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def token_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def host_header_allowed(host_header: str | None) -> bool:
    """On a loopback bind with no token, only loopback Host names: a web page elsewhere cannot rebind DNS to us."""
    if not host_header:
        return False
    name = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
    return is_loopback(name)


def sniff_image(data: bytes, max_pixels: int = MAX_REFERENCE_PIXELS) -> str:
    """The file extension for an accepted image, judged by its content; refuses other types and pixel bombs."""
    try:
        with Image.open(io.BytesIO(data), formats=["PNG", "JPEG", "WEBP"]) as image:  # an MPO opens as a JPEG
            image_format = image.format or ""
            width, height = image.size
    except Image.DecompressionBombError:
        raise Refusal(413, "the image has too many pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise Refusal(415, "the reference must be a PNG, JPEG or WebP image") from None
    if image_format not in _ACCEPTED_FORMATS:
        raise Refusal(415, "the reference must be a PNG, JPEG or WebP image")
    limit = min(max_pixels, pixel_limit(image_format))
    if width * height > limit:
        raise Refusal(
            413,
            f"the image has too many pixels ({width}x{height}); at most {limit // 1_000_000} megapixels"
            + ("" if image_format in ("JPEG", "MPO") else f" for a {image_format}"),
        )
    return _ACCEPTED_FORMATS[image_format]


def check_saved_image(path: Path) -> None:
    """The full decode check of the pipeline itself (damaged files, images too small to use)."""
    try:
        check_reference_image(path)
    except InputError as exc:
        # The message names our own storage path; the user only needs the reason.
        raise Refusal(422, str(exc).replace(str(path), "the uploaded file")) from None


def confined(root: Path, name: str) -> Path:
    """`root/name` if that is a regular, visible file inside `root`; anything else is 404, never an error page."""
    if not name or "\x00" in name or "\\" in name:
        raise Refusal(404, "no such file")
    parts = Path(name).parts
    if Path(name).is_absolute() or any(part in ("..", ".") or part.startswith(".") for part in parts):
        raise Refusal(404, "no such file")
    base = root.resolve()
    target = (base / name).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        raise Refusal(404, "no such file")
    return target
