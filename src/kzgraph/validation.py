"""SHACL validation of the kzgraph data against the shapes in ontology/shapes/.

Two engines give the same results (tests/test_shapes.py checks this on every shape's examples):

* ``"pyshacl"`` — pyshacl evaluates every shape, SHACL Core and SHACL-SPARQL alike. It is the reference.
* ``"hybrid"`` (default) — pyshacl evaluates the SHACL Core constraints; the SHACL-SPARQL constraints
  (W3C SHACL §5) run once each over the whole graph on the fast store instead of once per focus node:
  the pre-bound ``$this`` becomes a variable joined with the shape's targets (§5.3.1, "pre-binding").
  pyshacl runs each SPARQL constraint per focus node through rdflib's engine, which makes it the slow part
  on graphs of this size (benchmarks/validation_bench.py measures both).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef

from .loading import ONTOLOGY_DIR, load_files

SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPES_DIR = ONTOLOGY_DIR / "shapes"
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
ENGINES = ("hybrid", "pyshacl")


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
        """True when no result is a Violation (Warnings and Infos do not block the build)."""
        return not self.violations


@dataclass(frozen=True)
class SparqlConstraint:
    """A SHACL-SPARQL constraint (§5.1) of a node shape, with the shape's targets."""

    shape: URIRef
    node: BNode | URIRef
    select: str
    message: str
    severity: URIRef
    targets: tuple[tuple[URIRef, URIRef], ...]


def shapes_graph(folder: Path = SHAPES_DIR) -> Graph:
    return load_files(sorted(folder.glob("*.ttl")))


def _prefixes(shapes: Graph, constraint) -> str:
    lines = []
    for ontology in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(ontology, SH.declare):
            lines.append(f"PREFIX {shapes.value(declaration, SH.prefix)}: <{shapes.value(declaration, SH.namespace)}>")
    return "\n".join(lines)


def sparql_constraints(shapes: Graph) -> list[SparqlConstraint]:
    """The SHACL-SPARQL constraints of the node shapes, with their prefixes resolved."""
    constraints = []
    for shape, constraint in shapes.subject_objects(SH.sparql):
        targets = tuple((kind, target) for kind in (SH.targetClass, SH.targetSubjectsOf, SH.targetNode)
                        for target in shapes.objects(shape, kind))
        severity = shapes.value(shape, SH.severity) or SH.Violation  # a shape's severity (SHACL §2.1.5)
        select = _prefixes(shapes, constraint) + "\n" + str(shapes.value(constraint, SH.select))
        constraints.append(SparqlConstraint(shape, constraint, select, str(shapes.value(constraint, SH.message) or ""),
                                            severity, targets))
    return constraints


def core_shapes(shapes: Graph) -> Graph:
    """The shapes without their SHACL-SPARQL constraints."""
    core = Graph()
    for triple in shapes:
        if triple[1] != SH.sparql:
            core.add(triple)
    return core


def _target_pattern(targets) -> str:
    """A group binding ?this once to each focus node of the targets (a node may match several)."""
    patterns = []
    for kind, target in targets:
        if kind == SH.targetClass:
            patterns.append(f"{{ ?this a {target.n3()} . }}")
        elif kind == SH.targetSubjectsOf:
            patterns.append(f"{{ ?this {target.n3()} ?__object . }}")
        else:
            patterns.append(f"{{ BIND({target.n3()} AS ?this) }}")
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(patterns) + " } }"


def whole_graph_query(constraint: SparqlConstraint) -> str:
    """Rewrite a per-focus-node SELECT into one query over all focus nodes of the shape's targets."""
    query = constraint.select.replace("$this", "?this").replace("$path", "?path")
    match = re.search(r"\bWHERE\s*\{", query, re.IGNORECASE)
    if match is None:
        raise ValueError(f"SPARQL constraint of {constraint.shape} has no WHERE clause")
    return query[:match.end()] + "\n" + _target_pattern(constraint.targets) + "\n" + query[match.end():]


def _substitute(message: str, row: dict) -> str:
    """Fill {?var} and {$var} in a message template from a solution (SHACL §5.3.2)."""
    return re.sub(r"\{[?$](\w+)\}", lambda m: str(row.get(m.group(1), m.group(0))), message)


