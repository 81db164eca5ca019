"""The ``sparql`` engine: SHACL shapes compiled into SPARQL queries over all focus nodes at once.

Every constraint of a shape with targets becomes one SELECT query that returns the focus nodes (and value
nodes) that break it, evaluated by the store's SPARQL engine (Oxigraph for kzgraph) over the whole graph,
instead of a check per focus node and value node as in a validator written in Python. The definitions
follow W3C SHACL (https://www.w3.org/TR/shacl/), cited per component below:

* focus nodes (§2.1.3): ``sh:targetClass`` through ``rdf:type/rdfs:subClassOf*`` (SHACL instances,
  §2.1.3.3, also for a shape that is itself a class), ``sh:targetNode``, ``sh:targetSubjectsOf``,
  ``sh:targetObjectsOf``; each focus node once;
* value nodes (§2.3.2): the focus node for a node shape, the values of the path (§2.3.1, compiled into a
  SPARQL property path) for a property shape;
* a constraint's results (§3.6.2) carry the focus node, the path of a property shape, the value node where
  the component's definition names one, the source shape and constraint component, the shape's severity
  (§2.1.5, ``sh:Violation`` by default) and its messages (§2.1.5; an English default otherwise);
* shapes reached through ``sh:node``, ``sh:not``, ``sh:and``, ``sh:or``, ``sh:xone`` and
  ``sh:qualifiedValueShape`` are compiled into a SPARQL expression that is true exactly when a node
  conforms to the shape (§3.4), nested as deep as the shapes are; a deactivated shape (§2.1.6) conforms;
* SHACL-SPARQL constraints (§5), of node and property shapes, run once over all focus nodes: the
  pre-bound ``$this`` (§5.3.1) becomes a variable, and every group of the query that mentions it is joined
  with the shape's focus nodes (:func:`prebind`), which refuses what §5.2 forbids.

A query over the values of a predicate path that exist starts from the predicate's triples and keeps those
of focus nodes (few facts have a ``kz:quantity``); a query that a missing value breaks starts from the
focus nodes.

The one part evaluated outside SPARQL is whether a literal is ill-typed (§4.1.2): SPARQL has no test for
it, so the literals of the constrained datatypes are read once and checked with rdflib's lexical-to-value
mapping, the one pySHACL relies on (:func:`well_formed`); the ill-typed ones are named in the queries.

Oxigraph keeps typed literals in a canonical form (:func:`stored_forms`). Where the data was copied into
the store, the literals it changed are known (:func:`originals`): the tests that read a literal's datatype,
lexical form or identity read the data's literal, and results name it.

:mod:`kzgraph.validation.shacl.shapes` refuses any shape this engine does not implement.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import cast

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import XSD
from rdflib.query import Result as Answer
from rdflib.query import ResultRow
from rdflib.term import Node

from kzgraph.validation.shacl.results import SH, Result, make_result, sparql_path
from kzgraph.validation.shacl.shapes import (
    Constraint,
    InvalidShapeError,
    Shape,
    SparqlConstraint,
    UnsupportedShapeError,
    read_shapes,
)
from kzgraph.validation.shacl.shapes import _refuse as refuse

TYPE_PATH = f"{RDF.type.n3()}/{RDFS.subClassOf.n3()}*"
#: Datatypes whose literals are never ill-typed: any string is a lexical form of xsd:string, and any
#: language-tagged string is an rdf:langString.
STRING_TYPES = {XSD.string, RDF.langString}
#: Counting distinct values inside an expression joins the path once per value counted; beyond this the
#: query is refused rather than made slow.
MAX_NESTED_COUNT = 8

#: The components whose constraint holds or fails for each value node on its own (SHACL §4.1, §4.3,
#: §4.4, §4.6, §4.7.1, §4.8.3): one result per failing value node, with the value as ``sh:value``.
VALUE_COMPONENTS = {SH.ClassConstraintComponent, SH.DatatypeConstraintComponent, SH.NodeKindConstraintComponent,
                    SH.MinInclusiveConstraintComponent, SH.MaxInclusiveConstraintComponent,
                    SH.MinExclusiveConstraintComponent, SH.MaxExclusiveConstraintComponent,
                    SH.MinLengthConstraintComponent, SH.MaxLengthConstraintComponent,
                    SH.PatternConstraintComponent, SH.LanguageInConstraintComponent, SH.InConstraintComponent,
                    SH.NodeConstraintComponent, SH.NotConstraintComponent, SH.AndConstraintComponent,
                    SH.OrConstraintComponent, SH.XoneConstraintComponent}

NODE_KIND_TESTS = {
    SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))", SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
#: sh:lessThan and sh:lessThanOrEquals (SHACL §4.5.3, §4.5.4): the SPARQL operator a value must satisfy
#: against each value of the other property; an error (values that cannot be compared) fails it.
COMPARISONS = {SH.LessThanConstraintComponent: "<", SH.LessThanOrEqualsConstraintComponent: "<="}
#: Components whose results carry another value than the focus node even on a node shape.
PAIR_COMPONENTS = {SH.EqualsConstraintComponent, SH.DisjointConstraintComponent, SH.LessThanConstraintComponent,
                   SH.LessThanOrEqualsConstraintComponent, SH.UniqueLangConstraintComponent,
                   SH.ClosedConstraintComponent}
RANGE_OPERATORS = {SH.MinInclusiveConstraintComponent: "<=", SH.MaxInclusiveConstraintComponent: ">=",
                   SH.MinExclusiveConstraintComponent: "<", SH.MaxExclusiveConstraintComponent: ">"}

#: How the engine reads the data: a SPARQL query's text in, rdflib query results out.
Query = Callable[[str], Answer]


def rows(answer: Answer) -> Iterator[ResultRow]:
    """The solutions of a SELECT answer (rdflib types its rows together with CONSTRUCT triples and ASK)."""
    return (cast(ResultRow, row) for row in answer)


@dataclass(frozen=True)
class Focus:
    """The focus nodes of a shape: ``bind(var)`` is a pattern binding ``var`` once to each of them;
    ``member(var)``, where given, an expression true when the node bound to ``var`` is one of them."""

    bind: Callable[[str], str]
    member: Callable[[str], str] | None = None
    #: Further variables ``bind`` binds and the checks project: the focus nodes of the shapes above, for
    #: the property shapes of a property shape (§4.7.2), whose results repeat for each of those.
    extra: str = ""


def not_one_of(v: str, terms: tuple[Node, ...]) -> str:
    """An expression true when ``v`` is none of the terms (Oxigraph 0.5 makes ``NOT IN ()`` false)."""
    return "!(" + " || ".join(f"sameTerm({v}, {t.n3()})" for t in terms) + ")" if terms else "true"


def sparql_string(text: str) -> str:
    """A SPARQL string literal (SPARQL 1.1 §19.7 escapes)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def nullable(graph: Graph, path: Node) -> bool:
    """Whether a SHACL path (§2.3.1) can have length zero, reaching the node it starts from."""
    if isinstance(path, URIRef):
        return False
    if graph.value(path, RDF.first) is not None:
        return all(nullable(graph, p) for p in Collection(graph, path))
    if graph.value(path, SH.zeroOrMorePath) is not None or graph.value(path, SH.zeroOrOnePath) is not None:
        return True
    for predicate in (SH.inversePath, SH.oneOrMorePath):
        inner = graph.value(path, predicate)
        if inner is not None:
            return nullable(graph, inner)
    alternatives = graph.value(path, SH.alternativePath)
    return alternatives is not None and any(nullable(graph, p) for p in Collection(graph, alternatives))


