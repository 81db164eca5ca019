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
* SHACL-SPARQL constraints (§5) run once over all focus nodes: the pre-bound ``$this`` (§5.3.1) becomes a
  variable joined with the shape's focus nodes.

A query over the values of a predicate path that exist starts from the predicate's triples and keeps those
of focus nodes (few facts have a ``kz:quantity``); a query that a missing value breaks starts from the
focus nodes.

The one part evaluated outside SPARQL is whether a literal is ill-typed (§4.1.2): SPARQL has no test for
it, so the literals of the constrained datatypes are read once and checked with rdflib's lexical-to-value
mapping, the one pySHACL relies on; the ill-typed ones are named in the queries.

:mod:`kzgraph.validation.shacl.shapes` refuses any shape this engine does not implement.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import XSD
from rdflib.term import Node

from kzgraph.validation.shacl.results import SH, Result, make_result, sparql_path
from kzgraph.validation.shacl.shapes import Shape, SparqlConstraint, UnsupportedShapeError, read_shapes

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
RANGE_OPERATORS = {SH.MinInclusiveConstraintComponent: "<=", SH.MaxInclusiveConstraintComponent: ">=",
                   SH.MinExclusiveConstraintComponent: "<", SH.MaxExclusiveConstraintComponent: ">"}


@dataclass(frozen=True)
class Focus:
    """The focus nodes of a shape: ``bind(var)`` is a pattern binding ``var`` once to each of them;
    ``member(var)``, where given, an expression true when the node bound to ``var`` is one of them."""

    bind: Callable[[str], str]
    member: Callable[[str], str] | None = None


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


def well_formed(literal: Literal) -> bool:
    """Not ill-typed (RDF 1.1 §3.3): rdflib maps the lexical form to a value of its datatype."""
    return getattr(literal, "ill_typed", None) is not True


@dataclass(frozen=True)
class Check:
    """One compiled constraint: a query whose solutions are the results of one shape's constraint.

    ``value`` says where a result's ``sh:value`` comes from: the ``?value`` of the solution, the focus
    node (node shapes, SHACL §2.3.2), or nowhere (counts, ``sh:hasValue``).
    """

    shape: Shape
    component: URIRef
    query: str
    value: str  # "value", "focus" or "none"
    sparql: SparqlConstraint | None = None


