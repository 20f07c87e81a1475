"""A study's report: report.csv, table.md / table.html in Table 1's layout, and figures per model."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Mapping, Sequence


from semviewer.core.figures import Panel, map_figure, save_figure
from semviewer.core.regions.config import METHOD_LABELS
from semviewer.core.regions.region import Region
from semviewer.core.files.atomic import write_text
from semviewer.core.files.tables import csv_text
from semviewer.core.maps.semantic_map import SemanticMap
from semviewer.core.regions.srvr import CONVENTION, VERIFIED_CONVENTION, RegionRecord, srvr, srvr_table

REPORT_COLUMNS = ("object", "model", "method", "srvr", "verified_srvr", "mean_p", "map_top1_share", "evaluations",
                  "regions")
#: With a [failures] table: the unit's failure rate (and its 95 % interval), failure modes and worst p.
FAILURE_COLUMNS = ("failure_rate", "failure_rate_low", "failure_rate_high", "failure_modes", "worst_p")


def _regions(unit: Mapping[str, Any]) -> list[Region]:
    return [Region.from_json(r) for r in unit["regions"]]


def report_rows(units: Sequence[Mapping[str, Any]], methods: Sequence[str]) -> list[dict[str, Any]]:
    """One row per object × model × method (units: the unit records, in plan order)."""
    rows = []
    for unit in units:
        regions = _regions(unit)
        for method in methods:
            mine = [r for r in regions if r.method == method]
            rows.append({
                "object": unit["object"], "model": unit["model"], "variant": unit.get("variant", ""), "method": method,
                "srvr": srvr(mine), "verified_srvr": srvr(mine, verified=True),
                "mean_p": unit["stats"]["mean_p"], "map_top1_share": unit["stats"]["map_top1_share"],
                "evaluations": int(sum(r.evaluations for r in mine)), "regions": len(mine),
                **{c: unit["stats"][c] for c in FAILURE_COLUMNS if c in unit["stats"]}})
    return rows


def model_table(units: Sequence[Mapping[str, Any]], models: Sequence[str],
                methods: Sequence[str]) -> dict[str, dict[str, tuple[float, float]]]:
    """{model: {method or "average": (SRVR, verified SRVR)}}: Table 1's cells, over every object
    and start point of the model (docs/algorithms.md §5)."""
    records = [RegionRecord(u["model"], u["object"], r) for u in units for r in _regions(u)]
    plain = srvr_table(records, methods=methods)
    verified = srvr_table(records, verified=True, methods=methods)
    nan = float("nan")
    return {model: {c: (plain.get(model, {}).get(c, nan), verified.get(model, {}).get(c, nan))
                    for c in [*methods, "average"]} for model in models}


def _columns(rows: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The report's columns: a study with scene variants (backgrounds, materials) has one more, one
    with a failure search five more."""
    columns = REPORT_COLUMNS if not any(r.get("variant") for r in rows) else \
        REPORT_COLUMNS[:2] + ("variant",) + REPORT_COLUMNS[2:]
    return columns + (FAILURE_COLUMNS if rows and all(c in r for r in rows for c in FAILURE_COLUMNS) else ())


def _csv(rows: Sequence[Mapping[str, Any]]) -> str:
    columns = _columns(rows)
    return csv_text(columns, ([r[c] for c in columns] for r in rows))


def variant_tables(units: Sequence[Mapping[str, Any]], models: Sequence[str],
                   methods: Sequence[str]) -> dict[str, dict[str, dict[str, tuple[float, float]]]]:
    """Table 1 for each scene variant of a study ('' for the paper's scene), in the study's order."""
    variants = list(dict.fromkeys(u.get("variant", "") for u in units))
    return {v: model_table([u for u in units if u.get("variant", "") == v], models, methods) for v in variants}


def _pct(value: float) -> str:
    return "n/a" if value != value else f"{value:.2%}"


