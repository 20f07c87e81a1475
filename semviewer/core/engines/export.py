"""A torch network exported to ONNX once per weights, checked against torch, cached: the graph that
the ONNX Runtime and OpenVINO engines run.

The exported graph takes the renders as they come out of the renderer, float32 NHWC in
[0, 255] at the model's input size, and folds the layout change, the model's own
normalisation and the softmax into the graph: the caller's only pass over the pixels is
the uint8 → float32 conversion.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import tempfile
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Optional

import numpy as np

from semviewer.core.errors import first_line
from semviewer.core.files.atomic import atomic_path, write_json
from semviewer.core.files.hashing import file_sha256
from semviewer.core.files.reading import read_json_record
from semviewer.core.engines.base import EngineUnavailable
from semviewer.core.engines.onnx_session import OnnxSession, onnxruntime_version

if TYPE_CHECKING:
    import torch

#: The exporter and opset the cache key names (a change of either means a new export).
EXPORTER = "torchscript"
OPSET = 17
#: Largest allowed difference of any probability between ONNX Runtime and torch on the check renders.
PARITY_TOLERANCE = 1e-4


def engine_cache_dir() -> Path:
    """``$SEMVIEWER_ENGINE_CACHE_DIR``, else ``$XDG_CACHE_HOME/semviewer/engines`` (``~/.cache``).
    When that folder cannot be written (a read-only home), a folder of this user's in the system's
    temporary directory serves instead, so that exports and measurements are still kept."""
    if os.environ.get("SEMVIEWER_ENGINE_CACHE_DIR"):
        chosen = Path(os.environ["SEMVIEWER_ENGINE_CACHE_DIR"])
    else:
        chosen = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "semviewer" / "engines"
    if _writable(chosen):
        return chosen
    return Path(tempfile.gettempdir()) / f"semviewer-{os.getuid()}" / "engines"


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK | os.X_OK)


@dataclass(frozen=True)
class ExportKey:
    """Everything that determines an exported graph."""

    architecture: str
    weights_sha256: str
    input_size: Any                 # an int, or [height, width] for a rectangular input
    preprocessing: str
    normalisation: str
    exporter: str
    opset: int
    torch_version: str
    onnxruntime_version: str

    def digest(self) -> str:
        payload = json.dumps(self.__dict__, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:20]

    def stem(self) -> str:
        return f"{self.architecture}-{self.digest()}"


def _export_module(module: "torch.nn.Module", scale: "torch.Tensor", bias: "torch.Tensor",
                   softmax: bool = True) -> "torch.nn.Module":
    """The network with layout change, normalisation and (for a network that outputs logits)
    softmax around it."""
    import torch

    class WithPreprocessing(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.network = module
            self.apply_softmax = bool(softmax)
            self.register_buffer("scale", scale.detach().cpu().float().view(1, 3, 1, 1))
            self.register_buffer("bias", bias.detach().cpu().float().view(1, 3, 1, 1))

        def forward(self, images: torch.Tensor) -> torch.Tensor:
            x = images.permute(0, 3, 1, 2) * self.scale + self.bias
            out = self.network(x)
            if self.apply_softmax:
                return torch.softmax(out, dim=1)
            return out

    wrapper = WithPreprocessing().eval()
    if isinstance(module, torch.jit.ScriptModule):   # a TorchScript file: script the wrapper too (a trace of
        with warnings.catch_warnings():               # a ScriptModule inside a module fails), export that
            warnings.simplefilter("ignore", FutureWarning)
            return torch.jit.script(wrapper)
    return wrapper


def export_onnx(module: "torch.nn.Module", scale: "torch.Tensor", bias: "torch.Tensor", input_size: Any,
                target: Path, softmax: bool = True) -> None:
    """Export to ``target`` (through a temporary file and a rename) with a dynamic batch axis."""
    import torch

    wrapper = _export_module(module, scale, bias, softmax)
    height, width = input_size if isinstance(input_size, (list, tuple)) else (input_size, input_size)
    dummy = torch.zeros(1, height, width, 3)
    target.parent.mkdir(parents=True, exist_ok=True)
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)   # the fused attention kernel has no ONNX form (ViTs)
    try:
        with atomic_path(target) as tmp, warnings.catch_warnings(), _native_stdout_quiet():
            warnings.simplefilter("ignore")   # the exporter's deprecation and constant-folding chatter
            torch.onnx.export(wrapper, (dummy,), str(tmp), input_names=["images"], output_names=["probabilities"],
                              dynamic_axes={"images": {0: "batch"}, "probabilities": {0: "batch"}},
                              opset_version=OPSET, dynamo=False)
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)


@contextmanager
def _native_stdout_quiet() -> Iterator[None]:
    """Keep what the exporter's C++ side prints (its whole graph when it fails) off stdout; the
    failure itself is reported in one line by the caller."""
    import sys

    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):      # no real stdout (a GUI without a console): nothing to keep clean
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


@dataclass(frozen=True)
class ExportRecord:
    """What the sidecar JSON of an export says: its key, file hash and parity check."""

    key: dict
    onnx_sha256: str
    max_abs_diff: Optional[float]
    checked_images: int
    passed: bool

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "onnx_sha256": self.onnx_sha256, "max_abs_diff": self.max_abs_diff,
                "checked_images": self.checked_images, "passed": self.passed,
                "tolerance": PARITY_TOLERANCE,
                "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def _read_record(path: Path) -> Optional[dict]:
    """The sidecar of an export, when it is readable JSON with a key and a file hash (else None)."""
    data = read_json_record(path, "engine record")
    if data is None or not isinstance(data.get("key"), dict) or not isinstance(data.get("onnx_sha256"), str):
        return None
    return data


def _parity(session: OnnxSession, want: np.ndarray, check_images: np.ndarray) -> float:
    """The largest difference of any probability between the session and torch on the check renders."""
    got = session.run(np.ascontiguousarray(check_images, dtype=np.float32))
    return float(np.abs(got - want).max()) if got.shape == want.shape else float("inf")


def _cached_session(key: ExportKey, onnx_path: Path, record_path: Path, threads: int, want: np.ndarray,
                    check_images: np.ndarray) -> Optional[tuple[OnnxSession, ExportRecord]]:
    """The cached export, when its sidecar names this key and its file, and it agrees with torch on
    the check renders now. The sidecar is not trusted: every load checks the export itself."""
    record = _read_record(record_path)
    if record is None or record["key"] != key.__dict__ or not onnx_path.is_file() or \
            record["onnx_sha256"] != file_sha256(onnx_path):
        return None
    try:
        session = OnnxSession(onnx_path, threads)
        diff = _parity(session, want, check_images)
    except Exception:  # an export onnxruntime cannot open or run: exported again
        return None
    if not diff <= PARITY_TOLERANCE:
        return None
    return session, ExportRecord(record["key"], record["onnx_sha256"], diff, len(check_images), True)


def prepare_session(key: ExportKey, module: "torch.nn.Module", scale: "torch.Tensor", bias: "torch.Tensor",
                    reference, check_images: np.ndarray, threads: int,
                    cache_dir: Optional[Path] = None, softmax: bool = True) -> tuple[OnnxSession, ExportRecord, bool]:
    """An ONNX Runtime session for ``key``: the cached export when it still agrees with
    ``reference`` (the torch probabilities function) on ``check_images``, else a fresh export
    checked the same way. Returns the session, its record and whether it was exported just now.
    Raises EngineUnavailable (with the reason) when the export or the parity check fails."""
    root = Path(cache_dir) if cache_dir is not None else engine_cache_dir()
    onnx_path = root / f"{key.stem()}.onnx"
    record_path = root / f"{key.stem()}.json"
    want = reference(check_images)
    cached = _cached_session(key, onnx_path, record_path, threads, want, check_images)
    if cached is not None:
        return (*cached, False)
    try:
        export_onnx(module, scale, bias, key.input_size, onnx_path, softmax)
        session = OnnxSession(onnx_path, threads)
        diff = _parity(session, want, check_images)
    except Exception as exc:
        raise EngineUnavailable(f"exporting it to ONNX failed: {first_line(exc)}") from None
    result = ExportRecord(key.__dict__, file_sha256(onnx_path), diff, len(check_images), diff <= PARITY_TOLERANCE)
    try:
        write_json(record_path, result.to_json())
    except Exception:  # an unwritable cache costs a new export next time, nothing else
        pass
    if not result.passed:
        raise EngineUnavailable(f"its ONNX export differs from torch by {diff:.2g} (> {PARITY_TOLERANCE:g}) "
                                f"on the check renders")
    return session, result, True


def export_key(classifier) -> ExportKey:
    """What determines the exported graph of a classifier."""
    import torch

    spec = classifier.spec
    mean, std = spec.normalisation_values()
    feeding = f"{spec.family}|{mean}|{std}|{spec.output}|{len(spec.label_set)}"
    size = spec.input_size if spec.input_hw[0] == spec.input_hw[1] else list(spec.input_hw)
    return ExportKey(spec.architecture, classifier.weights_sha256, size, classifier.preprocessing, feeding,
                     EXPORTER, OPSET, torch.__version__.split("+")[0], onnxruntime_version() or "none")


def exported_session(classifier, threads: int, cache_dir: Optional[Path]) -> tuple[OnnxSession, bool]:
    """The ONNX Runtime session of the classifier's checked export (exported now if there is none),
    and whether it was exported just now."""
    if onnxruntime_version() is None:
        raise EngineUnavailable("onnxruntime is not installed or cannot be imported (pip install onnxruntime)")
    if classifier.device.startswith("cuda"):
        raise EngineUnavailable("exported engines run on the CPU; choose the CPU or the torch engine")
    if not classifier.weights_sha256:
        raise EngineUnavailable("the weights have no SHA-256 to key an export on")
    import torch

    mean, std = (torch.from_numpy(v) for v in classifier.input_normalisation())
    scale = 1.0 / (255.0 * std)
    bias = -mean / std
    checks = classifier.graph_input(classifier.check_images())
    session, _, fresh = prepare_session(export_key(classifier), classifier.module, scale, bias,
                                        classifier.torch_probabilities_from_nhwc, checks, threads, cache_dir,
                                        softmax=classifier.spec.output == "logits")
    return session, fresh