class Compiler:
    """Compiles the shapes of a shapes graph into :class:`Check` queries."""

    def __init__(self, shapes_graph: Graph):
        self.graph = shapes_graph
        self.shapes = read_shapes(shapes_graph)
        self.ill_typed: dict[URIRef, set[Literal]] = {}
        self.subclasses: dict[URIRef, set[URIRef]] = {}
        self._names = itertools.count()

    def read_data(self, query) -> None:
        """Read what the queries need to know of the data: its ill-typed literals of the datatypes the
        shapes name, and the sub-classes of the target classes."""
        self.ill_typed = ill_typed_literals(query, self.datatypes())
        self.subclasses = subclasses(query, self.target_classes())

    # -- naming ---------------------------------------------------------------------------------------

    def fresh(self, stem: str = "v") -> str:
        return f"?_{stem}{next(self._names)}"

    def shape(self, node: Node) -> Shape:
        try:
            return self.shapes[node]
        except KeyError:
            raise UnsupportedShapeError(f"{node.n3()} is used as a shape but is not one") from None

    def path(self, shape: Shape) -> str:
        return sparql_path(self.graph, shape.path)

    # -- what the shapes need from the data ---------------------------------------------------------

    def target_classes(self) -> set[URIRef]:
        return {target for s in self.shapes.values() for kind, target in s.targets if kind == SH.targetClass}

    def datatypes(self) -> set[URIRef]:
        """The datatypes of sh:datatype whose literals may be ill-typed."""
        return {c.value for s in self.shapes.values() for c in s.constraints
                if c.component == SH.DatatypeConstraintComponent and c.value not in STRING_TYPES}

    # -- conformance of one node, as an expression (SHACL §3.4) -----------------------------------

    def value_test(self, constraint, v: str, stack: tuple) -> str:
        """A SPARQL expression, never an error, true when value node ``v`` satisfies the constraint."""
        component, value = constraint.component, constraint.value
        if component == SH.ClassConstraintComponent:  # §4.1.1: a SHACL instance of the class
            return f"EXISTS {{ {v} {TYPE_PATH} {value.n3()} }}"
        if component == SH.DatatypeConstraintComponent:  # §4.1.2: the datatype, and not ill-typed
            test = f"isLiteral({v}) && datatype({v}) = {value.n3()}"
            for bad in sorted(self.ill_typed.get(value, ()), key=str):
                test += f" && !sameTerm({v}, {bad.n3()})"
            return f"COALESCE({test}, false)"
        if component == SH.NodeKindConstraintComponent:  # §4.1.3
            return NODE_KIND_TESTS[value].format(v=v)
        if component in RANGE_OPERATORS:  # §4.3: the SPARQL comparison "$min <= v" and so on
            return f"COALESCE({value.n3()} {RANGE_OPERATORS[component]} {v}, false)"
        if component == SH.MinLengthConstraintComponent:  # §4.4.1: STRLEN(str(v)), never a blank node
            return f"COALESCE(!isBlank({v}) && STRLEN(STR({v})) >= {value}, false)"
        if component == SH.MaxLengthConstraintComponent:
            return f"COALESCE(!isBlank({v}) && STRLEN(STR({v})) <= {value}, false)"
        if component == SH.PatternConstraintComponent:  # §4.4.3: REGEX(str(v), pattern, flags)
            return (f"COALESCE(!isBlank({v}) && REGEX(STR({v}), {sparql_string(str(value))}, "
                    f"{sparql_string(constraint.flags)}), false)")
        if component == SH.LanguageInConstraintComponent:  # §4.4.4: langMatches with each range
            tests = " || ".join(f"langMatches(lang({v}), {sparql_string(str(t))})" for t in value) or "false"
            return f"COALESCE(isLiteral({v}) && ({tests}), false)"
        if component == SH.InConstraintComponent:  # §4.8.3: one of the members, as the same RDF term
            return "(" + (" || ".join(f"sameTerm({v}, {t.n3()})" for t in value) or "false") + ")"
        if component == SH.HasValueConstraintComponent:  # §4.8.2, for a node shape's value node
            return f"sameTerm({v}, {value.n3()})"
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

    def conforms(self, node: Node, v: str, stack: tuple = ()) -> str:
        """A SPARQL expression true when the node bound to ``v`` conforms to the shape (SHACL §3.4)."""
        if node in stack:
            raise UnsupportedShapeError(f"shape {node.n3()} refers to itself; SHACL §3.4.3 leaves recursive "
                                        "shapes undefined")
        shape = self.shape(node)
        if shape.deactivated:
            return "true"
        stack = stack + (node,)
        if shape.sparql:
            raise UnsupportedShapeError(f"shape {node.n3()} has a SHACL-SPARQL constraint and is used by another "
                                        "shape; the sparql engine runs SHACL-SPARQL constraints of targeted "
                                        "shapes only")
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
        if nullable(self.graph, shape.path):
            return f"{{ {subject} {path} {value} . }} UNION {{ BIND({subject} AS {value}) }}"
        return f"{subject} {path} {value} ."

    def values_of(self, focus: Focus, shape: Shape, value: str = "?value", this: str = "?this") -> str:
        """A pattern binding ``this`` to each focus node and ``value`` to each of its value nodes."""
        path = self.path(shape)
        if isinstance(shape.path, URIRef) and focus.member is not None:
            return f"{this} {path} {value} . FILTER({focus.member(this)})"
        bind = focus.bind(this)
        if nullable(self.graph, shape.path):
            return f"{{ {bind} {this} {path} {value} . }} UNION {{ {bind} BIND({this} AS {value}) }}"
        return f"{bind} {this} {path} {value} ."

    def property_test(self, shape: Shape, constraint, v: str, stack: tuple) -> str:
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
            return f"EXISTS {{ {self.reach(v, shape, x)} FILTER(sameTerm({x}, {value.n3()})) }}"
        if component == SH.QualifiedMinCountConstraintComponent:  # §4.7.3
            qualified, count = value
            return self.at_least(v, shape, count, lambda x: self.conforms(qualified, x, stack))
        if component == SH.QualifiedMaxCountConstraintComponent:
            qualified, count = value
            return f"!({self.at_least(v, shape, count + 1, lambda x: self.conforms(qualified, x, stack))})"
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
        def branch(kind, target, var: str) -> str:
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
                if kind == SH.targetClass and target in self.subclasses:  # §2.1.3.3, the closure read before
                    t = self.fresh("t")
                    members = ", ".join(c.n3() for c in sorted(self.subclasses[target]))
                    tests.append(f"EXISTS {{ {var} {RDF.type.n3()} {t} . FILTER({t} IN ({members})) }}")
                elif kind == SH.targetNode:
                    tests.append(f"sameTerm({var}, {target.n3()})")
                else:
                    tests.append(f"EXISTS {{ {branch(kind, target, var)} }}")
            return "(" + " || ".join(tests) + ")"

        return Focus(bind) if restrict else Focus(bind, member)

    def checks(self, restrict: str = "") -> list[Check]:
        """The checks of every shape with targets; ``restrict`` (a pattern on ``?this``) limits the focus
        nodes of the SHACL Core constraints."""
        checks = []
        for shape in sorted(self.shapes.values(), key=lambda s: str(s.node)):
            if shape.targets and not shape.deactivated:
                checks += self.shape_checks(shape, self.focus_pattern(shape, restrict))
                checks += [self.sparql_check(shape, c) for c in shape.sparql]
        return checks

    def shape_checks(self, shape: Shape, focus: Focus) -> list[Check]:
        """The checks of one shape for its focus nodes (SHACL §3.3)."""
        if shape.deactivated:
            return []
        this = focus.bind("?this")
        checks = []
        if not shape.is_property_shape:
            for constraint in shape.constraints:
                test = self.value_test(constraint, "?this", (shape.node,))
                kind = "none" if constraint.component == SH.HasValueConstraintComponent else "focus"
                checks.append(Check(shape, constraint.component,
                                    f"SELECT ?this WHERE {{ {this} FILTER(!({test})) }}", kind))
            for child in shape.properties:
                checks += self.shape_checks(self.shape(child), focus)
            return checks
        for constraint in shape.constraints:
            checks.append(self.property_check(shape, constraint, focus))
        for child in shape.properties:  # §4.7.2: the value nodes are the focus nodes of the property shape
            def values(var: str, focus=Focus(focus.bind), shape=shape) -> str:
                return f"{{ SELECT DISTINCT {var} WHERE {{ {self.values_of(focus, shape, var, self.fresh('f'))} }} }}"
            checks += self.shape_checks(self.shape(child), Focus(values))
        if shape.sparql:
            raise UnsupportedShapeError(f"property shape {shape.node.n3()} has a SHACL-SPARQL constraint; the sparql "
                                        "engine runs those of node shapes only")
        return checks

    def property_check(self, shape: Shape, constraint, focus: Focus) -> Check:
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
            query = f"SELECT DISTINCT ?this ?value WHERE {{ {values} FILTER(!({test})) }}"
            return Check(shape, component, query, "value")
        if component == SH.MinCountConstraintComponent:  # §4.2.1: fewer than minCount values
            if value == 1:
                x = self.fresh()
                query = f"SELECT ?this WHERE {{ {this} FILTER NOT EXISTS {{ {self.reach('?this', shape, x)} }} }}"
            else:
                query = (f"SELECT ?this WHERE {{ {{ {this} }} UNION {{ {every} }} }} GROUP BY ?this "
                         f"HAVING (COUNT(DISTINCT ?value) < {value})")
            return Check(shape, component, query, "none")
        if component == SH.MaxCountConstraintComponent:  # §4.2.2: more than maxCount values
            query = f"SELECT ?this WHERE {{ {values} }} GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {value})"
            return Check(shape, component, query, "none")
        if component == SH.HasValueConstraintComponent:  # §4.8.2: the value is not among the values
            x = self.fresh()
            query = (f"SELECT ?this WHERE {{ {this} FILTER NOT EXISTS {{ {self.reach('?this', shape, x)} "
                     f"FILTER(sameTerm({x}, {value.n3()})) }} }}")
            return Check(shape, component, query, "none")
        if component in (SH.QualifiedMinCountConstraintComponent, SH.QualifiedMaxCountConstraintComponent):
            qualified, count = value  # §4.7.3: the number of values that conform to the qualified shape
            test = self.conforms(qualified, "?value", stack)
            if component == SH.QualifiedMinCountConstraintComponent:
                query = (f"SELECT ?this WHERE {{ {{ {this} }} UNION {{ {every} FILTER({test}) }} }} "
                         f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {count})")
            else:
                query = (f"SELECT ?this WHERE {{ {{ {values} }} FILTER({test}) }} "
                         f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {count})")
            return Check(shape, component, query, "none")
        raise UnsupportedShapeError(f"{component.n3()} is not implemented by the sparql engine")

    def sparql_check(self, shape: Shape, constraint: SparqlConstraint) -> Check:
        """A SHACL-SPARQL constraint over all focus nodes at once (SHACL §5.3).

        The SELECT is evaluated for every focus node with ``$this`` pre-bound (§5.3.1); joining a
        variable ``?this`` with the focus nodes gives the same solutions, as long as ``$this`` is not
        used inside a sub-select (whose variables a join does not reach), which is refused.
        """
        select = constraint.select
        for variable in ("$currentShape", "$shapesGraph", "$PATH"):
            if variable in select:
                raise UnsupportedShapeError(f"shape {shape.node.n3()}: the sparql engine does not pre-bind {variable}")
        if len(re.findall(r"\bSELECT\b", select, re.IGNORECASE)) != 1:
            raise UnsupportedShapeError(f"shape {shape.node.n3()}: a SHACL-SPARQL constraint with a sub-select "
                                        "cannot be evaluated over all focus nodes at once")
        projection = re.search(r"\bSELECT\b(.*?)\bWHERE\b", select, re.IGNORECASE | re.DOTALL)
        if projection is None or not re.search(r"[?$]this\b|\*", projection.group(1)):
            raise UnsupportedShapeError(f"shape {shape.node.n3()}: a SHACL-SPARQL constraint must select $this")
        where = re.search(r"\bWHERE\s*\{", select, re.IGNORECASE)
        query = select.replace("$this", "?this")
        query = query[:where.end()] + "\n" + self.focus_pattern(shape).bind("?this") + "\n" + query[where.end():]
        return Check(shape, SH.SPARQLConstraintComponent, query, "value", constraint)


