"""Write resources/check_renders.npz: real renders the ONNX export is checked on.

Six paper-preset renders (teapot, mug, soccer ball; two poses each), uint8 (6, 224, 224, 3).
Run once from the repository root: .venv/bin/python scripts/make_check_renders.py
"""

from pathlib import Path

import numpy as np

from semviewer.core.scene.axes import Pose
from semviewer.core.scene.objects import get_object
from semviewer.render import Renderer

POSES = {"teapot": [(30, 40), (200, 10)], "mug": [(90, 20), (300, 45)], "soccer_ball": [(0, 20), (120, 60)]}


def main() -> None:
    images = []
    for name, poses in POSES.items():
        with Renderer(get_object(name).load()) as renderer:
            images.append(renderer.render([Pose({"azimuth": a, "elevation": e}) for a, e in poses]))
    out = Path(__file__).resolve().parents[1] / "resources" / "check_renders.npz"
    np.savez_compressed(out, images=np.concatenate(images))
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
