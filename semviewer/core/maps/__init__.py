"""Semantic maps: the data with its axes, building it in chunks, named grids, the cache, maps as scores."""