def failure_rows(units: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """One row per unit with a failure search: object, model (and variant), failure rate with its
    95 % interval, failure modes, worst p(true class) and its pose."""
    from semviewer.core.failures.figure import pose_text
    from semviewer.core.failures.result import FailureSearch

    rows = []
    for unit in units:
        if "failures" not in unit:
            continue
        search = FailureSearch.from_json(unit["failures"])
        lo, hi = search.failure_rate_interval
        worst = search.failures[0] if search.failures else None
        rows.append([unit["object"], unit["model"] + (f" · {unit['variant']}" if unit.get("variant") else ""),
                     f"{search.failure_rate:.1%} ({lo:.1%} to {hi:.1%})", str(len(search.failures)),
                     f"{search.best_p_true:.3f}",
                     f"{pose_text(worst)}: {worst.label_name} ({worst.label_p:.0%})" if worst else "none"])
    return rows


FAILURE_HEAD = ("object", "network", "failure rate (95 % interval)", "failure modes", "worst p", "worst pose: top-1")


def _markdown(tables: Mapping[str, Mapping[str, Mapping[str, tuple[float, float]]]], methods: Sequence[str],
              title: str, failures: Sequence[Sequence[str]] = ()) -> str:
    columns = [*methods, "average"]
    head = "| network | " + " | ".join(METHOD_LABELS.get(c, c) for c in columns) + " |"
    lines = [f"# {title}", "", "SRVR (verified SRVR), mean over the objects."]
    for variant, table in tables.items():
        lines += ["", f"## {variant}", ""] if variant else [""]
        lines += [head, "|" + "---|" * (len(columns) + 1)]
        for model, cells in table.items():
            lines.append(f"| {model} | " + " | ".join(f"{_pct(cells[c][0])} ({_pct(cells[c][1])})"
                                                        for c in columns) + " |")
    if failures:
        lines += ["", "## Failures", "", "| " + " | ".join(FAILURE_HEAD) + " |", "|" + "---|" * len(FAILURE_HEAD)]
        lines += ["| " + " | ".join(row) + " |" for row in failures]
    lines += ["", CONVENTION, "", VERIFIED_CONVENTION, ""]
    return "\n".join(lines)


def _html(tables: Mapping[str, Mapping[str, Mapping[str, tuple[float, float]]]], methods: Sequence[str],
          title: str, failures: Sequence[Sequence[str]] = ()) -> str:
    columns = [*methods, "average"]
    head = "".join(f"<th>{html.escape(METHOD_LABELS.get(c, c))}</th>" for c in columns)
    blocks = "".join(
        (f"<h2>{html.escape(variant)}</h2>" if variant else "") +
        f"<table><tr><th>network</th>{head}</tr>" + "".join(
            f"<tr><th>{html.escape(model)}</th>" + "".join(
                f"<td>{_pct(cells[c][0])} <small>({_pct(cells[c][1])})</small></td>" for c in columns) + "</tr>"
            for model, cells in table.items()) + "</table>"
        for variant, table in tables.items())
    if failures:
        blocks += ("<h2>Failures</h2><table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in FAILURE_HEAD) +
                   "</tr>" + "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                                     for row in failures) + "</table>")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;"
            "padding:4px 10px;text-align:right}small{color:#555}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>SRVR (verified SRVR), mean over the objects.</p>{blocks}"
            f"<p>{html.escape(CONVENTION)}</p><p>{html.escape(VERIFIED_CONVENTION)}</p></body></html>\n")


def write_report(out_dir: Path, title: str, units: Sequence[Mapping[str, Any]], maps: Mapping[str, SemanticMap],
                 models: Sequence[str], methods: Sequence[str], figures: bool = True) -> list[dict[str, Any]]:
    """Write report.csv, table.md, table.html and figures/<model>.png/.pdf; returns the rows."""
    out_dir = Path(out_dir)
    rows = report_rows(units, methods)
    write_text(out_dir / "report.csv", _csv(rows))
    tables = variant_tables(units, models, methods)
    failures = failure_rows(units)
    write_text(out_dir / "table.md", _markdown(tables, methods, title, failures))
    write_text(out_dir / "table.html", _html(tables, methods, title, failures))
    if figures:
        (out_dir / "figures").mkdir(parents=True, exist_ok=True)
        for model in models:
            for variant in tables:
                _figure(out_dir, title, maps, [u for u in units if u["model"] == model and
                                               u.get("variant", "") == variant], model, variant)
    return rows


def _figure(out_dir: Path, title: str, maps: Mapping[str, SemanticMap], units: Sequence[Mapping[str, Any]],
            model: str, variant: str) -> None:
    """figures/MODEL[__VARIANT].png and .pdf: every object's map with its regions, one colour scale."""
    panels = [Panel(maps[u["stem"]], [Region.from_json(r) for r in u["regions"]], u["object"])
              for u in units if u["stem"] in maps]
    if not panels:
        return
    fig = map_figure(panels, width=4.5, columns=min(4, len(panels)))
    fig.suptitle(f"{title} · {model}" + (f" · {variant}" if variant else ""))
    name = f"{model}__{variant}" if variant else model
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    for suffix in ("png", "pdf"):
        save_figure(fig, out_dir / "figures" / f"{safe}.{suffix}", dpi=110)
