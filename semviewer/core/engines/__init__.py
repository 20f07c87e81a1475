"""Inference engines: what serves a loaded classifier's probabilities.

One ``Engine`` base class and a registry (``REGISTRY``), one module per engine:

* ``torch_engine``: the torch module itself (the reference, CUDA, the fallback);
* ``onnxruntime_engine``: the checked ONNX export on ONNX Runtime, and users' ONNX files;
* ``openvino_engine``: the same export on OpenVINO (fp32, native bf16).

``choose_engine`` serves a classifier on the engine asked for, or on the fastest measured here
(``auto``); ``describe_cpu`` and friends say what the CPU can do. Adding an engine is one module
with one class decorated with ``register``, imported below.
"""

from semviewer.core.engines.base import (REGISTRY, Engine, EngineUnavailable, PendingProbabilities, installed,
                                         register)
from semviewer.core.engines import onnxruntime_engine, openvino_engine, torch_engine  # noqa: F401 (register)
from semviewer.core.engines.choice import choose_engine, measure
from semviewer.core.engines.cpu_info import cpu_capability, describe_cpu, native_bf16, physical_cores
from semviewer.core.engines.export import engine_cache_dir

#: What a user may ask for: ``auto`` (measured), then every registered engine.
ENGINES = ("auto", *REGISTRY)

__all__ = ["ENGINES", "REGISTRY", "Engine", "EngineUnavailable", "PendingProbabilities", "choose_engine",
           "cpu_capability", "describe_cpu", "engine_cache_dir", "installed", "measure", "native_bf16",
           "physical_cores", "register"]
