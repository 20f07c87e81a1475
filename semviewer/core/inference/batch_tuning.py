"""The fastest batch size of a classifier on this machine: measured once, cached, used by default."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from semviewer.core.inference.onnx_engine import engine_cache_dir
from semviewer.core.files.atomic import write_json

CANDIDATES = (1, 2, 4, 8, 16, 32, 64)
#: A larger batch must beat the best smaller one by this factor to be chosen (noise margin).
MARGIN = 1.05


def tuning_key(classifier, scope: str = "classifier") -> str:
    """What decides the fastest batch: engine, model, input size, precision, device, CPU, threads,
    and whether the classifier alone or the whole render + classify pipeline was measured."""
    from semviewer.core.inference.cpu_info import cpu_capability, cpu_name

    device = classifier.device
    if device.startswith("cuda"):
        import torch

        device = f"{device}:{torch.cuda.get_device_name(torch.device(device))}"
    else:
        device = f"cpu:{cpu_name()}:{cpu_capability()}"
    return "|".join([classifier.engine, classifier.spec.name, str(classifier.spec.input_size),
                     classifier.precision, device, f"threads={classifier.threads}", scope])


def measure_batch_rates(run: Callable[[int], int], candidates: Sequence[int] = CANDIDATES,
                        seconds: float = 0.25, cancelled: Callable[[], bool] = lambda: False) -> dict[int, float]:
    """Items per second at each batch size; ``run(size)`` processes some items at that batch size and
    returns how many (one warm-up call in all, then calls until ≥ ``seconds``, at least one)."""
    rates: dict[int, float] = {}
    if candidates:
        run(candidates[0])
    for size in candidates:
        if cancelled():
            break
        done, calls, start = 0, 0, time.perf_counter()
        while calls < 1 or time.perf_counter() - start < seconds:
            done += run(size)
            calls += 1
        rates[size] = done / (time.perf_counter() - start)
    return rates


def classifier_run(classifier) -> Callable[[int], int]:
    """``run(size)`` for the classifier alone, on copies of a shipped check render."""
    image = classifier.check_images()[0]

    def run(size: int) -> int:
        classifier.probabilities(np.repeat(image[None], size, axis=0))
        return size
    return run


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


def cached_batch_size(classifier, cache_dir: Optional[Path] = None, scope: str = "classifier") -> Optional[int]:
    """The batch size measured earlier for this classifier on this machine, or None."""
    entry = _read(_cache_file(cache_dir)).get(tuning_key(classifier, scope))
    if isinstance(entry, dict) and isinstance(entry.get("batch"), int) and entry["batch"] >= 1:
        return int(entry["batch"])
    return None


def tuned_batch_size(classifier, cache_dir: Optional[Path] = None,
                     candidates: Sequence[int] = CANDIDATES,
                     notify: Optional[Callable[[str], None]] = None,
                     cancelled: Callable[[], bool] = lambda: False,
                     pipeline: Optional[Callable[[int], int]] = None) -> int:
    """The fastest batch size for ``classifier``: from the cache, else measured now and cached.

    With ``pipeline`` (``run(size) -> items``, e.g. ``ScoreFunction.probe``) the whole render +
    classify pipeline is measured, since rendering favours larger batches than inference alone.
    """
    scope = "pipeline" if pipeline is not None else "classifier"
    found = cached_batch_size(classifier, cache_dir, scope)
    if found is not None:
        return found
    if notify is not None:
        notify(f"measuring the fastest batch size for {classifier.name} ({classifier.engine}), once")
    if pipeline is not None:   # rendering and inference overlap: longer runs, and the fastest wins
        rates = measure_batch_rates(pipeline, candidates, seconds=0.5, cancelled=cancelled)
        choose = lambda found: max(found, key=found.get)  # noqa: E731
    else:
        rates = measure_batch_rates(classifier_run(classifier), candidates, cancelled=cancelled)
        choose = best_batch
    if len(rates) < len(candidates):   # cancelled: do not cache a partial measurement
        return choose(rates) if rates else 8
    batch = choose(rates)
    path = _cache_file(cache_dir)
    data = _read(path)
    data[tuning_key(classifier, scope)] = {"batch": batch, "images_per_second": {str(k): round(v, 2) for k, v in rates.items()}}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, data)
    except Exception:  # an unwritable cache only means measuring again next time
        pass
    return batch
