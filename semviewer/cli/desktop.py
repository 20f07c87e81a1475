"""`semviewer desktop-install` / `desktop-uninstall`: the freedesktop menu entry and icon in the
user's data folders ($XDG_DATA_HOME, default ~/.local/share), pointing at this installation's
launcher by its absolute path."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from importlib import resources
from pathlib import Path

from semviewer.core.errors import OutputError
from semviewer.core.files.atomic import write_bytes, write_text

ENTRY_NAME = "semviewer.desktop"
ICON_PATH = ("icons", "hicolor", "scalable", "apps", "semviewer.svg")
MIME_TYPES = "model/obj;model/gltf-binary;model/gltf+json;model/stl;application/ply;"


def register(sub) -> None:
    p = sub.add_parser("desktop-install", help="add semviewer to the desktop menu (entry and icon)")
    p.set_defaults(handler=cmd_install)
    p = sub.add_parser("desktop-uninstall", help="remove the desktop menu entry and icon again")
    p.set_defaults(handler=cmd_uninstall)


def data_home() -> Path:
    """$XDG_DATA_HOME, else ~/.local/share (the freedesktop base directory rule)."""
    given = os.environ.get("XDG_DATA_HOME", "")
    return Path(given) if given and Path(given).is_absolute() else Path.home() / ".local" / "share"


def launcher() -> Path:
    """The absolute path of this installation's window launcher (semviewer-gui beside the
    running Python's scripts, else the semviewer command, else `python -m semviewer`)."""
    scripts = Path(sys.executable).absolute().parent    # not resolved: a venv's python is a link
    for name in ("semviewer-gui", "semviewer"):
        found = scripts / name if (scripts / name).exists() else shutil.which(name)
        if found:
            return Path(found).absolute()
    return Path(sys.executable).absolute()


def exec_line(target: Path) -> str:
    """The entry's Exec line for a launcher: it takes the file the desktop opens with it."""
    if target.name == "semviewer-gui":
        return f'"{target}" %f'
    if target.name == "semviewer":
        return f'"{target}" gui %f'
    return f'"{target}" -m semviewer gui %f'


def entry_text(exec_: str) -> str:
    return ("[Desktop Entry]\nType=Application\nName=semviewer\nGenericName=Semantic robustness viewer\n"
            "Comment=See where in pose space an image classifier is robust\n"
            f"Exec={exec_}\nIcon=semviewer\nTerminal=false\nCategories=Science;Education;Graphics;\n"
            f"MimeType={MIME_TYPES}\n")


def _paths() -> tuple[Path, Path]:
    home = data_home()
    return home / "applications" / ENTRY_NAME, home.joinpath(*ICON_PATH)


def cmd_install(args: argparse.Namespace) -> int:
    entry, icon = _paths()
    exec_ = exec_line(launcher())
    svg = resources.files("semviewer.resources").joinpath("icons", "semviewer.svg").read_bytes()
    for folder in (entry.parent, icon.parent):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create the folder {folder}: {exc.strerror or exc}") from None
    write_bytes(icon, svg)
    write_text(entry, entry_text(exec_))
    print(f"wrote {entry} (Exec={exec_})")
    print(f"wrote {icon}")
    return 0


def cmd_uninstall(args: argparse.Namespace) -> int:
    removed = [p for p in _paths() if p.exists()]
    for path in removed:
        path.unlink()
        print(f"removed {path}")
    if not removed:
        print(f"nothing to remove: no semviewer entry in {data_home()}")
    return 0
