"""Keyframe and clip critics: is the protagonist there and recognisable, large enough for the framing, is the
picture clean, and is the motion steady? All route to the visual engine of that shot (a retake with a new seed,
and a tighter framing when the face was too small to be recognised).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from personavlog.manifest import StageId, StageName
from personavlog.measure.identity import SAME_PERSON_DISTANCE, distance_to_reference, find_faces, reference_embeddings
from personavlog.measure.image_quality import niqe
from personavlog.measure.motion import analyse_clip
from personavlog.schema import Critique, Framing

MIN_FACE_SHARE = {Framing.CLOSE_UP: 0.16, Framing.MEDIUM: 0.07, Framing.WIDE: 0.0}
"""Face height as a share of the frame height that each framing should give at least."""
MAX_NIQE = 30.0
MIN_FLICKER_SCORE = 0.93
MIN_SMOOTHNESS = 0.5


def critique_keyframe(
    shot_id: int, reference: Path, keyframe: Path, framing: Framing, round_: int = 0
) -> list[Critique]:
    stage = str(StageId(StageName.CLIP, shot_id))
    target = f"shot {shot_id:02d} keyframe"
    with Image.open(keyframe) as loaded:
        image = np.asarray(loaded.convert("RGB"))
    faces = find_faces(image)  # one detector pass serves the identity and the face-size checks
    distance = distance_to_reference(reference_embeddings(reference), faces)
    critiques = [
        Critique(
            stage=stage,
            target=f"{target}.identity",
            score=round(0.0 if distance is None else max(0.0, 1.0 - distance), 4),
            threshold=round(1.0 - SAME_PERSON_DISTANCE, 4),
            passed=distance is not None and distance < SAME_PERSON_DISTANCE,
            feedback="The protagonist's face is missing or not recognisable: frame the person closer and "
            "keep the face unobstructed and lit.",
            round=round_,
        )
    ]
    if framing != Framing.WIDE:
        share = faces.largest_share
        critiques.append(
            Critique(
                stage=stage,
                target=f"{target}.face_size",
                score=round(share, 4),
                threshold=MIN_FACE_SHARE[framing],
                passed=share >= MIN_FACE_SHARE[framing],
                feedback=f"The face fills {share:.0%} of the frame height; a {framing.value.replace('_', ' ')} "
                f"needs at least {MIN_FACE_SHARE[framing]:.0%}: frame the person closer.",
                round=round_,
            )
        )
    quality = niqe(image) if min(image.shape[:2]) > 192 else 0.0
    critiques.append(
        Critique(
            stage=stage,
            target=f"{target}.quality",
            score=round(-quality, 4),
            threshold=-MAX_NIQE,
            passed=quality <= MAX_NIQE,
            feedback=f"The picture looks unnatural (NIQE {quality:.1f}, at most {MAX_NIQE:g}): repaint it.",
            round=round_,
        )
    )
    return critiques


def critique_clip(shot_id: int, clip: Path, round_: int = 0) -> list[Critique]:
    report = analyse_clip(clip)
    stage = str(StageId(StageName.CLIP, shot_id))
    target = f"shot {shot_id:02d} clip"
    return [
        Critique(
            stage=stage,
            target=f"{target}.flicker",
            score=round(report.flicker_score, 4),
            threshold=MIN_FLICKER_SCORE,
            passed=report.flicker_score >= MIN_FLICKER_SCORE,
            feedback="The clip flickers: steady the light and slow the particles.",
            round=round_,
        ),
        Critique(
            stage=stage,
            target=f"{target}.smoothness",
            score=round(report.motion_smoothness, 4),
            threshold=MIN_SMOOTHNESS,
            passed=report.motion_smoothness >= MIN_SMOOTHNESS,
            feedback="The camera moves jerkily: use a calmer camera move.",
            round=round_,
        ),
    ]
