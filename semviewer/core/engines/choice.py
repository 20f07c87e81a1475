"""Which engine serves a classifier, chosen by measurement.

The torch model is exported once to ONNX (``export``) and run by the measured engines (ONNX
Runtime and, when installed, OpenVINO); each is checked against torch on the shipped check renders
before it serves (max |Δp| ≤ 1e-4 at fp32). ``auto`` on the CPU measures the installed engines once
per model, CPU and thread count and keeps the fastest; bf16 (opt-in, only where the CPU computes it
natively) runs on OpenVINO when it can, else on torch, and records its measured difference from
fp32. A model file in ONNX runs as it is, on ONNX Runtime.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from semviewer.core.engines.base import REGISTRY, EngineUnavailable, installed
from semviewer.core.engines.onnxruntime_engine import OnnxFileEngine
from semviewer.core.engines.torch_engine import TorchEngine
from semviewer.core.errors import ModelError, SemviewerError
from semviewer.core.files.atomic import write_json
from semviewer.core.files.reading import read_json_record


def measure(classifier, seconds: float = 0.5, batch: int = 8) -> float:
    """Images per second of the classifier as it is served now (after one warm-up call)."""
    images = np.repeat(classifier.check_images()[:1], batch, axis=0)
    classifier.probabilities(images)
    done, began = 0, time.perf_counter()
    while done == 0 or time.perf_counter() - began < seconds:
        classifier.probabilities(images)
        done += batch
    return done / (time.perf_counter() - began)


def _choice_file(cache_dir: Optional[Path]) -> Path:
    from semviewer.core.engines.export import engine_cache_dir

    return (Path(cache_dir) if cache_dir is not None else engine_cache_dir()) / "engine_choice.json"


def _choice_key(classifier, threads: int) -> str:
    from semviewer.core.engines.cpu_info import cpu_capability, cpu_name
    from semviewer.core.engines.export import export_key

    return "|".join([export_key(classifier).digest(), cpu_name(), cpu_capability(), f"threads={threads}",
                     ",".join(installed())])


def _read_choices(path: Path) -> dict:
    return read_json_record(path, "engine choice record") or {}


def _fastest(classifier, threads: int, cache_dir: Optional[Path], notify: Callable[[str], None]) -> str:
    """The fastest installed measured engine for this classifier here: kept from an earlier
    measurement, else measured now (each engine checked first) and kept."""
    path, key = _choice_file(cache_dir), _choice_key(classifier, threads)
    kept = _read_choices(path).get(key)
    if isinstance(kept, dict) and kept.get("engine") in installed():
        return kept["engine"]
    rates, reasons = {}, []
    for name in installed():
        try:
            classifier.use(REGISTRY[name].open(classifier, threads, cache_dir))
        except EngineUnavailable as exc:
            reasons.append(f"{name}: {exc}")
            continue
        rates[name] = max(measure(classifier), measure(classifier))
    if not rates:
        raise EngineUnavailable("; ".join(reasons) or "no exported engine is installed")
    best = max(rates, key=rates.get)
    data = _read_choices(path)
    data[key] = {"engine": best, "images_per_second": {k: round(v, 1) for k, v in rates.items()}}
    try:
        write_json(path, data)
    except SemviewerError:       # an unwritable cache only means measuring again next time
        pass
    if len(rates) > 1:
        notify(f"{classifier.name}: measured the engines once here: " +
               ", ".join(f"{k} {v:.0f} images/s" for k, v in rates.items()) + f"; {best} serves it")
    return best


def choose_engine(classifier, engine: str, threads: int, notify: Callable[[str], None],
                  cache_dir: Optional[Path] = None) -> None:
    """Serve ``classifier`` on ``engine``; ``auto`` is the fastest measured engine on the CPU at
    fp32, OpenVINO (else torch) at bf16, and torch on CUDA. When auto's engine cannot serve, torch
    does and ``notify`` says why; an engine asked for by name that cannot serve is a ModelError."""
    from semviewer.core.engines import ENGINES

    if engine not in ENGINES:
        raise ModelError(f"unknown engine {engine!r}; choose {', '.join(ENGINES)}")
    if classifier.spec.family == "onnx":
        if engine not in ("auto", "onnxruntime") or classifier.precision != "fp32":
            raise ModelError(f"{classifier.name} is an ONNX model: it runs on onnxruntime in fp32")
        return classifier.use(OnnxFileEngine.open(classifier, threads))
    if engine != "auto":
        try:
            return classifier.use(REGISTRY[engine].open(classifier, threads, cache_dir))
        except EngineUnavailable as exc:
            raise ModelError(f"the {engine} engine cannot serve {classifier.name}: {exc}") from None
    if classifier.device.startswith("cuda") or classifier.precision == "fp16":
        return classifier.use(TorchEngine(classifier))
    try:
        if classifier.precision == "bf16":
            return classifier.use(REGISTRY["openvino"].open(classifier, threads, cache_dir))
        best = _fastest(classifier, threads, cache_dir, notify)
        if classifier.engine != best:
            classifier.use(REGISTRY[best].open(classifier, threads, cache_dir))
    except EngineUnavailable as exc:
        notice = f"{classifier.name} runs on torch: {exc}"
        fallback = TorchEngine(classifier, notice)
        if classifier.precision == "bf16":
            fallback.precision_diff = fallback.bf16_difference()
        classifier.use(fallback)
        notify(notice)
