"""Each package says what it offers in its ``__init__`` (``__all__``), and every name it offers
resolves; importing one module of a package does not load the rest."""

import importlib
import subprocess
import sys

import pytest

PACKAGES = ["semviewer.core", "semviewer.core.scene", "semviewer.core.models", "semviewer.core.engines",
            "semviewer.core.inference", "semviewer.core.maps", "semviewer.core.regions", "semviewer.core.session",
            "semviewer.core.files", "semviewer.render", "semviewer.pipeline", "semviewer.studies", "semviewer.gui",
            "semviewer.gui.controllers", "semviewer.gui.widgets", "semviewer.gui.dialogs"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_name_a_package_offers_resolves(package):
    module = importlib.import_module(package)
    assert module.__all__ and module.__doc__
    for name in module.__all__:
        assert getattr(module, name) is not None, f"{package}.{name}"


def test_importing_one_module_loads_nothing_else_of_its_package():
    code = ("import sys, semviewer.core.scene.axes; "
            "print(sorted(m for m in sys.modules if m.startswith('semviewer.core.scene.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['semviewer.core.scene.axes']"