#: Integer datatypes derived from xsd:integer with their bounds (XML Schema 2 §3.4): rdflib reads
#: "300"^^xsd:byte as 300, which is not a byte.
INTEGER_BOUNDS = {
    XSD.byte: (-2**7, 2**7 - 1), XSD.short: (-2**15, 2**15 - 1), XSD.int: (-2**31, 2**31 - 1),
    XSD.long: (-2**63, 2**63 - 1), XSD.unsignedByte: (0, 2**8 - 1), XSD.unsignedShort: (0, 2**16 - 1),
    XSD.unsignedInt: (0, 2**32 - 1), XSD.unsignedLong: (0, 2**64 - 1), XSD.positiveInteger: (1, None),
    XSD.nonNegativeInteger: (0, None), XSD.negativeInteger: (None, -1), XSD.nonPositiveInteger: (None, 0),
}
#: The Python values rdflib gives the literals of well-formed lexical forms, for the datatypes where it
#: accepts more than XML Schema does ("2011-01-01"^^xsd:dateTime becomes a date).
VALUE_TYPES = {XSD.integer: int, XSD.decimal: Decimal, XSD.float: float, XSD.double: float,
               XSD.date: date, XSD.dateTime: datetime, XSD.time: time}
BOOLEAN_FORMS = {"true", "false", "1", "0"}


def well_formed(literal: Literal) -> bool:
    """Not ill-typed (RDF 1.1 §3.3): rdflib maps the lexical form to a value of its datatype, a value of
    the right kind and, for the bounded integer datatypes, within the bounds."""
    if getattr(literal, "ill_typed", None) is True:
        return False
    datatype, value = literal.datatype, literal.value
    if datatype == XSD.boolean:
        return str(literal) in BOOLEAN_FORMS
    if datatype in INTEGER_BOUNDS:
        low, high = INTEGER_BOUNDS[datatype]
        return isinstance(value, int) and (low is None or value >= low) and (high is None or value <= high)
    kind = VALUE_TYPES.get(datatype) if datatype is not None else None
    if kind is None:
        return True
    if kind is date:
        return isinstance(value, date) and not isinstance(value, datetime)
    return isinstance(value, kind) and not isinstance(value, bool)


def has_datatype(literal: Node, datatype: URIRef) -> bool:
    """Whether a term of the data satisfies ``sh:datatype`` (§4.1.2): a literal of the datatype (a string
    without one is an xsd:string, a string with a language an rdf:langString) that is not ill-typed."""
    if not isinstance(literal, Literal):
        return False
    own = literal.datatype or (RDF.langString if literal.language else XSD.string)
    return own == datatype and well_formed(literal)


def rdf_term(term: Node) -> Node:
    """A term as RDF 1.1 has it: ``"a"`` and ``"a"^^xsd:string`` are one term, which rdflib keeps apart."""
    if isinstance(term, Literal) and term.datatype == XSD.string and term.language is None:
        return Literal(str(term))
    return term


def stored_forms(literals: Iterable[Literal]) -> dict[Literal, Literal]:
    """The term an Oxigraph store keeps for each literal. Oxigraph keeps a typed literal of a datatype it
    knows in a canonical form: "4.0"^^xsd:decimal as "4", "1"^^xsd:byte as "1"^^xsd:integer,
    "2011-01-01"^^xsd:dateTime as "2011-01-01T00:00:00"; its SPARQL sees the canonical form, also of
    the constants in a query."""
    from kzgraph.store import open as open_store  # the store module needs nothing of this one

    literals = sorted(set(literals), key=lambda t: (str(t), str(t.datatype), str(t.language)))
    if not literals:
        return {}
    kg = open_store("oxigraph")
    graph = kg.graph(URIRef("urn:x-kzgraph:literals"))
    value = URIRef("urn:x-kzgraph:value")
    graph.addN((URIRef(f"urn:x-kzgraph:literal:{i}"), value, literal, graph) for i, literal in enumerate(literals))
    forms = {}
    for subject, stored in kg.query(f"SELECT ?s ?o WHERE {{ GRAPH ?g {{ ?s {value.n3()} ?o }} }}"):
        forms[literals[int(str(subject).rsplit(":", 1)[1])]] = stored
    return forms


def originals(triples: Iterable[tuple[Node, Node, Node]]) -> dict[Literal, Literal]:
    """The literals of the triples that a store keeps in another form: stored form -> the literal.

    Raises :class:`UnsupportedShapeError` when two literals become one term in the store (``"1"^^xsd:byte``
    and ``"01"^^xsd:integer``): their triples are merged there, and no query can tell them apart.
    """
    forms = stored_forms(o for _, _, o in triples if isinstance(o, Literal))
    found: dict[Literal, Literal] = {}
    by_form: dict[Node, set[Node]] = {}
    for literal, stored in forms.items():
        by_form.setdefault(rdf_term(stored), set()).add(rdf_term(literal))
        if rdf_term(stored) != rdf_term(literal):
            found[stored] = literal
    for form, terms in by_form.items():
        if len(terms) > 1:
            shown = " and ".join(sorted(t.n3() for t in terms))
            raise UnsupportedShapeError(f"the data holds {shown}, which an Oxigraph store keeps as one term "
                                        f"{form.n3()}; the sparql engine cannot tell them apart; validate "
                                        "with --engine pyshacl instead")
    return found


def rewritten_datatypes(datatypes: Iterable[URIRef]) -> set[URIRef]:
    """The datatypes whose well-formed literals an Oxigraph store keeps under another datatype
    ("1"^^xsd:byte as "1"^^xsd:integer): no literal in the store has them."""
    return set(_rewritten(tuple(sorted(set(datatypes)))))


@functools.lru_cache(maxsize=64)
def _rewritten(datatypes: tuple[URIRef, ...]) -> frozenset[URIRef]:
    log = logging.getLogger("rdflib.term")  # rdflib logs (and warns of) each probe not of its datatype
    level, log.level = log.level, logging.CRITICAL
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            probes = [Literal(form, datatype=d) for d in datatypes for form in ("1", "-1", "P1M", "PT1S", "2000-01-01")]
    finally:
        log.level = level
    return frozenset(datatype for probe, stored in stored_forms(probes).items()
                     if (datatype := probe.datatype) is not None and stored.datatype != datatype)


@dataclass(frozen=True)
class Check:
    """One compiled constraint: a query whose solutions are the results of one shape's constraint.

    ``value`` says where a result's ``sh:value`` comes from: the ``?value`` of the solution, the focus
    node (node shapes, SHACL §2.3.2), or nowhere (counts, ``sh:hasValue``, ``sh:uniqueLang``).
    """

    shape: Shape
    component: URIRef
    query: str
    value: str  # "value", "focus" or "none"
    sparql: SparqlConstraint | None = None
    path: str = "shape"  # the result path: the shape's, or "row": the solution's ?path (sh:closed)
    #: A constraint component of one's own (§6.3): its messages (templates), its parameters' values, and
    #: whether the solutions are those of its SELECT validator.
    templates: tuple[Literal, ...] | None = None
    bindings: tuple[tuple[str, Node], ...] = ()
    selected: bool = False