def run_sparql_constraints(query, constraints: list[SparqlConstraint]) -> list[Result]:
    """Evaluate SHACL-SPARQL constraints with a SPARQL engine: ``query(text)`` returns rdflib Results."""
    results = []
    for constraint in constraints:
        answer = query(whole_graph_query(constraint))
        names = [str(v) for v in answer.vars]
        for solution in answer:
            row = {name: solution[i] for i, name in enumerate(names) if solution[i] is not None}
            path, value = row.get("path"), row.get("value")
            results.append(Result(
                severity=SEVERITIES[constraint.severity],
                focus=str(row["this"]),
                path=str(path) if path is not None else None,
                value=str(value) if value is not None else None,
                message=_substitute(constraint.message, row),
                shape=str(constraint.shape),
            ))
    return results


def _report_results(report_graph: Graph, shapes: Graph) -> list[Result]:
    results = []
    for node in report_graph.subjects(RDF.type, SH.ValidationResult):
        value = report_graph.value(node, SH.value)
        path = report_graph.value(node, SH.resultPath)
        shape = report_graph.value(node, SH.sourceShape)
        while isinstance(shape, BNode) and shapes.value(None, SH.property, shape) is not None:
            shape = shapes.value(None, SH.property, shape)  # report the node shape a property shape is in
        messages = [str(m) for m in report_graph.objects(node, SH.resultMessage)]
        results.append(Result(
            severity=SEVERITIES.get(report_graph.value(node, SH.resultSeverity), "Violation"),
            focus=str(report_graph.value(node, SH.focusNode)),
            path=str(path) if path is not None else None,
            value=str(value) if value is not None else None,
            message=messages[0] if messages else "",
            shape=str(shape) if shape is not None else None,
        ))
    return results


def _add_to_report(report_graph: Graph, results: list[Result], data: Graph) -> None:
    report = report_graph.value(None, RDF.type, SH.ValidationReport)
    for result in results:
        node = BNode()
        report_graph.add((report, SH.result, node))
        report_graph.add((node, RDF.type, SH.ValidationResult))
        report_graph.add((node, SH.resultSeverity, {v: k for k, v in SEVERITIES.items()}[result.severity]))
        focus = URIRef(result.focus) if not result.focus.startswith("n") or "://" in result.focus else BNode(result.focus)
        report_graph.add((node, SH.focusNode, focus))
        report_graph.add((node, SH.sourceShape, URIRef(result.shape)))
        report_graph.add((node, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
        report_graph.add((node, SH.resultMessage, Literal(result.message)))
        if result.path:
            report_graph.add((node, SH.resultPath, URIRef(result.path)))
        if result.value is not None:
            report_graph.add((node, SH.value, Literal(result.value)))
    if results:
        report_graph.set((report, SH.conforms, Literal(False)))


def validate_graph(data: Graph, shapes: Graph | None = None, engine: str = "hybrid", query=None) -> Report:
    """Validate a graph holding the data and the ontology (with the derived class closure).

    With the hybrid engine, ``query`` evaluates the SHACL-SPARQL constraints (for example
    ``KnowledgeGraph.query`` of the Oxigraph store holding the same triples); by default rdflib's engine
    on ``data`` does.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}; choose one of {', '.join(ENGINES)}")
    shapes = shapes if shapes is not None else shapes_graph()
    core = shapes if engine == "pyshacl" else core_shapes(shapes)
    _, report_graph, _ = shacl_validate(data, shacl_graph=core, inference="none", advanced=True,
                                        allow_warnings=True, meta_shacl=False)
    if not isinstance(report_graph, Graph):
        raise ValueError(f"the shapes are not valid SHACL: {report_graph}")
    results = _report_results(report_graph, shapes)
    if engine == "hybrid":
        extra = run_sparql_constraints(query or data.query, sparql_constraints(shapes))
        _add_to_report(report_graph, extra, data)
        results += extra
    results.sort(key=lambda r: (r.severity != "Violation", r.shape or "", r.focus, r.path or "", r.value or ""))
    return Report(results, report_graph)
