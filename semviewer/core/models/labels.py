"""Class labels and true-class sets: ImageNet-1k by default, or a model's own labels (a text file
with one name a line, or a JSON list). A class set is one or more label ids whose probabilities
are summed; its names and its range come from the labels it belongs to."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

from semviewer.core.errors import ClassSetError, SemviewerError
from semviewer.core.files.reading import read_text

#: Unicode categories a name may not hold: control characters and line or paragraph separators.
BREAKING = ("Cc", "Zl", "Zp")
#: A labels file has at most this many names.
MAX_LABELS = 100_000


@lru_cache(maxsize=1)
def imagenet_categories() -> tuple[str, ...]:
    """The 1000 ImageNet class names in the standard order (torchvision's metadata, shipped as a
    resource so that naming a class does not import torch and torchvision: the window opens sooner)."""
    import json
    from importlib import resources

    text = resources.files("semviewer.resources").joinpath("imagenet_classes.json").read_text(encoding="utf-8")
    return tuple(json.loads(text))


@dataclass(frozen=True)
class Labels:
    """The names of a model's outputs, in output order, and where they came from."""

    names: tuple[str, ...]
    source: str = "imagenet"          # "imagenet", or the labels file
    sha256: str = ""                  # of the labels file ("" for ImageNet)

    @property
    def imagenet(self) -> bool:
        return self.source == "imagenet"

    def __len__(self) -> int:
        return len(self.names)

    def describe(self) -> dict:
        return {"labels": self.source, "labels_sha256": self.sha256, "classes_count": len(self.names)}


@lru_cache(maxsize=1)
def imagenet_labels() -> Labels:
    return Labels(imagenet_categories())


def read_labels(path: str | Path) -> Labels:
    """Labels from a text file (one name a line; blank lines end nothing, they are refused) or a
    JSON list of names; one line naming the problem when it is neither. A UTF-8 byte-order mark is
    dropped; a name with a line break or another control character, or a name given twice, is
    refused (each would make printed results ambiguous)."""
    path = Path(path).expanduser()
    text = read_text(path, "labels file", error=ClassSetError)
    digest = hashlib.sha256(text.encode()).hexdigest()
    text = text.removeprefix("\ufeff")
    if path.suffix.lower() == ".json":
        try:
            names = json.loads(text)
        except (ValueError, RecursionError):
            raise ClassSetError(f"labels file {path} is not JSON; give a JSON list of names or a text file") from None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ClassSetError(f"labels file {path} must hold a JSON list of names")
    else:
        names = text.splitlines()
    names = [n.strip() for n in names]
    if not names or any(not n for n in names):
        raise ClassSetError(f"labels file {path} must name one class on every line, with no blank lines")
    if len(names) > MAX_LABELS:
        raise ClassSetError(f"labels file {path} names {len(names):,} classes, more than {MAX_LABELS:,}")
    odd = next((i for i, n in enumerate(names) if any(unicodedata.category(c) in BREAKING for c in n)), None)
    if odd is not None:
        raise ClassSetError(f"labels file {path}: name {odd} ({names[odd][:40]!r}) holds a line break or another "
                            f"control character; give each name as one line of text")
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in seen:
            raise ClassSetError(f"labels file {path} names {name!r} twice (outputs {seen[name]} and {i}); give each "
                                f"output its own name")
        seen[name] = i
    return Labels(tuple(names), str(path.resolve()), digest)


@dataclass(frozen=True)
class ClassSet:
    """The true class of an object: one or more label ids (their probabilities are summed)."""

    ids: tuple[int, ...]
    labels: Labels = field(default_factory=imagenet_labels, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.ids:
            raise ClassSetError("the true class set is empty; name at least one class")
        ids = tuple(sorted(set(int(i) for i in self.ids)))
        for i in ids:
            if not 0 <= i < len(self.labels):
                raise ClassSetError(f"class id {i} is out of range; ids run from 0 to {len(self.labels) - 1}")
        object.__setattr__(self, "ids", ids)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.labels.names[i] for i in self.ids)

    def __str__(self) -> str:
        return " + ".join(self.names)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ClassSet) and self.ids == other.ids and self.labels.names == other.labels.names

    def __hash__(self) -> int:
        return hash((self.ids, len(self.labels)))

    def to_json(self) -> dict:
        data = {"ids": list(self.ids), "names": list(self.names)}
        if not self.labels.imagenet:
            data.update(labels=self.labels.source, labels_sha256=self.labels.sha256)
        return data

    def on(self, labels: Labels) -> Optional["ClassSet"]:
        """This class set on other labels: the same names there, or None when one is missing."""
        if labels.names == self.labels.names:
            return ClassSet(self.ids, labels)
        try:
            return ClassSet(tuple(labels.names.index(name) for name in self.names), labels)
        except (ValueError, SemviewerError):
            return None


def lookup_class(text: str, labels: Optional[Labels] = None) -> int:
    """The id of a class name: an exact (case-sensitive) match wins, then a case-insensitive one;
    a name two classes share (ImageNet's ``crane``) is refused with their ids."""
    names = (labels or imagenet_labels()).names
    exact = [i for i, name in enumerate(names) if name == text]
    found = exact or [i for i, name in enumerate(names) if name.lower() == text.lower()]
    if len(found) == 1:
        return found[0]
    if found:
        options = ", ".join(f"{i} ({names[i]})" for i in found)
        raise ClassSetError(f"the class name {text!r} is ambiguous: {options}; give the id instead (e.g. #{found[0]})")
    close = [c for c in names if text.lower() in c.lower()][:5]
    hint = f"; did you mean: {', '.join(close)}?" if close else ""
    kind = "ImageNet class" if labels is None or labels.imagenet else "class of the model's labels"
    raise ClassSetError(f"unknown {kind} {text!r}{hint}")


def parse_class_set(items: str | Iterable[str | int], labels: Optional[Labels] = None) -> ClassSet:
    """Build a ClassSet from ids or names, e.g. ``"coffee mug,cup"``, ``"#504,#968"`` or
    ``[504, 968]``, on ``labels`` (default ImageNet; see ``_class_id`` and ``lookup_class`` for how
    text is matched)."""
    labels = labels or imagenet_labels()
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
        ids.append(_class_id(text, labels))
    return ClassSet(tuple(ids), labels)


def _class_id(text: str, labels: Labels) -> int:
    """A class given as text: ``#3`` is id 3; otherwise a name first (a model whose labels are
    "0" and "180" names its classes by those), and digits are an id only when no label has that name."""
    if text.startswith("#") and text[1:].strip().isdigit():
        return int(text[1:].strip())
    if text.isdigit() and not any(name.lower() == text.lower() for name in labels.names):
        return int(text)
    return lookup_class(text, labels)


def search_classes(text: str, limit: int = 20, labels: Optional[Labels] = None) -> list[tuple[int, str]]:
    """Classes whose name contains ``text`` (case-insensitive)."""
    needle = text.lower().strip()
    return [(i, n) for i, n in enumerate((labels or imagenet_labels()).names) if needle in n.lower()][:limit]
