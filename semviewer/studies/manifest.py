"""Study manifests (TOML): read and validated whole before any work, into a ``StudyPlan``.
Every problem is one StudyError line naming the key or the [[objects]] entry."""

from __future__ import annotations

import json
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import numpy as np

from semviewer.core.files.reading import check_regular, read_text
from semviewer.core.maps.grids import PRESETS, check_grid_size, preset_grid
from semviewer.core.scene.grid import GridAxis, parse_grid_axis
from semviewer.core.engines import ENGINES
from semviewer.core.models import PREPROCESSING_CHOICES, get_model_spec
from semviewer.core.models.sources import MODEL_FILE_SUFFIXES
from semviewer.core.models.torchscript import UntrustedModelCode
from semviewer.core.models.weights import check_weights, locate_weights
from semviewer.core.errors import SemviewerError, first_line
from semviewer.core.models.labels import ClassSet, parse_class_set, read_labels
from semviewer.core.scene.mesh import UP_AXES
from semviewer.core.regions.config import METHODS, RegionConfig, paper_starts
from semviewer.core.maps.adaptive import check_adaptive
from semviewer.studies.failure_table import failure_settings
from semviewer.studies.plan import SCORES, StudyError, StudyModel, StudyObject, StudyPlan, StudyVariant

_STUDY_KEYS = {"name", "models", "methods", "score", "engine", "preprocessing", "size", "inside_points", "backgrounds",
               "materials", "adaptive"}
_OBJECT_KEYS = {"name", "path", "classes", "up_axis", "label"}
_MODEL_KEYS = {"name", "weights", "label", "labels", "trust_code"}
_SOLVER_KEYS = {f.name for f in fields(RegionConfig)} - {"method"} | {"starts"}
_TOP_KEYS = {"study", "grid", "solver", "objects", "models", "failures"}
#: A study's map has at most this many axes (a unit renders every grid point).
MAX_GRID_AXES = 3


def _fail(where: str, message: str) -> StudyError:
    return StudyError(f"{where}: {message}")


def _label(label: Any, where: str) -> str:
    """A label for reports and file names: one line of printable text."""
    text = str(label)
    if not text.strip() or any(ord(c) < 32 or ord(c) == 127 for c in text) or len(text) > 200:
        raise _fail(where, f"its label {text[:40]!r} must be one line of printable text (give label = \"...\")")
    return text


def _check_keys(table: Any, allowed: set[str], where: str) -> Mapping[str, Any]:
    if not isinstance(table, Mapping):
        raise _fail(where, f"must be a table, got {type(table).__name__}")
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise _fail(where, f"unknown key {unknown[0]!r}; known keys: {', '.join(sorted(allowed))}")
    return table


def _classes(value: Any, models: Sequence[StudyModel]) -> ClassSet:
    """An object's class set: on ImageNet's labels, or else on the first model labels that name it."""
    try:
        return parse_class_set(value)
    except SemviewerError as first:
        for model in models:
            if model.labels is not None:
                try:
                    return parse_class_set(value, read_labels(model.labels))
                except SemviewerError:
                    continue
        raise first


def _check_classes(classes: ClassSet, models: Sequence[StudyModel]) -> None:
    """Every model of the study names the object's classes among its labels."""
    for model in models:
        labels = get_model_spec(model.name, model.labels).label_set
        if classes.on(labels) is None:
            raise SemviewerError(f"the model {model.label!r} has no class {str(classes)!r} among its {len(labels)} "
                                 f"labels")


