"""The saved state: the session file (JSON), what it keeps of a document, written from it and
applied back through the document's own validating setters.

There is one definition of what is valid: the Document's methods. Validating a session applies
it to a scratch document without opening its mesh; reopening applies it to a new document with
the mesh. Either way a bad field is one SemviewerError naming it, before anything is shown.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import numpy as np

from semviewer.core.version import software
from semviewer.core.errors import SemviewerError, first_line
from semviewer.core.failures.result import FailureSearch
from semviewer.core.models.labels import ClassSet
from semviewer.core.models.sources import is_model_file
from semviewer.core.models.weights import check_weights
from semviewer.core.regions.config import METHODS
from semviewer.core.regions.region import Region
from semviewer.core.scene.axes import AXES, Pose
from semviewer.core.scene.backgrounds import DEFAULT_BACKGROUND, Background
from semviewer.core.scene.mesh import check_up_axis
from semviewer.core.scene.objects import bundled_objects
from semviewer.core.files.atomic import write_json
from semviewer.core.files.reading import read_text
from semviewer.core.session.document import ALL_METHODS, PRIMARY, Document


SESSION_FORMAT = "semviewer-session"
SESSION_VERSION = 1


@dataclass
class Session:
    """Everything needed to reopen the window where the user left off."""

    object: str = "teapot"                    # bundled name or mesh path
    up_axis: str = "y"
    model: str = "efficientnet-lite0"
    weights: Optional[str] = None
    labels: Optional[str] = None              # a labels file for the model's outputs
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
    backgrounds: list[dict] = field(default_factory=list)     # the scene's backgrounds (none: the paper's black)
    object_colour: Optional[list[float]] = None               # the plain material's colour (None: white)
    failures: Optional[dict] = None                           # the last failure search (its JSON), if any
    adaptive: Optional[float] = None                          # the adaptive maps' tolerance (None: exact maps)

    def save(self, path: str | Path) -> Path:
        data = {"format": SESSION_FORMAT, "version": SESSION_VERSION, **software(),
                **asdict(self)}
        return write_json(path, data)

    @classmethod
    def load(cls, path: str | Path) -> "Session":
        path = Path(path)
        text = read_text(path, "session file")
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise SemviewerError(f"cannot read session file {path}: {first_line(exc)}; "
                                 f"is it a semviewer session (JSON)?") from None
        if not isinstance(data, dict) or data.get("format") != SESSION_FORMAT:
            raise SemviewerError(f"{path} is not a semviewer session file")
        if data.get("version") != SESSION_VERSION:
            raise SemviewerError(f"{path} is a version {data.get('version')} session; this semviewer reads "
                                 f"version {SESSION_VERSION}")
        known = set(cls.__dataclass_fields__)
        session = cls(**{k: v for k, v in data.items() if k in known}).anchored(path.resolve().parent)
        try:
            session.validate()
        except SemviewerError as exc:
            raise SemviewerError(f"{path} is not a valid session: {exc}") from None
        return session

    def anchored(self, base_dir: Path) -> "Session":
        """This session with every relative file path in it (the mesh, a model file, weights,
        labels) made absolute against ``base_dir``, the folder of the session file: sessions written
        by hand, or before paths were stored absolute, open from any working folder."""
        def anchor(value: Any, is_file: Callable[[str], bool] = lambda v: True) -> Any:
            if not isinstance(value, str) or not value or not is_file(value) or Path(value).expanduser().is_absolute():
                return value            # not a path (a wrong kind is said by validate)
            return str((Path(base_dir) / Path(value).expanduser()).resolve())

        return replace(self, object=anchor(self.object, lambda v: v not in bundled_objects()),
                       model=anchor(self.model, is_model_file), weights=anchor(self.weights), labels=anchor(self.labels))

    def validate(self) -> None:
        """Check every field before any of it is applied (SemviewerError naming the field), with
        the document's own rules."""
        validate_session(self)


def _absolute(path: Optional[str]) -> Optional[str]:
    return str(Path(path).expanduser().resolve()) if path else None


