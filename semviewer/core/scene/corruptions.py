"""Image corruptions after rendering, as semantic axes: Gaussian noise, blur, brightness, contrast
and JPEG compression, each with a severity from 0 (none: the render as it is, exactly) to 5, whose
whole-number severities are ImageNet-C's (Hendrycks & Dietterich 2019) and whose others lie between
them. They are applied by torchvision's own image functions, in ImageNet-C's order of effects (blur,
then light, then noise, then compression). The noise of a pose is seeded by the pose, so a map is
reproducible and can be cached.
"""

from __future__ import annotations

import hashlib

import numpy as np

from semviewer.core.scene.axes import AXIS_NAMES

#: The corruption axes, in the order they are applied.
CORRUPTIONS = ("blur", "brightness", "contrast", "noise", "jpeg")
#: Each corruption's parameter at severity 0, 1, ..., 5 (between them: linear).
TABLES = {"blur": (0.0, 1.0, 2.0, 3.0, 4.0, 6.0),            # Gaussian sigma, pixels at 224
          "brightness": (1.0, 1.1, 1.2, 1.3, 1.4, 1.5),      # brightness factor
          "contrast": (1.0, 0.4, 0.3, 0.2, 0.1, 0.05),        # contrast factor
          "noise": (0.0, 0.08, 0.12, 0.18, 0.26, 0.38),       # noise sigma on [0, 1] pixels
          "jpeg": (100.0, 25.0, 18.0, 15.0, 10.0, 7.0)}       # JPEG quality
_COLUMNS = {name: AXIS_NAMES.index(name) for name in CORRUPTIONS}


def parameter(corruption: str, severity: float) -> float:
    """The parameter of ``corruption`` at ``severity`` (0-5)."""
    return float(np.interp(severity, np.arange(6), TABLES[corruption]))


def pose_seed(pose_row: np.ndarray) -> int:
    """A seed for a pose's noise: the same pose always gets the same noise."""
    return int.from_bytes(hashlib.blake2b(np.ascontiguousarray(pose_row, np.float64).tobytes(),
                                          digest_size=8).digest(), "little") & 0x7FFF_FFFF_FFFF_FFFF


def corrupted(poses: np.ndarray) -> bool:
    """Whether any pose of the rows (k, len(AXIS_NAMES)) has a corruption."""
    return bool(np.any(np.asarray(poses)[:, list(_COLUMNS.values())] != 0))


def corrupt(images: np.ndarray, poses: np.ndarray) -> np.ndarray:
    """The renders (N, H, W, 3) uint8 with each pose's corruptions; renders without are returned
    unchanged (the same array, when no pose has any)."""
    poses = np.asarray(poses, dtype=np.float64)
    if not corrupted(poses):
        return images
    out = np.array(images, copy=True)
    for i, row in enumerate(poses):
        severities = {name: row[column] for name, column in _COLUMNS.items()}
        if any(severities.values()):
            out[i] = _one(images[i], severities, row)
    return out


def _one(image: np.ndarray, severities: dict[str, float], row: np.ndarray) -> np.ndarray:
    import torch
    import torchvision.transforms.v2.functional as F

    x = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).float() / 255.0
    if severities["blur"] > 0:
        sigma = parameter("blur", severities["blur"])
        size = 2 * int(np.ceil(3 * sigma)) + 1
        x = F.gaussian_blur(x, [size, size], [sigma, sigma])
    if severities["brightness"] > 0:
        x = F.adjust_brightness(x, parameter("brightness", severities["brightness"]))
    if severities["contrast"] > 0:
        x = F.adjust_contrast(x, parameter("contrast", severities["contrast"]))
    if severities["noise"] > 0:
        noise = torch.randn(x.shape, generator=torch.Generator().manual_seed(pose_seed(row)))
        x = (x + parameter("noise", severities["noise"]) * noise).clamp(0.0, 1.0)
    pixels = (x * 255.0).round().clamp(0, 255).to(torch.uint8)
    if severities["jpeg"] > 0:
        pixels = F.jpeg(pixels, quality=int(round(parameter("jpeg", severities["jpeg"]))))
    return pixels.permute(1, 2, 0).numpy()