def _objects(entries: Any, base: Path, models: Sequence[StudyModel] = ()) -> tuple[StudyObject, ...]:
    from semviewer.core.scene.mesh import load_mesh
    from semviewer.core.scene.objects import bundled_objects

    if not isinstance(entries, list) or not entries:
        raise _fail("[[objects]]", "the study needs at least one [[objects]] entry (a name or a path)")
    found: list[StudyObject] = []
    for number, entry in enumerate(entries, start=1):
        where = f"[[objects]] #{number}"
        entry = _check_keys(entry, _OBJECT_KEYS, where)
        for key in ("name", "path", "label", "up_axis"):
            if key in entry and not isinstance(entry[key], str):
                raise _fail(where, f"{key} must be text, got {type(entry[key]).__name__}")
        classes_value = entry.get("classes", "")
        if not (isinstance(classes_value, str) or (isinstance(classes_value, list) and all(
                isinstance(c, (str, int)) and not isinstance(c, bool) for c in classes_value))):
            raise _fail(where, "classes must be class names or ids, e.g. [\"coffee mug\", \"cup\"]")
        if ("name" in entry) == ("path" in entry):
            raise _fail(where, "give either name (a bundled object) or path (a mesh file), not both or neither")
        up = entry.get("up_axis", "y")
        if up not in UP_AXES:
            raise _fail(where, f"up_axis must be one of {', '.join(UP_AXES)}, got {up!r}")
        try:
            if "name" in entry:
                name = entry["name"]
                if name not in bundled_objects():
                    raise _fail(where, f"unknown bundled object {name!r}; bundled: {', '.join(bundled_objects())}; "
                                       f"use path = \"...\" for a mesh file")
                obj = bundled_objects()[name]
                mesh = obj.load()
                classes = _classes(entry["classes"], models) if "classes" in entry else obj.classes
                label, source, bundled = entry.get("label", name), name, True
            else:
                path = Path(str(entry["path"])).expanduser()
                path = path if path.is_absolute() else (base / path)
                where = f"{where} ({entry['path']})"
                if "classes" not in entry:
                    raise _fail(where, "a mesh file needs classes = [\"...\"] (class names or ids)")
                classes = _classes(entry["classes"], models)
                mesh = load_mesh(path, up_axis=up)
                label, source, bundled = entry.get("label", path.stem), str(path.resolve()), False
            _check_classes(classes, models)
        except StudyError:
            raise
        except SemviewerError as exc:
            raise _fail(where, str(exc)) from None
        found.append(StudyObject(_label(label, where), source, bundled, tuple(classes.ids), up, mesh.sha256,
                                 classes.names))
    labels = [o.label for o in found]
    if len(set(labels)) != len(labels):
        dup = next(x for x in labels if labels.count(x) > 1)
        raise _fail("[[objects]]", f"two objects are labelled {dup!r}; give one of them label = \"...\"")
    return tuple(found)


def _relative(value: Any, base: Path) -> Optional[str]:
    """A file the manifest names, absolute (relative paths are relative to the manifest's folder)."""
    if value is None:
        return None
    path = Path(str(value)).expanduser()
    return str(path if path.is_absolute() else (base / path).resolve())


def _model(where: str, entry: Mapping[str, Any], base: Path) -> StudyModel:
    """One model entry: its spec resolved, its weights located and fitted, its labels read."""
    from semviewer.core.files.hashing import file_sha256

    for key in ("name", "weights", "label", "labels"):
        if key in entry and not isinstance(entry[key], str):
            raise _fail(where, f"{key} must be text, got {type(entry[key]).__name__}")
    if not isinstance(entry.get("name"), str):
        raise _fail(where, "name the model (a registry name, torchvision:NAME, timm:NAME or a model file)")
    trust = entry.get("trust_code", False)
    if not isinstance(trust, bool):
        raise _fail(where, f"trust_code must be true or false, got {trust!r}")
    name, weights, labels = entry["name"], _relative(entry.get("weights"), base), _relative(entry.get("labels"), base)
    if Path(name).suffix.lower() in MODEL_FILE_SUFFIXES:
        name = _relative(name, base) or name        # a model file, relative to the manifest
    try:
        spec = get_model_spec(name, labels)
        if spec.family == "torchscript" and not trust:
            hint = "add trust_code = true to this entry" if where.startswith("[[models]]") else \
                "name it in a [[models]] table with trust_code = true"
            raise _fail(where, f"{UntrustedModelCode(spec.file)}; if you trust it, {hint}")
        path = locate_weights(spec, weights, allow_download=False)
        if weights is not None:          # a file of the user's: read and fitted now, not in every unit
            check_weights(spec, path)
        elif spec.file:                  # a model file: run on the check renders now, not failing in every unit
            _check_model_file(spec, labels, trust)
        else:
            check_regular(path, "weights file", SemviewerError)
    except StudyError:
        raise
    except SemviewerError as exc:
        raise _fail(where, str(exc)) from None
    shown = Path(name).name if spec.file else name
    label = str(entry.get("label") or (shown if weights is None else f"{shown}:{Path(weights).stem}"))
    return StudyModel(_label(label, where), spec.name, weights, file_sha256(path), labels, spec.label_set.sha256,
                      trust, spec.feeding())


def _check_model_file(spec, labels: Optional[str], trust: bool) -> None:
    """A model file loads and gives what a classifier gives on the check renders (one line if not)."""
    from semviewer.core.inference.loading import load_classifier

    load_classifier(spec.name, labels=labels, device="cpu", allow_download=False, threads=1, trust_code=trust,
                    engine="onnxruntime" if spec.family == "onnx" else "torch", notify=lambda message: None)