def to_session(doc: Document) -> Session:
    """The session file's content: everything needed to reopen this document. Every file it names
    (mesh, model file, weights, labels) is stored by its absolute path."""
    source = doc.scene.object_source if doc.scene.object_source in bundled_objects() \
        else str(Path(doc.scene.object_source).expanduser().resolve())
    methods = ALL_METHODS if set(doc.solver.methods) == set(METHODS) and len(doc.solver.methods) > 1 \
        else doc.solver.methods[0] if len(doc.solver.methods) == 1 else list(doc.solver.methods)
    run = dict(doc.solver.run)
    if "domain" in run:
        run["domain"] = np.asarray(run["domain"], dtype=float).tolist()
    model = _absolute(doc.model.name) if is_model_file(doc.model.name) else doc.model.name
    settings = doc.scene.render_settings
    looks = ([b.to_saved() for b in settings.backgrounds] if settings.backgrounds != (DEFAULT_BACKGROUND,) else [],
             list(settings.object_color) if settings.object_color != (1.0, 1.0, 1.0) else None)
    return Session(object=source, up_axis=doc.scene.up_axis, model=model, backgrounds=looks[0], object_colour=looks[1],
                   weights=_absolute(doc.model.weights), labels=_absolute(doc.model.labels_file),
                   classes=list(doc.scene.classes.ids) if doc.scene.classes else [], pose=doc.scene.pose.as_dict(),
                   map_axes=list(doc.view.map_axes), resolution=doc.view.resolution, aggregate=doc.view.aggregate,
                   adaptive=doc.view.adaptive,
                   compare_model=doc.model.compare,
                   solver={"method": methods, **doc.solver.settings, "source": doc.solver.source},
                   starts=[list(s) for s in doc.solver.starts], start_axes=list(doc.solver.start_axes),
                   regions=[{"map": t, **r.to_json()} for t, r in doc.solver.regions],
                   region_run=run, engine=doc.model.engine,
                   failures=doc.failures.search.to_json() if doc.failures.search is not None and doc.failures.complete
                   else None)


@contextmanager
def _field(name: str) -> Iterator[None]:
    """A value of the wrong kind in ``name`` becomes one line naming the field."""
    try:
        yield
    except SemviewerError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
        raise SemviewerError(f"{name} has a value of the wrong kind ({first_line(exc, 100)})") from None


def _text(value: Any, name: str, optional: bool = False) -> None:
    if not (isinstance(value, str) and value) and not (optional and value is None):
        raise SemviewerError(f"{name} must be {'a file path or null' if optional else 'text'}")


def _check_run(run: Any) -> dict[str, Any]:
    """The record of the run that grew the regions: known axes, [lower, upper] rows, tables."""
    if not isinstance(run, dict):
        raise SemviewerError("region_run must be an object")
    axes = run.get("axes", [])
    if not isinstance(axes, list) or not all(isinstance(a, str) and a in AXES for a in axes):
        raise SemviewerError("region_run.axes must be known axes")
    domain = run.get("domain", [])
    with _field("region_run.domain"):
        rows = np.asarray(domain, dtype=np.float64).reshape(-1, 2) if domain != [] else np.zeros((0, 2))
    if isinstance(domain, str) or not np.isfinite(rows).all() or (np.abs(rows) >= 1e12).any():
        raise SemviewerError("region_run.domain must be [lower, upper] rows")
    if not all(isinstance(run.get(k, {}), dict) for k in ("configs", "source", "provenance")):
        raise SemviewerError("region_run.configs, .source and .provenance must be objects")
    return dict(run)


