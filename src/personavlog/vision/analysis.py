"""Reference-photo analysis: where the face is, the character cut-out, and colour facts for the persona."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from personavlog.errors import InputError
from personavlog.schema import FaceBox
from personavlog.vision.cutout import crop_box, save_cutout
from personavlog.vision.faces import largest_face, no_face_message
from personavlog.vision.imageio import load_reference
from personavlog.vision.matting import person_matte
from personavlog.vision.palette import colour_name, dominant_colours, hair_colour_name, luma, main_colour, to_hex
from personavlog.vision.segment import decontaminate, feather, person_mask

_MIN_REGION_PIXELS = 30

MatteMethod = Literal["modnet", "grabcut", "given"]


class ReferenceAnalysis(BaseModel):
    """Everything later stages need to know about the reference image."""

    model_config = ConfigDict(extra="forbid")

    image_width: int = Field(gt=0)
    image_height: int = Field(gt=0)
    face_box: FaceBox | None = Field(
        description="in reference-image pixels; None when the whole image is the character"
    )
    cutout_path: Path
    cutout_scale: float = Field(
        default=1.0, gt=0, description="cut-out pixels per reference pixel (below 1 for very large photos)"
    )
    cutout_origin: tuple[int, int] = Field(description="reference-image pixel of the cut-out's top-left corner")
    cutout_width: int = Field(gt=0, description="in cut-out pixels")
    cutout_height: int = Field(gt=0, description="in cut-out pixels")
    face_box_in_cutout: FaceBox | None = Field(default=None, description="in cut-out pixels")
    coverage: float = Field(ge=0.0, le=1.0, description="share of the reference image covered by the character")
    matte: MatteMethod = Field(
        default="grabcut",
        description="how the character was cut out: MODNet portrait matting, face-seeded GrabCut, or the image's "
        "own transparency",
    )
    palette: list[str] = Field(default_factory=list, description="hex colours of the character, most dominant first")
    hair_colour: str
    clothing_colour: str
    brightness: float = Field(ge=0.0, le=1.0, description="mean luma of the character, 0 dark .. 1 bright")

    def observations(self) -> dict[str, str]:
        """Measured facts in plain words, for the persona agent (never a guess of who the person is)."""
        facts: dict[str, str] = {}
        if self.hair_colour != "unknown":
            facts["hair"] = self.hair_colour
        if self.clothing_colour != "unknown":
            facts["clothing"] = self.clothing_colour
        if self.palette:
            facts["palette"] = ", ".join(self.palette[:4])
        facts["lighting"] = "bright" if self.brightness > 0.6 else "dim" if self.brightness < 0.3 else "even"
        facts["face"] = "clearly visible" if self.face_box is not None else "not found"
        return facts


def _region_colour(
    rgb: np.ndarray, alpha: np.ndarray, box: tuple[float, float, float, float]
) -> tuple[int, int, int] | None:
    height, width = alpha.shape
    x0, y0, x1, y1 = (round(v) for v in box)
    x0, x1 = max(0, x0), min(width, x1)
    y0, y1 = max(0, y0), min(height, y1)
    if x1 <= x0 or y1 <= y0:
        return None
    inside = alpha[y0:y1, x0:x1] > 0.6
    if int(inside.sum()) < _MIN_REGION_PIXELS:
        return None
    return main_colour(rgb[y0:y1, x0:x1][inside])


def _hair_colour(rgb: np.ndarray, alpha: np.ndarray, face: FaceBox | None) -> str:
    if face is None:
        return "unknown"
    # The crown just above the forehead, plus the temples beside it.
    box = (face.x + 0.1 * face.w, face.y - 0.3 * face.h, face.x + 0.9 * face.w, face.y + 0.08 * face.h)
    colour = _region_colour(rgb, alpha, box)
    return hair_colour_name(colour) if colour else "unknown"


def _clothing_colour(rgb: np.ndarray, alpha: np.ndarray, face: FaceBox | None) -> str:
    height, width = alpha.shape
    if face is None:
        box = (0.25 * width, 0.55 * height, 0.75 * width, 0.95 * height)
    else:
        cx = face.x + face.w / 2
        box = (cx - 1.3 * face.w, face.y + 1.5 * face.h, cx + 1.3 * face.w, face.y + 2.8 * face.h)
    colour = _region_colour(rgb, alpha, box)
    return colour_name(colour) if colour else "unknown"


def _character_alpha(
    rgb: np.ndarray, given_alpha: np.ndarray | None, face: FaceBox | None
) -> tuple[np.ndarray, MatteMethod]:
    """The character's soft alpha (float32 0..1) and how it was found.

    A drawn character with its own transparency is trusted as is. A photo is matted with MODNet, keeping the
    person at the face (or, with no face found, such as a profile, the figure at the picture's centre); GrabCut
    cuts it out when MODNet is not installed or finds no one there, as in a drawing.
    """
    if given_alpha is not None:
        return feather(np.where(given_alpha >= 128, 255, 0).astype(np.uint8)), "given"
    matted = person_matte(rgb, face)
    if matted is not None:
        return matted, "modnet"
    return feather(person_mask(rgb, face)), "grabcut"


def analyze_reference(image_path: Path, cutout_out: Path, allow_no_face: bool = False) -> ReferenceAnalysis:
    """Detect the face, cut the person out (RGBA PNG at `cutout_out`) and describe their colours.

    Raises InputError when the file is not a readable image, or when no face is found and `allow_no_face` is False.
    """
    image_path = Path(image_path)
    rgb, given_alpha, scale = load_reference(image_path)
    height, width = rgb.shape[:2]
    face = largest_face(rgb)
    if face is None and not allow_no_face:
        raise InputError(no_face_message(image_path))
    alpha, matte = _character_alpha(rgb, given_alpha, face)
    if float(alpha.max()) <= 0.5:
        raise InputError(f"could not separate a character from the background of {image_path}")
    colours = decontaminate(rgb, alpha)
    x0, y0, x1, y1 = crop_box(alpha)
    rgba = np.dstack([colours, np.round(alpha * 255).astype(np.uint8)])[y0:y1, x0:x1]
    face_in_cutout = None if face is None else FaceBox(x=face.x - x0, y=face.y - y0, w=face.w, h=face.h)
    save_cutout(Path(cutout_out), rgba, face_in_cutout, (x0, y0))

    person = alpha > 0.6
    person_pixels = rgb[person]
    palette = [to_hex(colour) for colour, _ in dominant_colours(person_pixels, k=5)]
    brightness = float(luma(person_pixels).mean()) if len(person_pixels) else 0.0

    def original(v: float) -> int:
        return round(v / scale)

    return ReferenceAnalysis(
        image_width=original(width),
        image_height=original(height),
        face_box=None
        if face is None
        else FaceBox(x=original(face.x), y=original(face.y), w=original(face.w), h=original(face.h)),
        cutout_path=Path(cutout_out),
        cutout_scale=scale,
        cutout_origin=(original(x0), original(y0)),
        cutout_width=int(x1 - x0),
        cutout_height=int(y1 - y0),
        face_box_in_cutout=face_in_cutout,
        coverage=float(person.mean()),
        matte=matte,
        palette=palette,
        hair_colour=_hair_colour(rgb, alpha, face),
        clothing_colour=_clothing_colour(rgb, alpha, face),
        brightness=min(1.0, max(0.0, brightness)),
    )


__all__ = ["ReferenceAnalysis", "analyze_reference"]
