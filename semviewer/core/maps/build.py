"""Building a semantic map: the score evaluated on the grid in chunks, coarse to fine, with
progress, partial maps, checkpoints, cancel and resume."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Callable, Mapping, Optional, Sequence

import numpy as np

from semviewer.core.errors import AxisError
from semviewer.core.maps.progressive import coarse_to_fine
from semviewer.core.maps.semantic_map import SemanticMap, empty_map
from semviewer.core.progress import Cancelled, NullSink, ProgressSink, ThrottledSink
from semviewer.core.scene.grid import GridAxis

#: The orders a map can be computed in: the whole domain first, or row by row.
ORDERS = ("coarse-to-fine", "rows")


def _fill(score: Callable[[np.ndarray], np.ndarray], flat: np.ndarray, shape: tuple[int, ...],
          grids: list[np.ndarray], values: np.ndarray, top1: np.ndarray) -> None:
    """Evaluate the grid points at flat indices ``flat`` into ``values`` (and ``top1`` when the
    score reports it, as ``ScoreFunction.evaluate`` does)."""
    index = np.unravel_index(flat, shape)
    points = np.stack([g[i] for g, i in zip(grids, index)], axis=1)
    evaluate = getattr(score, "evaluate", None)
    if evaluate is not None:
        res = evaluate(points)
        top1[flat] = res.top1            # values last: a point counts as done once its value is there
        values[flat] = res.scores
    else:
        values[flat] = np.asarray(score(points), dtype=np.float64)


class _Checkpoints:
    """Writes the partial map now and then: at most every ``interval`` seconds, and never more
    often than every ten times what the last write took (a huge map's writes must not slow it)."""

    def __init__(self, write: Optional[Callable[[SemanticMap], None]], interval: float) -> None:
        self.write, self.interval = write, interval
        self.due = time.monotonic() + interval

    def maybe(self, snapshot: Callable[[], SemanticMap]) -> None:
        if self.write is not None and time.monotonic() >= self.due:
            self.now(snapshot())

    def now(self, partial: SemanticMap) -> None:
        if self.write is None:
            return
        began = time.monotonic()
        self.write(partial)
        took = time.monotonic() - began
        self.due = time.monotonic() + max(self.interval, 10 * took)


def _start(axes: Sequence[GridAxis], fixed: Mapping[str, float], provenance: Mapping[str, Any],
           resume: Optional[SemanticMap], order: str):
    """The map to fill, its flat values and top-1 flags, and the flat indices still to compute, in order."""
    if order not in ORDERS:
        raise ValueError(f"unknown order {order!r}; choose {' or '.join(ORDERS)}")
    result = resume if resume is not None else empty_map(axes, fixed, provenance)
    if resume is not None and (resume.axes != tuple(axes)):
        raise AxisError("cannot resume: the partial map has other axes")
    values = result.values.copy().reshape(-1)
    top1 = (result.top1.copy() if result.top1 is not None else np.full(result.shape, np.nan, np.float32)).reshape(-1)
    todo = np.flatnonzero(np.isnan(values))
    return result, values, top1, coarse_to_fine(todo, result.shape) if order == "coarse-to-fine" else todo


def build_map(score: Callable[[np.ndarray], np.ndarray], axes: Sequence[GridAxis], fixed: Mapping[str, float],
              provenance: Mapping[str, Any], sink: Optional[ProgressSink] = None, chunk_size: int = 64,
              resume: Optional[SemanticMap] = None,
              checkpoint: Optional[Callable[[SemanticMap], None]] = None,
              checkpoint_interval: float = 5.0, order: str = "coarse-to-fine", tuner: Any = None) -> SemanticMap:
    """Evaluate ``score`` on the grid in chunks, coarse to fine (``order="rows"``: C order).

    Reports progress and the partially filled map through ``sink``; stops between chunks
    when the sink cancels (the returned map is then partial, NaN where not computed).
    ``resume`` skips grid points already filled; ``checkpoint`` is called with the
    partial map now and then (see ``_Checkpoints``), when cancelled and when interrupted
    (Ctrl+C: what finished is kept). ``tuner`` (a ``BatchTuner``) sizes the first chunks while
    it measures the batch size. Memory stays bounded: only the value grids and one chunk of
    images are held.
    """
    sink = sink or NullSink()
    throttle = ThrottledSink(sink)
    result, values, top1, todo = _start(axes, fixed, provenance, resume, order)
    shape, total = result.shape, result.values.size
    grids = [a.points for a in axes]
    checkpoints = _Checkpoints(checkpoint, checkpoint_interval)

    def snapshot() -> SemanticMap:
        return replace(result, values=values.reshape(shape).copy(), top1=top1.reshape(shape).copy())

    def stop_here() -> SemanticMap:
        partial = snapshot()
        checkpoints.now(partial)
        sink.partial(partial)
        return partial

    position = 0
    while position < len(todo):
        if sink.cancelled():
            return stop_here()
        flat = todo[position:position + (tuner.next_chunk(chunk_size) if tuner is not None else chunk_size)]
        began = time.perf_counter()
        try:
            _fill(score, flat, shape, grids, values, top1)
        except Cancelled:                # the score stopped mid-chunk: the chunk stays to do
            return stop_here()
        except KeyboardInterrupt:        # Ctrl+C: keep every finished chunk, then stop
            checkpoints.now(snapshot())
            raise
        if tuner is not None:
            tuner.observe(len(flat), time.perf_counter() - began)
        position += len(flat)
        done = total - len(todo) + position
        throttle.report(done / total, f"{done}/{total} poses", snapshot)
        checkpoints.maybe(snapshot)
    if tuner is not None:
        tuner.finish()
    throttle.flush()
    final = snapshot()
    sink.partial(final)
    sink.progress(1.0, "done")
    return final
