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


def first_line(exc: BaseException, limit: int = 160) -> str:
    """An exception's message as one line of at most ``limit`` characters (its type's name when it
    has no message): what a user is shown of an error from a library."""
    text = str(exc).strip()
    return text.splitlines()[0][:limit] if text else type(exc).__name__
