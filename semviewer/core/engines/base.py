"""What an inference engine is, and the registry of engines.

An engine serves a loaded classifier's probabilities for batches of renders. Each engine is one
class in one module (``torch_engine``, ``onnxruntime_engine``, ``openvino_engine``), registered
here by name; ``choice.choose_engine`` opens the one asked for, or measures the candidates for
``auto``. A classifier holds the engine serving it (``Classifier.use``) and never the engine's
internals: adding an engine is one module with one registered class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Optional

import numpy as np

if TYPE_CHECKING:
    from pathlib import Path


class EngineUnavailable(Exception):
    """An engine cannot serve this classifier here; ``str()`` says why in one line."""


class PendingProbabilities:
    """Probabilities that may still be computing (CUDA runs asynchronously); ``result()`` waits."""

    def __init__(self, value: Any = None, event: Any = None) -> None:
        self._value, self._event = value, event

    def result(self) -> np.ndarray:
        if self._event is not None:
            self._event.synchronize()
            self._event = None
        value = self._value
        return value.numpy() if hasattr(value, "numpy") else value


class Engine:
    """Serves a classifier's probabilities (float32 (N, classes)) for images (N, H, W, 3) uint8 or
    float in [0, 255]. ``measured`` engines are timed against each other by ``auto``."""

    name: ClassVar[str] = ""
    measured: ClassVar[bool] = False

    def __init__(self, threads: int, notice: str = "", precision_diff: Optional[float] = None) -> None:
        self.threads = int(threads)
        self.notice = notice                      # what the user should know about how it serves
        self.precision_diff = precision_diff      # max |Δp| against fp32 on the check renders, when not fp32

    @classmethod
    def version(cls) -> Optional[str]:
        """The installed version of what the engine runs on, or None when it cannot be used here."""
        return "built in"

    @classmethod
    def open(cls, classifier: Any, threads: int, cache_dir: "Optional[Path]" = None) -> "Engine":
        """An engine serving ``classifier``, checked; EngineUnavailable (with the reason) when it cannot."""
        raise NotImplementedError

    def probabilities(self, images: Any) -> np.ndarray:
        raise NotImplementedError

    def submit(self, images: Any) -> PendingProbabilities:
        """Start classifying a batch (engines that compute asynchronously return before they finish)."""
        return PendingProbabilities(self.probabilities(images))


#: Every engine by name, in the order they are offered.
REGISTRY: dict[str, type[Engine]] = {}


def register(cls: type[Engine]) -> type[Engine]:
    """Add an engine class to the registry (a class decorator)."""
    REGISTRY[cls.name] = cls
    return cls


def installed(measured_only: bool = True) -> list[str]:
    """The engines that can run here (those ``auto`` measures, unless ``measured_only`` is False)."""
    return [name for name, cls in REGISTRY.items() if (cls.measured or not measured_only) and cls.version()]
