"""Files: atomic writes that never replace a device or a FIFO, and file hashes."""
