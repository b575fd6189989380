"""Imaging quality: BRISQUE (Mittal, Moorthy & Bovik 2012), a no-reference spatial quality score.

Model: the published LIVE-trained support-vector regressor and feature scaling shipped in the `brisque` package
(libsvm), over 36 MSCN statistics at two scales. Range about 0..100 (it can leave that range on odd content);
lower is better: clean photos score about 10-30, blur or noise 45 and above.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np


@cache
def _model() -> Any:
    from brisque import BRISQUE

    class _Brisque(BRISQUE):
        # brisque 0.2.0 keeps some features as 1-element arrays, which numpy 2 will not turn into floats.
        def scale_features(self, features: Any) -> Any:
            return super().scale_features([float(np.ravel(np.asarray(f, dtype=np.float64))[0]) for f in features])

    return _Brisque(url=False)


def brisque(image: np.ndarray) -> float:
    """BRISQUE of an RGB (H, W, 3) uint8 image."""
    rgb = np.ascontiguousarray(image[..., :3]) if image.ndim == 3 else np.stack([image] * 3, axis=-1)
    return float(_model().score(rgb))
