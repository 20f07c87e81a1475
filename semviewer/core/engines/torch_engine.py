"""torch as an engine: the classifier's own module, on the CPU or CUDA (asynchronously there)."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from semviewer.core.engines.base import Engine, PendingProbabilities, register


@register
class TorchEngine(Engine):
    """The torch module itself: the reference every other engine is checked against, the engine on
    CUDA, and the fallback when no exported engine can serve."""

    name = "torch"

    def __init__(self, classifier: Any, notice: str = "", precision_diff: Optional[float] = None) -> None:
        import torch

        super().__init__(torch.get_num_threads(), notice, precision_diff)
        self.classifier = classifier
        self._cuda = classifier.device.startswith("cuda")

    @classmethod
    def open(cls, classifier: Any, threads: int, cache_dir: Any = None) -> "TorchEngine":
        return cls(classifier)

    def probabilities(self, images: Any) -> np.ndarray:
        import torch

        if self._cuda:
            return self._submit_cuda(images).result()
        with torch.inference_mode():
            c = self.classifier
            return c.softmax(c.logits_from_input(c.prepare(images))).cpu().numpy()

    def submit(self, images: Any) -> PendingProbabilities:
        """On CUDA this returns while the GPU works (upload from pinned memory, kernels and the copy
        back are queued), so the caller can render the next batch."""
        return self._submit_cuda(images) if self._cuda else PendingProbabilities(self.probabilities(images))

    def _submit_cuda(self, images: Any) -> PendingProbabilities:
        import torch

        c = self.classifier
        with torch.inference_mode():
            probs = c.softmax(c.logits_from_input(c.prepare(images)))
            host = torch.empty(probs.shape, dtype=probs.dtype, pin_memory=True)
            host.copy_(probs, non_blocking=True)
            event = torch.cuda.Event()
            event.record()
        return PendingProbabilities(host, event)

    def bf16_difference(self) -> float:
        """The largest change bf16 autocast makes to any probability on the check renders."""
        import torch

        c = self.classifier
        x = c.prepare(c.check_images())
        with torch.inference_mode():
            fp32 = torch.softmax(c.module(x).float(), 1)
            low = torch.softmax(c.logits_from_input(x).float(), 1)
        return round(float((fp32 - low).abs().max()), 6)