def _variants(study: Mapping[str, Any], base: Path, objects: Sequence[StudyObject]) -> tuple[StudyVariant, ...]:
    """[study] backgrounds × materials: each background a bundled name, a colour, an image file, a
    folder of images or panorama:FILE (files relative to the manifest); each material one every
    object has. None given: the paper's scene alone."""
    from semviewer.core.scene.backgrounds import resolve_background
    from semviewer.core.scene.materials import material_index
    from semviewer.core.scene.mesh import load_mesh
    from semviewer.core.scene.objects import get_object

    backgrounds = study.get("backgrounds", [])
    materials = study.get("materials", [])
    for key, value in (("backgrounds", backgrounds), ("materials", materials)):
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise _fail(f"[study] {key}", f"must be a list of names, e.g. {key} = [\"black\", \"brick\"]")
    found = []
    for text in backgrounds:
        anchored = text if not _looks_like_path(text) else str(Path(_relative(text.removeprefix("panorama:"), base)))
        anchored = f"panorama:{anchored}" if text.startswith("panorama:") and _looks_like_path(text) else anchored
        try:
            found += resolve_background(anchored)
        except SemviewerError as exc:
            raise _fail("[study] backgrounds", str(exc)) from None
    names = [b.name for b in found]
    if len(set(names)) != len(names):
        raise _fail("[study] backgrounds", f"two backgrounds are named {next(n for n in names if names.count(n) > 1)!r}")
    for obj in objects:
        mesh = get_object(obj.source).load() if obj.bundled else load_mesh(obj.source, up_axis=obj.up_axis)
        for name in materials:
            try:
                material_index(mesh, name)
            except SemviewerError as exc:
                raise _fail("[study] materials", str(exc)) from None
    return tuple(StudyVariant(b.to_saved() if b else None, b.to_json() if b else None, b.name if b else "", m)
                 for b in (found or [None]) for m in (materials or [None]))


def _looks_like_path(text: str) -> bool:
    bare = text.removeprefix("panorama:")
    return "/" in bare or Path(bare).suffix.lower() in (".png", ".jpg", ".jpeg") or text.startswith("panorama:")


