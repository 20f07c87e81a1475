"""Devices and numeric precisions: where a classifier runs and in what precision."""

from __future__ import annotations

from semviewer.core.errors import ModelError


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
    from semviewer.core.engines.cpu_info import cpu_capability, native_bf16

    if not native_bf16():
        raise ModelError(f"bf16 refused: this CPU (torch capability {cpu_capability()}) has no native bf16 "
                         f"(AVX-512 BF16 or AMX), where bf16 runs about 10x slower than fp32; use fp32")
