"""ONNX Runtime as an engine: the classifier's checked ONNX export (fp32, the CPU's fast path), or a
user's ONNX file run as it is, fed as its card says."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import numpy as np

from semviewer.core.engines.base import Engine, EngineUnavailable, register
from semviewer.core.engines.onnx_session import OnnxSession, library_message, onnxruntime_version
from semviewer.core.errors import ModelError


def softmax(logits: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):   # non-finite logits are refused by the caller, quietly
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        return e / e.sum(axis=1, keepdims=True)


@register
class OnnxRuntimeEngine(Engine):
    """The export of a torch network (renders in, probabilities out), run by ONNX Runtime in fp32."""

    name = "onnxruntime"
    measured = True

    def __init__(self, classifier: Any, session: OnnxSession, exported_now: bool = False) -> None:
        super().__init__(session.threads)
        self.classifier, self.session, self.exported_now = classifier, session, exported_now

    @classmethod
    def version(cls) -> Optional[str]:
        return onnxruntime_version()

    @classmethod
    def open(cls, classifier: Any, threads: int, cache_dir: Optional[Path] = None,
             spinning: bool = False) -> "OnnxRuntimeEngine":
        from semviewer.core.engines.export import exported_session

        if classifier.precision != "fp32":
            raise EngineUnavailable(f"the onnxruntime engine runs in fp32, not {classifier.precision}")
        session, fresh = exported_session(classifier, threads, cache_dir)
        if spinning:
            session = OnnxSession(session.path, session.threads, spinning=True)
        return cls(classifier, session, fresh)

    def probabilities(self, images: Any) -> np.ndarray:
        return self.session.run(self.classifier.graph_input(images))


class OnnxFileEngine(Engine):
    """A user's ONNX file, run as it is by ONNX Runtime in fp32: float32 NHWC [0, 255] renders at
    the model's input size in, fed as its card says (layout, normalisation), probabilities out
    (softmax applied when it outputs logits). Chosen by the model's kind, not by measurement."""

    name = "onnxruntime"

    def __init__(self, classifier: Any, threads: int) -> None:
        super().__init__(max(1, int(threads)))
        spec = self.spec = classifier.spec
        self.classifier = classifier
        try:
            self.session = OnnxSession(Path(spec.file), self.threads)
        except Exception as exc:  # onnxruntime raises its own types on graphs it cannot load
            raise ModelError(f"onnxruntime cannot open {spec.file}: {library_message(exc)}") from None
        b = self.session.fixed_batch
        self.note = f"{Path(spec.file).name} takes batches of exactly {b} image{'s' if b != 1 else ''} (its graph " \
                    f"has a fixed batch size): it is fed {b} at a time" if b is not None else ""
        mean, std = spec.normalisation_values()
        self._mean = np.asarray(mean, np.float32).reshape(1, 1, 1, 3)
        self._std = np.asarray(std, np.float32).reshape(1, 1, 1, 3)

    @classmethod
    def open(cls, classifier: Any, threads: int, cache_dir: Optional[Path] = None) -> "OnnxFileEngine":
        return cls(classifier, threads)

    def probabilities(self, images: Any) -> np.ndarray:
        from semviewer.core.inference.outputs import class_outputs

        x = (self.classifier.graph_input(images) / 255.0 - self._mean) / self._std
        if self.spec.layout == "NCHW":
            x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
        try:
            out = self.session.run(x)
        except Exception as exc:  # a graph that rejects the input it said it takes
            raise ModelError(f"{self.spec.file} failed on a batch of {len(x)} renders: {library_message(exc)}; "
                             f"check its card (layout, size, normalisation) against the graph") from None
        out = np.asarray(class_outputs(np.asarray(out, np.float32), len(x), self.spec.file))
        if out.shape[1] != len(self.spec.label_set):
            raise ModelError(f"{self.spec.file} outputs {out.shape[1]} classes but its labels name "
                             f"{len(self.spec.label_set)}; give the labels of its outputs (labels = \"FILE\" in its "
                             f"card)")
        return softmax(out) if self.spec.output == "logits" else out
