"""Session files (JSON): object, model, class set, pose, map axes, solver settings, starts, regions."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

from semviewer import __version__
from semviewer.core.errors import SemviewerError
from semviewer.core.results import write_json

SESSION_FORMAT = "semviewer-session"
SESSION_VERSION = 1


@dataclass
class Session:
    """Everything needed to reopen the window where the user left off."""

    object: str = "teapot"                    # bundled name or mesh path
    up_axis: str = "y"
    model: str = "efficientnet-lite0"
    weights: Optional[str] = None
    classes: list[int] = field(default_factory=list)
    pose: dict[str, float] = field(default_factory=dict)
    map_axes: list[str] = field(default_factory=lambda: ["azimuth", "elevation"])
    resolution: str = "coarse"
    aggregate: Optional[str] = None
    compare_model: Optional[str] = None
    solver: dict[str, Any] = field(default_factory=dict)
    starts: list[list[float]] = field(default_factory=list)
    start_axes: list[str] = field(default_factory=list)      # the axes the starts were picked on (default map_axes)
    regions: list[dict] = field(default_factory=list)
    region_run: dict[str, Any] = field(default_factory=dict)  # axes, domain, configs, source, provenance
    engine: str = "auto"

    def save(self, path: str | Path) -> Path:
        data = {"format": SESSION_FORMAT, "version": SESSION_VERSION, "software": f"semviewer {__version__}",
                **asdict(self)}
        return write_json(path, data)

    @classmethod
    def load(cls, path: str | Path) -> "Session":
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SemviewerError(f"session file {path} does not exist") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SemviewerError(f"cannot read session file {path}: {exc}; is it a semviewer session (JSON)?") from None
        if not isinstance(data, dict) or data.get("format") != SESSION_FORMAT:
            raise SemviewerError(f"{path} is not a semviewer session file")
        if data.get("version") != SESSION_VERSION:
            raise SemviewerError(f"{path} is a version {data.get('version')} session; this semviewer reads "
                                 f"version {SESSION_VERSION}")
        known = set(cls.__dataclass_fields__)
        session = cls(**{k: v for k, v in data.items() if k in known})
        try:
            session.validate()
        except SemviewerError as exc:
            raise SemviewerError(f"{path} is not a valid session: {exc}") from None
        return session

    def validate(self) -> None:
        """Check every field before any of it is applied (SemviewerError naming the field)."""
        from semviewer.core.axes import AXES, Pose
        from semviewer.core.classifier import ENGINES, MODELS
        from semviewer.core.imagenet import ClassSet
        from semviewer.core.mesh import UP_AXES
        from semviewer.core.regions import METHODS, Region, RegionConfig
        from semviewer.core.semantic_map import AGGREGATES

        def need(ok: bool, message: str) -> None:
            if not ok:
                raise SemviewerError(message)

        need(isinstance(self.object, str) and bool(self.object), "object must be a bundled name or a mesh path")
        need(self.up_axis in UP_AXES, f"up_axis must be one of {', '.join(UP_AXES)}")
        need(isinstance(self.model, str) and self.model in MODELS, f"unknown model {str(self.model)[:40]!r}")
        need(self.compare_model is None or (isinstance(self.compare_model, str) and self.compare_model in MODELS),
             f"unknown compare model {str(self.compare_model)[:40]!r}")
        need(self.weights is None or isinstance(self.weights, str), "weights must be a file path or null")
        need(isinstance(self.classes, list) and all(isinstance(c, int) and not isinstance(c, bool)
                                                    for c in self.classes), "classes must be ImageNet ids")
        if self.classes:
            ClassSet(tuple(self.classes))
        need(isinstance(self.pose, dict) and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                 for v in self.pose.values()), "pose must map axes to numbers")
        Pose(self.pose)
        need(isinstance(self.map_axes, list) and 1 <= len(self.map_axes) <= 2
             and all(isinstance(a, str) and a in AXES for a in self.map_axes)
             and len(set(self.map_axes)) == len(self.map_axes), "map_axes must be one or two known axes")
        need(self.resolution in ("coarse", "medium", "paper"), "resolution must be coarse, medium or paper")
        need(self.aggregate is None or self.aggregate in AGGREGATES, f"aggregate must be one of {AGGREGATES}")
        need(isinstance(self.engine, str) and self.engine in ENGINES, f"engine must be one of {', '.join(ENGINES)}")
        need(isinstance(self.solver, dict), "solver must be a table of settings")
        settings = {k: v for k, v in self.solver.items() if k not in ("method", "source")}
        method = self.solver.get("method", "oir_b")
        methods = method if isinstance(method, list) else METHODS if method == "all three" else [method]
        need(all(isinstance(m, str) and m in METHODS for m in methods) and bool(methods), "unknown solver method")
        need(self.solver.get("source", "map") in ("map", "live"), "the solver's score source is map or live")
        try:
            for each in methods:
                RegionConfig(method=each, **settings).check(len(self.map_axes))
        except TypeError as exc:
            raise SemviewerError(f"solver: {str(exc).splitlines()[0]}") from None
        need(isinstance(self.start_axes, list) and len(self.start_axes) <= 2
             and all(isinstance(a, str) and a in AXES for a in self.start_axes), "start_axes must be known axes")
        start_axes = self.start_axes or self.map_axes
        need(isinstance(self.starts, list) and all(
            isinstance(s, list) and len(s) == len(start_axes) and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and abs(v) < 1e12 for v in s)
            for s in self.starts), "starts must be points with one number per map axis")
        need(isinstance(self.region_run, dict), "region_run must be an object")
        run_axes = self.region_run.get("axes", [])
        need(isinstance(run_axes, list) and all(isinstance(a, str) and a in AXES for a in run_axes),
             "region_run.axes must be known axes")
        domain = self.region_run.get("domain", [])
        need(isinstance(domain, list) and all(
            isinstance(row, list) and len(row) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                            and v == v and abs(v) < 1e12 for v in row)
            for row in domain), "region_run.domain must be [lower, upper] rows")
        need(all(isinstance(self.region_run.get(k, {}), dict) for k in ("configs", "source", "provenance")),
             "region_run.configs, .source and .provenance must be objects")
        need(isinstance(self.regions, list), "regions must be a list")
        for region in self.regions:
            need(isinstance(region, dict), "each region must be an object")
            need(region.get("map", "primary") in ("primary", "compare"), "a region's map must be primary or compare")
            Region.from_json(region)
