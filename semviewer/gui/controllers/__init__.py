"""Controllers: user input becomes document calls, document events become widget updates; each
takes the document, its widgets and the services it needs, never the window."""

from semviewer.core.api import lazy_api

_OFFERS = {
    "PoseController": ".pose",
    "ObjectController": ".objects",
    "MapController": ".maps",
    "SolverController": ".solver",
    "FileController": ".files",
}
__all__ = sorted(_OFFERS)
__getattr__, __dir__ = lazy_api(__name__, _OFFERS)
