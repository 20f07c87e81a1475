"""A study folder: ``units/STEM.npz`` (a unit's map) and then ``units/STEM.json`` (its regions,
statistics and provenance; its presence marks the unit done), both written atomically by the
driver alone; ``units/STEM.error.json`` for a unit that failed; units of earlier inputs in
``units/stale/``. Read back for resuming, the report and the window.

Every record carries the SHA-256 of its own content and of its map file. A record that fails its
check, names a file outside ``units/`` or lacks a field is not trusted: the unit is computed again.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
import json
import re
from pathlib import Path
from typing import Any, Optional

from semviewer.core.version import software
from semviewer.core.errors import OutputError, SemviewerError, first_line
from semviewer.core.files.atomic import json_default, check_writable, write_json
from semviewer.core.files.hashing import file_sha256
from semviewer.core.files.reading import check_regular, read_text
from semviewer.core.maps.semantic_map import SemanticMap
from semviewer.core.regions.region import Region
from semviewer.core.scene.grid import GridAxis
from semviewer.studies.plan import StudyError, UnitSpec

_STEM = re.compile(r"^[A-Za-z0-9_.\-]+$")


def unit_paths(out_dir: Path, unit: UnitSpec) -> tuple[Path, Path, Path]:
    """The unit's map (.npz), its record (.json) and its error record (.error.json)."""
    stem = unit.file_stem()
    units = out_dir / "units"
    return units / f"{stem}.npz", units / f"{stem}.json", units / f"{stem}.error.json"


def content_sha256(record: dict[str, Any]) -> str:
    """The hash of a record's content, less its own ``record_sha256``."""
    plain = json.loads(json.dumps({k: v for k, v in record.items() if k != "record_sha256"}, default=json_default))
    return hashlib.sha256(json.dumps(plain, sort_keys=True).encode()).hexdigest()


def _need(ok: bool, problem: str) -> None:
    if not ok:
        raise SemviewerError(problem)


def _check_fields(record: Any, units_dir: Path) -> Path:
    """SemviewerError naming the first field of a unit record that is missing or wrong; returns
    the map file it names (inside ``units_dir``)."""
    _need(isinstance(record, dict), "it is not a JSON object")
    for key in ("key", "stem", "object", "model", "map_file", "record_sha256", "map_sha256"):
        _need(isinstance(record.get(key), str), f"it lacks its {key!r}")
    stem, map_file = record["stem"], record["map_file"]
    _need(bool(_STEM.match(stem)) and map_file == f"{stem}.npz", "its map file lies outside units/")
    unit = record.get("unit")
    _need(isinstance(unit, dict) and isinstance(unit.get("object"), dict) and isinstance(unit.get("model"), dict),
          "it lacks its 'unit'")
    obj, model = unit["object"], unit["model"]
    _need(isinstance(obj.get("source"), str) and isinstance(obj.get("bundled"), bool)
          and isinstance(obj.get("up_axis"), str) and isinstance(obj.get("mesh_sha256"), str)
          and isinstance(obj.get("classes"), list) and all(isinstance(c, int) for c in obj["classes"]),
          "its unit.object is incomplete")
    _need(isinstance(model.get("name"), str) and (model.get("weights") is None or isinstance(model["weights"], str)),
          "its unit.model is incomplete")
    stats = record.get("stats")
    _need(isinstance(stats, dict) and all(isinstance(stats.get(k), (int, float)) and not isinstance(stats.get(k), bool)
                                          for k in ("mean_p", "map_top1_share", "seconds")), "it lacks its 'stats'")
    _need(isinstance(record.get("regions"), list), "it lacks its 'regions'")
    for region in record["regions"]:
        Region.from_json(region)
    _need(content_sha256(record) == record["record_sha256"], "its content was changed since it was written")
    map_path = check_regular(units_dir / map_file, "its map file")
    _need(file_sha256(map_path) == record["map_sha256"], "its map file was changed since it was written")
    return map_path


def check_record(path: Path) -> tuple[Optional[dict[str, Any]], str]:
    """A unit record and '' when it passes every check; else None and what is wrong with it."""
    try:
        record = json.loads(read_text(path, "unit record"))
        _check_fields(record, path.parent)
    except SemviewerError as exc:
        return None, str(exc)
    except (ValueError, RecursionError) as exc:
        return None, f"it is not JSON ({first_line(exc, 80)})"
    return record, ""


def finished_record(out_dir: Path, unit: UnitSpec) -> tuple[Optional[dict[str, Any]], str]:
    """The unit's record when it was computed before with the same key and passes its checks;
    else None and, when a record was there, why it is not used."""
    _, record_path, _ = unit_paths(out_dir, unit)
    if not record_path.exists():
        return None, ""
    record, problem = check_record(record_path)
    if record is None:
        return None, problem
    if record["key"] != unit.key():
        return None, "its key is not this unit's"
    return record, ""