def ill_typed_literals(query, datatypes: Iterable[URIRef]) -> dict[URIRef, set[Literal]]:
    """The ill-typed literals of the given datatypes in the data (one query over all literals)."""
    datatypes = sorted(datatypes)
    if not datatypes:
        return {}
    answer = query("SELECT DISTINCT ?literal WHERE { ?s ?p ?literal . FILTER(isLiteral(?literal) && datatype(?literal) "
                   f"IN ({', '.join(d.n3() for d in datatypes)})) }}")
    found: dict[URIRef, set[Literal]] = {}
    for (literal,) in answer:
        if not well_formed(literal):
            found.setdefault(literal.datatype, set()).add(literal)
    return found


def subclasses(query, classes: Iterable[URIRef]) -> dict[URIRef, set[URIRef]]:
    """Each class with its sub-classes in the data, ``rdfs:subClassOf*`` (SHACL §2.1.3.3: instances of
    these are SHACL instances of the class)."""
    classes = sorted(classes)
    found = {c: {c} for c in classes}
    if classes:
        answer = query(f"SELECT ?class ?sub WHERE {{ VALUES ?class {{ {' '.join(c.n3() for c in classes)} }} "
                       f"?sub {RDFS.subClassOf.n3()}* ?class . FILTER(isIRI(?sub)) }}")
        for cls, sub in answer:
            found[cls].add(sub)
    return found


