"""A loaded classifier with its preprocessing on one device and one engine, and loading one by name."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence

import numpy as np

from semviewer.core.errors import ModelError, first_line
from semviewer.core.inference.models import (PREPROCESSING_CHOICES,
                                             ModelSpec)

if TYPE_CHECKING:  # torch is imported lazily: keep it off the path to the first window
    import torch


def resolve_device(device: str = "auto") -> str:
    """``"auto"`` means CUDA when available, else the CPU."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError("CUDA was requested but is not available; run on the CPU")
    if device not in ("cpu",) and not device.startswith("cuda"):
        raise ModelError(f"unknown device {device!r}; use auto, cpu or cuda")
    return device




#: Numeric precisions: fp32 everywhere; bf16 where the device computes it natively; fp16 on CUDA.
PRECISIONS = ("fp32", "bf16", "fp16")


def check_precision(precision: str, device: str) -> None:
    """Refuse a precision the device does not compute natively (it would be slower, not faster)."""
    if precision not in PRECISIONS:
        raise ModelError(f"unknown precision {precision!r}; choose {', '.join(PRECISIONS)}")
    if precision == "fp32":
        return
    if device.startswith("cuda"):
        import torch

        if precision == "bf16" and not torch.cuda.is_bf16_supported():
            raise ModelError("bf16 refused: this GPU has no native bf16; use fp16 or fp32")
        return
    if precision == "fp16":
        raise ModelError("fp16 is for CUDA devices; on the CPU use fp32 (the default ONNX Runtime engine is "
                         "the fast path there)")
    from semviewer.core.inference.cpu_info import cpu_capability, native_bf16

    if not native_bf16():
        raise ModelError(f"bf16 refused: this CPU (torch capability {cpu_capability()}) has no native bf16 "
                         f"(AVX-512 BF16 or AMX), where bf16 runs about 10x slower than fp32; use fp32")


def _check_images() -> np.ndarray:
    """Real renders shipped with semviewer (uint8, 224²) on which engines are checked and tuned."""
    from importlib.resources import files

    with files("semviewer.resources").joinpath("check_renders.npz").open("rb") as fh:
        return np.load(fh)["images"]


class PendingProbabilities:
    """Probabilities that may still be computing (CUDA runs asynchronously); ``result()`` waits."""

    def __init__(self, value=None, event=None) -> None:
        self._value, self._event = value, event

    def result(self) -> np.ndarray:
        if self._event is not None:
            self._event.synchronize()
            self._event = None
        value = self._value
        return value.numpy() if hasattr(value, "numpy") else value


