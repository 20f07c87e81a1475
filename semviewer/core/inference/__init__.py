"""Inference: the model registry, classifiers and their engines, class sets, and f(u) over renders."""
