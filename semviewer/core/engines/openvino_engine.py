"""OpenVINO as an engine (``pip install 'semviewer[openvino]'``): it runs the same exported graph as
ONNX Runtime (renders in, probabilities out), in fp32 or, where the CPU computes it natively, bf16."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Optional

import numpy as np

from semviewer.core.engines.base import Engine, EngineUnavailable, register
from semviewer.core.errors import first_line

#: bf16 may change a probability by up to this much against fp32 and still serve (it is recorded).
BF16_TOLERANCE = 0.05


def openvino_version() -> Optional[str]:
    """The installed OpenVINO version, or None when it cannot be imported."""
    try:
        import openvino
    except Exception:  # ImportError, or a broken install raising anything at import
        return None
    return str(openvino.__version__).split("-")[0]


def native_bf16() -> bool:
    """Whether OpenVINO's CPU plugin computes bf16 natively here."""
    import openvino

    return "BF16" in openvino.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")


class OpenVinoSession:
    """A compiled OpenVINO model: float32 NHWC [0, 255] renders in, probabilities out."""

    def __init__(self, path: Path, threads: int, precision: str = "fp32") -> None:
        import openvino

        core = openvino.Core()
        config = {"INFERENCE_NUM_THREADS": max(1, int(threads)), "PERFORMANCE_HINT": "LATENCY",
                  "INFERENCE_PRECISION_HINT": "bf16" if precision == "bf16" else "f32"}
        self.path, self.threads, self.precision = path, max(1, int(threads)), precision
        self._compiled = core.compile_model(core.read_model(str(path)), "CPU", config)
        self._lock = threading.Lock()       # a compiled model's own infer request serves one call at a time

    def run(self, images: np.ndarray) -> np.ndarray:
        """Probabilities (N, classes) float32 of float32 NHWC renders in [0, 255] (thread-safe)."""
        with self._lock:
            result = self._compiled(np.ascontiguousarray(images, dtype=np.float32))
            return np.array(result[self._compiled.output(0)], dtype=np.float32)


@register
class OpenVinoEngine(Engine):
    """The checked ONNX export, compiled by OpenVINO for the CPU; checked against torch fp32 (bf16
    records its measured difference)."""

    name = "openvino"
    measured = True

    def __init__(self, classifier: Any, session: OpenVinoSession, precision_diff: Optional[float] = None) -> None:
        super().__init__(session.threads, precision_diff=precision_diff)
        self.classifier, self.session = classifier, session

    @classmethod
    def version(cls) -> Optional[str]:
        return openvino_version()

    @classmethod
    def open(cls, classifier: Any, threads: int, cache_dir: Optional[Path] = None) -> "OpenVinoEngine":
        from semviewer.core.engines.export import PARITY_TOLERANCE, exported_session

        if openvino_version() is None:
            raise EngineUnavailable("OpenVINO is not installed (pip install 'semviewer[openvino]')")
        if classifier.precision == "fp16" or (classifier.precision == "bf16" and not native_bf16()):
            raise EngineUnavailable(f"OpenVINO does not compute {classifier.precision} natively on this CPU")
        exported, _ = exported_session(classifier, threads, cache_dir)
        checks = classifier.graph_input(classifier.check_images())
        try:
            session = OpenVinoSession(exported.path, threads, classifier.precision)
            diff = float(np.abs(session.run(checks) - classifier.torch_probabilities_from_nhwc(checks)).max())
        except Exception as exc:  # OpenVINO raises its own types for graphs it cannot compile
            raise EngineUnavailable(f"OpenVINO cannot run its export: {first_line(exc)}") from None
        limit = PARITY_TOLERANCE if classifier.precision == "fp32" else BF16_TOLERANCE
        if not diff <= limit:
            raise EngineUnavailable(f"OpenVINO differs from torch by {diff:.2g} (> {limit:g}) on the check renders")
        return cls(classifier, session, round(diff, 6) if classifier.precision != "fp32" else None)

    def probabilities(self, images: Any) -> np.ndarray:
        return self.session.run(self.classifier.graph_input(images))
