"""Draw ThemeVlogEval's illustrated reference characters (deterministic; run to regenerate the PNGs).

`python -m personavlog.evaluate.make_characters [DIR]` writes one 512×512 PNG per character into DIR (default:
the package's data/references/). They are made by this project, so their licence is the project's own.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter
from pydantic import BaseModel

from personavlog.fsutil import atomic_path

SIZE = 512


class Character(BaseModel):
    id: str
    skin: tuple[int, int, int]
    hair: tuple[int, int, int]
    shirt: tuple[int, int, int]
    background: tuple[int, int, int]
    iris: tuple[int, int, int]
    hair_style: str
    """"short", "long" or "bun"."""
    face_width: int = 190


CHARACTERS = [
    Character(
        id="drawn-mira",
        skin=(236, 196, 164),
        hair=(60, 38, 24),
        shirt=(40, 110, 160),
        background=(214, 226, 236),
        iris=(70, 110, 60),
        hair_style="long",
    ),
    Character(
        id="drawn-kofi",
        skin=(140, 96, 68),
        hair=(24, 20, 18),
        shirt=(200, 120, 40),
        background=(238, 228, 204),
        iris=(50, 34, 22),
        hair_style="long",
    ),
    Character(
        id="drawn-yuki",
        skin=(244, 214, 188),
        hair=(30, 30, 36),
        shirt=(170, 60, 80),
        background=(226, 236, 222),
        iris=(40, 30, 24),
        hair_style="bun",
    ),
    Character(
        id="drawn-rosa",
        skin=(198, 150, 112),
        hair=(120, 60, 30),
        shirt=(60, 140, 90),
        background=(240, 220, 224),
        iris=(90, 60, 30),
        hair_style="long",
        face_width=200,
    ),
]


def _shade(colour: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    return tuple(int(max(0, min(255, c * factor))) for c in colour)  # type: ignore[return-value]


def draw(character: Character) -> Image.Image:
    c = character
    image = Image.new("RGB", (SIZE, SIZE), c.background)
    d = ImageDraw.Draw(image)
    cx, fw = SIZE // 2, c.face_width
    fh = int(fw * 1.3)
    top = 120
    # Hair behind the head, shoulders and neck.
    if c.hair_style == "long":
        d.rounded_rectangle([cx - fw * 0.62, top - 30, cx + fw * 0.62, top + fh + 70], radius=90, fill=c.hair)
    d.ellipse([cx - fw * 1.25, top + fh + 40, cx + fw * 1.25, top + fh + 380], fill=c.shirt)
    d.rectangle([cx - fw * 0.22, top + fh - 30, cx + fw * 0.22, top + fh + 60], fill=_shade(c.skin, 0.85))
    # Face with soft side shading.
    d.ellipse([cx - fw / 2, top, cx + fw / 2, top + fh], fill=_shade(c.skin, 0.88))
    d.ellipse([cx - fw / 2 + 12, top + 6, cx + fw / 2 - 12, top + fh - 8], fill=c.skin)
    # Ears.
    for side in (-1, 1):
        ex = cx + side * fw / 2
        d.ellipse([ex - 14, top + fh * 0.42, ex + 14, top + fh * 0.62], fill=_shade(c.skin, 0.9))
    # Hair on top.
    d.chord([cx - fw / 2 - 8, top - 40, cx + fw / 2 + 8, top + fh * 0.55], 180, 360, fill=c.hair)
    if c.hair_style == "bun":
        d.ellipse([cx - 45, top - 95, cx + 45, top - 10], fill=c.hair)
    # Eyes: white, iris, pupil, highlight, upper lid; brows above.
    eye_y = top + fh * 0.47
    for side in (-1, 1):
        ex = cx + side * fw * 0.21
        d.ellipse([ex - 24, eye_y - 11, ex + 24, eye_y + 11], fill=(250, 250, 248))
        d.ellipse([ex - 11, eye_y - 11, ex + 11, eye_y + 11], fill=c.iris)
        d.ellipse([ex - 5, eye_y - 5, ex + 5, eye_y + 5], fill=(10, 10, 10))
        d.ellipse([ex + 2, eye_y - 7, ex + 6, eye_y - 3], fill=(255, 255, 255))
        d.arc([ex - 25, eye_y - 13, ex + 25, eye_y + 13], 190, 350, fill=(30, 20, 20), width=3)
        d.line([ex - 28, eye_y - 30 + 3 * side * 0, ex + 26, eye_y - 34], fill=_shade(c.hair, 0.9), width=7)
    # Nose: a shadow down the side and the nostrils.
    nose_y = top + fh * 0.66
    d.line([cx + 4, eye_y + 10, cx + 10, nose_y], fill=_shade(c.skin, 0.72), width=4)
    d.ellipse([cx - 16, nose_y - 4, cx - 6, nose_y + 4], fill=_shade(c.skin, 0.6))
    d.ellipse([cx + 6, nose_y - 4, cx + 16, nose_y + 4], fill=_shade(c.skin, 0.6))
    # Mouth.
    mouth_y = top + fh * 0.79
    d.chord([cx - 34, mouth_y - 14, cx + 34, mouth_y + 16], 0, 180, fill=(170, 70, 70))
    d.line([cx - 34, mouth_y + 1, cx + 34, mouth_y + 1], fill=(110, 40, 40), width=3)
    return image.filter(ImageFilter.GaussianBlur(1.2))


def reference_dir() -> Path:
    return Path(str(resources.files("personavlog.evaluate").joinpath("data", "references")))


def write_all(directory: Path) -> list[Path]:
    written = []
    for character in CHARACTERS:
        target = directory / f"{character.id}.png"
        with atomic_path(target) as tmp:
            draw(character).save(tmp, format="PNG")
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    for path in write_all(Path(args[0]) if args else reference_dir()):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
