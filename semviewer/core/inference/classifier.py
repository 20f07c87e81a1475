"""A loaded classifier: its spec, its torch module (when it has one), its preprocessing on one device,
and the engine serving its probabilities (``semviewer.core.engines``)."""

from __future__ import annotations

import time

from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from semviewer.core.engines.base import Engine, PendingProbabilities
from semviewer.core.errors import ModelError, first_line
from semviewer.core.inference.devices import PRECISIONS
from semviewer.core.inference.outputs import check_probabilities, class_outputs
from semviewer.core.models.spec import PREPROCESSING_CHOICES, ModelSpec

if TYPE_CHECKING:  # torch is imported lazily: keep it off the path to the first window
    import torch


def _check_images() -> np.ndarray:
    """Real renders shipped with semviewer (uint8, 224²) on which engines are checked and tuned."""
    from importlib.resources import files

    with files("semviewer.resources").joinpath("check_renders.npz").open("rb") as fh:
        return np.load(fh)["images"]


class Classifier:
    """A loaded image classifier with its preprocessing, on one device, served by one engine.

    ``probabilities`` come from ``runtime`` (an ``Engine``: ONNX Runtime, OpenVINO or torch, chosen
    by ``choose_engine``); gradients (``logits_from_input``) always come from the torch module.
    """

    def __init__(self, spec: ModelSpec, module: Any, weights_path: Optional[Path], weights_id: str,
                 preprocessing: str = "model", device: str = "cpu", precision: str = "fp32",
                 weights_sha256: str = "") -> None:
        import torch

        if preprocessing not in PREPROCESSING_CHOICES:
            raise ModelError(f"unknown preprocessing {preprocessing!r}; choose model or raw")
        if precision not in PRECISIONS:
            raise ModelError(f"unknown precision {precision!r}; choose {', '.join(PRECISIONS)}")
        self.spec = spec
        self.weights_path = weights_path
        self.weights_id = weights_id
        self.weights_sha256 = weights_sha256
        self.preprocessing = preprocessing
        self.device = device
        self.precision = precision
        self._checks: Optional[np.ndarray] = None
        self._cuda = device.startswith("cuda")
        self.module = module.to(device).eval() if module is not None else None
        if self.module is not None and (self.precision != "fp32" or self._cuda):
            self.module = self.module.to(memory_format=torch.channels_last)
        for p in (self.module.parameters() if self.module is not None else ()):
            p.requires_grad_(False)
        mean, std = self.input_normalisation()
        self._mean = torch.tensor(mean, device=device).view(1, 3, 1, 1)
        self._std = torch.tensor(std, device=device).view(1, 3, 1, 1)
        self.runtime: Optional[Engine] = None
        self.engine_choice: Optional[tuple[str, str, float]] = None   # auto's record: file, key, images/s measured
        self.served_images, self.served_seconds = 0, 0.0               # what the engine served since it was set
        if self.module is not None:
            from semviewer.core.engines.torch_engine import TorchEngine

            self.runtime = TorchEngine(self)

    # -- what it is ------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def labels(self):
        """The names of the model's outputs (ImageNet-1k unless it has its own)."""
        return self.spec.label_set

    @property
    def num_classes(self) -> int:
        return len(self.spec.label_set)

    def input_normalisation(self) -> tuple[np.ndarray, np.ndarray]:
        """(mean, std) per channel on [0, 1] pixels, as fed (none for ``raw`` preprocessing)."""
        mean, std = self.spec.normalisation_values()
        if self.preprocessing == "raw":
            mean, std = (0.0,) * 3, (1.0,) * 3
        return np.asarray(mean, np.float32), np.asarray(std, np.float32)

    def describe(self) -> dict:
        """Provenance of this classifier (for manifests and map keys)."""
        mean, std = self.spec.normalisation_values()
        return {"model": self.spec.name, "weights": str(self.weights_path) if self.weights_path else None,
                "weights_id": self.weights_id, "weights_sha256": self.weights_sha256,
                "preprocessing": self.preprocessing, "input_size": self.spec.feeding()["input_size"],
                "normalisation": {"mean": list(mean), "std": list(std)} if self.preprocessing == "model" else "raw",
                "output": self.spec.output, **self.labels.describe(),
                **({"card_sha256": self.spec.card_sha256} if self.spec.card_sha256 else {}),
                "engine": self.engine, "precision": self.precision,
                "device": "cuda" if self._cuda else "cpu",
                **({"precision_max_abs_diff": self.precision_diff} if self.precision_diff is not None else {})}

    def check_images(self) -> np.ndarray:
        """The shipped check renders (uint8 (6, 224, 224, 3))."""
        if self._checks is None:
            self._checks = _check_images()
        return self._checks

    # -- the engine serving it ---------------------------------------------------------
    def use(self, engine: Engine) -> None:
        """Serve ``probabilities`` from ``engine`` (see ``semviewer.core.engines``)."""
        self.runtime = engine
        self.served_images, self.served_seconds = 0, 0.0

    @property
    def engine(self) -> str:
        """The name of the engine serving it (``onnxruntime``, ``openvino`` or ``torch``)."""
        return self.runtime.name if self.runtime is not None else "none"

    @property
    def engine_notice(self) -> str:
        """What the user should know about the engine (why auto fell back to torch, if it did)."""
        return self.runtime.notice if self.runtime is not None else ""

    @property
    def threads(self) -> int:
        return self.runtime.threads if self.runtime is not None else 1

    @property
    def precision_diff(self) -> Optional[float]:
        """Max |Δp| against fp32 on the check renders, as measured, when it runs below fp32."""
        return self.runtime.precision_diff if self.runtime is not None else None

    def probabilities(self, images: Any) -> np.ndarray:
        """Probabilities (N, classes) as float32 numpy, checked to be finite."""
        if len(images) == 0:
            return np.zeros((0, self.num_classes), np.float32)
        return check_probabilities(self._served().probabilities(images), self.name)

    def submit(self, images: Any) -> PendingProbabilities:
        """Start classifying a batch; on CUDA this returns while the GPU works, so the caller can
        render the next batch. On the CPU the engine's time is counted (``served_rate``)."""
        began = time.perf_counter()
        pending = self._served().submit(images)
        if not self._cuda:                   # CPU engines finish within submit
            self.served_images += len(images)
            self.served_seconds += time.perf_counter() - began
        return pending

    @property
    def served_rate(self) -> Optional[float]:
        """Images per second the engine classified at in the batches submitted since it was set."""
        return self.served_images / self.served_seconds if self.served_seconds > 0 else None

    def _served(self) -> Engine:
        if self.runtime is None:
            raise ModelError(f"{self.name} has no engine to serve it yet")
        return self.runtime

    # -- the torch module ----------------------------------------------------------------
    def _torch_module(self):
        if self.module is None:
            raise ModelError(f"{self.name} is an ONNX model: it runs on onnxruntime and has no torch module "
                             f"(no gradients, no torch engine)")
        return self.module

    def softmax(self, out: "torch.Tensor") -> "torch.Tensor":
        """Probabilities of the module's output (as they are when the model outputs probabilities)."""
        import torch

        return out.float() if self.spec.output == "probabilities" else torch.softmax(out.float(), dim=1)

    def _forward(self, x: "torch.Tensor") -> "torch.Tensor":
        """The torch module's class scores for a prepared batch, checked to be (N, classes); a
        module that fails or returns something else is one ModelError line."""
        module = self._torch_module()
        try:
            out = module(x)
        except ModelError:
            raise
        except Exception as exc:  # a model file's own code failing on our input
            raise ModelError(f"{self.name} failed on a batch of renders: {first_line(exc)}") from None
        return class_outputs(out, len(x), self.name)

    def torch_probabilities_from_nhwc(self, images: np.ndarray) -> np.ndarray:
        """Torch probabilities of float NHWC [0, 255] images at the input size (the ONNX graph's input)."""
        import torch

        x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32)).permute(0, 3, 1, 2) / 255.0
        with torch.inference_mode():
            return self.softmax(self._forward((x - self._mean.cpu()) / self._std.cpu())).numpy()

    def graph_input(self, images: Any) -> np.ndarray:
        """The ONNX graph's input: float32 NHWC in [0, 255] at the model's input size (one pass for
        uint8 renders of the right size; resized through torch otherwise)."""
        height, width = self.spec.input_hw
        if not isinstance(images, np.ndarray) and getattr(images, "dtype", None) is not None \
                and str(images.dtype) == "torch.uint8":
            images = images.cpu().numpy()
        if isinstance(images, np.ndarray) and images.dtype == np.uint8 and images.ndim == 4 \
                and images.shape[1:] == (height, width, 3):
            return images.astype(np.float32)
        x = self._scaled(images, "cpu")
        return (x * 255.0).permute(0, 2, 3, 1).contiguous().numpy()

    def _scaled(self, images: Any, device: str) -> "torch.Tensor":
        """Images → float NCHW in [0, 1] at the input size, on ``device``."""
        import torch
        import torch.nn.functional as F

        x = torch.as_tensor(images)
        if x.ndim != 4:
            raise ModelError(f"images must be a batch (N, H, W, 3) or (N, 3, H, W); got shape {tuple(x.shape)}")
        if x.dtype == torch.uint8:
            if device.startswith("cuda") and x.device.type == "cpu":
                x = x.pin_memory()
            x = x.to(device, non_blocking=True).permute(0, 3, 1, 2).float().div_(255.0)
        else:
            x = x.to(device, dtype=torch.float32)
        size = self.spec.input_hw
        if tuple(x.shape[-2:]) != size:           # the model's own interpolation (its pretrained config's)
            mode = self.spec.interpolation if self.spec.interpolation in ("bilinear", "bicubic", "nearest") \
                else "bilinear"
            smooth = {"align_corners": False, "antialias": True} if mode != "nearest" else {}
            x = F.interpolate(x, size=size, mode=mode, **smooth)
            if mode == "bicubic":
                x = x.clamp_(0.0, 1.0)            # bicubic overshoots; pixels stay in [0, 1]
        return x

    def prepare(self, images: Any) -> "torch.Tensor":
        """Images (N, H, W, 3) uint8 (numpy or torch) or (N, 3, H, W) float in [0, 1] → network input."""
        import torch

        x = self._scaled(images, self.device)
        x = (x - self._mean) / self._std
        if self.precision != "fp32" or self._cuda:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def logits_from_input(self, x: "torch.Tensor") -> "torch.Tensor":
        """Logits for already prepared input (differentiable when x requires grad); always torch."""
        import torch

        if self.precision != "fp32":
            dtype = torch.bfloat16 if self.precision == "bf16" else torch.float16
            with torch.autocast("cuda" if self._cuda else "cpu", dtype=dtype):
                return self._forward(x).float()
        return self._forward(x)
