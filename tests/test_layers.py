"""core, render and cli never import Qt; core never imports render or GL."""

import json
import subprocess
import sys


def _modules_after(imports: str) -> list[str]:
    code = f"import sys, json\n{imports}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_core_render_cli_load_no_qt():
    mods = _modules_after("import pkgutil, importlib, semviewer.core, semviewer.render, semviewer.cli, "
                          "semviewer.studies\n"
                          "for pkg in (semviewer.core, semviewer.render, semviewer.cli, semviewer.studies):\n"
                          "    for m in pkgutil.iter_modules(pkg.__path__):\n"
                          "        importlib.import_module(pkg.__name__ + '.' + m.name)\n"
                          "from semviewer.cli import build_parser; build_parser()")
    assert not [m for m in mods if m.startswith(("PySide6", "shiboken6", "pyqtgraph", "PyQt"))]
    assert "semviewer.gui" not in mods


def test_core_loads_no_gl_and_no_render():
    mods = _modules_after("import pkgutil, importlib, semviewer.core\n"
                          "for m in pkgutil.iter_modules(semviewer.core.__path__):\n"
                          "    importlib.import_module('semviewer.core.' + m.name)")
    assert not [m for m in mods if m.startswith(("moderngl", "glcontext", "semviewer.render", "PySide6"))]
