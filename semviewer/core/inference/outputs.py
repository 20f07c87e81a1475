"""What a classifier gives, checked: one row of class scores per image, finite, summing to 1 when
they are probabilities; and reading them (top-k, the score of a class set)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from semviewer.core.errors import ModelError

if TYPE_CHECKING:
    from semviewer.core.inference.classifier import Classifier


def class_outputs(out, n: int, model: str):
    """A classifier's output for ``n`` images as (n, classes): it must be one array or tensor of
    shape [N, classes] or [N, classes, 1, 1]. Anything else (a tuple, a dict, a scalar, [classes, N],
    [N, 2, 5]) is refused with one line naming it: reshaping it would give each image numbers that
    belong to others."""
    shape = getattr(out, "shape", None)
    if shape is None:
        raise ModelError(f"{model} returns {type(out).__name__ if out is not None else 'nothing'}, not one tensor of "
                         f"class scores; a classifier must return a tensor of shape [N, classes]")
    shape = tuple(int(d) for d in shape)
    if len(shape) == 4 and shape[2:] == (1, 1):
        out = out.reshape(shape[0], shape[1])
    if len(shape) not in (2, 4) or out.ndim != 2 or shape[0] != n:
        raise ModelError(f"{model} gives outputs of shape {list(shape)} for {n} image{'s' if n != 1 else ''}; a "
                         f"classifier must give [N, classes] (or [N, classes, 1, 1]), one row per image")
    return out


def check_output_kind(classifier: "Classifier") -> None:
    """Run a model file on the shipped check renders now, so that what it gives is checked when it
    loads: its shape (``class_outputs``), the count against its labels, finite values, and, where its
    card says ``output = "probabilities"``, that they are (non-negative, each row summing to 1
    within 1e-3)."""
    probabilities = classifier.probabilities(classifier.check_images()[:3])
    if probabilities.shape[1] != classifier.num_classes:
        raise ModelError(f"{classifier.name} outputs {probabilities.shape[1]} classes but its labels name "
                         f"{classifier.num_classes}; give the labels of its outputs")
    if classifier.spec.output == "probabilities":
        sums = probabilities.sum(axis=1)
        if (probabilities < -1e-6).any() or (np.abs(sums - 1) > 1e-3).any():
            raise ModelError(f"{classifier.name}: its card says output = \"probabilities\", but on the check renders "
                             f"its rows sum to {', '.join(f'{s:.4g}' for s in sums)} (min {probabilities.min():.3g}); "
                             f"it gives logits: say output = \"logits\" in its card")


def check_probabilities(probabilities: np.ndarray, model: str) -> np.ndarray:
    """``probabilities``, or ModelError when any is NaN or infinite (broken weights or engine)."""
    if not np.isfinite(probabilities).all():
        raise ModelError(f"{model} returned non-finite probabilities (NaN or infinity); its weights or its "
                         f"inference engine are broken")
    return probabilities


def top_k(probabilities: np.ndarray, k: int = 5) -> list[tuple[int, float]]:
    """The k most probable (class id, probability) pairs of one probability vector."""
    order = np.argsort(-probabilities)[:k]
    return [(int(i), float(probabilities[i])) for i in order]


def class_score(probabilities: np.ndarray, class_ids: Sequence[int]) -> np.ndarray:
    """Summed probability of a class set, for each row of (N, classes) probabilities, in [0, 1]
    (a float32 sum over many classes can round just above 1)."""
    return np.clip(np.asarray(probabilities)[..., list(class_ids)].sum(axis=-1), 0.0, 1.0)