class Compiler:
    """Compiles the shapes of a shapes graph into :class:`Check` queries."""

    def __init__(self, shapes_graph: Graph):
        self.graph = shapes_graph
        self.shapes = read_shapes(shapes_graph)
        self.ill_typed: dict[URIRef, set[Literal]] = {}
        self.subclasses: dict[URIRef, set[URIRef]] = {}
        self.originals: dict[Literal, Literal] = {}
        self._stored: dict[Literal, Literal] | None = None
        self._names = itertools.count()

    def read_data(self, query: Query, originals: dict[Literal, Literal] | None = None) -> None:
        """Read what the queries need to know of the data: its ill-typed literals of the datatypes the
        shapes name, and the sub-classes of the target classes.

        ``originals`` maps the literals the store keeps in another form (:func:`stored_forms`) to the
        literals of the data, where the data was copied into the store (:func:`originals`); None: the data
        is what the store holds, and no literal in it has a datatype the store rewrites, so a
        ``sh:datatype`` naming one is refused rather than failing every value.
        """
        datatypes = self.datatypes()
        if originals is None:
            rewritten = rewritten_datatypes(datatypes)
            if rewritten:
                shown = ", ".join(sorted("xsd:" + d[len(str(XSD)):] if d.startswith(str(XSD)) else d.n3()
                                         for d in rewritten))
                raise UnsupportedShapeError(f"sh:datatype {shown}: an Oxigraph store keeps these literals as "
                                            "xsd:integer, so the sparql engine cannot tell which values had the "
                                            "datatype; validate the data files with --engine pyshacl instead")
        elif originals and any(shape.sparql for shape in self.shapes.values()):
            example = next(iter(sorted(originals.values(), key=str)))
            raise UnsupportedShapeError(f"the data holds literals that an Oxigraph store keeps in another form "
                                        f"(such as {example.n3()}), which the queries of SHACL-SPARQL constraints "
                                        "would see; validate with --engine pyshacl instead")
        self.originals = originals or {}
        if self._stored is None:  # the shapes' constants as the store keeps them, read once
            self._stored = stored_forms(t for t in self.constants() if isinstance(t, Literal))
        self.ill_typed = ill_typed_literals(query, datatypes)
        self.subclasses = subclasses(query, self.target_classes())

    def constants(self) -> set[Node]:
        """The terms the shapes compare values with (sh:in, sh:hasValue, sh:targetNode)."""
        found: set[Node] = set()
        for shape in self.shapes.values():
            found.update(target for kind, target in shape.targets if kind == SH.targetNode)
            for constraint in shape.constraints:
                if constraint.component == SH.InConstraintComponent:
                    found.update(constraint.value)
                elif constraint.component == SH.HasValueConstraintComponent:
                    found.add(constraint.value)
        return found

    # -- the data's terms, where the store keeps another form -------------------------------------

    def same_term(self, v: str, term: Node) -> str:
        """An expression true when the node bound to ``v`` is ``term`` in the data (RDF term equality).

        The store's SPARQL compares the canonical forms of literals ("1.0"^^xsd:decimal is "1" there):
        a constant whose canonical form is not that of a literal of the data with this very form matches
        nothing.
        """
        if not isinstance(term, Literal):
            return f"sameTerm({v}, {term.n3()})"
        stored = (self._stored or {}).get(term, term)
        original = self.originals.get(stored, stored)
        if rdf_term(original) != rdf_term(term):
            return "false"
        return f"sameTerm({v}, {stored.n3()})"

    def lexical(self, v: str) -> str:
        """The lexical form of the node bound to ``v`` in the data (``STR``, SPARQL 1.1 §17.4.2.5)."""
        text = f"STR({v})"
        for stored, original in sorted(self.originals.items(), key=lambda item: str(item[0])):
            if str(stored) != str(original):
                text = f"IF(sameTerm({v}, {stored.n3()}), {sparql_string(str(original))}, {text})"
        return text

    def datatype_test(self, v: str, datatype: URIRef) -> str:
        """``sh:datatype`` (§4.1.2): a literal of the datatype, not ill-typed, as the data has it."""
        test = f"isLiteral({v}) && datatype({v}) = {datatype.n3()}"
        for bad in sorted(self.ill_typed.get(datatype, ()), key=str):
            test += f" && !sameTerm({v}, {bad.n3()})"
        wrong = [s for s, o in self.originals.items() if s.datatype == datatype and not has_datatype(o, datatype)]
        right = [s for s, o in self.originals.items() if has_datatype(o, datatype)]
        for stored in sorted(wrong, key=str):
            test += f" && !sameTerm({v}, {stored.n3()})"
        test = f"COALESCE({test}, false)"
        if right:
            test = "(" + " || ".join(f"sameTerm({v}, {s.n3()})" for s in sorted(right, key=str)) + f" || {test})"
        return test

    # -- naming ---------------------------------------------------------------------------------------

    def fresh(self, stem: str = "v") -> str:
        return f"?_{stem}{next(self._names)}"

    def shape(self, node: Node) -> Shape:
        try:
            return self.shapes[node]
        except KeyError:
            raise UnsupportedShapeError(f"{node.n3()} is used as a shape but is not one") from None

    def path_node(self, shape: Shape) -> Node:
        """The path of a property shape (SHACL §2.3.1); the compiler asks it of property shapes only."""
        if shape.path is None:
            raise ValueError(f"shape {shape.node.n3()} is a node shape, without a path")
        return shape.path

    def path(self, shape: Shape) -> str:
        return sparql_path(self.graph, self.path_node(shape))

    # -- what the shapes need from the data ---------------------------------------------------------

    def target_classes(self) -> set[URIRef]:
        return {target for s in self.shapes.values() for kind, target in s.targets
                if kind == SH.targetClass and isinstance(target, URIRef)}  # shapes.py refuses other class targets

    def datatypes(self) -> set[URIRef]:
        """The datatypes of sh:datatype whose literals may be ill-typed."""
        return {c.value for s in self.shapes.values() for c in s.constraints
                if c.component == SH.DatatypeConstraintComponent and c.value not in STRING_TYPES}

    # -- conformance of one node, as an expression (SHACL §3.4) -----------------------------------

    def value_test(self, constraint: Constraint, v: str, stack: tuple[Node, ...]) -> str:
        """A SPARQL expression, never an error, true when value node ``v`` satisfies the constraint."""
        component, value = constraint.component, constraint.value
        if component == SH.ClassConstraintComponent:  # §4.1.1: a SHACL instance of the class
            return f"EXISTS {{ {v} {TYPE_PATH} {value.n3()} }}"
        if component == SH.DatatypeConstraintComponent:  # §4.1.2: the datatype, and not ill-typed
            return self.datatype_test(v, value)
        if component == SH.NodeKindConstraintComponent:  # §4.1.3
            return NODE_KIND_TESTS[value].format(v=v)
        if component in RANGE_OPERATORS:  # §4.3: the SPARQL comparison "$min <= v" and so on
            return f"COALESCE({value.n3()} {RANGE_OPERATORS[component]} {v}, false)"
        if component == SH.MinLengthConstraintComponent:  # §4.4.1: STRLEN(str(v)), never a blank node
            return f"COALESCE(!isBlank({v}) && STRLEN({self.lexical(v)}) >= {value}, false)"
        if component == SH.MaxLengthConstraintComponent:
            return f"COALESCE(!isBlank({v}) && STRLEN({self.lexical(v)}) <= {value}, false)"
        if component == SH.PatternConstraintComponent:  # §4.4.3: REGEX(str(v), pattern, flags)
            return (f"COALESCE(!isBlank({v}) && REGEX({self.lexical(v)}, {sparql_string(str(value))}, "
                    f"{sparql_string(constraint.flags)}), false)")
        if component == SH.LanguageInConstraintComponent:  # §4.4.4: langMatches with each range
            tests = " || ".join(f"langMatches(lang({v}), {sparql_string(str(t))})" for t in value) or "false"
            return f"COALESCE(isLiteral({v}) && ({tests}), false)"
        if component == SH.InConstraintComponent:  # §4.8.3: one of the members, as the same RDF term
            return "(" + (" || ".join(self.same_term(v, t) for t in value) or "false") + ")"
        if component == SH.HasValueConstraintComponent:  # §4.8.2, for a node shape's value node
            return self.same_term(v, value)
        if component == SH.EqualsConstraintComponent:  # §4.5.1: the node is the one value of the property
            x = self.fresh()
            return (f"(EXISTS {{ {v} {value.n3()} {v} }} && "
                    f"NOT EXISTS {{ {v} {value.n3()} {x} FILTER(!sameTerm({x}, {v})) }})")
        if component == SH.DisjointConstraintComponent:  # §4.5.2: the node is not a value of the property
            return f"NOT EXISTS {{ {v} {value.n3()} {v} }}"
        if component == SH.ClosedConstraintComponent:  # §4.8.1: no property but the allowed ones
            p, o = self.fresh("p"), self.fresh("o")
            return f"NOT EXISTS {{ {v} {p} {o} FILTER({not_one_of(p, value)}) }}"
        if component == SH.NodeConstraintComponent:  # §4.7.1
            return self.conforms(value, v, stack)
        if component == SH.NotConstraintComponent:  # §4.6.1
            return f"!({self.conforms(value, v, stack)})"
        if component == SH.AndConstraintComponent:  # §4.6.2
            return "(" + (" && ".join(self.conforms(s, v, stack) for s in value) or "true") + ")"
        if component == SH.OrConstraintComponent:  # §4.6.3
            return "(" + (" || ".join(self.conforms(s, v, stack) for s in value) or "false") + ")"
        if component == SH.XoneConstraintComponent:  # §4.6.4: exactly one
            counts = " + ".join(f"IF({self.conforms(s, v, stack)}, 1, 0)" for s in value) or "0"
            return f"({counts}) = 1"
        raise UnsupportedShapeError(f"{component.n3()} is not implemented by the sparql engine")

    def conforms(self, node: Node, v: str, stack: tuple[Node, ...] = ()) -> str:
        """A SPARQL expression true when the node bound to ``v`` conforms to the shape (SHACL §3.4)."""
        if node in stack:
            raise UnsupportedShapeError(f"shape {node.n3()} refers to itself; SHACL §3.4.3 leaves recursive "
                                        "shapes undefined")
        shape = self.shape(node)
        if shape.deactivated:
            return "true"
        stack = (*stack, node)
        if shape.sparql or any(c.validator is not None for c in shape.constraints):
            raise UnsupportedShapeError(f"shape {node.n3()} has a SHACL-SPARQL constraint (§5, or of a component of "
                                        "its own, §6) and is used by another shape; the sparql engine runs those "
                                        "of targeted shapes and their property shapes only")
        tests = []
        if not shape.is_property_shape:
            tests += [self.value_test(c, v, stack) for c in shape.constraints]
            tests += [self.conforms(p, v, stack) for p in shape.properties]
        else:
            for constraint in shape.constraints:
                tests.append(self.property_test(shape, constraint, v, stack))
            for child in shape.properties:
                x = self.fresh()
                tests.append(f"NOT EXISTS {{ {self.reach(v, shape, x)} FILTER(!({self.conforms(child, x, stack)})) }}")
        return "(" + (" && ".join(tests) or "true") + ")"

    def reach(self, subject: str, shape: Shape, value: str) -> str:
        """A pattern binding ``value`` to each value node of the property shape from ``subject`` (§2.3.1),
        inside EXISTS, where ``subject`` is bound (SPARQL 1.1 §18.6, substitution).

        A path that can have length zero reaches ``subject`` itself; Oxigraph leaves that value out for a
        node the graph does not hold (a ``sh:targetNode`` the data does not mention), so it is added.
        """
        path = self.path(shape)
        if nullable(self.graph, self.path_node(shape)):
            return f"{{ {subject} {path} {value} . }} UNION {{ BIND({subject} AS {value}) }}"
        return f"{subject} {path} {value} ."

    def qualifies(self, constraint: Constraint, v: str, stack: tuple[Node, ...]) -> str:
        """A value counted by a qualified cardinality (§4.7.3): it conforms to the qualified value shape and,
        with ``sh:qualifiedValueShapesDisjoint true``, to none of the sibling shapes."""
        tests = [self.conforms(constraint.value[0], v, stack)]
        tests += [f"!({self.conforms(sibling, v, stack)})" for sibling in constraint.siblings]
        return "(" + " && ".join(tests) + ")"

    def has_value(self, subject: str, shape: Shape, value: str) -> str:
        """An expression true when the bound ``value`` is a value node of the property shape from the bound
        ``subject`` (§2.3.1)."""
        exists = f"EXISTS {{ {subject} {self.path(shape)} {value} }}"
        return f"(sameTerm({subject}, {value}) || {exists})" if nullable(self.graph, self.path_node(shape)) else exists

    def values_of(self, focus: Focus, shape: Shape, value: str = "?value", this: str = "?this") -> str:
        """A pattern binding ``this`` to each focus node and ``value`` to each of its value nodes."""
        path = self.path(shape)
        if isinstance(shape.path, URIRef) and focus.member is not None:
            return f"{this} {path} {value} . FILTER({focus.member(this)})"
        bind = focus.bind(this)
        if nullable(self.graph, self.path_node(shape)):
            return f"{{ {bind} {this} {path} {value} . }} UNION {{ {bind} BIND({this} AS {value}) }}"
        return f"{bind} {this} {path} {value} ."

    def property_test(self, shape: Shape, constraint: Constraint, v: str, stack: tuple[Node, ...]) -> str:
        """A property shape's constraint on the value nodes of node ``v``, as an expression."""
        component, value = constraint.component, constraint.value
        if component in VALUE_COMPONENTS:
            x = self.fresh()
            return f"NOT EXISTS {{ {self.reach(v, shape, x)} FILTER(!({self.value_test(constraint, x, stack)})) }}"
        if component == SH.MinCountConstraintComponent:  # §4.2.1
            return self.at_least(v, shape, value)
        if component == SH.MaxCountConstraintComponent:  # §4.2.2
            return f"!({self.at_least(v, shape, value + 1)})"
        if component == SH.HasValueConstraintComponent:  # §4.8.2
            x = self.fresh()
            return f"EXISTS {{ {self.reach(v, shape, x)} FILTER({self.same_term(x, value)}) }}"
        if component == SH.EqualsConstraintComponent:  # §4.5.1: the same values as the property
            x, y = self.fresh(), self.fresh()
            return (f"(NOT EXISTS {{ {self.reach(v, shape, x)} FILTER NOT EXISTS {{ {v} {value.n3()} {x} }} }} && "
                    f"NOT EXISTS {{ {v} {value.n3()} {y} FILTER(!{self.has_value(v, shape, y)}) }})")
        if component == SH.DisjointConstraintComponent:  # §4.5.2
            x = self.fresh()
            return f"NOT EXISTS {{ {self.reach(v, shape, x)} {v} {value.n3()} {x} . }}"
        if component in COMPARISONS:  # §4.5.3, §4.5.4
            x, y = self.fresh(), self.fresh()
            return (f"NOT EXISTS {{ {self.reach(v, shape, x)} {v} {value.n3()} {y} . "
                    f"FILTER(!COALESCE({x} {COMPARISONS[component]} {y}, false)) }}")
        if component == SH.UniqueLangConstraintComponent:  # §4.4.5: no language tag used twice
            x, y = self.fresh(), self.fresh()
            return (f"NOT EXISTS {{ {{ {self.reach(v, shape, x)} }} {{ {self.reach(v, shape, y)} }} "
                    f"FILTER(!sameTerm({x}, {y}) && lang({x}) != \"\" && LCASE(lang({x})) = LCASE(lang({y}))) }}")
        if component == SH.ClosedConstraintComponent:  # §4.8.1, for each value node
            x = self.fresh()
            return f"NOT EXISTS {{ {self.reach(v, shape, x)} FILTER(!{self.value_test(constraint, x, stack)}) }}"
        if component == SH.QualifiedMinCountConstraintComponent:  # §4.7.3
            return self.at_least(v, shape, value[1], lambda x: self.qualifies(constraint, x, stack))
        if component == SH.QualifiedMaxCountConstraintComponent:
            return f"!({self.at_least(v, shape, value[1] + 1, lambda x: self.qualifies(constraint, x, stack))})"
        raise UnsupportedShapeError(f"{component.n3()} is not implemented by the sparql engine")

    def at_least(self, v: str, shape: Shape, count: int, test: Callable[[str], str] | None = None) -> str:
        """True when ``v`` has at least ``count`` distinct value nodes (passing ``test``)."""
        if count <= 0:
            return "true"
        if count > MAX_NESTED_COUNT:
            raise UnsupportedShapeError(f"a count of {count} in a shape used by another shape is more than the "
                                        f"sparql engine compiles ({MAX_NESTED_COUNT})")
        names = [self.fresh() for _ in range(count)]
        patterns = " ".join("{ " + self.reach(v, shape, x) + " }" for x in names)
        filters = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(names, 2)]
        if test is not None:
            filters += [test(x) for x in names]
        return f"EXISTS {{ {patterns} " + (f"FILTER({' && '.join(filters)}) " if filters else "") + "}"

    # -- the queries of the targeted shapes (SHACL §3.2, §3.3) ------------------------------------

    def focus_pattern(self, shape: Shape, restrict: str = "") -> Focus:
        """The focus nodes of the shape's targets (§2.1.3), each once, within ``restrict``."""
        def branch(kind: URIRef, target: Node, var: str) -> str:
            if kind == SH.targetClass:
                return f"{var} {TYPE_PATH} {target.n3()} ."
            if kind == SH.targetNode:
                return f"VALUES {var} {{ {target.n3()} }}"
            if kind == SH.targetSubjectsOf:
                return f"{var} {target.n3()} {self.fresh('o')} ."
            return f"{self.fresh('s')} {target.n3()} {var} ."

        def bind(var: str) -> str:
            union = " UNION ".join("{ " + branch(kind, target, var) + " }" for kind, target in shape.targets)
            scope = restrict.replace("?this", var) if restrict else ""
            return f"{{ SELECT DISTINCT {var} WHERE {{ {scope} {union} }} }}"

        def member(var: str) -> str:  # unrestricted only: a restriction is few nodes, best bound first
            tests = []
            for kind, target in shape.targets:
                if kind == SH.targetClass and isinstance(target, URIRef) and target in self.subclasses:  # §2.1.3.3
                    t = self.fresh("t")
                    members = ", ".join(c.n3() for c in sorted(self.subclasses[target]))
                    tests.append(f"EXISTS {{ {var} {RDF.type.n3()} {t} . FILTER({t} IN ({members})) }}")
                elif kind == SH.targetNode:
                    tests.append(self.same_term(var, target))
                else:
                    tests.append(f"EXISTS {{ {branch(kind, target, var)} }}")
            return "(" + " || ".join(tests) + ")"

        return Focus(bind) if restrict else Focus(bind, member)

    def checks(self, restrict: str = "") -> list[Check]:
        """The checks of every shape with targets; ``restrict`` (a pattern on ``?this``) limits the focus
        nodes of the SHACL Core constraints (SHACL-SPARQL constraints check all theirs)."""
        checks = []
        for shape in sorted(self.shapes.values(), key=lambda s: str(s.node)):
            if shape.targets and not shape.deactivated:
                every = self.focus_pattern(shape)
                checks += self.shape_checks(shape, self.focus_pattern(shape, restrict) if restrict else every, every)
        return checks

    def shape_checks(self, shape: Shape, focus: Focus, every: Focus | None = None) -> list[Check]:
        """The checks of one shape for its focus nodes (SHACL §3.3); ``every``: all its focus nodes, for
        its SHACL-SPARQL constraints (``focus`` by default)."""
        if shape.deactivated:
            return []
        every = every or focus
        checks = [self.sparql_check(shape, c, every) for c in shape.sparql]
        if not shape.is_property_shape:
            this = focus.bind("?this")
            for constraint in shape.constraints:
                if constraint.validator is not None:
                    checks.append(self.component_check(shape, constraint, focus))
                    continue
                if constraint.component in PAIR_COMPONENTS:  # results name other values than the focus node
                    checks.append(self.pair_check(shape, constraint, focus))
                    continue
                test = self.value_test(constraint, "?this", (shape.node,))
                kind = "none" if constraint.component == SH.HasValueConstraintComponent else "focus"
                checks.append(Check(shape, constraint.component,
                                    f"SELECT ?this {focus.extra} WHERE {{ {this} FILTER(!({test})) }}", kind))
            for child in shape.properties:
                checks += self.shape_checks(self.shape(child), focus, every)
            return checks
        for constraint in shape.constraints:
            if constraint.validator is not None:
                checks.append(self.component_check(shape, constraint, focus))
            elif constraint.component in PAIR_COMPONENTS:
                checks.append(self.pair_check(shape, constraint, focus))
            else:
                checks.append(self.property_check(shape, constraint, focus))
        for child in shape.properties:  # §4.7.2: the value nodes are the focus nodes of the property shape
            checks += self.shape_checks(self.shape(child), self.value_focus(shape, focus),
                                        self.value_focus(shape, every))
        return checks

    def value_focus(self, shape: Shape, focus: Focus) -> Focus:
        """The value nodes of a property shape for the given focus nodes, as the focus nodes of the property
        shapes inside it (§4.7.2)."""
        parent = self.fresh("f")
        extra = f"{focus.extra} {parent}".strip()

        def values(var: str) -> str:
            return (f"{{ SELECT DISTINCT {extra} {var} WHERE "
                    f"{{ {self.values_of(Focus(focus.bind, extra=focus.extra), shape, var, parent)} }} }}")
        return Focus(values, extra=extra)

    def component_check(self, shape: Shape, constraint: Constraint, focus: Focus) -> Check:
        """A constraint of a component of one's own (SHACL §6.3): its parameters are pre-bound (§6.2.1) by
        their values; a SELECT validator runs as a SHACL-SPARQL constraint, an ASK validator once for all
        value nodes: the nodes for which the ASK query is false."""
        validator = constraint.validator
        if validator is None:
            raise ValueError(f"the constraint {constraint.component.n3()} of shape {shape.node.n3()} has no validator")
        constants = {name: term.n3() for name, term in constraint.value}
        path = self.path(shape) if shape.is_property_shape else None
        templates = validator.messages or shape.messages
        if validator.kind == "select":
            query = prebind(validator.text, shape, focus.bind("?this"), path, constants)
            return Check(shape, constraint.component, query, "value", templates=templates,
                         bindings=constraint.value, selected=True)
        _, prologue, body = prebind(validator.text, shape, None, path, constants).split(ASK_BODY)
        values = (self.values_of(focus, shape) if shape.is_property_shape
                  else f"{focus.bind('?this')} BIND(?this AS ?value)")
        query = f"{prologue}SELECT DISTINCT ?this ?value {focus.extra} WHERE {{ {values} FILTER NOT EXISTS {body} }}"
        return Check(shape, constraint.component, query, "value", templates=templates, bindings=constraint.value)

    def pair_check(self, shape: Shape, constraint: Constraint, focus: Focus) -> Check:
        """A constraint whose results name the values it finds (SHACL §4.4.5, §4.5, §4.8.1), for node
        shapes (the focus node is the value node) and property shapes."""
        component, value = constraint.component, constraint.value
        this = focus.bind("?this")
        member: Callable[[str], str]
        if shape.is_property_shape:
            values = self.values_of(focus, shape)
            member = lambda y: self.has_value("?this", shape, y)  # noqa: E731
        else:
            values = f"{this} BIND(?this AS ?value)"
            member = lambda y: f"sameTerm(?this, {y})"  # noqa: E731
        if component == SH.EqualsConstraintComponent:  # §4.5.1: a value missing on either side
            query = (f"SELECT DISTINCT ?this ?value {focus.extra} WHERE {{ "
                     f"{{ {values} FILTER NOT EXISTS {{ ?this {value.n3()} ?value }} }} "
                     f"UNION {{ {this} ?this {value.n3()} ?value . FILTER(!{member('?value')}) }} }}")
        elif component == SH.DisjointConstraintComponent:  # §4.5.2: a value shared
            query = f"SELECT DISTINCT ?this ?value {focus.extra} WHERE {{ {values} ?this {value.n3()} ?value . }}"
        elif component in COMPARISONS:  # §4.5.3, §4.5.4: one result per pair of values not in order
            query = (f"SELECT DISTINCT ?this ?value ?_other {focus.extra} WHERE {{ "
                     f"{values} ?this {value.n3()} ?_other . "
                     f"FILTER(!COALESCE(?value {COMPARISONS[component]} ?_other, false)) }}")
        elif component == SH.UniqueLangConstraintComponent:  # §4.4.5: one result per language tag used twice
            query = (f"SELECT ?this ?_lang {focus.extra} WHERE {{ "
                     f"{values} BIND(LCASE(lang(?value)) AS ?_lang) FILTER(?_lang != \"\") }} "
                     f"GROUP BY ?this ?_lang {focus.extra} HAVING (COUNT(DISTINCT ?value) > 1)")
            return Check(shape, component, query, "none")
        elif component == SH.ClosedConstraintComponent:  # §4.8.1: one result per triple of another property
            query = (f"SELECT DISTINCT ?this ?path ?value {focus.extra} WHERE {{ "
                     f"{{ SELECT DISTINCT ?this ?_node {focus.extra} WHERE {{ {values} BIND(?value AS ?_node) }} }} "
                     f"?_node ?path ?value . FILTER({not_one_of('?path', value)}) }}")
            return Check(shape, component, query, "value", path="row")
        else:
            raise UnsupportedShapeError(f"{component.n3()} is not implemented by the sparql engine")
        return Check(shape, component, query, "value")

    def property_check(self, shape: Shape, constraint: Constraint, focus: Focus) -> Check:
        """One constraint of a property shape over all its focus nodes.

        Constraints on the values there are (each value, at most so many values) start, for a predicate
        path, from the predicate's triples and keep those of focus nodes; constraints that a missing value
        breaks start from the focus nodes. Both give the same solutions; the first reads fewer triples
        where few focus nodes have the property.
        """
        component, value = constraint.component, constraint.value
        stack = (shape.node,)
        this = focus.bind("?this")
        values = self.values_of(focus, shape)
        every = self.values_of(Focus(focus.bind), shape)  # from the focus nodes
        if component in VALUE_COMPONENTS:
            test = self.value_test(constraint, "?value", stack)
            query = f"SELECT DISTINCT ?this ?value {focus.extra} WHERE {{ {values} FILTER(!({test})) }}"
            return Check(shape, component, query, "value")
        if component == SH.MinCountConstraintComponent:  # §4.2.1: fewer than minCount values
            if value == 1:
                x = self.fresh()
                query = (f"SELECT ?this {focus.extra} WHERE {{ "
                         f"{this} FILTER NOT EXISTS {{ {self.reach('?this', shape, x)} }} }}")
            else:
                query = (f"SELECT ?this {focus.extra} WHERE {{ {{ {this} }} UNION {{ {every} }} }} "
                         f"GROUP BY ?this {focus.extra} HAVING (COUNT(DISTINCT ?value) < {value})")
            return Check(shape, component, query, "none")
        if component == SH.MaxCountConstraintComponent:  # §4.2.2: more than maxCount values
            query = (f"SELECT ?this {focus.extra} WHERE {{ {values} }} "
                     f"GROUP BY ?this {focus.extra} HAVING (COUNT(DISTINCT ?value) > {value})")
            return Check(shape, component, query, "none")
        if component == SH.HasValueConstraintComponent:  # §4.8.2: the value is not among the values
            x = self.fresh()
            query = (f"SELECT ?this {focus.extra} WHERE {{ {this} FILTER NOT EXISTS {{ {self.reach('?this', shape, x)} "
                     f"FILTER({self.same_term(x, value)}) }} }}")
            return Check(shape, component, query, "none")
        if component in (SH.QualifiedMinCountConstraintComponent, SH.QualifiedMaxCountConstraintComponent):
            count = value[1]  # §4.7.3: the number of values that conform to the qualified shape
            test = self.qualifies(constraint, "?value", stack)
            if component == SH.QualifiedMinCountConstraintComponent:
                query = (f"SELECT ?this {focus.extra} WHERE {{ {{ {this} }} UNION {{ {every} FILTER({test}) }} }} "
                         f"GROUP BY ?this {focus.extra} HAVING (COUNT(DISTINCT ?value) < {count})")
            else:
                query = (f"SELECT ?this {focus.extra} WHERE {{ {{ {values} }} FILTER({test}) }} "
                         f"GROUP BY ?this {focus.extra} HAVING (COUNT(DISTINCT ?value) > {count})")
            return Check(shape, component, query, "none")
        raise UnsupportedShapeError(f"{component.n3()} is not implemented by the sparql engine")

    def sparql_check(self, shape: Shape, constraint: SparqlConstraint, focus: Focus) -> Check:
        """A SHACL-SPARQL constraint over all focus nodes at once (SHACL §5.3).

        The SELECT is evaluated for every focus node with ``$this`` pre-bound (§5.3.1), which replaces the
        variable by the focus node everywhere in the query. Joining every group that mentions ``$this``
        (the WHERE clause, nested groups, UNION and OPTIONAL branches, sub-selects) with the focus nodes
        gives the same solutions, since each such group then binds ``?this`` itself; inside ``EXISTS`` the
        store substitutes the outer ``?this``. A property shape's path replaces ``$PATH`` (§5.3.1).
        """
        query = prebind(constraint.select, shape, focus.bind("?this"),
                        self.path(shape) if shape.is_property_shape else None)
        return Check(shape, SH.SPARQLConstraintComponent, query, "value", constraint)


