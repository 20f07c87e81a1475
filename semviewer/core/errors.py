"""User-facing errors: one line that names the problem and the fix."""


class SemviewerError(Exception):
    """An error caused by input the user can correct (shown without a traceback)."""


class AxisError(SemviewerError, ValueError):
    """Unknown axis, malformed pose or grid, or a value outside an axis domain."""


class MeshError(SemviewerError):
    """A mesh file that is missing, empty, corrupt or degenerate."""


class ModelError(SemviewerError):
    """Unknown model, unavailable or mismatched weights."""


class ClassSetError(SemviewerError, ValueError):
    """An ImageNet class name or id that does not exist."""


class MapFileError(SemviewerError):
    """A semantic-map file that is corrupt, foreign or of an unknown version."""


class OutputError(SemviewerError):
    """An output path that cannot be written."""


def printable(text: str) -> str:
    """``text`` as one printable line: line breaks and other control characters (in a file name, a
    label, a library's message) are shown escaped, so a message stays one line and cannot fake
    another."""
    return "".join(c if c.isprintable() or c == " " else ascii(c)[1:-1] for c in str(text))


def first_line(exc: BaseException, limit: int = 160) -> str:
    """An exception's message as one line of at most ``limit`` characters (its type's name when it
    has no message): what a user is shown of an error from a library. A TorchScript interpreter's
    report (a trace first, the error last) is shown by its last line, the error itself."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    if "TorchScript interpreter" in lines[0] and len(lines) > 1:
        return lines[-1][:limit]
    return lines[0][:limit]
