"""SHACL validation of the kzgraph data with pyshacl against the shapes in ontology/shapes/."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import RDF, Graph, Namespace

from .loading import ONTOLOGY_DIR, load_files

SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPES_DIR = ONTOLOGY_DIR / "shapes"
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class Result:
    """One SHACL validation result (W3C SHACL §3.6.2), with its severity as a plain word."""

    severity: str
    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str | None


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)
    graph: Graph | None = None

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def conforms(self) -> bool:
        """True when no result is a Violation (Warnings and Infos do not block)."""
        return not self.violations


def shapes_graph(folder: Path = SHAPES_DIR) -> Graph:
    return load_files(sorted(folder.glob("*.ttl")))


def validate_graph(data: Graph, shapes: Graph | None = None) -> Report:
    """Validate a graph that holds the data and the ontology (with derived class closure)."""
    shapes = shapes if shapes is not None else shapes_graph()
    _, report_graph, _ = shacl_validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                        allow_warnings=True, meta_shacl=False)
    results = []
    for node in report_graph.subjects(RDF.type, SH.ValidationResult):
        value = report_graph.value(node, SH.value)
        path = report_graph.value(node, SH.resultPath)
        shape = report_graph.value(node, SH.sourceShape)
        messages = [str(m) for m in report_graph.objects(node, SH.resultMessage)]
        results.append(Result(
            severity=SEVERITIES.get(report_graph.value(node, SH.resultSeverity), "Violation"),
            focus=str(report_graph.value(node, SH.focusNode)),
            path=str(path) if path is not None else None,
            value=str(value) if value is not None else None,
            message=messages[0] if messages else "",
            shape=str(shape) if shape is not None else None,
        ))
    results.sort(key=lambda r: (r.severity != "Violation", r.shape or "", r.focus))
    return Report(results, report_graph)
