"""OpenVINO as an optional CPU engine (``pip install 'semviewer[openvino]'``): it runs the same
exported graph as ONNX Runtime (renders in, probabilities out), in fp32 or, where the CPU
computes it natively, bf16."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Optional

import numpy as np


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
