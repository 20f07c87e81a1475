"""semviewer's core: numpy + torch, no Qt, no GL. Imports run one way (docs/architecture.md).

Packages, by domain: ``scene`` (axes, poses, meshes, bundled objects), ``models`` (model specs,
weights, labels), ``engines`` (what serves a classifier's probabilities), ``inference`` (a loaded
classifier), ``maps`` (semantic maps and their cache), ``regions`` (the three solvers, the inside
check, SRVR, region requests), ``session`` (the Document and its saved state), ``files`` (bounded
reads, atomic writes). Here: the errors every message comes from, progress sinks and versions."""

from semviewer.core.api import lazy_api

_OFFERS = {
    "SemviewerError": ".errors",
    "AxisError": ".errors",
    "MeshError": ".errors",
    "ModelError": ".errors",
    "ClassSetError": ".errors",
    "MapFileError": ".errors",
    "OutputError": ".errors",
    "first_line": ".errors",
    "printable": ".errors",
    "ProgressSink": ".progress",
    "ListSink": ".progress",
    "NullSink": ".progress",
    "ThrottledSink": ".progress",
    "Cancelled": ".progress",
    "software": ".version",
    "version_text": ".version",
    "git_commit": ".version",
}
__all__ = sorted(_OFFERS)
__getattr__, __dir__ = lazy_api(__name__, _OFFERS)
