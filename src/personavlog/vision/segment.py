"""Person silhouette from one photo: GrabCut seeded by the face box (or the image centre), cleaned and feathered."""

from __future__ import annotations

import cv2
import numpy as np

from personavlog.schema import FaceBox

_WORK_SIDE = 420
_ITERATIONS = 5


def _face_seeds(height: int, width: int, face: FaceBox) -> np.ndarray:
    """GrabCut labels: head and a shoulders/torso shape grown down from the face; far borders are background."""
    mask = np.full((height, width), cv2.GC_PR_BGD, np.uint8)
    fx, fy, fw, fh = face.x, face.y, face.w, face.h
    cx = fx + fw / 2.0
    shoulder_y = fy + 1.45 * fh

    def pt(x: float, y: float) -> tuple[int, int]:
        return round(x), round(y)

    # Definite background: the borders, and the upper corners well away from the head.
    band = max(2, round(0.025 * min(height, width)))
    mask[:band, :] = cv2.GC_BGD
    mask[:, :band] = cv2.GC_BGD
    mask[:, width - band :] = cv2.GC_BGD
    head_reach = 1.05 * fw
    upper = round(min(height, fy + 0.85 * fh))
    mask[:upper, : max(0, round(cx - head_reach))] = cv2.GC_BGD
    mask[:upper, min(width, round(cx + head_reach)) :] = cv2.GC_BGD
    mask[: max(0, round(fy - 0.9 * fh)), :] = cv2.GC_BGD

    # Probable foreground: hair/head ellipse, neck, and a torso trapezoid reaching the bottom of the photo.
    torso = np.array(
        [
            pt(cx - 0.55 * fw, fy + 1.05 * fh),
            pt(cx + 0.55 * fw, fy + 1.05 * fh),
            pt(cx + 1.55 * fw, shoulder_y + 0.25 * fh),
            pt(cx + 1.85 * fw, height + 1),
            pt(cx - 1.85 * fw, height + 1),
            pt(cx - 1.55 * fw, shoulder_y + 0.25 * fh),
        ],
        np.int32,
    )
    cv2.fillPoly(mask, [torso], cv2.GC_PR_FGD)
    cv2.ellipse(mask, pt(cx, fy + 0.4 * fh), pt(0.72 * fw, 0.9 * fh), 0, 0, 360, cv2.GC_PR_FGD, -1)

    # Definite foreground: the middle of the face and the middle of the chest.
    cv2.ellipse(mask, pt(cx, fy + 0.55 * fh), pt(0.3 * fw, 0.36 * fh), 0, 0, 360, cv2.GC_FGD, -1)
    chest_top = fy + 1.75 * fh
    if chest_top < height - 2:
        cv2.rectangle(
            mask, pt(cx - 0.45 * fw, chest_top), pt(cx + 0.45 * fw, min(height - 1, fy + 3.0 * fh)), cv2.GC_FGD, -1
        )
    return mask


