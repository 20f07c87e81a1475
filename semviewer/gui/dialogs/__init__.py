"""Dialogs: the true class set, opening any model, and the units of a study."""

from semviewer.core.api import lazy_api

_OFFERS = {
    "ClassSetDialog": ".class_dialog",
    "ModelFileDialog": ".model_dialog",
    "ModelChoice": ".model_dialog",
    "StudyDialog": ".study_dialog",
}
__all__ = sorted(_OFFERS)
__getattr__, __dir__ = lazy_api(__name__, _OFFERS)
