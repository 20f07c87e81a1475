"""The one pipeline: where a renderer and a classifier meet, for the window, the command line and
studies alike (core + render, no Qt).

* ``Scene`` and ``make_scene``: what is rendered and scored;
* ``Scorer`` (and ``Scorers``): f(u) over some axes, its batch size and provenance (``ScoreFunction``);
* ``compute_map``, ``cached_map``, ``map_key_for``: maps through the cache, one key for everyone;
* ``plan_region_jobs``, ``run_region_jobs``, ``grow_regions``: regions from a ``RegionRequest``;
* ``search_failures``: failure poses over any axes (``failure_renders``: their renders);
* ``predict``, ``render``: one pose; ``LivePredictions``: the pose being dragged to;
* ``RenderContexts``: render contexts shared by the jobs of one mesh."""

from semviewer.core.api import lazy_api

_OFFERS = {
    "failure_domain": ".failures",
    "failure_probe": ".failures",
    "failure_renders": ".failures",
    "search_failures": ".failures",
    "map_key_for": ".keys",
    "score_provenance": ".keys",
    "LivePredictions": ".live",
    "cached_build_map": ".maps",
    "cached_map": ".maps",
    "compute_map": ".maps",
    "resumable": ".maps",
    "Prediction": ".predict",
    "predict": ".predict",
    "render": ".predict",
    "RegionJob": ".regions",
    "full_turns": ".regions",
    "grow_regions": ".regions",
    "plan_region_jobs": ".regions",
    "region_domain": ".regions",
    "region_run_record": ".regions",
    "run_region_jobs": ".regions",
    "scores_provenance": ".regions",
    "RenderContexts": ".rendering",
    "Scene": ".scene",
    "classes_for": ".scene",
    "make_scene": ".scene",
    "MAX_BATCH_SIZE": ".scorer",
    "Scorer": ".scorer",
    "Scorers": ".scorer",
    "check_batch_size": ".scorer",
    "ScoreFunction": ".scoring",
    "ScoreResult": ".scoring",
    "BatchTuner": ".batch_tuning",
    "cached_batch_size": ".batch_tuning",
}
__all__ = sorted(_OFFERS)
__getattr__, __dir__ = lazy_api(__name__, _OFFERS)