#: The tokens of a SPARQL query that matter for pre-binding (SPARQL 1.1 §19.8): strings, IRIs and
#: comments are read whole, so that what they hold is never taken for a variable or a keyword.
SPARQL_TOKEN = re.compile(r"""
    (?P<string>"{3}(?:[^"\\]|\\.|"(?!""))*"{3}|'{3}(?:[^'\\]|\\.|'(?!''))*'{3}|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<comment>\#[^\n]*)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<brace>[{}])
  | (?P<word>(?<![:\w])[A-Za-z][A-Za-z0-9_]*(?![\w:-]))
  | (?P<other>\S)""", re.VERBOSE)
#: Pre-bound variables (SHACL §5.3.1) that the sparql engine does not bind.
NOT_PREBOUND = ("currentShape", "shapesGraph")


@dataclass
class _Group:
    opening: int  # index in the output of its "{"
    exists: bool  # inside EXISTS / NOT EXISTS, where the store substitutes the outer ?this
    focus: bool = False  # joined with the focus nodes: it mentions $this, or it is the WHERE clause
    subselect: bool = False  # { SELECT ... }: nothing may come before the SELECT


#: Between the prologue and the group graph pattern of an ASK validator, as :func:`prebind` returns it.
ASK_BODY = "\x00"


def prebind(select: str, shape: Shape, focus: str | None, path: str | None,
            constants: dict[str, str] | None = None) -> str:
    """A SHACL-SPARQL SELECT (SHACL §5.2, §5.3.1) with ``$this`` bound to every focus node at once: the
    pattern ``focus``, which binds ``?this`` to each focus node, starts the WHERE clause and every group
    that mentions ``$this`` outside ``EXISTS``; ``$PATH`` becomes ``path`` (property shapes only), and
    the parameters of a constraint component (§6.2.1), ``constants``, their values.

    With ``focus`` None the query is an ASK validator's (§6.3.2), to be evaluated inside ``EXISTS`` where
    ``?this`` and ``?value`` are bound: what is returned is its prologue and its group graph pattern, each
    after :data:`ASK_BODY`.

    Raises :class:`InvalidShapeError` for what SHACL §5.2 forbids in a query with pre-bound variables
    (``MINUS``, ``VALUES``, ``SERVICE``, ``AS`` a pre-bound variable, a sub-select that does not return
    ``$this``), and :class:`UnsupportedShapeError` for what the engine does not bind.
    """
    def invalid(message: str) -> InvalidShapeError:
        return InvalidShapeError(f"shape {shape.node.n3()}: the SPARQL query uses {message}, which SHACL §5.2 "
                                 "forbids in a query with pre-bound variables; a validator must fail on it")

    constants = constants or {}
    ask = focus is None
    prebound = {"this", "value"} if ask else {"this"}
    tokens = [(m.lastgroup, m.group(), m.start(), m.end()) for m in SPARQL_TOKEN.finditer(select)
              if m.lastgroup != "comment"]
    form = "ASK" if ask else "SELECT"
    if not any(k == "word" and t.upper() == form for k, t, _, _ in tokens):
        raise refuse(shape.node, f"a SHACL-SPARQL query here must be a {form} query")
    out: list[str] = []
    last = 0
    body = None  # where the ASK query's group graph pattern starts in the output
    groups: list[_Group] = []
    for i, (kind, text, start, end) in enumerate(tokens):
        out.append(select[last:start])
        last = end
        word = text.upper() if kind == "word" else ""
        if word in ("MINUS", "VALUES", "SERVICE"):
            raise invalid(word)
        if word == "ASK" and ask and body is None:
            body = len(out)
            continue
        if word == "SELECT" and groups:  # a sub-select must return $this (§5.2)
            if ask:
                raise refuse(shape.node, "a sub-select in an ASK validator")
            projection = []
            for kind2, text2, _, _ in tokens[i + 1:]:
                if kind2 == "brace" or (kind2 == "word" and text2.upper() == "WHERE"):
                    break
                projection.append((kind2, text2))
            if ("other", "*") in projection:
                raise refuse(shape.node, "a sub-select with SELECT * in a SHACL-SPARQL constraint: the sparql "
                                         "engine cannot tell whether it returns $this")
            if not any(k == "var" and t[1:] == "this" for k, t in projection):
                raise invalid("a sub-select that does not return $this")
            groups[-1].subselect = True
        if kind == "var":
            name = text[1:]
            if name in NOT_PREBOUND:
                raise UnsupportedShapeError(f"shape {shape.node.n3()}: the sparql engine does not pre-bind ${name} "
                                            "(SHACL §5.3.1), nor does pySHACL")
            if (name in prebound or name in constants) and i and tokens[i - 1][1].upper() == "AS":
                raise invalid(f"AS ${name}")
            if name == "PATH":
                if path is None:
                    raise refuse(shape.node, "$PATH in the constraint of a node shape")
                out.append(path)
                continue
            if name in constants:
                out.append(constants[name])
                continue
            if name in prebound:
                for group in groups:
                    group.focus = True
                text = "?" + name
        if kind == "brace" and text == "{":
            exists = ask or bool(groups and groups[-1].exists) or (i > 0 and tokens[i - 1][1].upper() == "EXISTS")
            out.append(text)
            groups.append(_Group(len(out) - 1, exists, focus=not groups))  # depth 0: the WHERE clause
            continue
        if kind == "brace" and text == "}":
            if not groups:
                raise refuse(shape.node, "the SPARQL query has an unbalanced }")
            group = groups.pop()
            if group.focus and not group.exists and not group.subselect and focus is not None:  # ASK: all exist
                out[group.opening] = "{ " + focus + " "
        out.append(text)
    out.append(select[last:])
    if ask:
        return ASK_BODY + "".join(out[:body]) + ASK_BODY + "".join(out[body:])
    query = "".join(out)
    selected = re.search(r"\bSELECT\b(.*?)(\bWHERE\b|\{)", query, re.IGNORECASE | re.DOTALL)
    if selected is None or not re.search(r"\?this\b|\*", selected.group(1)):
        raise refuse(shape.node, "a SHACL-SPARQL constraint must select $this")
    return query


