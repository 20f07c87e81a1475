"""`semviewer desktop-install` / `desktop-uninstall`: the freedesktop menu entry and icon in the
user's data folders ($XDG_DATA_HOME, default ~/.local/share), pointing at this installation's
launcher by its absolute path. Both touch only files they wrote (marked inside), never through a
symbolic link: a file of someone else's at either path is left alone with one line."""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import sys
import tempfile
from importlib import resources
from pathlib import Path

from semviewer.core.errors import OutputError

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


#: The line that marks an entry as written by desktop-install (and so one uninstall may remove).
ENTRY_MARKER = "X-Semviewer-Written-By=semviewer desktop-install"
#: The same mark in the icon (an XML comment after the SVG's root element).
ICON_MARKER = b"<!-- written by semviewer desktop-install -->"


def entry_text(exec_: str) -> str:
    return ("[Desktop Entry]\nType=Application\nName=semviewer\nGenericName=Semantic robustness viewer\n"
            "Comment=See where in pose space an image classifier is robust\n"
            f"Exec={exec_}\nIcon=semviewer\nTerminal=false\nCategories=Science;Education;Graphics;\n"
            f"MimeType={MIME_TYPES}\n{ENTRY_MARKER}\n")


def _paths() -> tuple[Path, Path]:
    home = data_home()
    return home / "applications" / ENTRY_NAME, home.joinpath(*ICON_PATH)


def _marker(path: Path) -> bytes:
    return ENTRY_MARKER.encode() if path.suffix == ".desktop" else ICON_MARKER


def _foreign(path: Path) -> str:
    """Why ``path`` is not ours to replace or remove ('' when it is missing or ours): a symbolic
    link (never written through), a folder or other non-file, or a file without our mark."""
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):     # nothing there (the folder is checked when made)
        return ""
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link"
    if stat.S_ISDIR(info.st_mode):
        return "is a folder"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file"
    try:
        with open(path, "rb") as fh:
            mine = _marker(path) in fh.read(1 << 20)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    return "" if mine else "was not written by semviewer desktop-install"


def _replace(path: Path, data: bytes) -> None:
    """Write ``path`` by renaming a new file over it: a link or file put there meanwhile is
    replaced itself, never written through."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def cmd_install(args: argparse.Namespace) -> int:
    entry, icon = _paths()
    for path in (entry, icon):
        reason = _foreign(path)
        if reason:
            raise OutputError(f"{path} {reason}; semviewer replaces only files it wrote, so it was left alone: "
                              f"move it away and install again")
    exec_ = exec_line(launcher())
    svg = resources.files("semviewer.resources").joinpath("icons", "semviewer.svg").read_bytes()
    for folder in (entry.parent, icon.parent):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create the folder {folder}: {exc.strerror or exc}") from None
    _replace(icon, svg.rstrip() + b"\n" + ICON_MARKER + b"\n")
    _replace(entry, entry_text(exec_).encode())
    print(f"wrote {entry} (Exec={exec_})")
    print(f"wrote {icon}")
    return 0


def cmd_uninstall(args: argparse.Namespace) -> int:
    removed = 0
    for path in _paths():
        reason = _foreign(path)
        if reason:
            print(f"semviewer: {path} {reason}; left alone", file=sys.stderr)
        elif os.path.lexists(path):
            path.unlink()
            removed += 1
            print(f"removed {path}")
    if not removed:
        print(f"nothing to remove: no entry of semviewer's in {data_home()}")
    return 0
