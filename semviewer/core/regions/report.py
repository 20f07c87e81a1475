"""The regions file: one JSON layout for the CLI and the window, with everything that made it."""

from __future__ import annotations

import datetime
from typing import Any, Mapping, Optional, Sequence

import numpy as np

from semviewer.core.version import software
from semviewer.core.scene.axes import AXES
from semviewer.core.regions.srvr import CONVENTION


def regions_document(axes: Sequence[str], domain: np.ndarray, source: Mapping[str, Any],
                     configs: Mapping[str, Mapping[str, Any]], provenance: Optional[Mapping[str, Any]],
                     regions: Sequence[Mapping[str, Any]], **extra: Any) -> dict[str, Any]:
    """The regions JSON: axes with units, the domain Ω used for the volume ratios, where f came from,
    every method's solver configuration (η, α, β, λ, T, eps, step cap...), the provenance of the
    scores, the SRVR convention and the regions (each a ``Region.to_json()`` plus any labels)."""
    return {
        **software(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "axes": list(axes), "units": [AXES[n].unit for n in axes],
        "domain": np.asarray(domain, dtype=float).tolist(), "source": dict(source),
        "config": {m: dict(c) for m, c in configs.items()}, "provenance": dict(provenance or {}),
        "srvr_convention": CONVENTION, **extra, "regions": list(regions),
    }
