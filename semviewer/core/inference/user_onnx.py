"""A user's ONNX model, run as it is by ONNX Runtime: semviewer feeds it what its card says (layout,
size, normalisation) and turns logits into probabilities when it outputs logits."""

from __future__ import annotations

from typing import Any

import numpy as np

from semviewer.core.errors import ModelError, first_line
from semviewer.core.inference.classifier import class_outputs


def softmax(logits: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):   # non-finite logits are refused by the caller, quietly
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        return e / e.sum(axis=1, keepdims=True)


class UserOnnxSession:
    """Float32 NHWC [0, 255] renders at the model's input size in, probabilities out."""

    def __init__(self, spec: Any, threads: int) -> None:
        from semviewer.core.inference.onnx_engine import OnnxSession

        self.spec, self.threads = spec, max(1, int(threads))
        try:
            self._session = OnnxSession(spec.file, self.threads)
        except Exception as exc:  # onnxruntime raises its own types on graphs it cannot load
            raise ModelError(f"onnxruntime cannot open {spec.file}: {first_line(exc)}") from None
        self._input = self._session._session.get_inputs()[0].name
        mean, std = spec.normalisation_values()
        self._mean = np.asarray(mean, np.float32).reshape(1, 1, 1, 3)
        self._std = np.asarray(std, np.float32).reshape(1, 1, 1, 3)

    def run(self, images: np.ndarray) -> np.ndarray:
        x = (np.asarray(images, np.float32) / 255.0 - self._mean) / self._std
        if self.spec.layout == "NCHW":
            x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
        try:
            out = self._session._session.run(None, {self._input: x})[0]
        except Exception as exc:  # a graph that rejects the input it said it takes
            raise ModelError(f"{self.spec.file} failed on a batch of renders: {first_line(exc)}") from None
        out = np.asarray(class_outputs(np.asarray(out, np.float32), len(x), self.spec.file))
        if out.shape[1] != len(self.spec.label_set):
            raise ModelError(f"{self.spec.file} outputs {out.shape[1]} classes but its labels name "
                             f"{len(self.spec.label_set)}; give the labels of its outputs (labels = \"FILE\" in its "
                             f"card)")
        return softmax(out) if self.spec.output == "logits" else out
