"""Which engine runs a classifier, chosen by measurement.

The torch model is exported once to ONNX (``onnx_engine``) and run by ONNX Runtime or, when it is
installed, OpenVINO; each is checked against torch on the shipped check renders before it serves
(max |Δp| ≤ 1e-4 at fp32). ``auto`` on the CPU measures the installed fp32 engines once per model,
CPU and thread count and keeps the fastest; bf16 (opt-in, only where the CPU computes it natively)
runs on OpenVINO when it can, else on torch, and records its measured difference from fp32.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from semviewer.core.errors import ModelError, SemviewerError
from semviewer.core.files.atomic import write_json
from semviewer.core.files.reading import read_json_record

#: Inference engines: ``auto`` measures and keeps the fastest on the CPU, and is torch on CUDA.
ENGINES = ("auto", "onnxruntime", "openvino", "torch")
#: bf16 may change a probability by up to this much against fp32 and still serve (it is recorded).
BF16_TOLERANCE = 0.05


def _unavailable():
    from semviewer.core.inference.onnx_engine import EngineUnavailable

    return EngineUnavailable


def export_key(classifier):
    """What determines the exported graph of a classifier."""
    import torch

    from semviewer.core.inference.onnx_engine import EXPORTER, OPSET, ExportKey, onnxruntime_version

    spec = classifier.spec
    mean, std = spec.normalisation_values()
    feeding = f"{spec.family}|{mean}|{std}|{spec.output}|{len(spec.label_set)}"
    return ExportKey(spec.architecture, classifier.weights_sha256, spec.input_size, classifier.preprocessing, feeding,
                     EXPORTER, OPSET, torch.__version__.split("+")[0], onnxruntime_version() or "none")


def _exported(classifier, threads: int, cache_dir: Optional[Path]):
    """The ONNX Runtime session of the checked export (exported now if there is none)."""
    from semviewer.core.inference.onnx_engine import onnxruntime_version, prepare_session

    unavailable = _unavailable()
    if onnxruntime_version() is None:
        raise unavailable("onnxruntime is not installed or cannot be imported (pip install onnxruntime)")
    if classifier.device.startswith("cuda"):
        raise unavailable("exported engines run on the CPU; choose the CPU or the torch engine")
    if not classifier.weights_sha256:
        raise unavailable("the weights have no SHA-256 to key an export on")
    scale = 1.0 / (255.0 * classifier._std.cpu())
    bias = -classifier._mean.cpu() / classifier._std.cpu()
    checks = classifier.graph_input(classifier.check_images())
    session, _, fresh = prepare_session(export_key(classifier), classifier.module, scale, bias,
                                        classifier.torch_probabilities_from_nhwc, checks, threads, cache_dir,
                                        softmax=classifier.spec.output == "logits")
    return session, fresh


def attach_onnxruntime(classifier, threads: int, spinning: bool = False, cache_dir: Optional[Path] = None) -> bool:
    """Serve the classifier from ONNX Runtime (fp32). Returns whether it exported now."""
    from semviewer.core.inference.onnx_engine import OnnxSession

    if classifier.precision != "fp32":
        raise _unavailable()(f"the onnxruntime engine runs in fp32, not {classifier.precision}")
    session, fresh = _exported(classifier, threads, cache_dir)
    if spinning:
        session = OnnxSession(session.path, session.threads, spinning=True)
    classifier.use_session(session, "onnxruntime", session.threads)
    return fresh


def attach_openvino(classifier, threads: int, cache_dir: Optional[Path] = None) -> None:
    """Serve the classifier from OpenVINO, in fp32 or native bf16, checked against torch fp32."""
    from semviewer.core.inference.onnx_engine import PARITY_TOLERANCE
    from semviewer.core.inference.openvino_engine import OpenVinoSession, native_bf16, openvino_version

    unavailable = _unavailable()
    if openvino_version() is None:
        raise unavailable("OpenVINO is not installed (pip install 'semviewer[openvino]')")
    if classifier.precision == "fp16" or (classifier.precision == "bf16" and not native_bf16()):
        raise unavailable(f"OpenVINO does not compute {classifier.precision} natively on this CPU")
    exported, _ = _exported(classifier, threads, cache_dir)
    checks = classifier.graph_input(classifier.check_images())
    try:
        session = OpenVinoSession(exported.path, threads, classifier.precision)
        diff = float(np.abs(session.run(checks) - classifier.torch_probabilities_from_nhwc(checks)).max())
    except Exception as exc:  # OpenVINO raises its own types for graphs it cannot compile
        from semviewer.core.errors import first_line

        raise unavailable(f"OpenVINO cannot run its export: {first_line(exc)}") from None
    limit = PARITY_TOLERANCE if classifier.precision == "fp32" else BF16_TOLERANCE
    if not diff <= limit:
        raise unavailable(f"OpenVINO differs from torch by {diff:.2g} (> {limit:g}) on the check renders")
    if classifier.precision != "fp32":
        classifier.precision_diff = round(diff, 6)
    classifier.use_session(session, "openvino", threads)


_ATTACH = {"onnxruntime": attach_onnxruntime, "openvino": attach_openvino}


def _installed() -> list[str]:
    from semviewer.core.inference.onnx_engine import onnxruntime_version
    from semviewer.core.inference.openvino_engine import openvino_version

    return [name for name, version in (("onnxruntime", onnxruntime_version()), ("openvino", openvino_version()))
            if version is not None]


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
    from semviewer.core.inference.onnx_engine import engine_cache_dir

    return (Path(cache_dir) if cache_dir is not None else engine_cache_dir()) / "engine_choice.json"


def _choice_key(classifier, threads: int) -> str:
    from semviewer.core.inference.cpu_info import cpu_capability, cpu_name

    return "|".join([export_key(classifier).digest(), cpu_name(), cpu_capability(), f"threads={threads}",
                     ",".join(_installed())])


def _read_choices(path: Path) -> dict:
    return read_json_record(path, "engine choice record") or {}


def _fastest(classifier, threads: int, cache_dir: Optional[Path], notify: Callable[[str], None]) -> str:
    """The fastest installed fp32 engine for this classifier here: kept from an earlier measurement,
    else measured now (each engine checked first) and kept."""
    path, key = _choice_file(cache_dir), _choice_key(classifier, threads)
    kept = _read_choices(path).get(key)
    if isinstance(kept, dict) and kept.get("engine") in _ATTACH:
        return kept["engine"]
    rates, reasons = {}, []
    for name in _installed():
        try:
            _ATTACH[name](classifier, threads, cache_dir=cache_dir)
        except _unavailable() as exc:
            reasons.append(f"{name}: {exc}")
            continue
        rates[name] = max(measure(classifier), measure(classifier))
    if not rates:
        raise _unavailable()("; ".join(reasons) or "no exported engine is installed")
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
    if engine not in ENGINES:
        raise ModelError(f"unknown engine {engine!r}; choose {', '.join(ENGINES)}")
    if classifier.spec.family == "onnx":
        return _attach_user_onnx(classifier, engine, threads)
    unavailable = _unavailable()
    if engine in _ATTACH:
        try:
            return _ATTACH[engine](classifier, threads, cache_dir=cache_dir)
        except unavailable as exc:
            raise ModelError(f"the {engine} engine cannot serve {classifier.name}: {exc}") from None
    if engine == "torch" or classifier.device.startswith("cuda") or classifier.precision == "fp16":
        return classifier.use_torch()
    try:
        if classifier.precision == "bf16":
            return attach_openvino(classifier, threads, cache_dir)
        best = _fastest(classifier, threads, cache_dir, notify)
        if classifier.engine != best:
            _ATTACH[best](classifier, threads, cache_dir=cache_dir)
    except unavailable as exc:
        notice = f"{classifier.name} runs on torch: {exc}"
        classifier.use_torch(notice)
        notify(notice)
        if classifier.precision == "bf16":
            classifier.precision_diff = _torch_bf16_diff(classifier)


def _attach_user_onnx(classifier, engine: str, threads: int) -> None:
    """An ONNX file runs as it is, on ONNX Runtime, in fp32 (its output is checked by ``load_classifier``)."""
    from semviewer.core.inference.user_onnx import UserOnnxSession

    if engine not in ("auto", "onnxruntime") or classifier.precision != "fp32":
        raise ModelError(f"{classifier.name} is an ONNX model: it runs on onnxruntime in fp32")
    session = UserOnnxSession(classifier.spec, threads)
    classifier.use_session(session, "onnxruntime", threads)


def _torch_bf16_diff(classifier) -> float:
    """The largest change bf16 autocast makes to any probability on the check renders."""
    import torch

    x = classifier.prepare(classifier.check_images())
    with torch.inference_mode():
        fp32 = torch.softmax(classifier.module(x).float(), 1)
        low = torch.softmax(classifier.logits_from_input(x).float(), 1)
    return round(float((fp32 - low).abs().max()), 6)
