"""The session: the ``Document`` the window, the CLI and scripts drive (made of parts: scene,
model, view, maps, solver), its saved state (``Session``, ``to_session``, ``from_session``),
opening a study unit as a document, and exports."""

from semviewer.core.api import lazy_api

_OFFERS = {
    "Document": ".document",
    "title": ".document",
    "PRIMARY": ".document",
    "COMPARE": ".document",
    "TARGETS": ".document",
    "ScenePart": ".parts",
    "ModelPart": ".parts",
    "ViewPart": ".parts",
    "MapsPart": ".parts",
    "SolverPart": ".parts",
    "Event": ".events",
    "EventGroup": ".events",
    "Session": ".saved_state",
    "to_session": ".saved_state",
    "from_session": ".saved_state",
    "same_state": ".saved_state",
    "saved_state": ".saved_state",
    "from_study_unit": ".study_unit",
    "export_figure": ".exports",
    "export_map": ".exports",
    "export_map_csv": ".exports",
    "export_regions": ".exports",
    "export_render": ".exports",
}
__all__ = sorted(_OFFERS)
__getattr__, __dir__ = lazy_api(__name__, _OFFERS)
