"""The one pipeline (core + render, no Qt): a scorer from object, model and settings, maps through the cache, regions grown on maps or live. The window, the CLI and studies all use it."""
