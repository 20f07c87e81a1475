"""Semantic maps: f sampled on a grid, with explicit axes, fixed values and provenance."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import numpy as np

from semviewer.core.scene.axes import check_unique
from semviewer.core.scene.grid import GridAxis
from semviewer.core.errors import AxisError, MapFileError, first_line
from semviewer.core.files.atomic import atomic_path
from semviewer.core.files.reading import MiB, check_archive, check_regular

MAP_FORMAT = "semviewer-map"
#: A map file unpacks to at most this: the largest map's values and top-1 flags, and its manifest.
MAX_MAP_FILE_BYTES = 512 * MiB
MAP_VERSION = 1
AGGREGATES = ("mean", "min", "max")
@dataclass(frozen=True)
class MapView:
    """A 1-D or 2-D view of a map: values indexed like ``axes``."""

    values: np.ndarray
    axes: tuple[GridAxis, ...]
    description: str = ""


@dataclass(frozen=True, eq=False)
class SemanticMap:
    """Values of f on a grid (NaN where not computed yet), its axes, fixed axes and provenance."""

    values: np.ndarray
    axes: tuple[GridAxis, ...]
    fixed: Mapping[str, float] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)
    top1: Optional[np.ndarray] = None
    computed: Optional[np.ndarray] = None     # adaptive maps: True where computed, False where interpolated
    adaptive: Optional[float] = None          # adaptive maps: the tolerance (None: every point computed)

    def __post_init__(self) -> None:
        shape = tuple(a.size for a in self.axes)
        values = np.asarray(self.values, dtype=np.float32)
        if values.shape != shape:
            raise ValueError(f"values have shape {values.shape}, the axes {shape}")
        check_unique(a.name for a in self.axes)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "axes", tuple(self.axes))
        object.__setattr__(self, "fixed", dict(self.fixed))
        object.__setattr__(self, "provenance", dict(self.provenance))
        if self.top1 is not None:
            object.__setattr__(self, "top1", np.asarray(self.top1, dtype=np.float32).reshape(shape))
        if self.computed is not None:
            object.__setattr__(self, "computed", np.asarray(self.computed, dtype=bool).reshape(shape))

    # -- shape ----------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.values.shape

    @property
    def ndim(self) -> int:
        return len(self.axes)

    @property
    def axis_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.axes)

    @property
    def filled(self) -> np.ndarray:
        return ~np.isnan(self.values)

    @property
    def complete(self) -> bool:
        return bool(self.filled.all())

    @property
    def filled_fraction(self) -> float:
        return float(self.filled.mean()) if self.values.size else 1.0

    @property
    def computed_fraction(self) -> float:
        """The share of the grid computed (rendered and classified), not interpolated."""
        if self.computed is None:
            return self.filled_fraction
        return float((self.computed & self.filled).mean()) if self.values.size else 1.0

    def points(self) -> np.ndarray:
        """All grid points (N, n) in C order (the last axis varies fastest)."""
        grids = np.meshgrid(*[a.points for a in self.axes], indexing="ij")
        return np.stack([g.reshape(-1) for g in grids], axis=1)

    def domain(self, names: Optional[Sequence[str]] = None) -> np.ndarray:
        """The region-search domain (n, 2) of the map: for each axis the range the user asked
        for (``elevation=-10:90:3`` → [-10, 90], though the last grid point is 89). Maps from
        before ranges were recorded use the grid's span, one step more on a full-turn periodic axis."""
        return np.array([self.axis(name).extent() for name in (names or self.axis_names)], dtype=np.float64)

    def axis(self, name: str) -> GridAxis:
        for a in self.axes:
            if a.name == name:
                return a
        raise AxisError(f"the map has no axis {name!r}; its axes are {', '.join(self.axis_names)}")

    # -- views ----------------------------------------------------------------
    def view(self, show: Sequence[str], at: Optional[Mapping[str, float]] = None,
             aggregate: Optional[str] = None, values: Optional[np.ndarray] = None) -> MapView:
        """Values over the ``show`` axes (in that order); other axes are sliced at the grid
        point nearest ``at[name]`` (default: their first point) or aggregated (mean/min/max)."""
        show = list(show)
        check_unique(show)
        for name in show:
            self.axis(name)
        if aggregate is not None and aggregate not in AGGREGATES:
            raise AxisError(f"unknown aggregate {aggregate!r}; choose one of {', '.join(AGGREGATES)}")
        data = self.values if values is None else values
        at = dict(at or {})
        others = [i for i, a in enumerate(self.axes) if a.name not in show]
        notes = []
        if aggregate is not None and others:
            fn = {"mean": np.nanmean, "min": np.nanmin, "max": np.nanmax}[aggregate]
            with np.errstate(all="ignore"):
                import warnings

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    data = fn(data, axis=tuple(others))
            notes = [f"{aggregate} over {self.axes[i].name}" for i in others]
            remaining = [a for a in self.axes if a.name in show]
        else:
            index: list[Any] = []
            for a in self.axes:
                if a.name in show:
                    index.append(slice(None))
                else:
                    value = at.get(a.name, a.points[0])
                    j = int(np.argmin(np.abs(a.points - value)))
                    index.append(j)
                    notes.append(f"{a.name}={a.label(j)}")
            data = data[tuple(index)]
            remaining = [a for a in self.axes if a.name in show]
        order = [[a.name for a in remaining].index(name) for name in show]
        data = np.transpose(data, order) if data.ndim > 1 else data
        return MapView(np.asarray(data), tuple(self.axis(n) for n in show), ", ".join(notes))

    # -- I/O -----------------------------------------------------------------
    def manifest(self) -> dict:
        """The JSON beside the values; a map not yet complete says how far it got."""
        data = {"format": MAP_FORMAT, "version": MAP_VERSION, "axes": [a.to_json() for a in self.axes],
                "fixed": self.fixed, "provenance": self.provenance, "shape": list(self.shape)}
        if not self.complete:
            from semviewer.core.maps.progressive import STRIDES, level_reached

            data["partial"] = {"filled_fraction": self.filled_fraction, "level_reached": level_reached(self.filled),
                               "levels": len(STRIDES)}
        if self.adaptive is not None:
            data["adaptive"] = {"tolerance": self.adaptive, "computed_fraction": self.computed_fraction}
        return data

    def save(self, path: str | Path) -> Path:
        """Write ``.npz`` (values, top-1 flags, JSON manifest) atomically."""
        arrays = {"values": self.values, "manifest": np.array(json.dumps(self.manifest()))}
        if self.top1 is not None:
            arrays["top1"] = self.top1
        if self.computed is not None:
            arrays["computed"] = self.computed
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, **arrays)
        return Path(path)

    @classmethod
    def load(cls, path: str | Path) -> "SemanticMap":
        """Read a map written by ``save``; MapFileError for anything else."""
        path = check_regular(path, "map file", MapFileError)
        check_archive(path, "map file", MAX_MAP_FILE_BYTES, MapFileError)
        try:
            with np.load(path, allow_pickle=False) as data:
                if "manifest" not in data or "values" not in data:
                    raise MapFileError(f"{path} is not a semviewer map (no manifest); was it written by semviewer map?")
                manifest = json.loads(str(data["manifest"]))
                values = np.array(data["values"])
                top1 = np.array(data["top1"]) if "top1" in data else None
                computed = np.array(data["computed"]) if "computed" in data else None
                for name, array in (("values", values), ("top1", top1), ("computed", computed)):
                    if array is not None and array.dtype.kind not in "fiub":
                        raise MapFileError(f"{path}: its {name} are {array.dtype} data, not numbers")
        except MapFileError:
            raise
        except Exception as exc:
            raise MapFileError(f"cannot read map file {path}: {first_line(exc, 120)}; "
                               f"the file is corrupt or not an .npz") from None
        if not isinstance(manifest, dict):
            raise MapFileError(f"{path} is not a semviewer map (its manifest is a JSON {type(manifest).__name__})")
        if manifest.get("format") != MAP_FORMAT:
            raise MapFileError(f"{path} is not a semviewer map (format {manifest.get('format')!r})")
        if manifest.get("version") != MAP_VERSION:
            raise MapFileError(f"{path} is a version {manifest.get('version')} map; this semviewer reads version {MAP_VERSION}")
        try:
            axes = tuple(GridAxis.from_json(a) for a in manifest["axes"])
            if not isinstance(manifest.get("fixed", {}), dict) or not isinstance(manifest.get("provenance", {}), dict):
                raise ValueError("fixed and provenance must be tables")
            adaptive = manifest.get("adaptive")
            tolerance = float(adaptive["tolerance"]) if isinstance(adaptive, dict) else None
            if (tolerance is None) != (computed is None):
                raise ValueError("an adaptive map has both its tolerance and its computed cells")
            semantic_map = cls(values, axes, manifest.get("fixed", {}), manifest.get("provenance", {}), top1,
                               computed, tolerance)
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            first = first_line(exc, 160)
            raise MapFileError(f"{path} has an inconsistent manifest: {first}") from None
        problem = semantic_map.problem()
        if problem:
            raise MapFileError(f"{path} is not a valid map: {problem}")
        return semantic_map

    def problem(self) -> str:
        """Why this map's data cannot be right ("" when it can): values outside [0, 1], infinite
        values, top-1 flags other than 0/1, grid points that are not finite and increasing."""
        values = self.values
        finite = values[np.isfinite(values)]
        if np.isinf(values).any() or (finite.size and (finite.min() < 0 or finite.max() > 1)):
            return "its values must be probabilities in [0, 1] (or NaN where not computed)"
        if self.top1 is not None:
            flags = self.top1[np.isfinite(self.top1)]
            if np.isinf(self.top1).any() or not np.isin(flags, (0.0, 1.0)).all():
                return "its top-1 flags must be 0 or 1 (or NaN)"
        if self.adaptive is not None and not (np.isfinite(self.adaptive) and 0 < self.adaptive < 1):
            return "its adaptive tolerance must be in (0, 1)"
        for a in self.axes:
            if a.size < 1 or not np.isfinite(a.points).all() or (np.diff(a.points) <= 0).any():
                return f"the grid of {a.name} must be finite, increasing points"
        for name, value in self.fixed.items():
            if not isinstance(value, (int, float)) or not np.isfinite(value):
                return f"its fixed value of {name!r} is not a number"
        return ""

    def to_csv(self) -> str:
        """Long format: one row per grid point, axis columns (a categorical axis's values by name)
        then score and top1."""
        import csv
        import io

        from semviewer.core.files.tables import safe_text

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*self.axis_names, "score", "top1"])
        top1 = self.top1.reshape(-1) if self.top1 is not None else np.full(self.values.size, np.nan)
        for index, value, t in zip(np.ndindex(*self.shape), self.values.reshape(-1), top1):
            cells = [safe_text(a.label(i)) if a.labels else f"{a.points[i]:g}" for a, i in zip(self.axes, index)]
            writer.writerow(cells + ["" if np.isnan(value) else f"{value:.6f}", "" if np.isnan(t) else str(int(t))])
        return out.getvalue()


def empty_map(axes: Sequence[GridAxis], fixed: Mapping[str, float], provenance: Mapping[str, Any]) -> SemanticMap:
    shape = tuple(a.size for a in axes)
    return SemanticMap(np.full(shape, np.nan, np.float32), tuple(axes), fixed, provenance,
                       np.full(shape, np.nan, np.float32))
