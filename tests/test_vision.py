"""Reference-photo analysis on real photos: face, silhouette cut-out, colours, and clear input errors."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from personavlog.errors import InputError
from personavlog.vision import matting
from personavlog.vision.analysis import ReferenceAnalysis, analyze_reference
from personavlog.vision.cutout import load_cutout
from personavlog.vision.palette import colour_name, hair_colour_name


@pytest.fixture(scope="module")
def astronaut_analysis(astronaut: Path, tmp_path_factory: pytest.TempPathFactory) -> ReferenceAnalysis:
    return analyze_reference(astronaut, tmp_path_factory.mktemp("vision") / "cutout.png")


def _alpha_in_reference(result: ReferenceAnalysis) -> np.ndarray:
    rgba, _ = load_cutout(result.cutout_path)
    full = np.zeros((result.image_height, result.image_width), np.float32)
    x0, y0 = result.cutout_origin
    full[y0 : y0 + rgba.shape[0], x0 : x0 + rgba.shape[1]] = rgba[..., 3] / 255.0
    return full


def test_face_is_found_in_the_astronaut_photo(astronaut_analysis: ReferenceAnalysis) -> None:
    face = astronaut_analysis.face_box
    assert face is not None
    assert (astronaut_analysis.image_width, astronaut_analysis.image_height) == (512, 512)
    # The face sits in the upper middle of the portrait.
    assert 150 < face.x + face.w / 2 < 300
    assert 60 < face.y + face.h / 2 < 180
    assert 60 < face.w < 160


def test_cutout_is_a_soft_silhouette_not_a_rectangle(astronaut_analysis: ReferenceAnalysis) -> None:
    rgba = np.asarray(Image.open(astronaut_analysis.cutout_path))
    assert rgba.ndim == 3 and rgba.shape[2] == 4
    alpha = rgba[..., 3].astype(np.float32) / 255.0
    soft_edge = ((alpha > 0.05) & (alpha < 0.95)).sum()
    assert soft_edge > 500, "the edge should be feathered"
    assert 0.25 < (alpha > 0.5).mean() < 0.85, "a rectangle would be fully opaque"
    full = _alpha_in_reference(astronaut_analysis)
    face = astronaut_analysis.face_box
    assert face is not None
    inner = full[face.y + face.h // 5 : face.y + face.h * 4 // 5, face.x + face.w // 5 : face.x + face.w * 4 // 5]
    assert inner.mean() > 0.95, "the face must be inside the silhouette"
    for corner in (full[:24, :24], full[:24, -24:]):
        assert corner.max() < 0.05, "the photo's background corners must be transparent"


def test_cutout_records_where_the_face_is(astronaut_analysis: ReferenceAnalysis) -> None:
    rgba, face = load_cutout(astronaut_analysis.cutout_path)
    assert face == astronaut_analysis.face_box_in_cutout
    assert face is not None
    assert rgba.shape[:2] == (astronaut_analysis.cutout_height, astronaut_analysis.cutout_width)
    crop = np.ascontiguousarray(rgba[face.y : face.y + face.h, face.x : face.x + face.w, :3])
    assert crop.mean() > 60


def test_the_matte_keeps_the_collar_ring_and_the_arm(astronaut_analysis: ReferenceAnalysis) -> None:
    """MODNet keeps what face-seeded GrabCut cut away: the suit's metal collar ring left of her neck, her left arm."""
    assert astronaut_analysis.matte == "modnet"
    full = _alpha_in_reference(astronaut_analysis)
    assert full[160:230, 115:150].mean() > 0.8, "the collar ring"
    assert full[280:400, 20:60].mean() > 0.65, "the arm at the photo's left edge"
    assert full[0:250, 380:460].max() < 0.05, "the shuttle model beside her is not part of her"
    rgba, _ = load_cutout(astronaut_analysis.cutout_path)
    alpha = rgba[..., 3]
    assert ((alpha > 12) & (alpha < 243)).sum() > 800, "the matte stays soft at the hair"


