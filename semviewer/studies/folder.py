"""A study folder: ``units/STEM.npz`` (a unit's map) and then ``units/STEM.json`` (its regions,
statistics and provenance; its presence marks the unit done), both written atomically by the
driver alone; ``units/STEM.error.json`` for a unit that failed. Read back for resuming, the
report and the window."""

from __future__ import annotations

import json
import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from semviewer import __version__
from semviewer.core.files.atomic import check_writable, write_json
from semviewer.core.maps.semantic_map import SemanticMap
from semviewer.core.scene.axes import GridAxis
from semviewer.studies.plan import StudyError, UnitSpec


def unit_paths(out_dir: Path, unit: UnitSpec) -> tuple[Path, Path, Path]:
    """The unit's map (.npz), its record (.json) and its error record (.error.json)."""
    stem = unit.file_stem()
    units = out_dir / "units"
    return units / f"{stem}.npz", units / f"{stem}.json", units / f"{stem}.error.json"


def finished_record(out_dir: Path, unit: UnitSpec) -> Optional[dict[str, Any]]:
    """The unit's record when it was computed before with the same key (and its map is there)."""
    npz, record_path, _ = unit_paths(out_dir, unit)
    try:
        record = json.loads(record_path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("key") != unit.key() or not npz.is_file():
        return None
    return record


def store_unit(out_dir: Path, unit: UnitSpec, result: dict[str, Any]) -> dict[str, Any]:
    npz, record_path, error_path = unit_paths(out_dir, unit)
    m = result["map"]
    manifest = m["manifest"]
    semantic_map = SemanticMap(m["values"], tuple(GridAxis.from_json(a) for a in manifest["axes"]),
                               manifest.get("fixed", {}), manifest.get("provenance", {}), m["top1"])
    semantic_map.save(npz)
    record = {"key": unit.key(), "stem": unit.file_stem(), "object": unit.object.label, "model": unit.model.label,
              "unit": unit.payload(), "map_file": npz.name, "provenance": dict(semantic_map.provenance),
              "stats": result["stats"], "regions": result["regions"], "software": f"semviewer {__version__}",
              "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    write_json(record_path, record)
    error_path.unlink(missing_ok=True)
    return record


def store_error(out_dir: Path, unit: UnitSpec, error: str) -> None:
    write_json(unit_paths(out_dir, unit)[2], {"key": unit.key(), "unit": unit.name, "error": error})


def prepare_folder(out_dir: Path) -> None:
    """Create the study folder and its units/ (OutputError naming the folder when it cannot be)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "units").mkdir(exist_ok=True)
    check_writable(out_dir / "study.json")


@dataclass(frozen=True)
class StudyUnitRecord:
    """A finished unit of a study folder, as the window lists and opens it."""

    name: str
    object_source: str
    bundled: bool
    up_axis: str
    classes: tuple[int, ...]
    model: str
    weights: Optional[str]
    map_path: Path
    regions: tuple[dict, ...]
    state: str                 # "done" or "failed: <error>"


def read_study(folder: str | Path) -> list[StudyUnitRecord]:
    """The units of a study folder (written by ``semviewer study``), in the order it ran them."""
    folder = Path(folder).expanduser()
    if folder.is_file():
        folder = folder.parent
    units_dir = folder / "units"
    if not units_dir.is_dir():
        raise StudyError(f"{folder} is not a study folder (it has no units/); run `semviewer study` first")
    records = []
    for path in sorted(units_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            raise StudyError(f"unit file {path} is damaged; delete it and run the study again") from None
        if path.name.endswith(".error.json"):
            records.append(StudyUnitRecord(str(data.get("unit", path.stem)), "", False, "y", (), "", None,
                                           Path(), (), f"failed: {data.get('error', '?')}"))
            continue
        try:
            unit = data["unit"]
            records.append(StudyUnitRecord(
                f"{data['object']} × {data['model']}", unit["object"]["source"], bool(unit["object"]["bundled"]),
                unit["object"]["up_axis"], tuple(unit["object"]["classes"]), unit["model"]["name"],
                unit["model"]["weights"], units_dir / data["map_file"], tuple(data["regions"]), "done"))
        except (KeyError, TypeError):
            raise StudyError(f"unit file {path} is not a semviewer study unit") from None
    if not records:
        raise StudyError(f"the study in {folder} has no finished units yet")
    return records