def _centre_seeds(height: int, width: int) -> np.ndarray:
    """Without a face: the centre of the picture is the character, the borders are background."""
    mask = np.full((height, width), cv2.GC_PR_BGD, np.uint8)
    band = max(2, round(0.03 * min(height, width)))
    mask[:band, :] = cv2.GC_BGD
    mask[:, :band] = cv2.GC_BGD
    mask[:, width - band :] = cv2.GC_BGD
    cv2.rectangle(
        mask, (round(0.15 * width), round(0.08 * height)), (round(0.85 * width), height - 1), cv2.GC_PR_FGD, -1
    )
    cv2.ellipse(
        mask, (width // 2, round(0.55 * height)), (round(0.12 * width), round(0.2 * height)), 0, 0, 360, cv2.GC_FGD, -1
    )
    return mask


def _trim_beside_head(bgr: np.ndarray, binary: np.ndarray, face: FaceBox) -> np.ndarray:
    """Drop background kept beside the head (a flag, a pole, a picture frame) by a second, head-only GrabCut.

    The first pass learns the subject's colours from the whole body, so a backdrop that shares them (red
    stripes beside red ribbons, a gold pole beside gold buttons) survives next to the head. Here the
    colour models see only the rows of the face: skin, hair and hat against what surrounds them. Only
    pixels beside the face box (rows of the face, columns outside its middle) can be removed; the crown
    above the face and the body below the chin keep the first pass's answer.
    """
    height, width = binary.shape
    fx, fy, fw, fh = face.x, face.y, face.w, face.h
    cx = fx + fw / 2.0
    top, bottom = max(0, fy), min(height, round(fy + 1.0 * fh))
    if bottom - top < 8:
        return binary
    labels = np.where(binary[:bottom] > 0, cv2.GC_PR_BGD, cv2.GC_BGD).astype(np.uint8)
    inner0, inner1 = max(0, round(fx + 0.1 * fw)), min(width, round(fx + 0.9 * fw))
    core = labels[:, inner0:inner1]
    core[core == cv2.GC_PR_BGD] = cv2.GC_PR_FGD
    far = round(0.95 * fw)
    labels[:, : max(0, round(cx - far))] = cv2.GC_BGD
    labels[:, min(width, round(cx + far)) :] = cv2.GC_BGD
    cv2.ellipse(
        labels, (round(cx), round(fy + 0.55 * fh)), (round(0.3 * fw), round(0.36 * fh)), 0, 0, 360, cv2.GC_FGD, -1
    )
    if int((labels == cv2.GC_BGD).sum()) < 50 or int((labels == cv2.GC_PR_BGD).sum()) == 0:
        return binary
    cv2.setRNGSeed(0)
    background_model = np.zeros((1, 65), np.float64)
    foreground_model = np.zeros((1, 65), np.float64)
    # The stubs demand a rect even in mask mode, where OpenCV takes None (and ignores any rect).
    cv2.grabCut(  # type: ignore[call-overload]
        np.ascontiguousarray(bgr[:bottom]), labels, None, background_model, foreground_model, 4, cv2.GC_INIT_WITH_MASK
    )
    head = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
    trimmed = binary.copy()
    beside = np.zeros((bottom - top, width), bool)
    beside[:, :inner0] = True
    beside[:, inner1:] = True
    trimmed[top:bottom][beside & ~head[top:bottom]] = 0
    return trimmed


def _keep_subject(binary: np.ndarray, anchor: tuple[int, int]) -> np.ndarray:
    """The connected component at `anchor` (or the largest one), with its holes filled."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if count <= 1:
        return binary
    ax, ay = anchor
    label = int(labels[ay, ax])
    if label == 0:
        label = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    subject = np.where(labels == label, 255, 0).astype(np.uint8)
    # Fill holes: everything not reachable from the border through background belongs to the subject.
    padded = cv2.copyMakeBorder(subject, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    flood = padded.copy()
    cv2.floodFill(flood, None, (0, 0), 255)
    holes = cv2.bitwise_not(flood)[1:-1, 1:-1]
    return cv2.bitwise_or(subject, holes)


def person_mask(image_rgb: np.ndarray, face: FaceBox | None) -> np.ndarray:
    """Hard subject mask (uint8 0/255) at the image's size."""
    height, width = image_rgb.shape[:2]
    scale = min(1.0, _WORK_SIDE / max(height, width))
    small_w, small_h = max(8, round(width * scale)), max(8, round(height * scale))
    small = cv2.resize(image_rgb, (small_w, small_h), interpolation=cv2.INTER_AREA)
    bgr = cv2.cvtColor(small, cv2.COLOR_RGB2BGR)
    if face is not None:
        small_face = FaceBox(
            x=round(face.x * scale),
            y=round(face.y * scale),
            w=max(2, round(face.w * scale)),
            h=max(2, round(face.h * scale)),
        )
        labels = _face_seeds(small_h, small_w, small_face)
        anchor = (small_face.x + small_face.w // 2, small_face.y + small_face.h // 2)
    else:
        labels = _centre_seeds(small_h, small_w)
        anchor = (small_w // 2, round(0.55 * small_h))
    cv2.setRNGSeed(0)
    background_model = np.zeros((1, 65), np.float64)
    foreground_model = np.zeros((1, 65), np.float64)
    cv2.grabCut(bgr, labels, None, background_model, foreground_model, _ITERATIONS, cv2.GC_INIT_WITH_MASK)  # type: ignore[call-overload]
    binary: np.ndarray = np.where((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    side = max(3, round(0.012 * max(small_w, small_h)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    binary = cv2.morphologyEx(binary, cv2.MORPH_OPEN, kernel)
    binary = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, kernel, iterations=2)
    if face is not None:
        # Thin things poking up above the head (flag tips, poles) are background leaking in, not the person.
        top = max(0, round((face.y + 0.1 * face.h) * scale))
        wide = max(5, round(0.035 * max(small_w, small_h)) | 1)
        crown = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (wide, wide))
        binary[:top] = cv2.morphologyEx(binary, cv2.MORPH_OPEN, crown)[:top]
        binary = _trim_beside_head(bgr, binary, small_face)
        binary = cv2.morphologyEx(binary, cv2.MORPH_OPEN, kernel)
    anchor = (min(small_w - 1, max(0, anchor[0])), min(small_h - 1, max(0, anchor[1])))
    binary = _keep_subject(binary, anchor)
    # Upscale through a blur so the full-size edge follows a smooth curve rather than the work grid.
    soft = cv2.resize(cv2.GaussianBlur(binary, (0, 0), 1.0), (width, height), interpolation=cv2.INTER_CUBIC)
    return np.where(soft >= 128, 255, 0).astype(np.uint8)


def _wide_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur; wide ones run on a reduced copy, which is much faster and looks the same."""
    if sigma <= 3.0:
        return cv2.GaussianBlur(image, (0, 0), sigma)
    factor = sigma / 2.0
    h, w = image.shape[:2]
    small = cv2.resize(image, (max(2, round(w / factor)), max(2, round(h / factor))), interpolation=cv2.INTER_AREA)
    return cv2.resize(cv2.GaussianBlur(small, (0, 0), 2.0), (w, h), interpolation=cv2.INTER_LINEAR)


def feather(mask: np.ndarray, amount: float = 0.006) -> np.ndarray:
    """Soft alpha (float32 0..1) whose falloff lies just inside the hard edge, so no background halo shows."""
    height, width = mask.shape
    radius = max(1.5, amount * max(height, width))
    shrink = max(1, round(radius * 0.8))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * shrink + 1, 2 * shrink + 1))
    inner = cv2.erode(mask, kernel)
    alpha = cv2.GaussianBlur(inner.astype(np.float32) / 255.0, (0, 0), radius)
    return np.clip(alpha * 1.08, 0.0, 1.0)


def decontaminate(image_rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Replace colours in the soft edge by the subject's own nearby colours, removing the old background's tint."""
    core = (alpha > 0.97).astype(np.float32)
    radius = max(2.0, 0.01 * max(alpha.shape))
    weight = _wide_blur(core, radius)
    spread = _wide_blur(image_rgb.astype(np.float32) * core[..., None], radius)
    inside = spread / np.maximum(weight, 1e-4)[..., None]
    edge = (1.0 - core)[..., None]
    usable = (weight > 1e-3)[..., None]
    mixed = np.where(usable, inside * edge + image_rgb.astype(np.float32) * (1.0 - edge), image_rgb)
    return np.clip(mixed, 0, 255).astype(np.uint8)