def _models(study: Mapping[str, Any], tables: Any, base: Path) -> tuple[StudyModel, ...]:
    entries: list[tuple[str, Mapping[str, Any]]] = []
    names = study.get("models", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise _fail("[study] models", "must be a list of model names, e.g. [\"efficientnet-lite0\"]")
    entries += [("[study] models", {"name": n}) for n in names]
    if tables is not None:
        if not isinstance(tables, list):
            raise _fail("[[models]]", "must be an array of tables with name (and weights)")
        entries += [(f"[[models]] #{i}", _check_keys(t, _MODEL_KEYS, f"[[models]] #{i}"))
                    for i, t in enumerate(tables, start=1)]
    if not entries:
        raise _fail("[study] models", "name at least one model (see `semviewer models`)")
    found = [_model(where, entry, base) for where, entry in entries]
    labels = [m.label for m in found]
    if len(set(labels)) != len(labels):
        dup = next(x for x in labels if labels.count(x) > 1)
        raise _fail("[study] models", f"the model {dup!r} is named twice; give [[models]] a label to tell them apart")
    return tuple(found)


def _grid(table: Any) -> tuple[GridAxis, ...]:
    """[grid]: one ``axis = "lower:upper:step"`` line per map axis, or ``preset = "coarse"`` (a
    named grid: paper, medium or coarse); the paper's grid when the table is missing."""
    if table is None:
        return preset_grid("paper")[0]
    if not isinstance(table, Mapping) or not table:
        raise _fail("[grid]", "give each map axis as axis = \"lower:upper:step\", or preset = \"coarse\"")
    if "preset" in table:
        presets = [name for name, (_, _, fixed) in PRESETS.items() if not fixed]
        if len(table) != 1 or table["preset"] not in presets:
            raise _fail("[grid] preset", f"give preset alone, one of {', '.join(presets)}")
        return preset_grid(table["preset"])[0]
    axes = []
    for name, rng in table.items():
        if not isinstance(rng, str):
            raise _fail(f"[grid] {name}", f"give the range as text, e.g. {name} = \"0:360:3\"")
        try:
            axes.append(parse_grid_axis(f"{name}={rng}"))
        except SemviewerError as exc:
            raise _fail(f"[grid] {name}", str(exc)) from None
    if len(axes) > MAX_GRID_AXES:
        raise _fail("[grid]", f"{len(axes)} axes would need too many renders; use at most {MAX_GRID_AXES}")
    try:
        check_grid_size(axes)
    except SemviewerError as exc:
        raise _fail("[grid]", str(exc)) from None
    return tuple(axes)


def _solver(table: Any, methods: Sequence[str], axes: Sequence[GridAxis]) -> tuple[dict, tuple]:
    table = dict(_check_keys(table or {}, _SOLVER_KEYS, "[solver]"))
    starts = table.pop("starts", None)
    names = [a.name for a in axes]
    if starts is None:
        starts = paper_starts(names)
        if starts is None:
            raise _fail("[solver] starts", "give start points (the paper's defaults are for azimuth × elevation "
                                           "or azimuth alone)")
    try:
        starts_arr = np.array(starts, dtype=float)
    except (TypeError, ValueError):
        raise _fail("[solver] starts", "must be a list of points, e.g. [[130, 30], [50, 20]]") from None
    if starts_arr.ndim != 2 or starts_arr.shape[1] != len(names) or not len(starts_arr):
        raise _fail("[solver] starts", f"each start needs {len(names)} values ({', '.join(names)})")
    domain = np.array([a.extent() for a in axes])
    if ((starts_arr < domain[:, 0]) | (starts_arr > domain[:, 1])).any() or not np.isfinite(starts_arr).all():
        raise _fail("[solver] starts", f"a start point lies outside the grid's domain {domain.tolist()}")
    for m in methods:
        try:
            RegionConfig(method=m, **table).check(len(names))
        except TypeError as exc:
            raise _fail("[solver]", str(exc)) from None
        except SemviewerError as exc:
            raise _fail("[solver]", str(exc)) from None
    return table, tuple(tuple(float(v) for v in s) for s in starts_arr)


def load_study(path: str | Path) -> StudyPlan:
    """Read and validate a study manifest (TOML). Every problem is a StudyError naming the key."""
    path = Path(path).expanduser()
    text = read_text(path, "study manifest", error=StudyError)
    try:
        manifest = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StudyError(f"study manifest {path} is not valid TOML: {exc}") from None
    return plan_from_manifest(manifest, path.parent.resolve())


def plan_from_manifest(manifest: Mapping[str, Any], base_dir: Path) -> StudyPlan:
    """Validate a manifest already read into plain data (``base_dir`` anchors relative paths)."""
    try:
        return _plan(manifest, base_dir)
    except StudyError:
        raise
    except SemviewerError as exc:
        raise StudyError(f"the manifest: {exc}") from None
    except (TypeError, ValueError, AttributeError, OverflowError) as exc:   # a value of the wrong kind somewhere
        first = first_line(exc, 120)
        raise StudyError(f"the manifest has a value of the wrong kind ({first}); compare it with the README's "
                         f"example") from None


def _plan(manifest: Mapping[str, Any], base_dir: Path) -> StudyPlan:
    _check_keys(manifest, _TOP_KEYS, "the manifest")
    study = _check_keys(manifest.get("study", {}), _STUDY_KEYS, "[study]")
    methods = study.get("methods", list(METHODS))
    if not isinstance(methods, list) or not methods or any(m not in METHODS for m in methods):
        raise _fail("[study] methods", f"must be a list of {', '.join(METHODS)}, got {methods!r}")
    score = study.get("score", "map")
    if score not in SCORES:
        raise _fail("[study] score", f"must be \"map\" or \"live\", got {score!r}")
    engine = study.get("engine", "auto")
    if engine not in ENGINES:
        raise _fail("[study] engine", f"must be one of {', '.join(ENGINES)}, got {engine!r}")
    preprocessing = study.get("preprocessing", "model")
    if preprocessing not in PREPROCESSING_CHOICES:
        raise _fail("[study] preprocessing", f"must be model or raw, got {preprocessing!r}")
    size = study.get("size", 224)
    if not isinstance(size, int) or not 16 <= size <= 4096:
        raise _fail("[study] size", f"must be an image size in pixels from 16 to 4096, got {size!r}")
    inside_points = study.get("inside_points", 5)
    if not isinstance(inside_points, int) or not 0 <= inside_points <= 50:
        raise _fail("[study] inside_points", f"must be an integer from 0 to 50, got {inside_points!r}")
    name = str(study.get("name", "study"))
    grid = _grid(manifest.get("grid"))
    adaptive = study.get("adaptive")
    if adaptive is not None:
        try:
            check_adaptive(grid, adaptive)
        except SemviewerError as exc:
            raise _fail("[study] adaptive", str(exc)) from None
    methods = list(dict.fromkeys(methods))
    solver, starts = _solver(manifest.get("solver"), methods, grid)
    models = _models(study, manifest.get("models"), base_dir)
    objects = _objects(manifest.get("objects"), base_dir, models)
    variants = _variants(study, base_dir, objects)
    failures = failure_settings(manifest.get("failures"), grid)
    return StudyPlan(name, objects, models, tuple(methods), score, tuple(a.to_json() for a in grid), solver, starts,
                     engine, preprocessing, size, inside_points, json.loads(json.dumps(manifest, default=str)),
                     str(base_dir), variants, failures, adaptive)


