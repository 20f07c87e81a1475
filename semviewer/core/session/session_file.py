"""Session files (JSON): object, model, class set, pose, map axes, solver settings, starts, regions."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

from semviewer import __version__
from semviewer.core.errors import SemviewerError
from semviewer.core.files.atomic import write_json

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
        """Check every field before any of it is applied (SemviewerError naming the field), with
        the document's own rules (``saved_state.validate_session``)."""
        from semviewer.core.session.saved_state import validate_session

        validate_session(self)
