"""Validation results and the validation report (W3C SHACL §3.6), whichever engine found them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

SH = Namespace("http://www.w3.org/ns/shacl#")
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
SEVERITY_IRIS = {word: iri for iri, word in SEVERITIES.items()}
#: The severities that do not make a report fail kzgraph's check (:attr:`Report.conforms`).
NON_BLOCKING = {"Warning", "Info"}


@dataclass(frozen=True)
class ResultNodes:
    """The RDF terms of a result, for the standard report: SHACL §3.6.2 names each property."""

    focus: Node
    path: Node | None
    value: Node | None
    source_shape: Node
    component: URIRef
    messages: tuple[Node, ...] = ()
    severity: URIRef | None = None
    source_constraint: Node | None = None  # the SHACL-SPARQL constraint node (SHACL §5.3.2)


@dataclass(frozen=True)
class Result:
    """One SHACL validation result (SHACL §3.6.2) in plain words.

    ``shape`` is the node shape the result is reported under: the source shape itself, or, for a
    property shape that is a blank node, the named shape it belongs to (through ``sh:property``).
    ``component`` is the IRI of the source constraint component (SHACL §3.6.2.5).
    """

    severity: str
    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str | None
    component: str | None = None
    nodes: ResultNodes | None = field(default=None, compare=False, repr=False)

    def as_dict(self) -> dict[str, str | None]:
        return {"severity": self.severity, "focus": self.focus, "path": self.path, "value": self.value,
                "message": self.message, "shape": self.shape, "component": self.component}


@dataclass
class Report:
    """The results of validating a data graph against a shapes graph."""

    results: list[Result] = field(default_factory=list)
    shapes: Graph | None = field(default=None, repr=False)

    @property
    def violations(self) -> list[Result]:
        """The results that block: ``sh:Violation``, and any severity other than ``sh:Warning`` and
        ``sh:Info`` (SHACL §2.1.5 allows severities of one's own; kzgraph does not know them harmless)."""
        return [r for r in self.results if r.severity not in NON_BLOCKING]

    @property
    def conforms(self) -> bool:
        """True when no result blocks (Warnings and Infos do not block the build; see :attr:`violations`).

        This is kzgraph's rule for a build; SHACL's own ``sh:conforms`` (§3.6.1) is false as soon as
        there is any result, and the Turtle report states that.
        """
        return not self.violations

    @cached_property
    def graph(self) -> Graph:
        """The standard ``sh:ValidationReport`` (SHACL §3.6) of the results."""
        return report_graph(self.results, self.shapes)


def path_text(graph: Graph | None, path: Node | None) -> str | None:
    """A SHACL property path (SHACL §2.3.1) as text: the IRI of a predicate path, otherwise SPARQL syntax."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return str(path)
    return sparql_path(graph, path)


def sparql_path(graph: Graph | None, path: Node) -> str:
    """The SPARQL 1.1 property path of a SHACL property path (SHACL §2.3.1, the mapping of its table).

    Raises ``ValueError`` for a node that is not a well-formed SHACL path.
    """
    if isinstance(path, URIRef):
        return path.n3()
    if graph is None or not isinstance(path, BNode):
        raise ValueError(f"{path!r} is not a SHACL property path")
    if graph.value(path, RDF.first) is not None:
        members = list(Collection(graph, path))
        if len(members) < 2:
            raise ValueError("a sequence path (SHACL §2.3.1.1) has at least two members")
        return "(" + " / ".join(sparql_path(graph, m) for m in members) + ")"
    for predicate, template in ((SH.inversePath, "^({})"), (SH.zeroOrMorePath, "({})*"),
                                (SH.oneOrMorePath, "({})+"), (SH.zeroOrOnePath, "({})?")):
        inner = graph.value(path, predicate)
        if inner is not None:
            return template.format(sparql_path(graph, inner))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        members = list(Collection(graph, alternatives))
        if len(members) < 2:
            raise ValueError("an alternative path (SHACL §2.3.1.3) has at least two members")
        return "(" + " | ".join(sparql_path(graph, m) for m in members) + ")"
    raise ValueError(f"{path!r} is not a SHACL property path")


def reported_shape(shapes: Graph, shape: Node) -> Node:
    """The shape a result is reported under: a blank-node property shape climbs to the shape owning it."""
    seen = {shape}
    while isinstance(shape, BNode):
        owners = sorted(shapes.subjects(SH.property, shape), key=str)
        if not owners or owners[0] in seen:
            break
        shape = owners[0]
        seen.add(shape)
    return shape


def english_message(messages: Iterable[Node]) -> str:
    """The message to show: the English one, else the one without a language tag, else any."""
    listed = list(messages)
    for wanted in ("en", None):
        for message in listed:
            if getattr(message, "language", None) == wanted:
                return str(message)
    return str(listed[0]) if listed else ""


def make_result(shapes: Graph, severity: URIRef, focus: Node, path: Node | None, value: Node | None,
                source_shape: Node, component: URIRef, messages: Iterable[Node], path_graph: Graph | None = None,
                source_constraint: Node | None = None) -> Result:
    """A result from its RDF terms; both engines make their results here.

    ``path_graph`` holds the triples of a blank-node path (the shapes graph by default). A severity of
    one's own (SHACL §2.1.5) is kept as its IRI, in the result's words and in the report.
    """
    texts = tuple(messages)
    shape = reported_shape(shapes, source_shape)
    return Result(
        severity=SEVERITIES.get(severity, str(severity)),
        focus=str(focus),
        path=path_text(path_graph if path_graph is not None else shapes, path),
        value=str(value) if value is not None else None,
        message=english_message(texts),
        shape=str(shape),
        component=str(component),
        nodes=ResultNodes(focus, path, value, source_shape, component, texts, severity, source_constraint),
    )


def sort_results(results: list[Result]) -> list[Result]:
    return sorted(results, key=lambda r: (r.severity != "Violation", r.shape or "", r.focus, r.path or "",
                                          r.value or "", r.component or "", r.message))


def _copy_path(shapes: Graph | None, path: Node, into: Graph) -> None:
    """Copy the triples describing a blank-node path (SHACL §2.3.1) into the report."""
    if shapes is None or not isinstance(path, BNode):
        return
    for p, o in shapes.predicate_objects(path):
        into.add((path, p, o))
        _copy_path(shapes, o, into)


def report_graph(results: list[Result], shapes: Graph | None = None) -> Graph:
    """The validation report (SHACL §3.6.1) with one ``sh:ValidationResult`` per result (§3.6.2)."""
    graph = Graph()
    graph.bind("sh", SH)
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(not results)))
    for result in results:
        nodes = result.nodes
        node = BNode()
        graph.add((report, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        severity = nodes.severity if nodes is not None and nodes.severity is not None else None
        graph.add((node, SH.resultSeverity, severity or SEVERITY_IRIS.get(result.severity, URIRef(result.severity))))
        if nodes is None:  # a result made by hand: its words are all there is
            graph.add((node, SH.focusNode, URIRef(result.focus)))
            graph.add((node, SH.resultMessage, Literal(result.message)))
            continue
        graph.add((node, SH.focusNode, nodes.focus))
        graph.add((node, SH.sourceShape, nodes.source_shape))
        graph.add((node, SH.sourceConstraintComponent, nodes.component))
        if nodes.source_constraint is not None:
            graph.add((node, SH.sourceConstraint, nodes.source_constraint))
        if nodes.path is not None:
            graph.add((node, SH.resultPath, nodes.path))
            _copy_path(shapes, nodes.path, graph)
        if nodes.value is not None:
            graph.add((node, SH.value, nodes.value))
        for message in nodes.messages or (Literal(result.message),):
            graph.add((node, SH.resultMessage, message))
    return graph
