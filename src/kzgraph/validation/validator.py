"""SHACL validation of the kzgraph data against the shapes in ontology/shapes/ (W3C SHACL).

Two engines give the same results (tests/test_shapes.py and tests/test_shacl_engines.py check this):

* ``"sparql"`` (the default): every SHACL Core constraint and every SHACL-SPARQL constraint is compiled
  into a SPARQL query over all focus nodes at once and evaluated on the Oxigraph store
  (:mod:`kzgraph.validation.shacl.sparql_engine`). Shapes it does not implement are refused with
  :class:`UnsupportedShapeError`, never skipped.
* ``"pyshacl"``: pySHACL evaluates every shape (:mod:`kzgraph.validation.shacl.pyshacl_engine`); the reference.

Entry points, used alike by ``kzgraph build``, ``kzgraph validate`` and the SPARQL endpoint:

* ``validate_store(kg, shapes=None, engine="sparql", focus=None) -> Report`` validates what a
  :class:`~kzgraph.store.local.KnowledgeGraph` holds, in place (no copy on an Oxigraph store); ``focus`` limits
  the SHACL Core constraints to some focus nodes.
* ``validate_changes(kg, previous, added, removed, shapes=None) -> Report`` validates a store after a
  change: only the focus nodes the change can affect are checked again (:func:`affected_focus`), and the
  other results are taken from ``previous``, the report before the change. The result equals a full
  validation.
* ``validate_graph(graph, shapes=None, engine="sparql") -> Report`` validates an rdflib graph (for the
  sparql engine, copied into an Oxigraph store first).

A :class:`Report` lists :class:`Result` values and writes the standard ``sh:ValidationReport``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.query import ResultRow
from rdflib.term import Node

from kzgraph.store.loading import ONTOLOGY_DIR, load_files
from kzgraph.validation.shacl import pyshacl_engine, sparql_engine
from kzgraph.validation.shacl.results import SEVERITIES, SH, Report, Result, sort_results
from kzgraph.validation.shacl.shapes import Constraint, InvalidShapeError, UnsupportedShapeError

if TYPE_CHECKING:
    from kzgraph.store.local import KnowledgeGraph

#: A triple added to or removed from a store.
Triple = tuple[Node, Node, Node]

__all__ = ["DEFAULT_ENGINE", "ENGINES", "SEVERITIES", "SH", "SHAPES_DIR", "InvalidShapeError", "Report", "Result",
           "UnsupportedShapeError", "affected_focus", "shapes_graph", "validate_changes", "validate_graph",
           "validate_store"]

SHAPES_DIR = ONTOLOGY_DIR / "shapes"
ENGINES = ("sparql", "pyshacl")
DEFAULT_ENGINE = "sparql"


def shapes_graph(folder: Path = SHAPES_DIR) -> Graph:
    """The shapes graph: every Turtle file of ontology/shapes/."""
    return load_files(sorted(folder.glob("*.ttl")))


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}; choose one of {', '.join(ENGINES)}")


def _oxigraph_copy(triples: Iterable[Triple]) -> KnowledgeGraph:
    """A fresh Oxigraph store holding the triples (the sparql engine's queries need Oxigraph's SPARQL)."""
    from kzgraph.store.local import open as open_store

    kg: KnowledgeGraph = open_store("oxigraph")
    target = kg.graph(URIRef("urn:x-kzgraph:validation"))
    target.addN((s, p, o, target) for s, p, o in triples)
    return kg


def validate_graph(data: Graph, shapes: Graph | None = None, engine: str = DEFAULT_ENGINE) -> Report:
    """Validate an rdflib graph holding the data and the ontology (with the derived class closure)."""
    _check_engine(engine)
    shapes = shapes if shapes is not None else shapes_graph()
    if engine == "pyshacl":
        return Report(sort_results(pyshacl_engine.validate(data, shapes)), shapes)
    originals = sparql_engine.originals(data)  # the literals the store keeps in another form
    return Report(sort_results(sparql_engine.validate(shapes, _oxigraph_copy(data).query, originals=originals)), shapes)


def validate_store(kg: KnowledgeGraph, shapes: Graph | None = None, engine: str = DEFAULT_ENGINE,
                   focus: Iterable[Node] | None = None) -> Report:
    """Validate the union of a store's named graphs, where it is.

    ``focus`` limits the SHACL Core constraints to these focus nodes (the SHACL-SPARQL constraints, whose
    queries may read any part of the graph, check all theirs); sparql engine only.
    """
    _check_engine(engine)
    shapes = shapes if shapes is not None else shapes_graph()
    if engine == "pyshacl":
        if focus is not None:
            raise ValueError("the pyshacl engine validates whole graphs only")
        from kzgraph.store.local import union_graph

        return Report(sort_results(pyshacl_engine.validate(union_graph(kg), shapes)), shapes)
    originals = None
    if kg.backend.startswith("oxigraph"):
        query = kg.query
    else:
        originals = sparql_engine.originals(kg.dataset.triples((None, None, None)))
        query = _oxigraph_copy(kg.dataset.triples((None, None, None))).query
    restrict = "" if focus is None else _restriction(kg, set(focus))
    return Report(sort_results(sparql_engine.validate(shapes, query, restrict, originals=originals)), shapes)


# -- validating a change ----------------------------------------------------------------------------

def _restriction(kg: KnowledgeGraph, nodes: set[Node]) -> str:
    """A pattern binding ``?this`` to the given nodes.

    A query cannot name a blank node, so blank nodes are reached from the IRIs that link to them; this
    binds ``?this`` to every blank node those IRIs link to, a superset that :func:`_validated` lists.
    """
    named = sorted((n for n in nodes if not isinstance(n, BNode)), key=str)
    anchors: set[URIRef] = set()
    for node in nodes:
        if isinstance(node, BNode):
            parents = {s for s in kg.dataset.subjects(None, node) if isinstance(s, URIRef)}
            if not parents:
                raise _Unreachable(node)
            anchors |= parents
    branches: list[str] = []
    if named:
        branches.append("{ VALUES ?this { " + " ".join(n.n3() for n in named) + " } }")
    if anchors:
        branches.append("{ VALUES ?_anchor { " + " ".join(a.n3() for a in sorted(anchors)) + " } "
                        "?_anchor ?_link ?this . FILTER(isBlank(?this)) }")
    return "{ " + (" UNION ".join(branches) or "FILTER(false)") + " }"


class _Unreachable(Exception):
    """A blank node that no IRI links to: a change touching it is validated in full."""


def _validated(kg: KnowledgeGraph, restrict: str) -> set[Node]:
    """The nodes a restriction binds ``?this`` to (named nodes whether or not the store holds them)."""
    nodes: set[Node] = set()
    for row in kg.query(f"SELECT DISTINCT ?this WHERE {restrict}"):
        nodes.add(cast(ResultRow, row)[0])
    return nodes


def _reach(compiler: sparql_engine.Compiler) -> int | None:
    """How many steps from a focus node the shapes' Core constraints read triples (None: no bound).

    A step is one triple along a path; 0 means the focus node's own triples (its types for sh:class, its
    values for counts). Inverse and repeated paths make the reach unbounded.
    """
    def known(lengths: list[int | None]) -> list[int] | None:
        """The lengths if every one is bounded, else None."""
        bounded = [length for length in lengths if length is not None]
        return bounded if len(bounded) == len(lengths) else None

    def path_length(path: Node | None) -> int | None:
        """Steps of a predicate or sequence path (SHACL §2.3.1.1); alternatives take the longest."""
        if isinstance(path, URIRef):
            return 1
        graph = compiler.graph
        if graph.value(path, RDF.first) is not None:
            steps = known([path_length(p) for p in Collection(graph, cast(BNode, path))])
            return None if steps is None else sum(steps)
        alternatives = graph.value(path, SH.alternativePath)
        if alternatives is not None:
            steps = known([path_length(p) for p in Collection(graph, cast(BNode, alternatives))])
            return None if steps is None else max(steps)
        return None  # inverse, zero-or-more, one-or-more, zero-or-one

    def shape_reach(node: Node, stack: tuple[Node, ...] = ()) -> int | None:
        if node in stack:
            return None
        shape = compiler.shape(node)
        stack = (*stack, node)
        length = path_length(shape.path) if shape.is_property_shape else 0  # a node shape reads its node
        if length is None:
            return None
        inner = known([value_reach(c, stack) for c in shape.constraints]
                      + [shape_reach(p, stack) for p in shape.properties])
        return None if inner is None else max([length - 1] + [length + reach for reach in inner])

    def value_reach(constraint: Constraint, stack: tuple[Node, ...]) -> int | None:
        value = constraint.value
        if constraint.validator is not None:
            return None  # a component of one's own (SHACL §6): its queries may read anything
        if constraint.component in (SH.ClassConstraintComponent, SH.ClosedConstraintComponent,
                                    SH.EqualsConstraintComponent, SH.DisjointConstraintComponent,
                                    SH.LessThanConstraintComponent, SH.LessThanOrEqualsConstraintComponent):
            return 0  # the value node's own triples (sh:closed) or the focus node's (§4.5, read at 0 too)
        if constraint.component in (SH.NodeConstraintComponent, SH.NotConstraintComponent):
            return shape_reach(value, stack)
        if constraint.component in (SH.AndConstraintComponent, SH.OrConstraintComponent,
                                    SH.XoneConstraintComponent):
            reaches = known([shape_reach(s, stack) for s in value])
            return None if reaches is None else max(reaches, default=-1)
        if constraint.component in (SH.QualifiedMinCountConstraintComponent,
                                    SH.QualifiedMaxCountConstraintComponent):
            reaches = known([shape_reach(s, stack) for s in (value[0], *constraint.siblings)])  # siblings: §4.7.3
            return None if reaches is None else max(reaches)
        return -1

    reaches = known([shape_reach(node) for node, shape in compiler.shapes.items() if shape.targets])
    return None if reaches is None else max(reaches, default=0)


def affected_focus(kg: KnowledgeGraph, added: Iterable[Triple], removed: Iterable[Triple],
                   shapes: Graph | None = None,
                   compiler: sparql_engine.Compiler | None = None) -> set[Node] | None:
    """The nodes whose SHACL Core results a change can alter, or None when only a full validation can say.

    A node is affected when it is the subject of a changed triple (or its object, where shapes target the
    objects of a property), or reaches such a subject in at most as many steps as the shapes read from a
    focus node (:func:`_reach`); steps are followed backwards in the store after the change (a removed
    step is itself a changed triple, nearer to the node). A change of ``rdfs:subClassOf`` alters class
    membership everywhere, and inverse or repeated paths read in any direction: None. ``compiler``: the
    shapes already compiled (:class:`~kzgraph.validation.shacl.sparql_engine.Compiler`), instead of ``shapes``.
    """
    changed = [*added, *removed]
    if any(p == RDFS.subClassOf for _, p, _ in changed):
        return None
    compiler = compiler or sparql_engine.Compiler(shapes if shapes is not None else shapes_graph())
    reach = _reach(compiler)
    if reach is None:
        return None
    frontier = {s for s, _, _ in changed}
    if any(kind == SH.targetObjectsOf for shape in compiler.shapes.values() for kind, _ in shape.targets):
        frontier |= {o for _, _, o in changed}
    affected = set(frontier)
    for _ in range(max(reach, 0)):
        frontier = {s for node in frontier if not isinstance(node, Literal)
                    for s in kg.dataset.subjects(None, node)} - affected
        affected |= frontier
    return affected


def validate_changes(kg: KnowledgeGraph, previous: Report, added: Iterable[Triple], removed: Iterable[Triple],
                     shapes: Graph | None = None) -> Report:
    """Validate a store after triples were added and removed, given the report from before the change.

    Only the focus nodes the change can affect are checked again; the results of the others are kept
    from ``previous``; every SHACL-SPARQL constraint runs again. Equal to ``validate_store(kg, shapes)``.
    """
    shapes = shapes if shapes is not None else shapes_graph()
    compiler = sparql_engine.Compiler(shapes)  # read once, for the affected nodes and for the checks
    nodes = affected_focus(kg, added, removed, compiler=compiler)
    try:
        restrict = None if nodes is None else _restriction(kg, nodes)
    except _Unreachable:
        restrict = None
    if restrict is None:
        return validate_store(kg, shapes)
    validated = _validated(kg, restrict)
    fresh = sparql_engine.validate(shapes, kg.query, restrict, compiler)
    kept = [r for r in previous.results
            if r.component != str(SH.SPARQLConstraintComponent) and r.nodes is not None
            and r.nodes.focus not in validated]
    return Report(sort_results(kept + fresh), shapes)

