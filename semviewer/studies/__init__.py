"""Studies: the manifest, units computed from plain data, the executors that run them, the study folder and its report."""
