"""Failure search: where in a box of continuous axes the network fails (its top-1 class outside the
true class set), and how common that is. ``find_failures`` searches a score given as a probe
(CMA-ES with spread restarts, or random search); ``FailureSearch`` is what it finds."""

from semviewer.core.api import lazy_api

_OFFERS = {
    "find_failures": ".search",
    "check_search": ".search",
    "METHODS": ".search",
    "OBJECTIVES": ".search",
    "Failure": ".result",
    "FailureBatch": ".result",
    "FailureSearch": ".result",
    "wilson_interval": ".result",
    "failure_figure": ".figure",
}
__all__ = sorted(_OFFERS)
__getattr__, __dir__ = lazy_api(__name__, _OFFERS)
