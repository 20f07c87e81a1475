"""Building a semantic map: the score evaluated on the grid in chunks, coarse to fine, with
progress, partial maps, checkpoints, cancel and resume."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence

import numpy as np

from semviewer.core.errors import AxisError
from semviewer.core.maps.adaptive import check_adaptive, refine, wraps
from semviewer.core.maps.progressive import STRIDES, coarse_to_fine, point_levels
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


def _adaptive_stages(values: np.ndarray, top1: np.ndarray, computed: np.ndarray, axes: Sequence[GridAxis],
                     tolerance: float) -> Iterator[np.ndarray]:
    """The flat indices to compute, level by level (``adaptive.refine``); before each finer level
    its agreeing points are interpolated in place. Points already filled (a resumed map) stay."""
    shape = tuple(a.size for a in axes)
    wrap = [wraps(a) for a in axes]
    yield np.flatnonzero((point_levels(shape) == 0) & np.isnan(values))
    for level in range(1, len(STRIDES)):
        compute, interpolate, v, t = refine(values.reshape(shape), top1.reshape(shape), level, tolerance, wrap)
        fresh = np.isnan(values[interpolate])
        top1[interpolate[fresh]] = t[fresh]
        values[interpolate[fresh]] = v[fresh]
        computed[interpolate[fresh]] = False
        yield compute[np.isnan(values[compute])]


def _run_stage(stage: np.ndarray, score: Callable, shape: tuple[int, ...], grids: list[np.ndarray],
               values: np.ndarray, top1: np.ndarray, computed: Optional[np.ndarray], sink: ProgressSink,
               tuner: Any, chunk_size: int, report: Callable[[], None], checkpoint: Callable[[], None],
               keep: Callable[[], None]) -> bool:
    """Evaluate the flat indices of ``stage`` in chunks; True when cancelled (between chunks or
    mid-chunk: that chunk stays to do). Ctrl+C keeps every finished chunk (``keep``) and stops."""
    position = 0
    while position < len(stage):
        if sink.cancelled():
            return True
        flat = stage[position:position + (tuner.next_chunk(chunk_size) if tuner is not None else chunk_size)]
        began = time.perf_counter()
        try:
            _fill(score, flat, shape, grids, values, top1)
        except Cancelled:
            return True
        except KeyboardInterrupt:
            keep()
            raise
        if computed is not None:
            computed[flat] = True
        if tuner is not None:
            tuner.observe(len(flat), time.perf_counter() - began)
        position += len(flat)
        report()
        checkpoint()
    return False


def build_map(score: Callable[[np.ndarray], np.ndarray], axes: Sequence[GridAxis], fixed: Mapping[str, float],
              provenance: Mapping[str, Any], sink: Optional[ProgressSink] = None, chunk_size: int = 64,
              resume: Optional[SemanticMap] = None,
              checkpoint: Optional[Callable[[SemanticMap], None]] = None,
              checkpoint_interval: float = 5.0, order: str = "coarse-to-fine", tuner: Any = None,
              adaptive: Optional[float] = None) -> SemanticMap:
    """Evaluate ``score`` on the grid in chunks, coarse to fine (``order="rows"``: C order).

    Reports progress and the partially filled map through ``sink``; stops between chunks
    when the sink cancels (the returned map is then partial, NaN where not computed).
    ``resume`` skips grid points already filled; ``checkpoint`` is called with the
    partial map now and then (see ``_Checkpoints``), when cancelled and when interrupted
    (Ctrl+C: what finished is kept). ``tuner`` (a ``BatchTuner``) sizes the first chunks while
    it measures the batch size. With ``adaptive`` (a tolerance) only the points of blocks whose
    corners disagree are computed, the others interpolated (``semviewer.core.maps.adaptive``), and
    the map records which are which. Memory stays bounded: only the value grids and one chunk of
    images are held.
    """
    if adaptive is not None:
        check_adaptive(axes, adaptive)
        if order != "coarse-to-fine":
            raise ValueError("an adaptive map is computed coarse to fine")
    sink = sink or NullSink()
    throttle = ThrottledSink(sink)
    result, values, top1, todo = _start(axes, fixed, provenance, resume, order)
    shape, total = result.shape, result.values.size
    computed = None
    if adaptive is not None:
        kept = resume.computed if resume is not None and resume.computed is not None else None
        computed = kept.reshape(-1).copy() if kept is not None else ~np.isnan(values)
    grids = [a.points for a in axes]
    checkpoints = _Checkpoints(checkpoint, checkpoint_interval)

    def snapshot() -> SemanticMap:
        return replace(result, values=values.reshape(shape).copy(), top1=top1.reshape(shape).copy(),
                       computed=None if computed is None else computed.reshape(shape).copy(), adaptive=adaptive)

    def stop_here() -> SemanticMap:
        partial = snapshot()
        checkpoints.now(partial)
        sink.partial(partial)
        return partial

    stages = [todo] if adaptive is None else _adaptive_stages(values, top1, computed, axes, adaptive)
    for stage in stages:
        stopped = _run_stage(stage, score, shape, grids, values, top1, computed, sink, tuner, chunk_size,
                             lambda: throttle.report(1 - np.count_nonzero(np.isnan(values)) / total,
                                                     f"{total - np.count_nonzero(np.isnan(values))}/{total} poses",
                                                     snapshot),
                             lambda: checkpoints.maybe(snapshot), lambda: checkpoints.now(snapshot()))
        if stopped:
            return stop_here()
    if tuner is not None:
        tuner.finish()
    throttle.flush()
    final = snapshot()
    sink.partial(final)
    sink.progress(1.0, "done")
    return final
