"""A contact sheet: every shot's keyframe in a grid, labelled with what the storyboard asked for.

Each cell is the shot's keyframe (or, when it has none, the middle frame of its clip) above a label strip:
the shot number and location kind, then time of day, weather, camera and framing, then the storyboard's own
words for the place. A title bar carries the story title and the theme. The caller says what to draw
(`ContactSheet`: shots and the paths of their pictures); nothing here reads a run directory.
"""

from __future__ import annotations

import math
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw
from pydantic import BaseModel, ConfigDict, Field

from personavlog.compose.captions import Font, load_font
from personavlog.errors import InputError
from personavlog.fsutil import atomic_path
from personavlog.schema import Shot

CELL_WIDTH = 400
MAX_COLUMNS = 4
GAP = 12
LABEL_HEIGHT = 64
TITLE_HEIGHT = 48
BACKGROUND = (24, 24, 28)
TEXT = (236, 236, 240)
DIM_TEXT = (170, 170, 182)
MISSING = (60, 60, 66)


class SheetShot(BaseModel):
    """One cell: the storyboard's shot and where its pictures may be (either file may be absent)."""

    model_config = ConfigDict(frozen=True)

    shot: Shot
    keyframe: Path
    clip: Path


class ContactSheet(BaseModel):
    """Everything a sheet shows."""

    model_config = ConfigDict(frozen=True)

    origin: str = Field(description="what the sheet is of, named in errors (e.g. the run directory)")
    title: str
    theme: str
    style: str
    frame_width: int = Field(gt=0)
    frame_height: int = Field(gt=0)
    shots: list[SheetShot] = Field(min_length=1)


def middle_frame(clip: Path) -> np.ndarray | None:
    """The clip's middle frame as RGB, or None when it has no frames or cannot be read."""
    try:
        with av.open(str(clip)) as container:
            stream = container.streams.video[0]
            count = stream.frames
            frames = container.decode(video=0)
            if count <= 0:
                decoded = [frame.to_ndarray(format="rgb24") for frame in frames]
                return decoded[len(decoded) // 2] if decoded else None
            wanted = count // 2
            last = None
            for index, frame in enumerate(frames):
                last = frame
                if index >= wanted:
                    break
            return None if last is None else last.to_ndarray(format="rgb24")
    except (OSError, av.error.FFmpegError, IndexError):
        return None


def shot_picture(keyframe: Path, clip: Path) -> tuple[Image.Image | None, str]:
    """The picture that stands for a shot, and where it came from ("keyframe", "clip" or "missing")."""
    if keyframe.is_file():
        try:
            with Image.open(keyframe) as image:
                return image.convert("RGB"), "keyframe"
        except OSError:
            pass
    if clip.is_file():
        frame = middle_frame(clip)
        if frame is not None:
            return Image.fromarray(frame), "clip"
    return None, "missing"


def _words(value: str) -> str:
    return value.replace("_", " ")


def shot_labels(shot: Shot) -> tuple[str, str, str]:
    """Three lines: number and location kind; time, weather, camera and framing; the location in words."""
    first = f"#{shot.id:02d}  {_words(shot.location_kind.value)}"
    second = " · ".join(
        _words(v) for v in (shot.time_of_day.value, shot.weather.value, shot.camera.value, shot.framing.value)
    )
    return first, second, f"{shot.location} ({shot.mood.value})"


def _fit_text(draw: ImageDraw.ImageDraw, text: str, font: Font, width: int) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def _thumbnail(picture: Image.Image | None, width: int, height: int) -> Image.Image:
    if picture is None:
        return Image.new("RGB", (width, height), MISSING)
    scale = min(width / picture.width, height / picture.height)
    size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    cell = Image.new("RGB", (width, height), BACKGROUND)
    cell.paste(picture.resize(size, Image.Resampling.LANCZOS), ((width - size[0]) // 2, (height - size[1]) // 2))
    return cell


def render_contact_sheet(contents: ContactSheet) -> Image.Image:
    """The sheet as an RGB image. Raises InputError when no shot has a readable picture."""
    shots = [cell.shot for cell in contents.shots]
    pictures = [shot_picture(cell.keyframe, cell.clip) for cell in contents.shots]
    if all(source == "missing" for _, source in pictures):
        raise InputError(f"{contents.origin} has no rendered shots yet (no keyframes or clips under shots/)")

    width, height = contents.frame_width, contents.frame_height
    cell_h = round(CELL_WIDTH * height / width)
    columns = min(MAX_COLUMNS, max(1, math.ceil(math.sqrt(len(shots)))))
    rows = math.ceil(len(shots) / columns)
    sheet_w = GAP + columns * (CELL_WIDTH + GAP)
    sheet_h = TITLE_HEIGHT + GAP + rows * (cell_h + LABEL_HEIGHT + GAP)
    sheet = Image.new("RGB", (sheet_w, sheet_h), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    title_font, label_font, small_font = load_font(None, 22), load_font(None, 17), load_font(None, 14)

    heading = f"{contents.title} — {contents.theme} · style: {contents.style}"
    draw.text((GAP, TITLE_HEIGHT // 2), _fit_text(draw, heading, title_font, sheet_w - 2 * GAP), TEXT, title_font, "lm")

    for index, (shot, (picture, source)) in enumerate(zip(shots, pictures, strict=True)):
        column, row = index % columns, index // columns
        x = GAP + column * (CELL_WIDTH + GAP)
        y = TITLE_HEIGHT + GAP + row * (cell_h + LABEL_HEIGHT + GAP)
        sheet.paste(_thumbnail(picture, CELL_WIDTH, cell_h), (x, y))
        first, second, third = shot_labels(shot)
        if source != "keyframe":
            first += "  [clip middle]" if source == "clip" else "  [not rendered]"
        text_w = CELL_WIDTH - 4
        draw.text((x + 2, y + cell_h + 4), _fit_text(draw, first, label_font, text_w), TEXT, label_font)
        draw.text((x + 2, y + cell_h + 25), _fit_text(draw, second, small_font, text_w), DIM_TEXT, small_font)
        draw.text((x + 2, y + cell_h + 44), _fit_text(draw, third, small_font, text_w), DIM_TEXT, small_font)
    return sheet


def write_contact_sheet(contents: ContactSheet, out: Path) -> Path:
    """Write the sheet as a PNG at `out`, atomically; returns `out`."""
    target = Path(out)
    sheet = render_contact_sheet(contents)
    if not target.parent.is_dir():
        raise InputError(f"cannot write {target}: {target.parent} is not a directory")
    with atomic_path(target) as tmp:
        sheet.save(tmp, format="PNG", optimize=False, compress_level=6)
    return target
