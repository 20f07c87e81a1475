"""Test configuration: no display needed; heavy objects are shared per session."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SEMVIEWER_CACHE_DIR", os.path.join(os.path.dirname(__file__), "..", ".pytest_cache", "maps"))
os.environ.setdefault("SEMVIEWER_ENGINE_CACHE_DIR",
                      os.path.join(os.path.dirname(__file__), "..", ".pytest_cache", "engines"))

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def classifier():
    """The default model (EfficientNet-Lite0), loaded once."""
    from semviewer.core.inference.loading import load_classifier

    return load_classifier("efficientnet-lite0", device="cpu", allow_download=False)


@pytest.fixture(scope="session")
def teapot_mesh():
    from semviewer.core.scene.objects import get_object

    return get_object("teapot").load()


@pytest.fixture()
def box_mesh_file(tmp_path):
    """A small asymmetric mesh file (an L-shaped pair of boxes), as OBJ."""
    import trimesh

    a = trimesh.creation.box(extents=(2.0, 1.0, 1.0))
    b = trimesh.creation.box(extents=(0.5, 1.0, 0.5))
    b.apply_translation((0.75, 1.0, 0.0))
    path = tmp_path / "ell.obj"
    trimesh.util.concatenate([a, b]).export(path)
    return path


@pytest.fixture()
def rng():
    return np.random.default_rng(0)