class Classifier:
    """A loaded ImageNet classifier with its preprocessing, on one device and one engine.

    ``probabilities`` runs on ``engine`` (``"onnxruntime"``, ``"openvino"`` or ``"torch"``);
    gradients (``logits_from_input``) always come from the torch module.
    """

    def __init__(self, spec: ModelSpec, module, weights_path: Optional[Path], weights_id: str,
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
        self.engine = "torch"
        self.engine_notice = ""        # why auto fell back to torch, if it did
        self.threads = torch.get_num_threads()
        self._session = None
        self.precision_diff: Optional[float] = None   # max |Δp| against fp32 at bf16, as measured
        self._checks: Optional[np.ndarray] = None
        from semviewer.core.inference.priority import PriorityGate

        self.gate = PriorityGate()      # live predictions (urgent=True) before map and solver batches
        self._cuda = device.startswith("cuda")
        self.module = module.to(device).eval() if module is not None else None
        if self.module is not None and (self.precision != "fp32" or self._cuda):
            self.module = self.module.to(memory_format=torch.channels_last)
        for p in (self.module.parameters() if self.module is not None else ()):
            p.requires_grad_(False)
        mean, std = spec.normalisation_values()
        if preprocessing == "raw":
            mean, std = (0.0,) * 3, (1.0,) * 3
        self._mean = torch.tensor(mean, device=device).view(1, 3, 1, 1)
        self._std = torch.tensor(std, device=device).view(1, 3, 1, 1)

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

    def _torch_module(self):
        if self.module is None:
            raise ModelError(f"{self.name} is an ONNX model: it runs on onnxruntime and has no torch module "
                             f"(no gradients, no torch engine)")
        return self.module

    def _softmax(self, out: "torch.Tensor") -> "torch.Tensor":
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

    def describe(self) -> dict:
        """Provenance of this classifier (for manifests and map keys)."""
        mean, std = self.spec.normalisation_values()
        return {"model": self.spec.name, "weights": str(self.weights_path) if self.weights_path else None,
                "weights_id": self.weights_id, "weights_sha256": self.weights_sha256,
                "preprocessing": self.preprocessing, "input_size": self.spec.input_size,
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

    # -- engines -----------------------------------------------------------------
    def use_session(self, session, engine: str, threads: int, notice: str = "") -> None:
        """Serve ``probabilities`` from an exported graph's session (ONNX Runtime, OpenVINO): any
        object whose ``run(float32 NHWC [0, 255] images)`` gives probabilities."""
        self._session, self.engine, self.threads, self.engine_notice = session, engine, threads, notice

    def use_torch(self, notice: str = "") -> None:
        """Serve ``probabilities`` from the torch module."""
        import torch

        self._session = None
        self.engine = "torch"
        self.engine_notice = notice
        self.threads = torch.get_num_threads()

    def torch_probabilities_from_nhwc(self, images: np.ndarray) -> np.ndarray:
        """Torch probabilities of float NHWC [0, 255] images at the input size (the ONNX graph's input)."""
        import torch

        x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32)).permute(0, 3, 1, 2) / 255.0
        with torch.inference_mode():
            return self._softmax(self._forward((x - self._mean.cpu()) / self._std.cpu())).numpy()

    def graph_input(self, images) -> np.ndarray:
        """The ONNX graph's input: float32 NHWC in [0, 255] at the model's input size (one pass for
        uint8 renders of the right size; resized through torch otherwise)."""
        size = self.spec.input_size
        if not isinstance(images, np.ndarray) and getattr(images, "dtype", None) is not None \
                and str(images.dtype) == "torch.uint8":
            images = images.cpu().numpy()
        if isinstance(images, np.ndarray) and images.dtype == np.uint8 and images.ndim == 4 \
                and images.shape[1:] == (size, size, 3):
            return images.astype(np.float32)
        x = self._scaled(images, "cpu")
        return (x * 255.0).permute(0, 2, 3, 1).contiguous().numpy()

    # -- the torch path ------------------------------------------------------------
    def _scaled(self, images, device: str) -> "torch.Tensor":
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
        size = self.spec.input_size
        if x.shape[-2:] != (size, size):
            x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
        return x

    def prepare(self, images) -> "torch.Tensor":
        """Images (N, H, W, 3) uint8 (numpy or torch) or (N, 3, H, W) float in [0, 1] → network input."""
        import torch

        x = self._scaled(images, self.device)
        x = (x - self._mean) / self._std
        if self.precision != "fp32" or self._cuda:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def logits_from_input(self, x) -> "torch.Tensor":
        """Logits for already prepared input (differentiable when x requires grad); always torch."""
        import torch

        if self.precision != "fp32":
            dtype = torch.bfloat16 if self.precision == "bf16" else torch.float16
            with torch.autocast("cuda" if self._cuda else "cpu", dtype=dtype):
                return self._forward(x).float()
        return self._forward(x)

    def submit(self, images) -> PendingProbabilities:
        """Start classifying a batch; on CUDA this returns while the GPU works (upload from pinned
        memory, kernels and the copy back are queued), so the caller can render the next batch."""
        if self._session is not None or not self._cuda:
            return PendingProbabilities(self.probabilities(images))
        self.gate.wait_turn()
        return self._submit_cuda(images)

    def _submit_cuda(self, images) -> PendingProbabilities:
        import torch

        with torch.inference_mode():
            probs = self._softmax(self.logits_from_input(self.prepare(images)))
            host = torch.empty(probs.shape, dtype=probs.dtype, pin_memory=True)
            host.copy_(probs, non_blocking=True)
            event = torch.cuda.Event()
            event.record()
        return PendingProbabilities(host, event)

    def probabilities(self, images, urgent: bool = False) -> np.ndarray:
        """Softmax probabilities (N, classes) as float32 numpy. ``urgent`` calls (the live view) go
        first: other calls wait while one runs."""
        if urgent:
            with self.gate.urgent():
                return self._probabilities(images)
        self.gate.wait_turn()
        if len(images) > 1 and self.gate.yielding():   # while the user drags: one image at a time,
            parts = [self._probabilities(images[:1])]  # giving way to live predictions in between
            for i in range(1, len(images)):
                self.gate.wait_turn()
                parts.append(self._probabilities(images[i:i + 1]))
            return np.concatenate(parts)
        return self._probabilities(images)

    def _probabilities(self, images) -> np.ndarray:
        import torch

        if len(images) == 0:
            return np.zeros((0, self.num_classes), np.float32)
        if self._session is not None:
            return check_probabilities(self._session.run(self.graph_input(images)), self.name)
        if self._cuda:
            return check_probabilities(self._submit_cuda(images).result(), self.name)
        with torch.inference_mode():
            probs = self._softmax(self.logits_from_input(self.prepare(images)))
            return check_probabilities(probs.cpu().numpy(), self.name)


