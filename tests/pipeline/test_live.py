"""Live predictions: a new mesh drawn the same way goes into the render context in use (a new
context compiles its shaders again, holding the interpreter and the window); other render
settings get a new context."""

import threading

import numpy as np

from semviewer.core.scene.axes import Pose
from semviewer.core.scene.objects import get_object
from semviewer.core.scene.render_settings import RenderSettings
from semviewer.pipeline.live import LivePredictions


def test_a_mesh_switch_keeps_the_render_context_and_shows_the_new_mesh():
    frames, failures, seen = [], [], threading.Event()

    def on_frame(image, pose):
        frames.append(image)
        seen.set()

    live = LivePredictions(on_frame, lambda probs, pose: None, failures.append)
    try:
        live.set_mesh(get_object("teapot").load())
        live.wait_for_mesh()
        first = live._renderer
        live.request(Pose({"azimuth": 30.0}))
        assert seen.wait(30)
        teapot = frames[-1]
        seen.clear()
        live.set_mesh(get_object("mug").load())
        live.wait_for_mesh()
        assert live._renderer is first                    # the same context, the new mesh uploaded into it
        assert seen.wait(30)                             # the last pose drawn again, on the mug
        assert np.abs(frames[-1].astype(int) - teapot.astype(int)).mean() > 1.0
        live.set_mesh(get_object("mug").load(), RenderSettings(object_color=(1.0, 0.2, 0.2)))
        live.wait_for_mesh()
        assert live._renderer is not first and not failures
    finally:
        live.close()
