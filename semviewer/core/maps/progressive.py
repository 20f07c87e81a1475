"""Coarse-to-fine maps: the order in which a map's poses are computed so that the whole domain is
seen first, and the preview shown while the finer levels fill in (docs/algorithms.md §2).

Level 0 is every 4th grid point on each axis, level 1 adds every 2nd, level 2 the rest. A map
computed in this order has the same values as one computed row by row: only the order differs.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

#: The strides of the levels, coarse to fine.
STRIDES = (4, 2, 1)


def point_levels(shape: tuple[int, ...]) -> np.ndarray:
    """The level (0, 1 or 2) of every grid point, flat in C order: the coarsest level whose
    stride divides every one of its indices."""
    index = np.indices(shape).reshape(len(shape), -1)
    level = np.full(index.shape[1], len(STRIDES) - 1, dtype=np.int8)
    for number in reversed(range(len(STRIDES) - 1)):
        level[(index % STRIDES[number] == 0).all(axis=0)] = number
    return level


def coarse_to_fine(todo: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The flat indices ``todo`` reordered level by level (row order within a level)."""
    levels = point_levels(shape)[todo]
    return todo[np.argsort(levels, kind="stable")]


def level_reached(filled: np.ndarray) -> int:
    """The finest level whose points are all computed (-1 when not even the coarsest is)."""
    levels = point_levels(filled.shape)
    flat = filled.reshape(-1)
    reached = -1
    for number in range(len(STRIDES)):
        if not flat[levels <= number].all():
            break
        reached = number
    return reached


def preview(values: np.ndarray, filled: Optional[np.ndarray] = None) -> tuple[np.ndarray, int]:
    """The map as it will look, while it fills in: every point not yet computed takes the value
    of the nearest computed point of the finest complete level (nearest-neighbour: a block of
    stride × stride cells around each); while even the coarsest level is not complete, each of its
    computed points is drawn over its block (the rest stays NaN). Returns the preview and the level
    it stands for (-1: no level is complete yet)."""
    filled = ~np.isnan(values) if filled is None else filled
    reached = level_reached(filled)
    if reached == len(STRIDES) - 1 or not filled.any():
        return values, reached
    # while the coarsest level fills in, each of its computed points is drawn over its whole block
    stride = STRIDES[max(reached, 0)]
    index = np.indices(values.shape)
    nearest = tuple(np.minimum(((i + stride // 2) // stride) * stride, _last_on_lattice(n, stride))
                    for i, n in zip(index, values.shape))
    shown = np.where(filled, values, values[nearest])
    return shown, reached


def _last_on_lattice(size: int, stride: int) -> int:
    return ((size - 1) // stride) * stride
