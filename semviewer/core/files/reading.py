"""Reading input files with bounds: only regular files, never a blocking open of a FIFO or a
device, at most a stated number of bytes, and archives whose unpacked size is checked first.

The limits are stated here and in the README (*Reliability*); what exceeds them is refused with
one line that names the file and the limit.
"""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path
from typing import Optional, Type

from semviewer.core.errors import SemviewerError

MiB = 1 << 20
GiB = 1 << 30
#: Text inputs: sessions, manifests, regions files, unit records, sidecars.
MAX_TEXT_BYTES = 64 * MiB
#: Mesh files, and each file a mesh names (materials, textures, buffers).
MAX_MESH_BYTES = 2 * GiB
#: Weights files.
MAX_WEIGHTS_BYTES = 8 * GiB
#: What an archive (a zipped mesh, a map .npz) may unpack to, in all.
MAX_UNPACKED_BYTES = 2 * GiB
#: Model files (ONNX, TorchScript), unless ``$SEMVIEWER_MAX_MODEL_MB`` says otherwise (see ``model_file_limit``).
MAX_MODEL_BYTES = 2 * GiB


def model_file_limit() -> int:
    """The size limit for model files: MAX_MODEL_BYTES, or ``$SEMVIEWER_MAX_MODEL_MB`` MiB when that
    is set to a positive whole number (the override for larger models)."""
    given = os.environ.get("SEMVIEWER_MAX_MODEL_MB", "").strip()
    return int(given) * MiB if given.isdigit() and int(given) > 0 else MAX_MODEL_BYTES


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_regular(path: str | Path, what: str, error: Type[SemviewerError] = SemviewerError,
                  limit: int | None = None) -> Path:
    """``path`` when it is a regular file (of at most ``limit`` bytes); else ``error`` naming
    what it is instead. Never opens the file."""
    path = Path(path).expanduser()
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise error(f"{what} {path} does not exist; check the path") from None
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{what} {path} is {_kind(info.st_mode)}; give a regular file")
    if limit is not None and info.st_size > limit:
        raise error(f"{what} {path} has {info.st_size / MiB:,.0f} MiB, more than the limit of {limit / MiB:,.0f} MiB")
    return path


def read_bytes(path: str | Path, what: str, limit: int = MAX_TEXT_BYTES,
               error: Type[SemviewerError] = SemviewerError) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes. The open does not block (a FIFO
    swapped in after the check is still refused)."""
    path = check_regular(path, what, error, limit)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise error(f"{what} {path} is not a regular file; give a regular file")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise error(f"{what} {path} is larger than the limit of {limit / MiB:,.0f} MiB")
    return data


def read_text(path: str | Path, what: str, limit: int = MAX_TEXT_BYTES,
              error: Type[SemviewerError] = SemviewerError) -> str:
    """The UTF-8 text of a regular file (see ``read_bytes``)."""
    try:
        return read_bytes(path, what, limit, error).decode("utf-8")
    except UnicodeDecodeError:
        raise error(f"{what} {path} is not UTF-8 text") from None


def read_json_record(path: str | Path, what: str) -> Optional[dict]:
    """A cache record of ours (a JSON object), or None when it is missing, unreadable or not an
    object: a record that cannot be read is as good as none, and is written again."""
    try:
        data = json.loads(read_text(path, what))
    except (SemviewerError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def check_archive(path: str | Path, what: str, limit: int = MAX_UNPACKED_BYTES,
                  error: Type[SemviewerError] = SemviewerError) -> None:
    """For a zip archive (a zipped mesh, a map's .npz): ``error`` when its members would unpack
    to more than ``limit`` bytes in all. Other files pass."""
    try:
        if not zipfile.is_zipfile(path):      # which itself raises on some damaged ZIP64 records
            return
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise error(f"{what} {path} is a damaged archive ({exc})") from None
    if unpacked > limit:
        raise error(f"{what} {path} would unpack to {unpacked / MiB:,.0f} MiB, more than the limit of "
                    f"{limit / MiB:,.0f} MiB")