def ill_typed_literals(query: Query, datatypes: Iterable[URIRef]) -> dict[URIRef, set[Literal]]:
    """The ill-typed literals of the given datatypes in the data (one query over all literals)."""
    datatypes = sorted(datatypes)
    if not datatypes:
        return {}
    answer = query("SELECT DISTINCT ?literal WHERE { ?s ?p ?literal . FILTER(isLiteral(?literal) && datatype(?literal) "
                   f"IN ({', '.join(d.n3() for d in datatypes)})) }}")
    found: dict[URIRef, set[Literal]] = {}
    for (literal,) in rows(answer):  # literals of the datatypes, by the FILTER
        if isinstance(literal, Literal) and literal.datatype is not None and not well_formed(literal):
            found.setdefault(literal.datatype, set()).add(literal)
    return found


def subclasses(query: Query, classes: Iterable[URIRef]) -> dict[URIRef, set[URIRef]]:
    """Each class with its sub-classes in the data, ``rdfs:subClassOf*`` (SHACL §2.1.3.3: instances of
    these are SHACL instances of the class)."""
    classes = sorted(classes)
    found = {c: {c} for c in classes}
    if classes:
        answer = query(f"SELECT ?class ?sub WHERE {{ VALUES ?class {{ {' '.join(c.n3() for c in classes)} }} "
                       f"?sub {RDFS.subClassOf.n3()}* ?class . FILTER(isIRI(?sub)) }}")
        for cls, sub in rows(answer):  # IRIs: the classes given, and by the FILTER
            if isinstance(cls, URIRef) and isinstance(sub, URIRef):
                found[cls].add(sub)
    return found


