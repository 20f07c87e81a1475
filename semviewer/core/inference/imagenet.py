"""ImageNet class names and true-class sets (a set of class ids whose scores are summed)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from semviewer.core.errors import ClassSetError


@lru_cache(maxsize=1)
def imagenet_categories() -> tuple[str, ...]:
    """The 1000 ImageNet class names in the standard order (from torchvision's metadata)."""
    from torchvision.models import ResNet50_Weights

    return tuple(ResNet50_Weights.IMAGENET1K_V1.meta["categories"])


@dataclass(frozen=True)
class ClassSet:
    """The true class of an object: one or more ImageNet ids (their probabilities are summed)."""

    ids: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.ids:
            raise ClassSetError("the true class set is empty; name at least one ImageNet class")
        ids = tuple(sorted(set(int(i) for i in self.ids)))
        for i in ids:
            if not 0 <= i < 1000:
                raise ClassSetError(f"ImageNet class id {i} is out of range; ids run from 0 to 999")
        object.__setattr__(self, "ids", ids)

    @property
    def names(self) -> tuple[str, ...]:
        cats = imagenet_categories()
        return tuple(cats[i] for i in self.ids)

    def __str__(self) -> str:
        return " + ".join(self.names)

    def to_json(self) -> dict:
        return {"ids": list(self.ids), "names": list(self.names)}


def lookup_class(text: str) -> int:
    """The id of an ImageNet class name: an exact (case-sensitive) match wins, then a
    case-insensitive one; a name two classes share (``crane``) is refused with their ids."""
    cats = imagenet_categories()
    exact = [i for i, name in enumerate(cats) if name == text]
    found = exact or [i for i, name in enumerate(cats) if name.lower() == text.lower()]
    if len(found) == 1:
        return found[0]
    if found:
        options = ", ".join(f"{i} ({cats[i]})" for i in found)
        raise ClassSetError(f"the ImageNet class name {text!r} is ambiguous: {options}; give the id instead")
    close = [c for c in cats if text.lower() in c.lower()][:5]
    hint = f"; did you mean: {', '.join(close)}?" if close else "; see `semviewer classes`"
    raise ClassSetError(f"unknown ImageNet class {text!r}{hint}")


def parse_class_set(items: str | Iterable[str | int]) -> ClassSet:
    """Build a ClassSet from ids or names, e.g. ``"coffee mug,cup"`` or ``[504, 968]``
    (see ``lookup_class`` for how names are matched)."""
    if isinstance(items, str):
        items = [p for p in items.split(",")]
    ids: list[int] = []
    for item in items:
        if isinstance(item, int):
            ids.append(item)
            continue
        text = str(item).strip()
        if not text:
            continue
        ids.append(int(text) if text.isdigit() else lookup_class(text))
    return ClassSet(tuple(ids))


def search_classes(text: str, limit: int = 20) -> list[tuple[int, str]]:
    """ImageNet classes whose name contains ``text`` (case-insensitive)."""
    needle = text.lower().strip()
    return [(i, n) for i, n in enumerate(imagenet_categories()) if needle in n.lower()][:limit]
