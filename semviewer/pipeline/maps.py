"""Semantic maps through the one pipeline, and the cache's policy: a complete cached map is read
instead of computed (``force`` recomputes it), an interrupted one is resumed, and a map being
computed is written back as it goes; a cache that cannot be written is said once and the map still
finishes."""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Mapping, Optional, Sequence

from semviewer.core.engines.choice import recheck_choice
from semviewer.core.errors import OutputError
from semviewer.core.inference.classifier import Classifier
from semviewer.core.maps.build import build_map
from semviewer.core.maps.cache import MapCache, map_key
from semviewer.core.maps.semantic_map import SemanticMap
from semviewer.core.progress import ProgressSink
from semviewer.core.scene.grid import GridAxis
from semviewer.pipeline.keys import map_key_for
from semviewer.pipeline.scene import Scene
from semviewer.pipeline.scorer import Scorer


class _Writes:
    """Cache writes that stop, with one notice, when the cache cannot be written (a full or
    read-only disk): the map is then computed without the cache, and still finishes."""

    def __init__(self, cache: "MapCache", key: str, notify: Callable[[str], None]) -> None:
        self.cache, self.key, self.notify, self.failed = cache, key, notify, False

    def put(self, semantic_map: SemanticMap) -> None:
        if self.failed:
            return
        try:
            self.cache.put(self.key, semantic_map)
        except (OutputError, OSError) as exc:
            self.failed = True
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.notify(f"the map cache in {self.cache.root} cannot be written ({reason}); this map is computed "
                        f"without it and not kept there")


def cached_map(scene: Scene, classifier: Classifier, grid: Sequence[GridAxis],
               cache: Optional[MapCache], adaptive: Optional[float] = None) -> Optional[SemanticMap]:
    """The complete map of this scene, classifier and grid when the cache has it (nothing is
    rendered, nothing measured), else None; an adaptive request is served by the exact map too."""
    if cache is None:
        return None
    exact = map_key_for(scene, classifier, grid)
    return cache.get(exact) or (cache.get(adaptive_key(exact, adaptive)) if adaptive is not None else None)


def adaptive_key(exact_key: str, tolerance: float) -> str:
    """The cache key of an adaptive map: never the exact map's, so an exact request is never
    served an adaptive map."""
    return hashlib.sha256(f"{exact_key}:adaptive:{float(tolerance)!r}".encode()).hexdigest()[:32]


def resumable(scorer: Scorer, grid: Sequence[GridAxis], cache: Optional[MapCache],
              adaptive: Optional[float] = None) -> Optional[SemanticMap]:
    """The interrupted map of this score and grid that a computation would resume, if any."""
    if cache is None:
        return None
    key = scorer.key(grid)
    return cache.get_partial(key if adaptive is None else adaptive_key(key, adaptive), grid)


def cached_build_map(score, axes: Sequence[GridAxis], fixed: Mapping[str, float], provenance: Mapping[str, Any],
                     sink: Optional[ProgressSink] = None, cache: Optional[MapCache] = None, force: bool = False,
                     chunk_size: int = 64, notify: Callable[[str], None] = lambda message: None,
                     tuner: Any = None, order: str = "coarse-to-fine",
                     adaptive: Optional[float] = None) -> tuple[SemanticMap, bool]:
    """The cache's policy around ``build_map`` for any score: the complete cached map when there is
    one (unless ``force``), else built, resuming an interrupted partial on the same axes and written
    back as it goes. An ``adaptive`` map (a tolerance) has a key of its own; the exact map, when
    cached, serves it. Returns the map and whether it came from the cache."""
    build = dict(chunk_size=chunk_size, order=order, tuner=tuner, adaptive=adaptive)
    if cache is None:
        return build_map(score, axes, fixed, provenance, sink, **build), False
    exact = map_key(provenance, axes, fixed)
    key = exact if adaptive is None else adaptive_key(exact, adaptive)
    if force:
        cache.clear(key)
    else:
        hit = cache.get(key) or (cache.get(exact) if adaptive is not None else None)
        if hit is not None:
            if sink is not None:
                sink.partial(hit)
                sink.progress(1.0, "read from the cache")
            return hit, True
    writes = _Writes(cache, key, notify)
    result = build_map(score, axes, fixed, provenance, sink, resume=cache.get_partial(key, axes),
                       checkpoint=writes.put, **build)
    writes.put(result)
    return result, False


def compute_map(scorer: Scorer, grid: Sequence[GridAxis], sink: Optional[ProgressSink] = None,
                cache: Optional[MapCache] = None, force: bool = False, chunk_size: int = 64,
                notify: Callable[[str], None] = lambda message: None,
                order: str = "coarse-to-fine", adaptive: Optional[float] = None) -> tuple[SemanticMap, bool]:
    """The map of ``scorer`` on ``grid`` through the cache (``cached_build_map``), and whether it came
    whole from the cache; a scorer without a given batch size tunes it in the map's first chunks.
    With ``adaptive`` (a tolerance) only where the map changes is computed."""
    if [a.name for a in grid] != list(scorer.axes):
        raise ValueError(f"the grid's axes {[a.name for a in grid]} are not the scorer's {list(scorer.axes)}")
    result = cached_build_map(scorer.score, grid, scorer.fixed, scorer.provenance, sink=sink, cache=cache,
                              force=force, chunk_size=chunk_size, notify=notify, tuner=scorer.tuner, order=order,
                              adaptive=adaptive)
    recheck_choice(scorer.classifier, notify)       # a choice measured on a busy machine is measured again
    return result
