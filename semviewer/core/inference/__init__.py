"""Inference: a loaded classifier and how it is used.

* ``load_classifier(spec, weights, ...)`` (or a ``ModelRequest``): a ``Classifier`` for any model
  spec, its weights read safely and its engine chosen (``semviewer.core.engines``);
  ``ClassifierCache`` loads each once;
* ``Classifier.probabilities(images)``: what the network says, checked (``outputs``);
* ``Scheduled`` and ``PriorityGate``: live predictions first, background batches after;
* ``top_k``, ``class_score``: reading probabilities."""

from semviewer.core.api import lazy_api

_OFFERS = {
    "Classifier": ".classifier",
    "ClassifierCache": ".classifier_cache",
    "PRECISIONS": ".devices",
    "check_precision": ".devices",
    "resolve_device": ".devices",
    "ModelRequest": ".loading",
    "load_classifier": ".loading",
    "check_output_kind": ".outputs",
    "check_probabilities": ".outputs",
    "class_outputs": ".outputs",
    "class_score": ".outputs",
    "top_k": ".outputs",
    "PriorityGate": ".scheduling",
    "Scheduled": ".scheduling",
}
__all__ = sorted(_OFFERS)
__getattr__, __dir__ = lazy_api(__name__, _OFFERS)