def class_outputs(out, n: int, model: str):
    """A classifier's output for ``n`` images as (n, classes): it must be one array or tensor of
    shape [N, classes] or [N, classes, 1, 1]. Anything else (a tuple, a dict, a scalar, [classes, N],
    [N, 2, 5]) is refused with one line naming it: reshaping it would give each image numbers that
    belong to others."""
    shape = getattr(out, "shape", None)
    if shape is None:
        raise ModelError(f"{model} returns {type(out).__name__ if out is not None else 'nothing'}, not one tensor of "
                         f"class scores; a classifier must return a tensor of shape [N, classes]")
    shape = tuple(int(d) for d in shape)
    if len(shape) == 4 and shape[2:] == (1, 1):
        out = out.reshape(shape[0], shape[1])
    if len(shape) not in (2, 4) or out.ndim != 2 or shape[0] != n:
        raise ModelError(f"{model} gives outputs of shape {list(shape)} for {n} image{'s' if n != 1 else ''}; a "
                         f"classifier must give [N, classes] (or [N, classes, 1, 1]), one row per image")
    return out


def check_output_kind(classifier: "Classifier") -> None:
    """Run a model file on the shipped check renders now, so that what it gives is checked when it
    loads: its shape (``class_outputs``), the count against its labels, finite values, and, where its
    card says ``output = "probabilities"``, that they are (non-negative, each row summing to 1
    within 1e-3)."""
    probabilities = classifier.probabilities(classifier.check_images()[:3])
    if probabilities.shape[1] != classifier.num_classes:
        raise ModelError(f"{classifier.name} outputs {probabilities.shape[1]} classes but its labels name "
                         f"{classifier.num_classes}; give the labels of its outputs")
    if classifier.spec.output == "probabilities":
        sums = probabilities.sum(axis=1)
        if (probabilities < -1e-6).any() or (np.abs(sums - 1) > 1e-3).any():
            raise ModelError(f"{classifier.name}: its card says output = \"probabilities\", but on the check renders "
                             f"its rows sum to {', '.join(f'{s:.4g}' for s in sums)} (min {probabilities.min():.3g}); "
                             f"it gives logits: say output = \"logits\" in its card")


def check_probabilities(probabilities: np.ndarray, model: str) -> np.ndarray:
    """``probabilities``, or ModelError when any is NaN or infinite (broken weights or engine)."""
    if not np.isfinite(probabilities).all():
        raise ModelError(f"{model} returned non-finite probabilities (NaN or infinity); its weights or its "
                         f"inference engine are broken")
    return probabilities


def top_k(probabilities: np.ndarray, k: int = 5) -> list[tuple[int, float]]:
    """The k most probable (class id, probability) pairs of one probability vector."""
    order = np.argsort(-probabilities)[:k]
    return [(int(i), float(probabilities[i])) for i in order]


def class_score(probabilities: np.ndarray, class_ids: Sequence[int]) -> np.ndarray:
    """Summed probability of a class set, for each row of (N, classes) probabilities, in [0, 1]
    (a float32 sum over many classes can round just above 1)."""
    return np.clip(np.asarray(probabilities)[..., list(class_ids)].sum(axis=-1), 0.0, 1.0)