def _apply_fields(doc: Document, session: Session) -> None:
    """Everything but the object, applied through the document's setters (the object is opened first)."""
    with _field("backgrounds"):
        if not isinstance(session.backgrounds, list):
            raise SemviewerError("backgrounds must be a list")
        backgrounds = tuple(Background.from_saved(b) for b in session.backgrounds) or (DEFAULT_BACKGROUND,)
        colour = session.object_colour if session.object_colour is not None else (1.0, 1.0, 1.0)
        doc.set_render_settings(replace(doc.scene.render_settings, backgrounds=backgrounds,
                                                 object_color=tuple(colour)))
    with _field("engine"):
        doc.model.set_engine(session.engine)
    with _field("model"):
        _text(session.weights, "weights", optional=True)
        _text(session.labels, "labels", optional=True)
        doc.set_model(session.model, session.weights, labels=session.labels)
        doc.set_compare_model(session.compare_model)
    with _field("classes"):
        if not isinstance(session.classes, list) or any(isinstance(c, bool) for c in session.classes):
            raise SemviewerError("classes must be class ids of the model's labels")
        if session.classes:
            doc.set_classes(ClassSet(tuple(int(c) for c in session.classes), doc.model.labels))
    with _field("map_axes"):
        doc.view.set(list(session.map_axes), session.resolution, session.aggregate)
    with _field("adaptive"):
        doc.view.set_adaptive(session.adaptive)
    with _field("solver"):
        solver = dict(session.solver)
        method, source = solver.pop("method", None), solver.pop("source", None)
        doc.set_solver(method, {**doc.solver.settings, **solver}, source)
    with _field("pose"):
        if not isinstance(session.pose, dict) or any(isinstance(v, bool) for v in session.pose.values()):
            raise SemviewerError("pose must map axes to numbers")
        doc.scene.set_pose(Pose(session.pose))
    with _field("starts"):
        doc.set_starts(session.starts, session.start_axes or list(session.map_axes))
    _apply_regions(doc, session)
    with _field("failures"):
        doc.set_failures(_check_failures(session.failures) if session.failures is not None else None)


def _check_failures(data: Any) -> FailureSearch:
    """The failure search of a session: known continuous axes, one [lower, upper] row each."""
    search = FailureSearch.from_json(data)
    if any(a not in AXES for a in search.axes):
        raise SemviewerError("failures.axes must be known axes")
    domain = np.asarray(search.domain, dtype=np.float64)
    if domain.shape != (len(search.axes), 2) or not np.isfinite(domain).all():
        raise SemviewerError("failures.domain must be one [lower, upper] row per axis")
    if any(a not in AXES for f in search.failures for a in f.point):
        raise SemviewerError("a failure names an unknown axis")
    return search


def _apply_regions(doc: Document, session: Session) -> None:
    with _field("regions"):
        if not isinstance(session.regions, list):
            raise SemviewerError("regions must be a list")
        regions = [(d.get("map", PRIMARY) if isinstance(d, dict) else PRIMARY, Region.from_json(d))
                   for d in session.regions]
    run = _check_run(session.region_run) if session.region_run else {}
    if regions and not run:       # sessions written before the run was recorded
        run = {"axes": list(session.map_axes), "source": {"kind": "session"}, "provenance": {},
               "configs": {r.method: {**doc.solver.settings, "method": r.method} for _, r in regions}}
    if regions:
        run["domain"] = np.asarray(run.get("domain", regions[0][1].domain), dtype=np.float64)
    doc.set_regions(regions, run)


def validate_session(session: Session) -> None:
    """Check every field before any of it is applied (SemviewerError naming the field); the mesh
    is not opened."""
    _text(session.object, "object")
    check_up_axis(session.up_axis)
    _apply_fields(Document(), session)


def from_session(session: Session, base_dir: Optional[str | Path] = None) -> Document:
    """A document from a session, its mesh loaded and its weights checked here. Relative paths
    are relative to ``base_dir`` (the session file's folder)."""
    if base_dir is not None:
        session = session.anchored(Path(base_dir).resolve())
    validate_session(session)
    doc = Document()
    doc.open_object(session.object, session.up_axis)
    _apply_fields(doc, session)
    if session.weights:
        with _field("weights"):
            check_weights(doc.model.spec, Path(session.weights))
    return doc


def saved_state(doc: Document) -> dict[str, Any]:
    """What a saved session keeps of a document, plus the mesh as loaded (for equality)."""
    data = to_session(doc).__dict__.copy()
    data["mesh_sha256"] = doc.scene.mesh.sha256 if doc.scene.mesh is not None else None
    return data


def same_state(a: Document, b: Document) -> bool:
    """Whether two documents would save the same session of the same mesh (NaN equals NaN)."""
    return _same(saved_state(a), saved_state(b))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (a != a and b != b)
    return a == b