def _substitute(message: str, row: Mapping[str, Node]) -> str:
    """Fill ``{?var}`` and ``{$var}`` in a message template from a solution (SHACL §5.3.2)."""
    return re.sub(r"\{[?$](\w+)\}", lambda m: str(row[m.group(1)]) if m.group(1) in row else m.group(0), message)


DEFAULT_MESSAGES = {
    SH.ClassConstraintComponent: "Value is not an instance of {value}.",
    SH.DatatypeConstraintComponent: "Value is not a well-formed literal of datatype {value}.",
    SH.NodeKindConstraintComponent: "Value is not of node kind {value}.",
    SH.MinCountConstraintComponent: "Fewer than {value} values.",
    SH.MaxCountConstraintComponent: "More than {value} values.",
    SH.MinInclusiveConstraintComponent: "Value is not at least {value}.",
    SH.MaxInclusiveConstraintComponent: "Value is not at most {value}.",
    SH.MinExclusiveConstraintComponent: "Value is not greater than {value}.",
    SH.MaxExclusiveConstraintComponent: "Value is not less than {value}.",
    SH.MinLengthConstraintComponent: "Value is shorter than {value} characters.",
    SH.MaxLengthConstraintComponent: "Value is longer than {value} characters.",
    SH.PatternConstraintComponent: "Value does not match the pattern {value}.",
    SH.LanguageInConstraintComponent: "Value is not a literal in one of the languages {value}.",
    SH.InConstraintComponent: "Value is not one of {value}.",
    SH.HasValueConstraintComponent: "The value {value} is missing.",
    SH.NodeConstraintComponent: "Value does not conform to the shape {value}.",
    SH.NotConstraintComponent: "Value conforms to the shape {value}, which it must not.",
    SH.AndConstraintComponent: "Value does not conform to all of the shapes {value}.",
    SH.OrConstraintComponent: "Value does not conform to any of the shapes {value}.",
    SH.XoneConstraintComponent: "Value does not conform to exactly one of the shapes {value}.",
    SH.QualifiedMinCountConstraintComponent: "Fewer than {value} values conform to the qualified value shape.",
    SH.QualifiedMaxCountConstraintComponent: "More than {value} values conform to the qualified value shape.",
    SH.SPARQLConstraintComponent: "The SPARQL constraint found a breach.",
    SH.EqualsConstraintComponent: "Value is not also a value of {value}, or the other way round.",
    SH.DisjointConstraintComponent: "Value is also a value of {value}.",
    SH.LessThanConstraintComponent: "Value is not less than a value of {value}.",
    SH.LessThanOrEqualsConstraintComponent: "Value is not less than or equal to a value of {value}.",
    SH.UniqueLangConstraintComponent: "More than one value has the same language tag.",
    SH.ClosedConstraintComponent: "The property is not among those the closed shape allows.",
}


