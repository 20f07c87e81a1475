"""Each bundled object's documented default pose is classified correctly by the default model."""

import numpy as np
import pytest

from semviewer.core.inference.outputs import class_score
from semviewer.core.scene.objects import bundled_objects
from semviewer.render import Renderer


@pytest.mark.parametrize("name", list(bundled_objects()))
def test_default_pose_ranks_the_true_class_first(name, classifier):
    obj = bundled_objects()[name]
    with Renderer(obj.load()) as r:
        image = r.render([obj.default_pose])
    probs = classifier.probabilities(image)[0]
    assert int(np.argmax(probs)) in obj.classes.ids
    if name != "airliner":
        assert class_score(probs, obj.classes.ids) > 0.5


def test_loading_triton_after_mesa_does_not_crash():
    import subprocess
    import sys

    code = ("from semviewer.core.scene.objects import get_object\n"
            "from semviewer.render import Renderer\n"
            "from semviewer.core.scene.axes import Pose\n"
            "Renderer(get_object('mug').load()).render([Pose()])\n"
            "import torchvision.ops\nprint('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "ok" in out.stdout, out.stderr[-2000:]
