"""Studies: a manifest of objects × models read and validated whole (``load_study``), units computed
from plain data (``compute_unit``) by an executor (local processes or Ray), the study folder that
only the driver writes (``read_study``), and the report."""

from semviewer.core.api import lazy_api

_OFFERS = {
    "load_study": ".manifest",
    "plan_from_manifest": ".manifest",
    "StudyPlan": ".plan",
    "StudyObject": ".plan",
    "StudyModel": ".plan",
    "UnitSpec": ".plan",
    "StudyError": ".plan",
    "StudyOutcome": ".runner",
    "run_study": ".runner",
    "StudyUnitRecord": ".folder",
    "read_study": ".folder",
    "compute_unit": ".unit",
    "run_unit_safely": ".unit",
}
__all__ = sorted(_OFFERS)
__getattr__, __dir__ = lazy_api(__name__, _OFFERS)
