"""One contact sheet for every look: the same five shots, one row per look.

python bench/style_sheets.py --out docs/images/styles/contact_sheet.jpg [--theme-id ID] [--reference PATH]

The storyboard is drawn as in bench/protagonist_bench.py for one unseen ThemeVlogEval theme (places, light,
weather, camera, framing, mood and an action, seeded by the theme id); each shot's keyframe (the frame the
critics and `personavlog sheet` see) is rendered at 1280x720 by the animatic engine in every look.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw
from protagonist_bench import REFERENCES, draw_storyboard

from personavlog.engines.visual.animatic.engine import keyframe_index
from personavlog.engines.visual.animatic.shot import prepare_shot
from personavlog.engines.visual.animatic.style import PRESETS
from personavlog.engines.visual.base import ShotRenderSpec
from personavlog.evaluate.dataset import load_themes
from personavlog.fsutil import atomic_write_bytes
from personavlog.schema import PersonaProfile, ShotVisual
from personavlog.vision.analysis import analyze_reference

TILE_W, TILE_H, LABEL_W = 384, 216, 130


def keyframes(style: str, theme: str, shots: list, cutout: Path) -> list[np.ndarray]:
    persona = PersonaProfile(description="the person", age_range="adult", hair="-", clothing="-", cutout="c.png")
    out = []
    for index, shot in enumerate(shots):
        spec = ShotRenderSpec(
            shot=shot,
            visual=ShotVisual(shot_id=shot.id, keyframe_prompt=theme, motion_prompt=shot.action),
            persona=persona,
            style=style,
            width=1280,
            height=720,
            fps=24,
            duration_s=shot.duration_s,
            seed=7,
            shot_index=index,
            shot_count=len(shots),
        )
        prepared = prepare_shot(spec, cutout)
        frame = prepared.composer.render(keyframe_index(prepared.frames))
        out.append(cv2.resize(cv2.cvtColor(frame, cv2.COLOR_RGBA2RGB), (TILE_W, TILE_H), interpolation=cv2.INTER_AREA))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--theme-id", default="daily_life-04")
    parser.add_argument("--reference", type=Path, default=REFERENCES[1])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    case = next(c for c in load_themes().themes if c.id == args.theme_id)
    shots = draw_storyboard(case, 4.0)
    with tempfile.TemporaryDirectory() as work:
        cutout = Path(work) / "cutout.png"
        analyze_reference(args.reference, cutout)
        rows = [(style, keyframes(style, case.theme, shots, cutout)) for style in PRESETS]
    header = 40
    sheet = Image.new("RGB", (LABEL_W + TILE_W * len(shots), header + TILE_H * len(rows)), (18, 18, 18))
    draw = ImageDraw.Draw(sheet)
    draw.text((8, 6), f"{case.theme}  ({args.reference.name})", fill=(235, 235, 235))
    for column, shot in enumerate(shots):
        caption = f"{shot.framing.value}, {shot.location_kind.value}: {shot.action}"
        draw.text((LABEL_W + column * TILE_W + 4, 24), caption[:60], fill=(200, 200, 200))
    for row, (style, tiles) in enumerate(rows):
        y = header + row * TILE_H
        draw.text((8, y + TILE_H // 2 - 6), style, fill=(235, 235, 235))
        for column, tile in enumerate(tiles):
            sheet.paste(Image.fromarray(tile), (LABEL_W + column * TILE_W, y))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        encoded = Path(work) / "sheet.jpg"
        sheet.save(encoded, format="JPEG", quality=84)
        atomic_write_bytes(args.out, encoded.read_bytes())
    print(args.out)


if __name__ == "__main__":
    main()
