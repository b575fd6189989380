"""Subject identity: is the reference person recognisable in a generated image?

Model: dlib's ResNet face embedding (128-d) with its HOG face detector and 5-point landmarks, from the
`dlib-bin` and `face-recognition-models` packages. Distance between embeddings: 0 = identical; below 0.6 is
the conventional "same person" threshold (lower is better). Range roughly 0..1.5.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

SAME_PERSON_DISTANCE = 0.6


@cache
def face_models():
    """dlib's face detector, 5-point landmark predictor and ResNet face encoder, loaded once."""
    import importlib.util

    import dlib

    # The package's __init__ needs pkg_resources (gone from recent setuptools): locate its files without importing it.
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("face-recognition-models is not installed")
    models = Path(next(iter(spec.submodule_search_locations))) / "models"
    detector = dlib.get_frontal_face_detector()
    landmarks = dlib.shape_predictor(str(models / "shape_predictor_5_face_landmarks.dat"))
    encoder = dlib.face_recognition_model_v1(str(models / "dlib_face_recognition_resnet_model_v1.dat"))
    return detector, landmarks, encoder


def _as_rgb(image: Path | np.ndarray) -> np.ndarray:
    if isinstance(image, np.ndarray):
        return np.ascontiguousarray(image[..., :3])
    with Image.open(image) as loaded:
        return np.asarray(loaded.convert("RGB"))


def face_embeddings(image: Path | np.ndarray, upsample: int = 1) -> list[np.ndarray]:
    """One 128-d embedding per face found, largest face first."""
    detector, landmarks, encoder = face_models()
    rgb = _as_rgb(image)
    faces = sorted(detector(rgb, upsample), key=lambda r: r.width() * r.height(), reverse=True)
    return [np.asarray(encoder.compute_face_descriptor(rgb, landmarks(rgb, face), 1)) for face in faces]


def identity_distance(reference: Path | np.ndarray, candidate: Path | np.ndarray) -> float | None:
    """Smallest embedding distance between the reference's main face and any face in `candidate`.

    None when either image has no detectable face.
    """
    ref = face_embeddings(reference)
    found = face_embeddings(candidate)
    if not ref or not found:
        return None
    return float(min(np.linalg.norm(ref[0] - emb) for emb in found))


def largest_face_share(image: Path | np.ndarray) -> float:
    """Height of the largest detected face as a share of the image height (0 when there is none)."""
    detector, _, _ = face_models()
    rgb = _as_rgb(image)
    faces = detector(rgb, 1)
    return max((face.height() for face in faces), default=0) / rgb.shape[0]
