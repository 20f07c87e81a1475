"""Files: bounded reads of regular files only (``read_text``, ``check_regular``, the stated
limits), atomic writes of regular files only (``write_json``, ``write_png``...), hashes, safe CSV."""

from semviewer.core.api import lazy_api

_OFFERS = {
    "read_text": ".reading",
    "read_bytes": ".reading",
    "read_json_record": ".reading",
    "check_regular": ".reading",
    "check_archive": ".reading",
    "model_file_limit": ".reading",
    "MAX_TEXT_BYTES": ".reading",
    "MAX_MESH_BYTES": ".reading",
    "MAX_WEIGHTS_BYTES": ".reading",
    "MAX_MODEL_BYTES": ".reading",
    "MAX_UNPACKED_BYTES": ".reading",
    "atomic_path": ".atomic",
    "check_writable": ".atomic",
    "write_bytes": ".atomic",
    "write_text": ".atomic",
    "write_json": ".atomic",
    "write_png": ".atomic",
    "file_sha256": ".hashing",
    "csv_text": ".tables",
}
__all__ = sorted(_OFFERS)
__getattr__, __dir__ = lazy_api(__name__, _OFFERS)
