"""Robust regions: the three solvers, the inside check, SRVR and the regions file (docs/algorithms.md)."""
