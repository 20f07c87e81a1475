"""Which engine serves a classifier, chosen by measurement.

The torch model is exported once to ONNX (``export``) and run by the measured engines (ONNX
Runtime and, when installed, OpenVINO); each is checked against torch on the shipped check renders
before it serves (max |Δp| ≤ 1e-4 at fp32). ``auto`` on the CPU measures the installed engines once
per network (its weights' content, not their file), CPU and thread count, in interleaved rounds,
and keeps the fastest unless the default engine is within 10 % of it (a map that then classifies
at under a quarter of the measured rate says so and how to measure again: ``recheck_choice``); bf16 (opt-in, only where
the CPU computes it natively) runs on OpenVINO when it can, else on torch, and records its measured difference from
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


#: Measuring rounds (each engine once a round, interleaved) and the margin another engine must beat
#: the default by to be chosen.
ROUNDS = 3
MARGIN = 0.10


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


def weights_digest(classifier) -> str:
    """A hash of the network's weights as loaded (its tensors' names, shapes and bytes): the same
    weights saved as ``.pth`` or ``.safetensors`` give the same digest."""
    import hashlib

    import torch

    module = getattr(classifier, "module", None)
    if module is None:
        return classifier.weights_sha256
    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        data = tensor.detach().cpu().contiguous()
        digest.update(f"{name}:{tuple(data.shape)}:{data.dtype}".encode())
        digest.update(data.view(-1).view(torch.uint8).numpy().tobytes() if data.numel() else b"")
    return digest.hexdigest()[:20]


def _choice_key(classifier, threads: int) -> str:
    from semviewer.core.engines.cpu_info import cpu_capability, cpu_name
    from semviewer.core.engines.export import export_key

    key = export_key(classifier)
    feeding = {k: v for k, v in key.__dict__.items() if k != "weights_sha256"}
    return "|".join([weights_digest(classifier), str(sorted(feeding.items())), cpu_name(), cpu_capability(),
                     f"threads={threads}", ",".join(installed())])


def _read_choices(path: Path) -> dict:
    return read_json_record(path, "engine choice record") or {}


def _fastest(classifier, threads: int, cache_dir: Optional[Path], notify: Callable[[str], None]) -> str:
    """The fastest installed measured engine for this classifier here: kept from an earlier
    measurement, else measured now (each engine checked first) and kept."""
    path, key = _choice_file(cache_dir), _choice_key(classifier, threads)
    kept = _read_choices(path).get(key)
    if isinstance(kept, dict) and kept.get("engine") in installed():
        rate = (kept.get("images_per_second") or {}).get(kept["engine"])
        classifier.engine_choice = (str(path), key, float(rate)) if isinstance(rate, (int, float)) else None
        return kept["engine"]
    engines, reasons = {}, []
    for name in installed():
        try:
            engines[name] = REGISTRY[name].open(classifier, threads, cache_dir)
        except EngineUnavailable as exc:
            reasons.append(f"{name}: {exc}")
    samples: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(ROUNDS):                     # interleaved: a busy moment of the machine falls on all alike
        for name, engine in engines.items():
            classifier.use(engine)
            samples[name].append(measure(classifier, seconds=0.3))
    rates = {name: float(np.median(values)) for name, values in samples.items()}
    if not rates:
        raise EngineUnavailable("; ".join(reasons) or "no exported engine is installed")
    best = max(rates, key=rates.get)
    default = next(iter(rates))                 # the first installed engine stays unless clearly slower
    if rates[best] < rates[default] * (1 + MARGIN):
        best = default
    classifier.use(engines[best])
    classifier.engine_choice = (str(path), key, rates[best])
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
        served = OnnxFileEngine.open(classifier, threads)
        if served.note:
            notify(served.note)
        return classifier.use(served)
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
            choice = classifier.engine_choice
            classifier.use(REGISTRY[best].open(classifier, threads, cache_dir))
            classifier.engine_choice = choice
    except EngineUnavailable as exc:
        notice = f"{classifier.name} runs on torch: {exc}"
        fallback = TorchEngine(classifier, notice)
        if classifier.precision == "bf16":
            fallback.precision_diff = fallback.bf16_difference()
        classifier.use(fallback)
        notify(notice)


#: A run that classifies at less than this share of the rate measured when auto chose the engine,
#: over at least RECHECK_IMAGES images, says so once (with how to measure again).
RECHECK_SHARE = 0.25
RECHECK_IMAGES = 256


def recheck_choice(classifier, notify: Callable[[str], None]) -> bool:
    """After a long run (a map): when the engine auto chose classified markedly slower than it was
    measured (``RECHECK_SHARE``), ``notify`` says so once, with how to measure again. The choice
    itself is kept: a map shares the cores with its renderer and with other work (study workers),
    and a choice that changed by itself would change results between the units of one study.
    Whether it said so."""
    choice, rate = classifier.engine_choice, classifier.served_rate
    if choice is None or rate is None or classifier.served_images < RECHECK_IMAGES:
        return False
    path, key, measured = choice
    if rate >= measured * RECHECK_SHARE:
        return False
    classifier.engine_choice = None                  # said once
    notify(f"{classifier.name} classified at {rate:.0f} images/s on {classifier.engine}, less than a quarter of the "
           f"{measured:.0f} measured when that engine was chosen; if the machine was busy then, delete {path} "
           f"and the engines are measured again at the next load")
    return True