def test_without_the_matting_model_grabcut_cuts_the_person_out(
    astronaut: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(matting, "modnet_path", lambda: None)
    result = analyze_reference(astronaut, tmp_path / "cutout.png")
    assert result.matte == "grabcut"
    full = _alpha_in_reference(result)
    face = result.face_box
    assert face is not None and full[face.y + face.h // 2, face.x + face.w // 2] > 0.95
    assert full[:24, :24].max() < 0.05


def test_a_person_in_profile_without_a_face_found_is_matted_too(tmp_path: Path) -> None:
    """scikit-image's cameraman looks into his camera: no frontal face, yet MODNet keeps him and leaves the field."""
    import skimage.data

    photo = tmp_path / "cameraman.png"
    Image.fromarray(skimage.data.camera()).save(photo)
    result = analyze_reference(photo, tmp_path / "cut.png", allow_no_face=True)
    assert result.face_box is None and result.matte == "modnet"
    full = _alpha_in_reference(result)
    assert full[150:300, 60:140].mean() > 0.9, "his coat"
    assert full[:60, 380:].max() < 0.05, "the sky"
    assert full[420:, 450:].max() < 0.05, "the lawn"


def test_colours_are_described(astronaut_analysis: ReferenceAnalysis) -> None:
    assert astronaut_analysis.clothing_colour == "orange"
    assert astronaut_analysis.hair_colour in {"dark blonde", "light brown", "blonde", "brown"}
    assert len(astronaut_analysis.palette) >= 3
    assert all(len(c) == 7 and c.startswith("#") for c in astronaut_analysis.palette)
    assert 0.1 < astronaut_analysis.brightness < 0.8
    facts = astronaut_analysis.observations()
    assert facts["clothing"] == "orange" and facts["face"] == "clearly visible"


def test_grace_hopper_is_cut_out_too(grace_hopper: Path, tmp_path: Path) -> None:
    result = analyze_reference(grace_hopper, tmp_path / "grace.png")
    assert result.face_box is not None
    assert (result.image_width, result.image_height) == (512, 600)
    full = _alpha_in_reference(result)
    assert full[:20, -20:].max() < 0.05  # blue backdrop, top right
    face = result.face_box
    assert full[face.y + face.h // 2, face.x + face.w // 2] > 0.95
    assert result.clothing_colour in {"black", "navy blue", "charcoal"}


def test_grace_hopper_cutout_leaves_the_flag_beside_her_head(grace_hopper: Path, tmp_path: Path) -> None:
    """The flag shares colours with her ribbons and buttons (red, white, gold); none may stay beside her head."""
    result = analyze_reference(grace_hopper, tmp_path / "grace.png")
    full = _alpha_in_reference(result)
    # Stars, stripes and pole fill the picture's top left, from its edge up to her hair (x 135), above the shoulders.
    flag = full[:330, :135]
    assert (flag > 0.5).mean() < 0.03
    face = result.face_box
    assert face is not None
    ys, xs = np.mgrid[: full.shape[0], : full.shape[1]]
    centre_x, centre_y = face.x + face.w / 2, face.y + face.h / 2
    oval = ((xs - centre_x) / (0.35 * face.w)) ** 2 + ((ys - centre_y) / (0.4 * face.h)) ** 2 <= 1.0
    assert (full[oval] > 0.95).mean() > 0.995, "the whole face must stay inside the silhouette"
    assert full[40:80, 200:330].mean() > 0.8, "the cap above the face is part of her"


def _no_face_picture(path: Path) -> None:
    canvas = np.zeros((240, 320, 3), np.uint8)
    canvas[:] = (40, 110, 200)
    cv2.rectangle(canvas, (110, 60), (210, 220), (230, 180, 40), -1)
    cv2.circle(canvas, (160, 60), 30, (200, 60, 60), -1)
    Image.fromarray(canvas).save(path)


def test_no_face_is_an_input_error(tmp_path: Path) -> None:
    picture = tmp_path / "shapes.png"
    _no_face_picture(picture)
    with pytest.raises(InputError) as caught:
        analyze_reference(picture, tmp_path / "cut.png")
    message = str(caught.value)
    assert "no face found" in message and "--allow-no-face" in message and "\n" not in message
    assert not (tmp_path / "cut.png").exists()


def test_allow_no_face_uses_the_centre_of_the_image(tmp_path: Path) -> None:
    picture = tmp_path / "shapes.png"
    _no_face_picture(picture)
    result = analyze_reference(picture, tmp_path / "cut.png", allow_no_face=True)
    assert result.face_box is None
    full = _alpha_in_reference(result)
    assert full[140, 160] > 0.9, "the central figure is the character"
    assert full[5, 5] < 0.05 and full[5, -5] < 0.05


@pytest.mark.parametrize("content", [b"this is not an image", b"", b"\x89PNG\r\n\x1a\n broken"])
def test_unreadable_file_is_an_input_error(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "photo.jpg"
    bad.write_bytes(content)
    with pytest.raises(InputError) as caught:
        analyze_reference(bad, tmp_path / "cut.png")
    assert "\n" not in str(caught.value)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        analyze_reference(tmp_path / "nope.png", tmp_path / "cut.png")


def test_colour_names() -> None:
    assert colour_name((230, 110, 40)) == "orange"
    assert colour_name((20, 30, 70)) == "navy blue"
    assert colour_name((10, 10, 12)) == "black"
    assert colour_name((240, 240, 240)) == "white"
    assert hair_colour_name((25, 20, 18)) == "black"
    assert hair_colour_name((200, 170, 110)) == "blonde"
    assert hair_colour_name((180, 180, 180)) == "grey"
