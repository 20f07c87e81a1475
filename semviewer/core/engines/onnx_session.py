"""An ONNX Runtime CPU session: the runner of exported graphs and of users' ONNX files."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np


def onnxruntime_version() -> Optional[str]:
    """The installed onnxruntime version, or None when it cannot be imported."""
    try:
        import onnxruntime
    except Exception:  # ImportError, or a broken install raising anything at import
        return None
    return str(onnxruntime.__version__)


class OnnxSession:
    """An ONNX Runtime CPU session: float32 NHWC [0, 255] renders in, probabilities out."""

    def __init__(self, path: Path, threads: int, spinning: bool = False) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, int(threads))
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # Idle inference threads sleep instead of spinning, leaving the cores to the render thread:
        # measured faster in the map pipeline on 2 cores (bench/map_throughput.py), equal alone.
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
        self.threads = options.intra_op_num_threads
        self.spinning = spinning
        self.path = path
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input_name = self._session.get_inputs()[0].name
        batch = self._session.get_inputs()[0].shape[0] if self._session.get_inputs()[0].shape else None
        #: The batch size the graph takes, when it is fixed (an export without a dynamic batch axis).
        self.fixed_batch = batch if isinstance(batch, int) and batch > 0 else None

    def run(self, x: np.ndarray) -> np.ndarray:
        """The graph's first output for input ``x`` (an export of ours: probabilities (N, classes) of
        float32 NHWC renders in [0, 255]). A graph of a fixed batch size is run on slices of that
        size, the last one padded with copies of its last image."""
        b = self.fixed_batch
        if b is None or len(x) == b:
            return self._session.run(None, {self.input_name: x})[0]
        outputs = []
        for start in range(0, len(x), b):
            part = x[start:start + b]
            if len(part) < b:
                part = np.concatenate([part, np.repeat(part[-1:], b - len(part), axis=0)])
            outputs.append(np.asarray(self._session.run(None, {self.input_name: part})[0])[:min(b, len(x) - start)])
        return np.concatenate(outputs)


def library_message(exc: BaseException, limit: int = 240) -> str:
    """A library's error (ONNX Runtime's run over several lines and start with codes) as one
    sentence: its codes dropped, its lines joined, cut at a word."""
    import re

    text = " ".join(str(exc).split())
    text = re.sub(r"^\[ONNXRuntimeError\] : \d+ : [A-Z_]+ : ", "", text)
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    return text or type(exc).__name__
