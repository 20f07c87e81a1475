"""docs/07-step-cap.png: where the paper's plain gradient descent jumps over a sharp edge and the
opt-in step cap (--max-step) does not. A synthetic map, so that the figure shows the method alone.

    .venv/bin/python scripts/step_cap_figure.py
"""

from pathlib import Path

import numpy as np

from semviewer.core.figures import Panel, map_figure, save_figure
from semviewer.core.regions.inside import check_regions
from semviewer.core.maps.map_score import MapScore
from semviewer.core.regions.config import RegionConfig
from semviewer.core.regions.solver import find_regions
from semviewer.core.maps.semantic_map import SemanticMap
from semviewer.core.maps.build import build_map
from semviewer.core.maps.grids import preset_grid


def sharp_plateau(p: np.ndarray) -> np.ndarray:
    """≈ 1 on azimuth [100, 250] × elevation [10, 60], edges 0.5° wide."""
    sig = lambda x: 1.0 / (1.0 + np.exp(-x))  # noqa: E731
    x, y = p[:, 0], p[:, 1]
    return sig((x - 100) / 0.5) * sig((250 - x) / 0.5) * sig((y - 10) / 0.5) * sig((60 - y) / 0.5)


def main() -> None:
    axes, _ = preset_grid("paper")
    provenance = {"object": "synthetic plateau", "model": "f(u)", "classes": {"names": ["plateau"]}}
    values = build_map(sharp_plateau, axes, {}, provenance)
    semantic_map = SemanticMap(values.values, values.axes, values.fixed, provenance,
                               (values.values > 0.5).astype(float))
    score = MapScore(semantic_map)
    starts = np.array([[175.0, 35.0]])
    panels = []
    for title, cap in (("the paper's plain gradient descent (default)", 0.0), ("opt-in step cap --max-step 0.005", 0.005)):
        regions = []
        for method in ("oir_b", "oir_w"):
            grown = find_regions(score, starts, semantic_map.domain(), RegionConfig(method=method, max_step=cap))
            regions.extend(check_regions(grown, score))
        for r in regions:
            print(f"{title}: {r.method} azimuth [{r.lower[0]:.1f}, {r.upper[0]:.1f}] elevation "
                  f"[{r.lower[1]:.1f}, {r.upper[1]:.1f}], volume ratio {r.volume_ratio:.1%}, "
                  f"top-1 inside {r.inside.top1_fraction:.0%}")
        panels.append(Panel(semantic_map, regions, title))
    out = Path(__file__).resolve().parents[1] / "docs" / "07-step-cap.png"
    save_figure(map_figure(panels, width=5.5), out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
