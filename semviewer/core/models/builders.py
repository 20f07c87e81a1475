"""Building a model's torch module from its spec, with random weights (they are loaded after)."""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager
from typing import Any, Iterator

from semviewer.core.errors import ModelError, first_line


def _timm():
    try:
        import timm
    except ImportError:
        raise ModelError("timm models need timm, which is not installed: pip install 'semviewer[timm]'") from None
    return timm


def build_module(spec: Any, preprocessing: str = "model", trust_code: bool = False):
    """The spec's architecture in eval mode; None for an ONNX file (it runs as given). A TorchScript
    file is a program: it is loaded only when ``trust_code`` (see ``torchscript``)."""
    classes = len(spec.label_set)
    if spec.family == "efficientnet-lite":
        from efficientnet_lite_pytorch import EfficientNet

        return EfficientNet.from_name(spec.architecture).eval()
    if spec.family == "torchvision":
        import torchvision.models as tvm

        kwargs: dict = {"weights": None, "num_classes": classes}
        if spec.architecture == "inception_v3":
            kwargs.update(aux_logits=True, init_weights=False, transform_input=preprocessing == "model")
        return tvm.get_model(spec.architecture, **kwargs).eval()
    if spec.family == "timm":
        return _timm().create_model(spec.architecture, pretrained=False, num_classes=classes).eval()
    if spec.family == "torchscript":
        from semviewer.core.files.reading import model_file_limit
        from semviewer.core.models.torchscript import load_torchscript

        return load_torchscript(spec.file, trust_code, model_file_limit())
    if spec.family == "onnx":
        return None
    raise ModelError(f"unknown model family {spec.family!r}")


#: Where timm fetches pretrained weights; asked first, so that an offline machine hears no retries.
WEIGHTS_HOST = ("huggingface.co", 443)


def reachable(address: tuple[str, int] = WEIGHTS_HOST, timeout: float = 3.0) -> bool:
    """Whether a connection to ``address`` opens within ``timeout`` seconds."""
    import socket

    try:
        socket.create_connection(address, timeout=timeout).close()
    except OSError:
        return False
    return True


@contextmanager
def _libraries_quiet() -> Iterator[None]:
    """Keep the retry lines and warnings of the download libraries off the terminal: what went
    wrong is said in one line by the caller."""
    loggers = [logging.getLogger(name) for name in ("huggingface_hub", "timm", "urllib3", "httpx", "filelock")]
    levels = [logger.level for logger in loggers]
    try:
        for logger in loggers:
            logger.setLevel(logging.CRITICAL)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def timm_pretrained(name: str):
    """A timm model with its pretrained weights (timm downloads them when online)."""
    if not reachable():
        raise ModelError(f"no weights for timm:{name}: {WEIGHTS_HOST[0]}, where timm fetches them, cannot be reached "
                         f"(offline?); give a weights file")
    try:
        with _libraries_quiet():
            return _timm().create_model(name, pretrained=True).eval()
    except ModelError:
        raise
    except Exception as exc:  # no network, a model without pretrained weights, a hub error
        raise ModelError(f"no weights for timm:{name}: timm could not fetch them ({first_line(exc, 120)}); "
                         f"give a weights file") from None