def _parameter_text(value: object) -> str:
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], int):
        return str(value[1])
    if isinstance(value, tuple):
        return "(" + ", ".join(_parameter_text(v) for v in value) + ")"
    return value.n3() if hasattr(value, "n3") else str(value)


def default_message(check: Check) -> Literal:
    """A message for a constraint whose shape gives none (SHACL §3.6.2.7 leaves its wording open)."""
    constraints = [c for c in check.shape.constraints if c.component == check.component]
    value = _parameter_text(constraints[0].value) if constraints else ""
    template = DEFAULT_MESSAGES.get(check.component, "The constraint component {component} found a breach.")
    return Literal(template.format(value=value, component=check.component.n3()))


def run_checks(graph: Graph, checks: list[Check], query: Query,
               originals: dict[Literal, Literal] | None = None) -> list[Result]:
    """Evaluate checks with ``query(text)`` (returning rdflib query results) and make their results;
    ``originals`` (stored form -> literal of the data) gives back the literals the store changed."""
    originals = originals or {}
    results = []
    for check in checks:
        try:
            answer = query(check.query)
        except SyntaxError as error:  # the store's parser; the queries the engine writes are valid
            if check.sparql is None and check.templates is None:
                raise
            first = str(error).splitlines()[0]
            owner = check.sparql.node if check.sparql else check.component
            raise InvalidShapeError(f"shape {check.shape.node.n3()}: the SPARQL query of {owner.n3()} is not valid "
                                    f"SPARQL (SHACL §5.1, §6.3 require it to be): {first}") from None
        names = [str(v) for v in answer.vars or []]
        selected = check.sparql is not None or check.selected  # the solutions of a SELECT of the shapes
        templates = (check.sparql.messages or check.shape.messages) if check.sparql else check.templates
        core_messages = None if templates is not None else (check.shape.messages or (default_message(check),))
        seen = set()
        for solution in rows(answer):
            row: dict[str, Node] = {}
            for i, name in enumerate(names):
                term = solution[i]
                if term is not None:
                    row[name] = originals.get(term, term) if isinstance(term, Literal) else term
            key = tuple(row.get(name) for name in names)  # RDF terms: "Berg" is not "Berg"@de, 4 is not 4.0
            if key in seen:  # one result per distinct solution, as a validator per focus node gives
                continue
            seen.add(key)
            focus = row["this"]
            value = {"value": row.get("value", focus if selected else None), "focus": focus, "none": None}[check.value]
            path = row.get("path") if check.path == "row" else check.shape.path
            if selected:  # §5.3.2: the solution's ?path where it is an IRI, else the path of a property shape
                path = row["path"] if isinstance(row.get("path"), URIRef) else check.shape.path
            messages: tuple[Literal, ...] | None
            if templates is not None:  # §5.3.2, §6.3: {?var} and {$parameter} from the solution
                bound: dict[str, Node] = {**dict(check.bindings), **row}
                if value is not None:
                    bound["value"] = value
                messages = tuple(Literal(_substitute(str(m), bound), lang=m.language) for m in templates)
            else:
                messages = core_messages
            results.append(make_result(graph, check.shape.severity, focus, path, value, check.shape.node,
                                       check.component, messages or (default_message(check),),
                                       source_constraint=check.sparql.node if check.sparql else None))
    return results


def validate(shapes_graph: Graph, query: Query, restrict: str = "", compiler: Compiler | None = None,
             originals: dict[Literal, Literal] | None = None) -> list[Result]:
    """Validate the data that ``query`` answers over against the shapes (SHACL §3).

    ``restrict`` is a group graph pattern that binds ``?this`` to the focus nodes to check (all by
    default) for the SHACL Core constraints; SHACL-SPARQL constraints always check all their focus nodes.
    ``compiler``: a :class:`Compiler` of the same shapes graph already made (it reads the data afresh).
    ``originals``: where the data was copied into the store, the literals the store keeps in another
    form (:func:`originals`); None when the data is what the store holds.
    """
    compiler = compiler or Compiler(shapes_graph)
    compiler.read_data(query, originals)
    back = {stored: term for term, stored in (compiler._stored or {}).items() if rdf_term(stored) != rdf_term(term)}
    return run_checks(shapes_graph, compiler.checks(restrict), query, {**back, **compiler.originals})
