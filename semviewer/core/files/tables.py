"""CSV tables that open safely in a spreadsheet: quoted where needed (a comma or a newline in a
label), and text that a spreadsheet would run as a formula (=, +, -, @ first) made inert."""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Sequence

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """Text a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6f}"
    return safe_text(str(value))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV table (header, then rows); floats with six decimals."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()