def _substitute(message: str, row: dict) -> str:
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
}


def _parameter_text(value) -> str:
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], int):
        return str(value[1])
    if isinstance(value, tuple):
        return "(" + ", ".join(_parameter_text(v) for v in value) + ")"
    return value.n3() if hasattr(value, "n3") else str(value)


def default_message(check: Check) -> Literal:
    """A message for a constraint whose shape gives none (SHACL §3.6.2.7 leaves its wording open)."""
    constraints = [c for c in check.shape.constraints if c.component == check.component]
    value = _parameter_text(constraints[0].value) if constraints else ""
    return Literal(DEFAULT_MESSAGES[check.component].format(value=value))


def run_checks(graph: Graph, checks: list[Check], query) -> list[Result]:
    """Evaluate checks with ``query(text)`` (returning rdflib query results) and make their results."""
    results = []
    for check in checks:
        answer = query(check.query)
        names = [str(v) for v in answer.vars]
        core_messages = None if check.sparql else (check.shape.messages or (default_message(check),))
        seen = set()
        for solution in answer:
            row = {name: solution[i] for i, name in enumerate(names) if solution[i] is not None}
            key = tuple(sorted((k, str(v), type(v).__name__) for k, v in row.items()))
            if key in seen:  # one result per distinct solution, as a validator per focus node gives
                continue
            seen.add(key)
            focus = row["this"]
            value = {"value": row.get("value", focus if check.sparql else None), "focus": focus, "none": None}[check.value]
            if check.sparql is not None:
                path = row.get("path")
                messages = check.sparql.messages or check.shape.messages
                bound = dict(row, value=value) if value is not None else row
                messages = tuple(Literal(_substitute(str(m), bound), lang=m.language) for m in messages)
            else:
                path = check.shape.path
                messages = core_messages
            results.append(make_result(graph, check.shape.severity, focus, path, value, check.shape.node,
                                       check.component, messages or (default_message(check),)))
    return results


def validate(shapes_graph: Graph, query, restrict: str = "", compiler: Compiler | None = None) -> list[Result]:
    """Validate the data that ``query`` answers over against the shapes (SHACL §3).

    ``restrict`` is a group graph pattern that binds ``?this`` to the focus nodes to check (all by
    default) for the SHACL Core constraints; SHACL-SPARQL constraints always check all their focus nodes.
    ``compiler``: a :class:`Compiler` of the same shapes graph already made (it reads the data afresh).
    """
    compiler = compiler or Compiler(shapes_graph)
    compiler.read_data(query)
    return run_checks(shapes_graph, compiler.checks(restrict), query)
