"""Building a model's torch module from its spec, with random weights (they are loaded after)."""

from __future__ import annotations

from typing import Any

from semviewer.core.errors import ModelError, first_line


def _timm():
    try:
        import timm
    except ImportError:
        raise ModelError("timm models need timm, which is not installed: pip install 'semviewer[timm]'") from None
    return timm


def build_module(spec: Any, preprocessing: str = "model"):
    """The spec's architecture in eval mode; None for an ONNX file (it runs as given)."""
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
        import torch

        try:
            return torch.jit.load(spec.file, map_location="cpu").eval()
        except Exception as exc:  # torch raises RuntimeError and more for files that are not TorchScript
            raise ModelError(f"cannot read the TorchScript file {spec.file}: {first_line(exc)}; save it with "
                             f"torch.jit.save(torch.jit.script(model), path)") from None
    if spec.family == "onnx":
        return None
    raise ModelError(f"unknown model family {spec.family!r}")


def timm_pretrained(name: str):
    """A timm model with its pretrained weights (timm downloads them when online)."""
    try:
        return _timm().create_model(name, pretrained=True).eval()
    except ModelError:
        raise
    except Exception as exc:  # no network, a model without pretrained weights, a hub error
        raise ModelError(f"no weights for timm:{name}: timm could not fetch them ({first_line(exc, 120)}); "
                         f"give a weights file") from None
