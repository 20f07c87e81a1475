"""The wheel and sdist carry everything: built with `python -m build` (the wheel from the sdist),
installed into a fresh virtual environment outside the source tree, and run from a folder
without the sources. The environment borrows this one's dependencies (no downloads); semviewer
itself comes only from the wheel."""

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(argv, cwd, env, timeout=600):
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{argv[1:]} failed ({done.returncode}): {done.stderr[-2000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    work = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(work / "dist"), str(ROOT)], work, env)
    wheel = next((work / "dist").glob("semviewer-*.whl"))
    assert next((work / "dist").glob("semviewer-*.tar.gz")).stat().st_size > 0
    venv.create(work / "env", with_pip=True)
    python = work / "env" / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], work, env).strip())
    (site / "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], work, env)
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    return {"wheel": wheel, "bin": work / "env" / "bin", "cwd": elsewhere, "env": env, "site": site}


@pytest.mark.slow
def test_the_wheel_carries_the_package_data(installed):
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    for needed in ("semviewer/resources/objects.json", "semviewer/resources/check_renders.npz",
                   "semviewer/resources/icons/semviewer.svg", "semviewer/resources/meshes/LICENSES.md"):
        assert needed in names, needed
    assert any(n.startswith("semviewer/render/shaders/") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(installed["wheel"]).read(entry_points).decode()
    assert "semviewer = semviewer.cli:main" in text and "semviewer-gui = semviewer.cli:gui_main" in text


@pytest.mark.slow
def test_the_installed_commands_run_outside_the_sources(installed):
    from semviewer import __version__

    bin_, cwd, env = installed["bin"], installed["cwd"], installed["env"]
    where = _run([str(bin_ / "python"), "-c", "import semviewer; print(semviewer.__file__)"], cwd, env)
    assert Path(where.strip()).is_relative_to(installed["site"])          # the wheel's copy, not the checkout's
    assert _run([str(bin_ / "semviewer"), "--version"], cwd, env).strip() == f"semviewer {__version__}"
    assert "teapot" in _run([str(bin_ / "semviewer"), "objects"], cwd, env)
    _run([str(bin_ / "semviewer"), "render", "--object", "teapot", "--out", "t.png"], cwd, env)
    from PIL import Image

    assert np.asarray(Image.open(cwd / "t.png")).max() > 200
    data = json.loads(_run([str(bin_ / "semviewer"), "predict", "--object", "teapot", "--json"], cwd, env))
    assert data["top"][0]["name"] == "teapot"
    _run([str(bin_ / "semviewer"), "map", "--object", "teapot", "--axes", "azimuth=0:360:120", "elevation=0:60:30",
          "--out", "m.npz", "--no-cache"], cwd, env)
    with np.load(cwd / "m.npz") as saved:
        assert saved["values"].shape == (3, 2)           # upper bounds are open
    assert (bin_ / "semviewer-gui").exists()
    _run([str(bin_ / "semviewer"), "desktop-install"], cwd, {**env, "XDG_DATA_HOME": str(cwd / "data")})
    entry = (cwd / "data" / "applications" / "semviewer.desktop").read_text()
    assert f'Exec="{bin_ / "semviewer-gui"}" %f' in entry


def test_every_package_of_the_sources_is_listed_for_the_wheel():
    """pyproject.toml lists the packages (resources/ installs as semviewer.resources): a new package
    missing from the list would be missing from every installation."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(root).parts) for p in (root / "semviewer").rglob("__init__.py")}
    assert found | {"semviewer.resources"} == listed
