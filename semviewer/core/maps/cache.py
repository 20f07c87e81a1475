"""A cache of computed semantic maps, keyed by provenance and grid, with resumable partials: the
storage. When to read, resume and write it is the pipeline's (``semviewer.pipeline.maps``)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from semviewer.core.scene.grid import GridAxis
from semviewer.core.errors import MapFileError
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

    def get_partial(self, key: str, axes: Optional[Sequence[GridAxis]] = None) -> Optional[SemanticMap]:
        """The interrupted map for ``key`` (on ``axes``, when given), or None."""
        found = self._read(self._path(key, partial=True))
        return found if found is not None and (axes is None or found.axes == tuple(axes)) else None

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
