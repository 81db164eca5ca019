"""Human- and machine-readable renderings of validation reports and build problems."""

from __future__ import annotations

import json
from itertools import groupby
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from kzgraph.validation.validator import Report, Result

if TYPE_CHECKING:
    from rich.console import Console

    from kzgraph.store.locations import LocationIndex


def _label(graph: Graph | None, iri: str) -> str:
    if graph is None:
        return ""
    for label in graph.objects(URIRef(iri), RDFS.label):
        if getattr(label, "language", None) == "en":
            return str(label)
    return ""


def render_report(report: Report, fmt: str, graph: Graph | None = None, locations: LocationIndex | None = None) -> str:
    """The report as text (grouped by shape and rule), JSON, or the standard sh:ValidationReport in Turtle.

    ``locations`` (a :class:`~kzgraph.store.locations.LocationIndex`) adds the file and line where each focus
    node is defined.
    """
    def where(result: Result) -> str:
        location = locations.locate(result.focus, graph) if locations is not None else None
        return str(location) if location else ""

    if fmt == "turtle":
        return report.graph.serialize(format="turtle")
    if fmt == "json":
        return json.dumps({
            "conforms": report.conforms,
            "results": [dict(r.as_dict(), label=_label(graph, r.focus), location=where(r) or None)
                        for r in report.results],
        }, indent=2, ensure_ascii=False) + "\n"
    lines: list[str] = []
    rank = {"Violation": 0, "Warning": 1, "Info": 2}

    def rule(r: Result) -> tuple[int, str, str]:  # one group per shape and rule: its severity and message
        return rank.get(r.severity, 3), r.shape or "", r.message

    for (_, shape, message), group in groupby(sorted(report.results, key=rule), key=rule):
        results = list(group)
        lines.append(f"{results[0].severity}: {message}  [{shape}] ({len(results)})")
        for r in results:
            label = _label(graph, r.focus)
            lines.append(f"  - {r.focus}" + (f" ({label})" if label else ""))
            if where(r):
                lines.append(f"      defined at: {where(r)}")
            if r.path:
                lines.append(f"      path: {r.path}")
            if r.value:
                lines.append(f"      value: {r.value}")
    violations = len(report.violations)
    lines.append(f"{'conforms' if report.conforms else 'does not conform'}: {violations} violation(s), "
                 f"{len(report.results) - violations} warning(s)/info(s)")
    return "\n".join(lines) + "\n"


def print_problems(error: BaseException, console: Console, locations: LocationIndex | None = None) -> None:
    """Print what made a build fail: the SHACL report (with the file and line of each focus node when
    ``locations`` is given) or the provenance problems."""
    report = getattr(error, "report", None)  # a BuildError's
    if report is not None:
        console.print(render_report(report, "text", locations=locations), highlight=False, markup=False,
                      soft_wrap=True)
    for problem in getattr(error, "problems", [])[:200]:
        console.print(str(problem), highlight=False, markup=False, soft_wrap=True)
