"""Aesthetic PROXY: four measurable picture properties, not a learned aesthetic model.

- colorfulness: Hasler & Süsstrunk (2003) M3 on RGB, divided by 100 and capped at 1 (0 = grey, higher = more
  colourful);
- contrast: RMS contrast (standard deviation of luminance / 255 × 4, capped at 1; higher = more contrast);
- exposure: 1 - |mean luminance - 0.5| × 2, less the share of clipped (≤2 or ≥253) pixels (0..1; 1 = mid-grey
  mean and nothing clipped);
- sharpness: variance of the Laplacian of the grey image / 500, capped at 1 (higher = sharper).
`aesthetic_proxy` is their mean, range 0..1, higher is better. Model: none (OpenCV arithmetic).
"""

from __future__ import annotations

import cv2
import numpy as np
from pydantic import BaseModel


class AestheticReport(BaseModel):
    colorfulness: float
    contrast: float
    exposure: float
    sharpness: float
    aesthetic_proxy: float


def aesthetic(image: np.ndarray) -> AestheticReport:
    rgb = np.ascontiguousarray(image[..., :3]).astype(np.float64)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    rg, yb = r - g, 0.5 * (r + g) - b
    m3 = np.sqrt(rg.std() ** 2 + yb.std() ** 2) + 0.3 * np.sqrt(rg.mean() ** 2 + yb.mean() ** 2)
    grey = cv2.cvtColor(np.ascontiguousarray(image[..., :3]).astype(np.uint8), cv2.COLOR_RGB2GRAY)
    luma = grey.astype(np.float64) / 255.0
    clipped = float(np.mean((grey <= 2) | (grey >= 253)))
    parts = {
        "colorfulness": min(1.0, m3 / 100.0),
        "contrast": min(1.0, luma.std() * 4.0),
        "exposure": max(0.0, 1.0 - abs(luma.mean() - 0.5) * 2.0 - clipped),
        "sharpness": min(1.0, float(cv2.Laplacian(grey, cv2.CV_64F).var()) / 500.0),
    }
    return AestheticReport(**parts, aesthetic_proxy=float(np.mean(list(parts.values()))))
