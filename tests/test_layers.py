"""core, render, pipeline, cli and studies never import Qt; core never imports render or GL;
core and render never import the pipeline, cli or studies."""

import json
import subprocess
import sys

IMPORT_ALL = ("import pkgutil, importlib, semviewer\n"
              "for pkg in [{packages}]:\n"
              "    mod = importlib.import_module(pkg)\n"
              "    for m in pkgutil.walk_packages(mod.__path__, pkg + '.'):\n"
              "        importlib.import_module(m.name)\n")


def _modules_after(packages: list[str], extra: str = "") -> list[str]:
    code = "import sys, json\n" + IMPORT_ALL.format(packages=", ".join(repr(p) for p in packages)) + extra + \
        "\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_core_render_pipeline_cli_and_studies_load_no_qt():
    mods = _modules_after(["semviewer.core", "semviewer.render", "semviewer.pipeline", "semviewer.cli",
                           "semviewer.studies"], "from semviewer.cli import build_parser; build_parser()")
    assert not [m for m in mods if m.startswith(("PySide6", "shiboken6", "pyqtgraph", "PyQt"))]
    assert "semviewer.gui" not in mods


def test_core_loads_no_gl_and_nothing_above_it():
    mods = _modules_after(["semviewer.core"])
    assert "semviewer.core.session.document" in mods            # the walk reached the sub-packages
    assert not [m for m in mods if m.startswith(("moderngl", "glcontext", "semviewer.render", "PySide6",
                                                 "semviewer.pipeline", "semviewer.cli", "semviewer.studies"))]


def test_render_loads_nothing_above_it():
    mods = _modules_after(["semviewer.render"])
    assert not [m for m in mods if m.startswith(("semviewer.pipeline", "semviewer.cli", "semviewer.studies",
                                                 "semviewer.gui", "PySide6"))]