def store_unit(out_dir: Path, unit: UnitSpec, result: dict[str, Any]) -> dict[str, Any]:
    """Write a computed unit: its map, then its record with both hashes (the record marks it done)."""
    npz, record_path, error_path = unit_paths(out_dir, unit)
    m = result["map"]
    manifest = m["manifest"]
    adaptive = manifest.get("adaptive") or {}
    semantic_map = SemanticMap(m["values"], tuple(GridAxis.from_json(a) for a in manifest["axes"]),
                               manifest.get("fixed", {}), manifest.get("provenance", {}), m["top1"],
                               m.get("computed"), adaptive.get("tolerance"))
    semantic_map.save(npz)
    record = {"key": unit.key(), "stem": unit.file_stem(), "object": unit.object.label, "model": unit.model.label,
              **({"variant": unit.variant.label} if unit.variant.label else {}),
              "unit": unit.payload(), "map_file": npz.name, "map_sha256": file_sha256(npz),
              "provenance": dict(semantic_map.provenance), "stats": result["stats"], "regions": result["regions"],
              **({"failures": result["failures"]} if "failures" in result else {}),
              **software(),
              "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    record["record_sha256"] = content_sha256(record)
    write_json(record_path, record)
    error_path.unlink(missing_ok=True)
    return json.loads(json.dumps(record, default=json_default))


def store_error(out_dir: Path, unit: UnitSpec, error: str) -> None:
    write_json(unit_paths(out_dir, unit)[2], {"key": unit.key(), "unit": unit.name, "error": error})


def prepare_folder(out_dir: Path) -> None:
    """Create the study folder and its units/ (OutputError naming the folder when it cannot be)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"the study output {out_dir} is not a folder; give a folder (it is created if missing)")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "units").mkdir(exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the study folder {out_dir}: {exc.strerror or exc}; "
                          f"choose another location") from None
    check_writable(out_dir / "study.json")
    check_writable(out_dir / "units" / "probe.json")


def move_stale(out_dir: Path, current: set[str]) -> list[str]:
    """Move the files of units/ whose stem is not among ``current`` to units/stale/; returns their stems."""
    units = out_dir / "units"
    moved = set()
    for path in sorted(units.iterdir()):
        if not path.is_file():
            continue
        stem = next((path.name[:-len(s)] for s in (".error.json", ".json", ".npz") if path.name.endswith(s)), None)
        if stem is None or stem in current:
            continue
        (units / "stale").mkdir(exist_ok=True)
        path.replace(units / "stale" / path.name)
        moved.add(stem)
    return sorted(moved)


@dataclass(frozen=True)
class StudyUnitRecord:
    """A unit of a study folder, as the window lists and opens it."""

    name: str
    object_source: str
    bundled: bool
    up_axis: str
    classes: tuple[int, ...]
    mesh_sha256: str
    model: str
    weights: Optional[str]
    map_path: Path
    regions: tuple[dict, ...]
    state: str                 # "done", "failed: <error>" or "damaged: <why>"
    labels: Optional[str] = None   # the model's labels file, if it has one
    variant: Optional[dict] = None  # the unit's scene (background, material) beside the paper's
    failures: Optional[dict] = None  # the unit's failure search (its JSON), with a [failures] table


def _unit_order(folder: Path) -> list[str]:
    """The stems of the units in the order the study lists them (its study.json), if it can be read."""
    try:
        data = json.loads(read_text(folder / "study.json", "study summary"))
        return [u["stem"] for u in data["units"] if isinstance(u, dict) and isinstance(u.get("stem"), str)]
    except (SemviewerError, ValueError, KeyError, TypeError):
        return []


def _unit_record(path: Path) -> StudyUnitRecord:
    if path.name.endswith(".error.json"):
        try:
            data = json.loads(read_text(path, "unit error record"))
            name, error = str(data.get("unit", path.stem)), str(data.get("error", "?"))
        except (SemviewerError, ValueError, AttributeError):
            name, error = path.name[:-len(".error.json")], "its error record is damaged"
        return StudyUnitRecord(name, "", False, "y", (), "", "", None, Path(), (), f"failed: {error}")
    record, problem = check_record(path)
    if record is None:
        return StudyUnitRecord(path.stem, "", False, "y", (), "", "", None, Path(), (), f"damaged: {problem}")
    obj, model = record["unit"]["object"], record["unit"]["model"]
    variant = f" × {record['variant']}" if record.get("variant") else ""
    return StudyUnitRecord(f"{record['object']} × {record['model']}{variant}", obj["source"], obj["bundled"], obj["up_axis"],
                           tuple(obj["classes"]), obj["mesh_sha256"], model["name"], model["weights"],
                           path.parent / record["map_file"], tuple(record["regions"]), "done", model.get("labels"),
                           record["unit"].get("variant"), record.get("failures"))


def read_study(folder: str | Path) -> list[StudyUnitRecord]:
    """The current units of a study folder (not those in units/stale/), in the order the study
    lists them; a damaged unit is listed as such and cannot be opened."""
    folder = Path(folder).expanduser()
    if folder.is_file():
        folder = folder.parent
    units_dir = folder / "units"
    if not units_dir.is_dir():
        raise StudyError(f"{folder} is not a study folder (it has no units/); run `semviewer study` first")
    paths = [p for p in units_dir.glob("*.json") if p.is_file()]
    order = {stem: i for i, stem in enumerate(_unit_order(folder))}
    stem = lambda p: p.name[:-len(".error.json")] if p.name.endswith(".error.json") else p.stem  # noqa: E731
    records = [_unit_record(p) for p in sorted(paths, key=lambda p: (order.get(stem(p), len(order)), p.name))]
    if not records:
        raise StudyError(f"the study in {folder} has no finished units yet")
    return records
