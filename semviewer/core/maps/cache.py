"""A cache of computed semantic maps, keyed by provenance and grid, with resumable partials."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

from semviewer.core.scene.axes import GridAxis
from semviewer.core.errors import MapFileError, OutputError
from semviewer.core.maps.semantic_map import SemanticMap

#: Provenance fields that do not change a map's values (left out of the key).
_VOLATILE = ("date", "weights", "software_commit")


def default_cache_dir() -> Path:
    """``$SEMVIEWER_CACHE_DIR``, else ``$XDG_CACHE_HOME/semviewer/maps``, else ``~/.cache/semviewer/maps``."""
    if os.environ.get("SEMVIEWER_CACHE_DIR"):
        return Path(os.environ["SEMVIEWER_CACHE_DIR"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "semviewer" / "maps"


def map_key(provenance: Mapping[str, Any], axes: Sequence[GridAxis], fixed: Mapping[str, float]) -> str:
    """A stable hash of everything that determines a map's values."""
    stable = {k: v for k, v in provenance.items() if k not in _VOLATILE}
    payload = json.dumps({"provenance": stable, "axes": [a.to_json() for a in axes],
                          "fixed": {k: float(v) for k, v in sorted(fixed.items())}},
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _unlink(path: Path) -> None:
    """Remove a cache file; a cache that cannot be changed (read-only) is left as it is."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


class MapCache:
    """Complete maps as ``KEY.npz``, interrupted ones as ``KEY.partial.npz`` (both written atomically)."""

    def __init__(self, root: Optional[Path] = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()

    def _path(self, key: str, partial: bool = False) -> Path:
        return self.root / (f"{key}.partial.npz" if partial else f"{key}.npz")

    def _read(self, path: Path) -> Optional[SemanticMap]:
        if not path.is_file():
            return None
        try:
            return SemanticMap.load(path)
        except MapFileError:
            _unlink(path)   # a damaged cache entry is recomputed, not trusted
            return None

    def get(self, key: str) -> Optional[SemanticMap]:
        """The complete map for ``key``, or None."""
        found = self._read(self._path(key))
        return found if found is not None and found.complete else None

    def get_partial(self, key: str) -> Optional[SemanticMap]:
        return self._read(self._path(key, partial=True))

    def put(self, key: str, semantic_map: SemanticMap) -> None:
        """Store a map: complete ones replace the partial entry."""
        self.root.mkdir(parents=True, exist_ok=True)
        if semantic_map.complete:
            semantic_map.save(self._path(key))
            _unlink(self._path(key, partial=True))
        elif semantic_map.filled.any():
            semantic_map.save(self._path(key, partial=True))

    def clear(self, key: str) -> None:
        _unlink(self._path(key))
        _unlink(self._path(key, partial=True))


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


def cached_build_map(score, axes: Sequence[GridAxis], fixed: Mapping[str, float], provenance: Mapping[str, Any],
                     sink=None, cache: Optional[MapCache] = None, force: bool = False,
                     chunk_size: int = 64, notify: Callable[[str], None] = lambda message: None,
                     tuner: Any = None, order: str = "coarse-to-fine") -> tuple[SemanticMap, bool]:
    """Build a map, reading a complete cached one instead when there is one (unless ``force``)
    and resuming from an interrupted partial. Returns the map and whether it came from the cache.
    A cache that cannot be written is said through ``notify`` once and then left alone."""
    from semviewer.core.maps.build import build_map

    if cache is None:
        return build_map(score, axes, fixed, provenance, sink, chunk_size, order=order, tuner=tuner), False
    key = map_key(provenance, axes, fixed)
    if force:
        cache.clear(key)
    else:
        hit = cache.get(key)
        if hit is not None:
            if sink is not None:
                sink.partial(hit)
                sink.progress(1.0, "read from the cache")
            return hit, True
    partial = cache.get_partial(key)
    if partial is not None and partial.axes != tuple(axes):
        partial = None
    writes = _Writes(cache, key, notify)
    result = build_map(score, axes, fixed, provenance, sink, chunk_size, resume=partial, checkpoint=writes.put,
                       order=order, tuner=tuner)
    writes.put(result)
    return result, False
