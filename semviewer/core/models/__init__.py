"""Models: which classifier a spec names, how it is built and fed, its weights and its labels.

* ``get_model_spec(text, labels)``: a ``ModelSpec`` for a registry name (``MODELS``),
  ``torchvision:NAME``, ``timm:NAME``, or an ONNX or TorchScript file with its card;
* ``read_state_dict``, ``load_into``, ``locate_weights``, ``check_weights``: weights files, read safely;
* ``Labels``, ``ClassSet``, ``parse_class_set``, ``read_labels``, ``search_classes``: the names of a
  model's outputs and the true class sets made of them;
* ``load_torchscript``: TorchScript files, which are programs, loaded only when trusted.

Loading a classifier from a spec is ``semviewer.core.inference.load_classifier``."""

from semviewer.core.api import lazy_api

_OFFERS = {
    "ClassSet": ".labels",
    "Labels": ".labels",
    "imagenet_categories": ".labels",
    "imagenet_labels": ".labels",
    "lookup_class": ".labels",
    "parse_class_set": ".labels",
    "read_labels": ".labels",
    "search_classes": ".labels",
    "DEFAULT_MODEL": ".registry",
    "MODELS": ".registry",
    "MODEL_FILE_SUFFIXES": ".sources",
    "get_model_spec": ".sources",
    "is_model_file": ".sources",
    "list_all": ".sources",
    "read_card": ".sources",
    "resolve_model": ".sources",
    "FAMILIES": ".spec",
    "IMAGENET_MEAN": ".spec",
    "IMAGENET_STD": ".spec",
    "OUTPUTS": ".spec",
    "PREPROCESSING_CHOICES": ".spec",
    "ModelSpec": ".spec",
    "UntrustedModelCode": ".torchscript",
    "load_torchscript": ".torchscript",
    "check_weights": ".weights",
    "load_into": ".weights",
    "locate_weights": ".weights",
    "read_state_dict": ".weights",
}
__all__ = sorted(_OFFERS)
__getattr__, __dir__ = lazy_api(__name__, _OFFERS)
