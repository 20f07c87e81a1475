"""Semantic maps through the one pipeline: a Scorer's values on a grid, read from the map cache
when it has them, resumed from an interrupted partial, written back as they are computed."""

from __future__ import annotations

from typing import Callable, Optional, Sequence

from semviewer.core.maps.cache import MapCache, cached_build_map, map_key
from semviewer.core.maps.semantic_map import SemanticMap
from semviewer.core.progress import ProgressSink
from semviewer.core.scene.axes import GridAxis
from semviewer.pipeline.scorer import Scorer


def key_of(scorer: Scorer, grid: Sequence[GridAxis]) -> str:
    """The cache key of the map ``scorer`` would compute on ``grid``."""
    return map_key(scorer.provenance, grid, scorer.fixed)


def resumable(scorer: Scorer, grid: Sequence[GridAxis], cache: Optional[MapCache]) -> Optional[SemanticMap]:
    """The interrupted map of this score and grid that a computation would resume, if any."""
    if cache is None:
        return None
    partial = cache.get_partial(key_of(scorer, grid))
    return partial if partial is not None and partial.axes == tuple(grid) else None


def compute_map(scorer: Scorer, grid: Sequence[GridAxis], sink: Optional[ProgressSink] = None,
                cache: Optional[MapCache] = None, force: bool = False, chunk_size: int = 64,
                notify: Callable[[str], None] = lambda message: None,
                order: str = "coarse-to-fine") -> tuple[SemanticMap, bool]:
    """The map of ``scorer`` on ``grid``, and whether it came whole from the cache. ``force``
    recomputes it; without a cache it is computed and kept nowhere; a cache that cannot be
    written is said through ``notify`` and the map still finishes. Poses are computed coarse to
    fine (``order="rows"``: row by row); a scorer without a given batch size tunes it in the
    map's first chunks."""
    if [a.name for a in grid] != list(scorer.axes):
        raise ValueError(f"the grid's axes {[a.name for a in grid]} are not the scorer's {list(scorer.axes)}")
    return cached_build_map(scorer.score, grid, scorer.fixed, scorer.provenance, sink, cache, force, chunk_size,
                            notify, scorer.tuner, order)
