"""Bad and awkward reference images, made on the spot from the example photos (no binary fixtures)."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

Maker = Callable[[Path, Path], Path]
"""(folder to write into, the astronaut photo) -> the file made."""


def _photo(astronaut: Path, side: int = 512) -> Image.Image:
    with Image.open(astronaut) as opened:
        return opened.convert("RGB").resize((side, side))


def zero_bytes(folder: Path, astronaut: Path) -> Path:
    path = folder / "empty.jpg"
    path.write_bytes(b"")
    return path


def truncated_jpeg(folder: Path, astronaut: Path) -> Path:
    data = astronaut.read_bytes()
    path = folder / "truncated.jpg"
    path.write_bytes(data[: len(data) // 2])
    return path


def text_named_jpg(folder: Path, astronaut: Path) -> Path:
    path = folder / "notes.jpg"
    path.write_text("this is a shopping list, not a picture\n")
    return path


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_bomb(folder: Path, astronaut: Path) -> Path:
    """A 1 KB PNG whose header claims 60000x60000 RGB (10.8 GB decoded)."""
    header = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 4096)
    path = folder / "bomb.png"
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", rows) + _png_chunk(b"IEND", b"")
    )
    return path


def one_pixel(folder: Path, astronaut: Path) -> Path:
    path = folder / "pixel.png"
    Image.new("RGB", (1, 1), (200, 120, 90)).save(path)
    return path


def svg(folder: Path, astronaut: Path) -> Path:
    path = folder / "drawing.svg"
    path.write_text(
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200">'
        '<circle cx="100" cy="100" r="80" fill="orange"/></svg>\n'
    )
    return path


def jpeg_header_of_too_many_pixels(folder: Path, astronaut: Path) -> Path:
    """The astronaut with its frame header rewritten to 20000x15000 (300 MP): refused before any decoding."""
    data = bytearray(astronaut.read_bytes())
    frame = data.index(b"\xff\xc0")
    data[frame + 5 : frame + 9] = struct.pack(">HH", 15000, 20000)
    path = folder / "huge.jpg"
    path.write_bytes(bytes(data))
    return path


def svg_named_png(folder: Path, astronaut: Path) -> Path:
    path = folder / "drawing.png"
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"></svg>')
    return path


def png_of_too_many_pixels(folder: Path, astronaut: Path) -> Path:
    """A real 8000x8000 PNG (64 MP, a flat colour so it is small on disk): more than a full decode may take."""
    path = folder / "poster.png"
    Image.new("L", (8000, 8000), 128).save(path, optimize=False, compress_level=1)
    return path


def animated_gif(folder: Path, astronaut: Path) -> Path:
    photo = _photo(astronaut, 256)
    frames = [photo, photo.rotate(180), photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    path = folder / "wave.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=120, loop=0)
    return path


def animated_webp(folder: Path, astronaut: Path) -> Path:
    photo = _photo(astronaut, 256)
    path = folder / "wave.webp"
    photo.save(path, save_all=True, append_images=[photo.rotate(180), photo.rotate(90)], duration=120, quality=80)
    return path


def png_16_bit(folder: Path, astronaut: Path) -> Path:
    """A 16-bit-per-channel RGB PNG, as a raw converter or a scanner writes it."""
    rgb = np.asarray(_photo(astronaut), dtype=np.uint16) * 257
    path = folder / "scan16.png"
    assert cv2.imwrite(str(path), np.ascontiguousarray(rgb[..., ::-1]))
    return path


def png_16_bit_grey(folder: Path, astronaut: Path) -> Path:
    grey = np.asarray(_photo(astronaut).convert("L"), dtype=np.uint16) * 257
    path = folder / "grey16.png"
    assert cv2.imwrite(str(path), grey)
    return path


def cmyk_jpeg(folder: Path, astronaut: Path) -> Path:
    path = folder / "print.jpg"
    _photo(astronaut).convert("CMYK").save(path, quality=90)
    return path


def exif_rotated_jpeg(folder: Path, astronaut: Path) -> Path:
    """The pixels lie on their side, as a phone held upright stores them; EXIF orientation 6 turns them back."""
    sideways = _photo(astronaut).crop((0, 0, 512, 400)).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = folder / "phone.jpg"
    sideways.save(path, quality=90, exif=exif)
    return path


def greyscale_jpeg(folder: Path, astronaut: Path) -> Path:
    path = folder / "grey.jpg"
    _photo(astronaut).convert("L").save(path, quality=90)
    return path


def palette_png_with_transparency(folder: Path, astronaut: Path) -> Path:
    """A character on a transparent background, saved with a 63-colour palette and a transparent index 63."""
    paletted = _photo(astronaut, 256).quantize(colors=63)
    outside = np.ones((256, 256), np.uint8)
    cv2.ellipse(outside, (128, 140), (90, 120), 0, 0, 360, 0, -1)
    pixels = np.asarray(paletted).copy()
    pixels[outside == 1] = 63
    sticker = Image.fromarray(pixels, mode="P")
    palette = paletted.getpalette() or []
    sticker.putpalette([*palette[: 63 * 3], 0, 0, 0])
    path = folder / "sticker.png"
    sticker.save(path, transparency=63)
    return path


def large_phone_photo(folder: Path, astronaut: Path, width: int = 9000, height: int = 6000) -> Path:
    """A 54-megapixel JPEG (a flat-ish picture, so it is quick to make), the astronaut in its middle."""
    canvas = Image.new("RGB", (width, height), (96, 120, 150))
    side = height // 2
    canvas.paste(_photo(astronaut, side), ((width - side) // 2, (height - side) // 2))
    path = folder / f"phone-{width}x{height}.jpg"
    canvas.save(path, quality=85)
    return path


def landscape(folder: Path, astronaut: Path) -> Path:
    """Sky, hills and a lake: no one in it."""
    height, width = 360, 640
    ys = np.linspace(0, 1, height)[:, None]
    sky = np.dstack([120 + 80 * ys, 170 + 50 * ys, 235 - 20 * ys]) * np.ones((1, width, 1))
    picture = sky.astype(np.uint8)
    xs = np.arange(width)
    ridge = (200 + 40 * np.sin(xs / 70.0)).astype(int)
    for x, top in zip(xs, ridge, strict=True):
        picture[top:, x] = (60, 110, 60)
    picture[290:, :] = (40, 90, 150)
    path = folder / "landscape.jpg"
    Image.fromarray(picture).save(path, quality=90)
    return path


def noise(folder: Path, astronaut: Path) -> Path:
    path = folder / "noise.png"
    Image.fromarray(np.random.default_rng(7).integers(0, 256, (300, 300, 3), dtype=np.uint8)).save(path)
    return path


def two_people(folder: Path, astronaut: Path) -> Path:
    """The astronaut (larger) and Grace Hopper side by side: the larger face is the protagonist."""
    hopper = astronaut.parent / "grace_hopper.jpg"
    canvas = Image.new("RGB", (900, 560), (230, 230, 225))
    canvas.paste(_photo(astronaut, 520), (10, 20))
    with Image.open(hopper) as opened:
        small = opened.convert("RGB")
        small.thumbnail((180, 180))
    canvas.paste(small, (620, 300))
    path = folder / "two.jpg"
    canvas.save(path, quality=90)
    return path


def jpeg_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()
