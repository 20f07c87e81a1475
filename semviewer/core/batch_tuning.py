"""The fastest batch size of a classifier on this machine: measured once, cached, used by default."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from semviewer.core.onnx_engine import engine_cache_dir
from semviewer.core.results import write_json

CANDIDATES = (1, 2, 4, 8, 16, 32, 64)
#: A larger batch must beat the best smaller one by this factor to be chosen (noise margin).
MARGIN = 1.05


def tuning_key(classifier) -> str:
    """What decides the fastest batch: engine, model, input size, precision, device, CPU, threads."""
    from semviewer.core.cpu_info import cpu_capability, cpu_name

    device = classifier.device
    if device.startswith("cuda"):
        import torch

        device = f"{device}:{torch.cuda.get_device_name(torch.device(device))}"
    else:
        device = f"cpu:{cpu_name()}:{cpu_capability()}"
    return "|".join([classifier.engine, classifier.spec.name, str(classifier.spec.input_size),
                     classifier.precision, device, f"threads={classifier.threads}"])


def measure_batch_rates(run: Callable[[np.ndarray], object], image: np.ndarray,
                        candidates: Sequence[int] = CANDIDATES, seconds: float = 0.25,
                        cancelled: Callable[[], bool] = lambda: False) -> dict[int, float]:
    """Images per second of ``run`` at each batch size (one warm-up, then ≥ ``seconds`` or 2 runs)."""
    rates: dict[int, float] = {}
    for size in candidates:
        if cancelled():
            break
        batch = np.repeat(image[None], size, axis=0)
        run(batch)
        done, start = 0, time.perf_counter()
        while done < 2 * size or time.perf_counter() - start < seconds:
            run(batch)
            done += size
        rates[size] = done / (time.perf_counter() - start)
    return rates


def best_batch(rates: dict[int, float]) -> int:
    """The smallest batch within MARGIN of the fastest (small batches keep latency and memory low)."""
    top = max(rates.values())
    return min(size for size, rate in rates.items() if rate * MARGIN >= top)


def _cache_file(cache_dir: Optional[Path]) -> Path:
    return (Path(cache_dir) if cache_dir is not None else engine_cache_dir()) / "batch_sizes.json"


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def cached_batch_size(classifier, cache_dir: Optional[Path] = None) -> Optional[int]:
    """The batch size measured earlier for this classifier on this machine, or None."""
    entry = _read(_cache_file(cache_dir)).get(tuning_key(classifier))
    if isinstance(entry, dict) and isinstance(entry.get("batch"), int) and entry["batch"] >= 1:
        return int(entry["batch"])
    return None


def tuned_batch_size(classifier, cache_dir: Optional[Path] = None,
                     candidates: Sequence[int] = CANDIDATES,
                     notify: Optional[Callable[[str], None]] = None,
                     cancelled: Callable[[], bool] = lambda: False) -> int:
    """The fastest batch size for ``classifier``: from the cache, else measured now and cached."""
    found = cached_batch_size(classifier, cache_dir)
    if found is not None:
        return found
    if notify is not None:
        notify(f"measuring the fastest batch size for {classifier.name} ({classifier.engine}), once")
    image = classifier.check_images()[0]
    rates = measure_batch_rates(classifier.probabilities, image, candidates, cancelled=cancelled)
    if len(rates) < len(candidates):   # cancelled: do not cache a partial measurement
        return best_batch(rates) if rates else 8
    batch = best_batch(rates)
    path = _cache_file(cache_dir)
    data = _read(path)
    data[tuning_key(classifier)] = {"batch": batch, "images_per_second": {str(k): round(v, 2) for k, v in rates.items()}}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, data)
    except Exception:  # an unwritable cache only means measuring again next time
        pass
    return batch
