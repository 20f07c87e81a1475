"""Atomic file output: write to a temporary file beside the target, then rename.

Only regular files are written. An output that exists and is a device, a FIFO or a socket is
refused (renaming over ``/dev/full`` would replace the device with a file). An output that is a
symbolic link is written through: the file it points to is replaced, and the link stays.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Iterator

from semviewer.core.errors import OutputError

_KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def _kind(mode: int) -> str:
    """What a file of ``mode`` is, when it is not a regular file ('' when it is)."""
    return next((name for test, name in _KINDS if test(mode)), "" if stat.S_ISREG(mode) else "not a regular file")


def output_target(path: str | Path) -> Path:
    """The file an output path writes: the path itself, or what a symbolic link points to."""
    path = Path(path).expanduser()
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def check_writable(path: str | Path) -> Path:
    """Raise OutputError unless ``path`` can be written as a regular file: its folder exists and
    a file can be created there (tried), and it is not a folder, device, FIFO or socket."""
    given = Path(path).expanduser()
    target = output_target(given)
    try:
        existing = os.stat(target)
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise OutputError(f"cannot write {given}: {exc.strerror or exc}; choose another location") from None
    if existing is not None and _kind(existing.st_mode):
        kind = _kind(existing.st_mode)
        hint = "give a file name" if kind == "a folder" else "semviewer writes only regular files"
        raise OutputError(f"output path {given} is {kind}; {hint}")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {given}: folder {folder} does not exist; create it first")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".probe", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write {given}: folder {folder} does not take new files "
                          f"({exc.strerror or exc}); choose another location") from None
    os.close(fd)
    os.unlink(probe)
    return target


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path`` (or the file a link at
    ``path`` points to), on error it is removed."""
    target = check_writable(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part" + target.suffix, dir=target.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}; choose another location") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp creates the file private (0600): give it the target's mode, or rw-r--r--
        os.chmod(tmp_path, target.stat().st_mode & 0o7777 if target.exists() else 0o644)
        os.replace(tmp_path, target)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Atomically write ``data`` to ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: str | Path, data: Any) -> Path:
    return write_text(path, json.dumps(data, indent=2, default=json_default) + "\n")


def json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def write_png(path: str | Path, image) -> Path:
    """Atomically write an (H, W, 3) uint8 image as PNG."""
    from PIL import Image

    with atomic_path(path) as tmp:
        Image.fromarray(image).save(tmp, format="PNG")
    return Path(path)
