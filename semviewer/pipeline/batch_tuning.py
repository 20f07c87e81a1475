"""The batch size of the render + classify pipeline, chosen inside the map that needs it.

There is no separate measuring pause: the first chunks of a map try batch sizes on the map's own
poses, each after one warm-up call at that size (8, then 16; larger while larger is faster, else
smaller), and the rest of the map runs at the fastest. The choice is kept per engine, model, device, CPU and threads. It is not kept forever: a
later map that runs more than 15 % slower than the record marks it to be tried again. A map that
ends before every candidate was tried keeps what it measured, and the next map tries the rest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional, Sequence

from semviewer.core.errors import SemviewerError
from semviewer.core.files.atomic import write_json
from semviewer.core.files.reading import read_json_record
from semviewer.core.engines.export import engine_cache_dir

#: The sizes that may be tried: from 8, up while larger is faster, else down (a hill climb).
CANDIDATES = (2, 4, 8, 16, 32)
FIRST = 8
#: A map this much slower than the record has its batch size tried again next time.
RECHECK_BELOW = 0.85
#: Poses timed at each candidate (at least twice the batch): enough to see past one slow batch.
TIMED_POSES = 48
#: The batch size before anything was measured.
DEFAULT_BATCH = 8


def tuning_key(classifier) -> str:
    """What decides the fastest batch: engine, model, input size, precision, device, CPU, threads."""
    from semviewer.core.engines.cpu_info import cpu_capability, cpu_name

    device = classifier.device
    if device.startswith("cuda"):
        import torch

        device = f"{device}:{torch.cuda.get_device_name(torch.device(device))}"
    else:
        device = f"cpu:{cpu_name()}:{cpu_capability()}"
    return "|".join([classifier.engine, classifier.spec.name, str(classifier.spec.input_size),
                     classifier.precision, device, f"threads={classifier.threads}", "pipeline"])


def _cache_file(cache_dir: Optional[Path]) -> Path:
    return (Path(cache_dir) if cache_dir is not None else engine_cache_dir()) / "batch_sizes.json"


def _read(path: Path) -> dict:
    return read_json_record(path, "batch size record") or {}


def batch_record(classifier, cache_dir: Optional[Path] = None) -> Optional[dict]:
    """The kept choice for this classifier here: {"batch", "poses_per_second", "recheck"}, or None."""
    entry = _read(_cache_file(cache_dir)).get(tuning_key(classifier))
    if isinstance(entry, dict) and isinstance(entry.get("batch"), int) and entry["batch"] >= 1 \
            and isinstance(entry.get("poses_per_second"), (int, float)):
        return entry
    return None


def cached_batch_size(classifier, cache_dir: Optional[Path] = None) -> int:
    """The batch size chosen earlier for this classifier here, or DEFAULT_BATCH."""
    record = batch_record(classifier, cache_dir)
    return int(record["batch"]) if record is not None else DEFAULT_BATCH


def _remember(classifier, entry: dict, cache_dir: Optional[Path]) -> None:
    path = _cache_file(cache_dir)
    data = _read(path)
    data[tuning_key(classifier)] = entry
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, data)
    except (SemviewerError, OSError):   # an unwritable cache only means trying again next time
        pass


def _tried(record: dict) -> dict[int, float]:
    """The rates a record kept per batch size (what a damaged record holds is ignored)."""
    tried = record.get("tried")
    if not isinstance(tried, dict):
        return {}
    return {int(k): float(v) for k, v in tried.items()
            if str(k).isdigit() and isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0}


class BatchTuner:
    """Chooses the batch size during a map (see the module docstring). ``set_batch`` applies a
    size to the score; the map asks ``next_chunk`` how many poses to compute next, reports each
    chunk with ``observe`` and ends with ``finish``."""

    def __init__(self, classifier, set_batch: Callable[[int], None], cache_dir: Optional[Path] = None,
                 candidates: Sequence[int] = CANDIDATES) -> None:
        self.classifier, self.set_batch, self.cache_dir = classifier, set_batch, cache_dir
        self.record = batch_record(classifier, cache_dir)
        self.steady = [0, 0.0]                 # poses and seconds at the chosen size
        self.measured_now: dict[int, float] = {}
        fresh = self.record is None or self.record.get("recheck")
        self.rates: dict[int, float] = {} if fresh else _tried(self.record)
        self.candidates = tuple(sorted(candidates))
        self.plan: list[tuple[int, bool]] = []
        self._plan_next()
        self.chosen: Optional[int] = None if fresh else int(self.record["batch"])
        if self.chosen is not None:
            set_batch(self.chosen)

    def _plan_next(self) -> None:
        """The next size to try: 8 first; then the neighbour on the side where it got faster
        (16 after 8, and on up while larger is faster; else down); nothing once the best has a
        slower neighbour on each side (or the edge of the candidates)."""
        if self.plan:
            return
        if FIRST not in self.rates:
            self.plan = [(FIRST, False), (FIRST, True)]
            return
        best = max(self.rates, key=self.rates.get)
        i = self.candidates.index(best)
        for j in (i + 1, i - 1):
            if 0 <= j < len(self.candidates) and self.candidates[j] not in self.rates:
                self.plan = [(self.candidates[j], False), (self.candidates[j], True)]
                return

    @property
    def measuring(self) -> bool:
        return bool(self.plan)

    def next_chunk(self, default: int) -> int:
        """How many poses the next chunk has (a candidate's warm-up or timed run while measuring)."""
        if not self.plan:
            return default
        size, timed = self.plan[0]
        self.set_batch(size)
        return max(2 * size, TIMED_POSES) if timed else size

    def observe(self, poses: int, seconds: float) -> None:
        """A chunk of ``poses`` took ``seconds``."""
        if self.plan:
            size, timed = self.plan.pop(0)
            if timed:
                self.rates[size] = self.measured_now[size] = poses / max(seconds, 1e-9)
                self._plan_next()
            if not self.plan:
                self.chosen = max(self.rates, key=self.rates.get)
                self.set_batch(self.chosen)
        else:
            self.steady[0] += poses
            self.steady[1] += seconds

    def finish(self) -> None:
        """Keep what was learnt: the choice (or, after a short map, what it measured so far, for the
        next map to go on from), or a mark to try again when this map ran slow."""
        poses, seconds = self.steady
        rate = poses / seconds if seconds > 0.5 else None
        if self.measured_now:
            best = max(self.rates, key=self.rates.get)
            kept = rate if rate is not None and not self.plan else self.rates[best]
            _remember(self.classifier, {"batch": best, "poses_per_second": round(kept, 2),
                                        "tried": {str(k): round(v, 2) for k, v in self.rates.items()}},
                      self.cache_dir)
        elif self.record is not None and rate is not None and rate < RECHECK_BELOW * self.record["poses_per_second"]:
            _remember(self.classifier, {**self.record, "recheck": True}, self.cache_dir)
