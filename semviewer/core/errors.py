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
