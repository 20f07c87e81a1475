"""What the benchmarks compare against: the classifier as semviewer ran it before engines."""

from __future__ import annotations

import numpy as np
import torch

from semviewer.core.inference.classifier import Classifier
from semviewer.core.engines.base import PendingProbabilities
from semviewer.core.inference.loading import load_classifier
from semviewer.core.models import get_model_spec


class EagerBefore:
    """The classifier as semviewer ran it before engines: torch eager, fp32, NCHW, synchronous."""

    def __init__(self, clf: Classifier) -> None:
        self.clf, self.device, self.name = clf, clf.device, clf.name
        self.module = clf.module.to(memory_format=torch.contiguous_format)

    def probabilities(self, images) -> np.ndarray:
        with torch.inference_mode():
            x = self.clf._scaled(images, self.device)
            x = ((x - self.clf._mean) / self.clf._std).contiguous()
            return torch.softmax(self.module(x), 1).cpu().numpy()

    def submit(self, images) -> PendingProbabilities:
        return PendingProbabilities(self.probabilities(images))

    def describe(self) -> dict:
        return {**self.clf.describe(), "engine": "torch eager (before)"}

    def __getattr__(self, name: str):
        """Everything else (labels, spec, threads...) is the wrapped classifier's, so that a Scorer
        takes it like any classifier."""
        return getattr(self.clf, name)


def default_classifier(name: str, device: str, **kw) -> Classifier:
    """A model spec on the default engine: packaged weights or a model file as they are, any other
    network with random weights (speed does not depend on the values)."""
    spec = get_model_spec(name)
    if spec.weights_package or spec.file:
        return load_classifier(name, device=device, **kw)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    weights = f"/tmp/semviewer-bench-{safe}.pth"     # random weights, saved once so the engine can key its export
    torch.manual_seed(0)
    torch.save(spec.build().state_dict(), weights)
    return load_classifier(name, weights=weights, device=device, **kw)
