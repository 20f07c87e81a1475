"""A progress sink drawn as a terminal progress bar (tqdm: rate and ETA) on stderr."""

from __future__ import annotations

import sys
from typing import Any


class ProgressBar:
    """Adapts the progress-sink protocol to a tqdm bar over ``total`` units."""

    def __init__(self, total: int, description: str, unit: str = "pose") -> None:
        from tqdm import tqdm

        self.total = total
        self.bar = tqdm(total=total, desc=description, unit=unit, file=sys.stderr, dynamic_ncols=True,
                        smoothing=0.1, mininterval=0.2)

    def progress(self, fraction: float, message: str = "") -> None:
        target = int(round(fraction * self.total))
        if target > self.bar.n:
            self.bar.update(target - self.bar.n)

    def partial(self, result: Any) -> None:
        pass

    def note(self, message: str) -> None:
        """A line above the bar (it is redrawn below it)."""
        self.bar.write(f"semviewer: {message}", file=sys.stderr)

    def cancelled(self) -> bool:
        return False

    def close(self) -> None:
        self.bar.close()

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
