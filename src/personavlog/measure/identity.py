"""Subject identity: is the reference person recognisable in a generated image?

Model: dlib's ResNet face embedding (128-d) with its HOG face detector and 5-point landmarks, from the
`dlib-bin` and `face-recognition-models` packages. Distance between embeddings: 0 = identical; below 0.6 is
the conventional "same person" threshold (lower is better). Range roughly 0..1.5.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache, lru_cache
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


@dataclass(frozen=True)
class FacesFound:
    """What one detector pass found in an image: each face's height and embedding, largest face first."""

    image_height: int
    heights: tuple[int, ...]
    embeddings: tuple[np.ndarray, ...]

    @property
    def largest_share(self) -> float:
        """Height of the largest face as a share of the image height (0 when there is none)."""
        return max(self.heights, default=0) / self.image_height


def find_faces(image: Path | np.ndarray, upsample: int = 1) -> FacesFound:
    """Detect the faces once and embed each: what both the identity and the face-size checks read."""
    detector, landmarks, encoder = face_models()
    rgb = _as_rgb(image)
    faces = sorted(detector(rgb, upsample), key=lambda r: r.width() * r.height(), reverse=True)
    return FacesFound(
        image_height=rgb.shape[0],
        heights=tuple(face.height() for face in faces),
        embeddings=tuple(np.asarray(encoder.compute_face_descriptor(rgb, landmarks(rgb, face), 1)) for face in faces),
    )


def face_embeddings(image: Path | np.ndarray, upsample: int = 1) -> list[np.ndarray]:
    """One 128-d embedding per face found, largest face first."""
    return list(find_faces(image, upsample).embeddings)


@lru_cache(maxsize=8)
def _reference_embeddings(content_sha256: str, path: Path) -> tuple[np.ndarray, ...]:
    return find_faces(path).embeddings


def reference_embeddings(reference: Path | np.ndarray) -> tuple[np.ndarray, ...]:
    """The reference's face embeddings; a reference file is embedded once per process for as long as its bytes
    stay the same (every keyframe of a run is compared with the same photo)."""
    if isinstance(reference, np.ndarray):
        return find_faces(reference).embeddings
    return _reference_embeddings(hashlib.sha256(reference.read_bytes()).hexdigest(), reference)


def distance_to_reference(reference: tuple[np.ndarray, ...], found: FacesFound) -> float | None:
    """Smallest embedding distance between the reference's main face and any face found; None without faces."""
    if not reference or not found.embeddings:
        return None
    return float(min(np.linalg.norm(reference[0] - emb) for emb in found.embeddings))


def identity_distance(reference: Path | np.ndarray, candidate: Path | np.ndarray) -> float | None:
    """Smallest embedding distance between the reference's main face and any face in `candidate`.

    None when either image has no detectable face.
    """
    return distance_to_reference(reference_embeddings(reference), find_faces(candidate))


def largest_face_share(image: Path | np.ndarray) -> float:
    """Height of the largest detected face as a share of the image height (0 when there is none)."""
    detector, _, _ = face_models()
    rgb = _as_rgb(image)
    faces = detector(rgb, 1)
    return max((face.height() for face in faces), default=0) / rgb.shape[0]
