"""The shapes of a SHACL shapes graph as Python values (W3C SHACL §2, §4, §5 and §6).

``read_shapes(graph)`` finds every shape (SHACL §2.1: instances of ``sh:NodeShape`` and
``sh:PropertyShape``, subjects of targets and paths, and the shapes that constraint parameters refer to)
and turns each into a :class:`Shape`: its targets (§2.1.3), severity (§2.1.5), messages (§2.1.5),
``sh:deactivated`` (§2.1.6), path (§2.3.1) and constraints, one :class:`Constraint` per constraint
component and parameter value (§4), with those of the SHACL-SPARQL constraint components of one's own
(§6, :func:`read_components`).

Only what :mod:`kzgraph.validation.shacl.sparql_engine` implements is accepted: any other parameter in the SHACL
namespace, or a parameter value the engine cannot express, raises :class:`UnsupportedShapeError`, which
names the shape and the parameter; a shapes graph that SHACL itself rejects raises
:class:`InvalidShapeError`. Nothing is skipped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import XSD
from rdflib.term import Node

from kzgraph.errors import UnsupportedShapeError
from kzgraph.validation.shacl.results import SH, sparql_path

__all__ = ["Component", "Constraint", "InvalidShapeError", "Shape", "SparqlConstraint", "UnsupportedShapeError",
           "Validator", "read_shapes"]


class InvalidShapeError(UnsupportedShapeError):
    """A shapes graph breaks a rule of SHACL itself (SHACL §2, §5.2), where SHACL requires a validator to
    fail rather than report; the message names the shape and the rule."""


#: Target declarations, SHACL §2.1.3.
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)

#: Parameters that describe a shape without constraining it (SHACL §2.1.5, §2.1.6, §2.3.2) or that
#: belong to a constraint read together with another parameter.
DESCRIPTIVE = {SH.severity, SH.message, SH.deactivated, SH.path, SH.name, SH.description, SH.order,
               SH.group, SH.defaultValue, SH.flags, SH.qualifiedMinCount, SH.qualifiedMaxCount,
               SH.qualifiedValueShapesDisjoint, SH.prefixes, SH.declare, SH.ignoredProperties}

#: Parameters that take a list of terms, and their components (SHACL §4.4.2, §4.8.3).
LIST_PARAMETERS = {SH.languageIn: SH.LanguageInConstraintComponent, SH["in"]: SH.InConstraintComponent}

#: Parameters that take one shape or a list of shapes (SHACL §4.6, §4.7).
SHAPE_PARAMETERS = {SH.node: SH.NodeConstraintComponent, SH["not"]: SH.NotConstraintComponent}
SHAPE_LIST_PARAMETERS = {SH["or"]: SH.OrConstraintComponent, SH["and"]: SH.AndConstraintComponent,
                         SH.xone: SH.XoneConstraintComponent}

#: Parameters that take one term each (SHACL §4.1, §4.2, §4.3, §4.4, §4.8.2).
TERM_PARAMETERS = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent,
    SH.maxLength: SH.MaxLengthConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH.equals: SH.EqualsConstraintComponent,
    SH.disjoint: SH.DisjointConstraintComponent,
    SH.lessThan: SH.LessThanConstraintComponent,
    SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
}
#: Parameters whose value is a property (SHACL §4.5).
PROPERTY_PAIRS = {SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals}
#: Boolean parameters that make a constraint when true (SHACL §4.4.5, §4.8.1).
FLAGS = {SH.uniqueLang: SH.UniqueLangConstraintComponent, SH.closed: SH.ClosedConstraintComponent}

#: Parameters that a shape may have at most once (SHACL §4: "at most one value").
SINGLE = {SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.minLength, SH.maxLength, SH.languageIn,
          SH["in"], SH.flags, SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.severity, SH.deactivated,
          SH.path, SH.qualifiedValueShapesDisjoint, SH.uniqueLang, SH.closed, SH.ignoredProperties}

COUNTS = {SH.minCount, SH.maxCount, SH.minLength, SH.maxLength, SH.qualifiedMinCount, SH.qualifiedMaxCount}
NODE_KINDS = {SH.IRI, SH.BlankNode, SH.Literal, SH.BlankNodeOrIRI, SH.BlankNodeOrLiteral, SH.IRIOrLiteral}

#: The datatypes whose sh:datatype pySHACL reads otherwise than SHACL §4.1.2 (every literal "matches"
#: rdfs:Literal there); refused rather than evaluated differently.
AMBIGUOUS_DATATYPES = {RDFS.Literal, RDFS.Datatype}

KNOWN = set(TARGETS) | DESCRIPTIVE | set(LIST_PARAMETERS) | set(SHAPE_PARAMETERS) | set(SHAPE_LIST_PARAMETERS) \
    | set(TERM_PARAMETERS) | set(FLAGS) | {SH.property, SH.qualifiedValueShape, SH.sparql}


@dataclass(frozen=True)
class Constraint:
    """One constraint: a constraint component (SHACL §4) with one value of its parameter.

    ``value`` is a term (``sh:class`` …), a tuple of terms (``sh:in``, ``sh:languageIn``), a shape
    (``sh:node``, ``sh:not``), a tuple of shapes (``sh:or`` …), or for the qualified value shape
    components a pair (shape, count). ``flags`` are the ``sh:flags`` of ``sh:pattern``.
    """

    component: URIRef
    parameter: URIRef
    value: Any
    flags: str = ""
    #: For ``sh:qualifiedValueShapesDisjoint true`` (§4.7.3): the sibling shapes a counted value must not
    #: conform to.
    siblings: tuple[Node, ...] = ()
    #: For a SHACL-SPARQL constraint component of one's own (§6): the validator that applies to the shape;
    #: ``value`` is then the parameters' values, as (name, term) pairs.
    validator: Validator | None = None


@dataclass(frozen=True)
class Validator:
    """A validator of a constraint component (SHACL §6.3): an ASK query run per value node, or a SELECT
    query like a SHACL-SPARQL constraint's; with its prefixes, and its messages."""

    node: Node
    kind: str  # "ask" or "select"
    text: str
    messages: tuple[Literal, ...]


@dataclass(frozen=True)
class Component:
    """A SHACL-SPARQL constraint component of one's own (SHACL §6.1): its parameters (path, optional)
    and validators (§6.2)."""

    node: URIRef
    parameters: tuple[tuple[URIRef, bool], ...]
    validator: Validator | None
    node_validator: Validator | None
    property_validator: Validator | None


@dataclass(frozen=True)
class SparqlConstraint:
    """A SHACL-SPARQL constraint (SHACL §5.1): a SELECT query with its prefixes, and its messages."""

    node: Node
    select: str
    messages: tuple[Literal, ...]


@dataclass(frozen=True)
class Shape:
    """A node shape (``path`` is None) or a property shape (SHACL §2.1, §2.3)."""

    node: Node
    path: Node | None
    severity: URIRef
    messages: tuple[Literal, ...]
    deactivated: bool
    targets: tuple[tuple[URIRef, Node], ...]
    constraints: tuple[Constraint, ...]
    properties: tuple[Node, ...]
    sparql: tuple[SparqlConstraint, ...]

    @property
    def is_property_shape(self) -> bool:
        return self.path is not None


def _refuse(shape: Node, message: str) -> UnsupportedShapeError:
    return UnsupportedShapeError(f"shape {shape.n3()}: {message}; validate with --engine pyshacl instead")


def _short(term: Node) -> str:
    return "sh:" + term[len(SH):] if isinstance(term, URIRef) and term.startswith(SH) else term.n3()


def _list(graph: Graph, shape: Node, parameter: URIRef, head: Node) -> tuple[Node, ...]:
    if head != RDF.nil and graph.value(head, RDF.first) is None:
        raise _refuse(shape, f"the value of {_short(parameter)} must be an RDF list")
    return tuple(Collection(graph, head))


def _count(shape: Node, parameter: URIRef, value: Node) -> int:
    if not isinstance(value, Literal) or not isinstance(value.value, int) or isinstance(value.value, bool) \
            or value.value < 0:
        raise _refuse(shape, f"{_short(parameter)} must be a non-negative xsd:integer, not {value.n3()}")
    return value.value


def _sparql_constraint(graph: Graph, shape: Node, node: Node) -> SparqlConstraint | None:
    """A SHACL-SPARQL constraint with its prefix declarations (SHACL §5.1, §5.2.1); None if deactivated."""
    if graph.value(node, SH.deactivated) == Literal(True):
        return None
    selects = list(graph.objects(node, SH.select))
    if len(selects) != 1 or not isinstance(selects[0], Literal):
        raise _refuse(shape, "a SPARQL constraint needs exactly one sh:select (sh:ask validators are not supported)")
    return SparqlConstraint(node, _prologue(graph, shape, node) + str(selects[0]), _messages(graph, node))


def _messages(graph: Graph, node: Node) -> tuple[Literal, ...]:
    """The ``sh:message`` values of a shape, constraint or validator: literals (SHACL §2.1.5)."""
    messages: list[Literal] = []
    for message in graph.objects(node, SH.message):
        if not isinstance(message, Literal):
            raise InvalidShapeError(f"{node.n3()}: sh:message {message.n3()} is not a literal (SHACL §2.1.5)")
        messages.append(message)
    return tuple(messages)


def _prologue(graph: Graph, shape: Node, node: Node) -> str:
    """The PREFIX declarations of a SPARQL query from ``sh:prefixes`` (SHACL §5.2.1)."""
    declared: dict[str, str] = {}
    for ontology in _imports(graph, list(graph.objects(node, SH.prefixes))):
        for declaration in graph.objects(ontology, SH.declare):
            prefix, namespace = str(graph.value(declaration, SH.prefix)), str(graph.value(declaration, SH.namespace))
            if declared.setdefault(prefix, namespace) != namespace:
                raise InvalidShapeError(f"shape {shape.n3()}: the prefix {prefix}: is declared for two namespaces "
                                        "(SHACL §5.2.1)")
    return "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in sorted(declared.items()))


def _imports(graph: Graph, ontologies: list[Node]) -> list[Node]:
    """The ontologies and those they import (``owl:imports``), whose ``sh:declare`` are the prefixes of a
    SPARQL query (SHACL §5.2.1)."""
    found: list[Node] = []
    while ontologies:
        ontology = ontologies.pop()
        if ontology not in found:
            found.append(ontology)
            ontologies += list(graph.objects(ontology, OWL.imports))
    return found


def read_shape(graph: Graph, node: Node, components: dict[URIRef, Component] | None = None) -> Shape:
    """One shape as a :class:`Shape`; raises :class:`UnsupportedShapeError` for what the engine lacks.
    ``components``: the constraint components of one's own (§6) in the shapes graph."""
    predicates = set(graph.predicates(node, None))
    for predicate in predicates:
        if predicate == SH.select and (None, SH.sparql, node) in graph:
            continue  # the shape is its own SPARQL constraint (its sh:sparql names it)
        if isinstance(predicate, URIRef) and predicate.startswith(SH) and predicate not in KNOWN:
            raise _refuse(node, f"{_short(predicate)} is not implemented by the sparql engine")
        if predicate in SINGLE and len(set(graph.objects(node, predicate))) > 1:
            raise _refuse(node, f"{_short(predicate)} has more than one value")
    path = graph.value(node, SH.path)
    if path is not None:
        try:
            sparql_path(graph, path)
        except ValueError as error:
            raise _refuse(node, f"sh:path: {error}") from None
    constraints: list[Constraint] = []
    for predicate in sorted(set(TERM_PARAMETERS) & predicates, key=str):
        for value in sorted(graph.objects(node, predicate), key=lambda t: (type(t).__name__, str(t))):
            constraints.append(_term_constraint(graph, node, predicate, value))
    for predicate, component in LIST_PARAMETERS.items():
        for head in graph.objects(node, predicate):
            members = _list(graph, node, predicate, head)
            if predicate == SH.languageIn and not all(isinstance(m, Literal) and isinstance(m.value, str)
                                                      for m in members):
                raise _refuse(node, "sh:languageIn must list strings")
            if any(isinstance(m, BNode) for m in members):
                raise _refuse(node, f"{_short(predicate)} lists a blank node, which a query cannot name")
            constraints.append(Constraint(component, predicate, members))
    for predicate, component in SHAPE_PARAMETERS.items():
        for value in sorted(graph.objects(node, predicate), key=str):
            constraints.append(Constraint(component, predicate, value))
    for predicate, component in SHAPE_LIST_PARAMETERS.items():
        for head in graph.objects(node, predicate):
            constraints.append(Constraint(component, predicate, _list(graph, node, predicate, head)))
    constraints += _qualified(graph, node)
    constraints += _flags(graph, node)
    for custom in (components or {}).values():
        constraint = _custom(graph, node, path is not None, custom)
        if constraint is not None:
            constraints.append(constraint)
    if path is None:
        for predicate in (SH.minCount, SH.maxCount, SH.qualifiedValueShape, SH.uniqueLang, SH.lessThan,
                          SH.lessThanOrEquals):
            if predicate in predicates:
                raise _refuse(node, f"{_short(predicate)} applies to property shapes only (SHACL §4.2, §4.4.5, "
                                    "§4.5.3, §4.5.4, §4.7.3)")
    severity = graph.value(node, SH.severity) or SH.Violation
    if not isinstance(severity, URIRef):
        raise InvalidShapeError(f"shape {node.n3()}: sh:severity {severity.n3()} is not an IRI (SHACL §2.1.5)")
    sparql = tuple(c for c in (_sparql_constraint(graph, node, s) for s in graph.objects(node, SH.sparql)) if c)
    return Shape(
        node=node,
        path=path,
        severity=severity,
        messages=_messages(graph, node),
        deactivated=graph.value(node, SH.deactivated) == Literal(True),
        targets=_targets(graph, node),
        constraints=tuple(constraints),
        properties=tuple(sorted(graph.objects(node, SH.property), key=str)),
        sparql=sparql,
    )


def _flags(graph: Graph, node: Node) -> list[Constraint]:
    """``sh:uniqueLang true`` (SHACL §4.4.5) and ``sh:closed true`` with ``sh:ignoredProperties`` (§4.8.1).

    The value of a closed constraint is the properties a value node may have: the predicate paths of the
    shape's property shapes and the ignored properties.
    """
    constraints = []
    for predicate, component in FLAGS.items():
        value = graph.value(node, predicate)
        if value is None:
            continue
        if not (isinstance(value, Literal) and value.datatype == XSD.boolean):
            raise InvalidShapeError(f"shape {node.n3()}: {_short(predicate)} must be true or false, not {value.n3()}")
        if value != Literal(True):  # the literal true, as sh:deactivated (the W3C tests: not "1"^^xsd:boolean)
            continue
        if predicate == SH.uniqueLang:
            constraints.append(Constraint(component, predicate, True))
            continue
        allowed = {graph.value(p, SH.path) for p in graph.objects(node, SH.property)}
        for head in graph.objects(node, SH.ignoredProperties):
            allowed.update(_list(graph, node, SH.ignoredProperties, head))
        allowed = {p for p in allowed if isinstance(p, URIRef)}  # other paths name no property (§4.8.1)
        constraints.append(Constraint(component, predicate, tuple(sorted(allowed))))
    return constraints


def _term_constraint(graph: Graph, node: Node, predicate: URIRef, value: Node) -> Constraint:
    component = TERM_PARAMETERS[predicate]
    if predicate in COUNTS:
        return Constraint(component, predicate, _count(node, predicate, value))
    if predicate in PROPERTY_PAIRS and not isinstance(value, URIRef):
        raise InvalidShapeError(f"shape {node.n3()}: {_short(predicate)} must be an IRI (SHACL §4.5)")
    if isinstance(value, BNode):
        raise _refuse(node, f"{_short(predicate)} has a blank node as its value, which a query cannot name")
    if predicate == SH.datatype and value in AMBIGUOUS_DATATYPES:
        raise _refuse(node, f"sh:datatype {value.n3()} is read differently by SHACL engines")
    if predicate == SH.nodeKind and value not in NODE_KINDS:
        raise _refuse(node, f"sh:nodeKind {value.n3()} is not a node kind (SHACL §4.1.3)")
    if predicate == SH.pattern:
        flags = graph.value(node, SH.flags)
        if not isinstance(value, Literal) or (flags is not None and not isinstance(flags, Literal)):
            raise _refuse(node, "sh:pattern and sh:flags must be strings")
        if set(str(flags or "")) - set("ismxq"):
            raise _refuse(node, f"sh:flags {flags} has flags that SPARQL REGEX does not know")
        return Constraint(component, predicate, value, str(flags or ""))
    if predicate in (SH["class"], SH.datatype) and not isinstance(value, URIRef):
        raise _refuse(node, f"{_short(predicate)} must be an IRI")
    return Constraint(component, predicate, value)


def _qualified(graph: Graph, node: Node) -> list[Constraint]:
    """The qualified value shape components (SHACL §4.7.3), one per count given."""
    shapes = list(graph.objects(node, SH.qualifiedValueShape))
    if not shapes:
        return []
    if len(shapes) > 1:
        raise _refuse(node, "more than one sh:qualifiedValueShape")
    disjoint = graph.value(node, SH.qualifiedValueShapesDisjoint)
    if disjoint is not None and not (isinstance(disjoint, Literal) and disjoint.datatype == XSD.boolean):
        raise InvalidShapeError(f"shape {node.n3()}: sh:qualifiedValueShapesDisjoint must be true or false")
    siblings: tuple[Node, ...] = ()
    if disjoint == Literal(True):
        # §4.7.3: the qualified value shapes of the other property shapes of the shapes that have this one
        siblings = tuple(sorted({sibling for parent in graph.subjects(SH.property, node)
                                 for other in graph.objects(parent, SH.property)
                                 for sibling in graph.objects(other, SH.qualifiedValueShape)} - {shapes[0]}, key=str))
    constraints = []
    for predicate, component in ((SH.qualifiedMinCount, SH.QualifiedMinCountConstraintComponent),
                                 (SH.qualifiedMaxCount, SH.QualifiedMaxCountConstraintComponent)):
        value = graph.value(node, predicate)
        if value is not None:
            constraints.append(Constraint(component, predicate, (shapes[0], _count(node, predicate, value)),
                                          siblings=siblings))
    return constraints


def _targets(graph: Graph, node: Node) -> tuple[tuple[URIRef, Node], ...]:
    """The shape's targets (SHACL §2.1.3), with the implicit class target of a shape that is a class."""
    targets = [(kind, value) for kind in TARGETS for value in graph.objects(node, kind)]
    for kind, value in targets:
        if kind != SH.targetNode and not isinstance(value, URIRef):
            raise _refuse(node, f"{_short(kind)} must be an IRI")
        if kind == SH.targetNode and isinstance(value, BNode):
            raise _refuse(node, "sh:targetNode is a blank node, which a query cannot name")
    classes = set(graph.transitive_subjects(RDFS.subClassOf, RDFS.Class))
    if isinstance(node, URIRef) and any(t in classes for t in graph.objects(node, RDF.type)):
        targets.append((SH.targetClass, node))  # implicit class target, SHACL §2.1.3.3
    return tuple(sorted(set(targets), key=str))


def _custom(graph: Graph, node: Node, property_shape: bool, component: Component) -> Constraint | None:
    """The constraint of a component of one's own that the shape has: one with a value for each of its
    mandatory parameters (SHACL §6.2), validated by the validator for the kind of shape (§6.2.3)."""
    values = []
    for path, optional in component.parameters:
        found = set(graph.objects(node, path))
        if not found and not optional:
            return None
        if len(found) > 1:
            raise _refuse(node, f"the parameter {path.n3()} of {component.node.n3()} has more than one value")
        if found:
            value = found.pop()
            if isinstance(value, BNode):
                raise _refuse(node, f"the parameter {path.n3()} has a blank node as its value, which a query cannot "
                                    "name")
            values.append((_local_name(path), value))
    if not values:
        return None
    validator = (component.property_validator if property_shape else component.node_validator) or component.validator
    if validator is None:
        kind = "property" if property_shape else "node"
        raise _refuse(node, f"{component.node.n3()} has no validator for {kind} shapes (SHACL §6.2.3)")
    return Constraint(component.node, component.parameters[0][0], tuple(values), validator=validator)


def _local_name(iri: URIRef) -> str:
    """The name of a parameter (SHACL §6.2.1): the local name of its path."""
    return re.split(r"[#/:]", str(iri))[-1]


def _validator(graph: Graph, component: Node, node: Node | None) -> Validator | None:
    if node is None:
        return None
    asks, selects = list(graph.objects(node, SH.ask)), list(graph.objects(node, SH.select))
    if len(asks) + len(selects) != 1:
        raise UnsupportedShapeError(f"the validator {node.n3()} of {component.n3()} needs one sh:ask or one sh:select "
                                    "(SHACL §6.3)")
    kind, text = ("ask", asks[0]) if asks else ("select", selects[0])
    return Validator(node, kind, _prologue(graph, component, node) + str(text), _messages(graph, node))


def read_components(graph: Graph) -> dict[URIRef, Component]:
    """The SHACL-SPARQL constraint components of one's own (SHACL §6): instances of
    ``sh:ConstraintComponent`` or of a sub-class of it (SHACL instances, §2.1.3.3)."""
    kinds = set(graph.transitive_subjects(RDFS.subClassOf, SH.ConstraintComponent))
    components = {}
    for node in sorted({c for kind in kinds for c in graph.subjects(RDF.type, kind)}, key=str):
        if not isinstance(node, URIRef):
            raise UnsupportedShapeError(f"the constraint component {node.n3()} (SHACL §6) is a blank node; the "
                                        "sparql engine reports components by their IRIs; validate with --engine "
                                        "pyshacl instead")
        parameters = []
        for parameter in graph.objects(node, SH.parameter):
            path = graph.value(parameter, SH.path)
            if not isinstance(path, URIRef):
                raise InvalidShapeError(f"a parameter of {node.n3()} has no IRI as its sh:path (SHACL §6.2.1)")
            parameters.append((path, graph.value(parameter, SH.optional) == Literal(True)))
        if not parameters:
            raise InvalidShapeError(f"{node.n3()} declares no parameter (SHACL §6.2.1)")
        validators = [_validator(graph, node, graph.value(node, p)) for p in
                      (SH.validator, SH.nodeValidator, SH.propertyValidator)]
        if validators[0] is not None and validators[0].kind != "ask":
            raise InvalidShapeError(f"the sh:validator of {node.n3()} must be an ASK query (SHACL §6.2.3)")
        components[node] = Component(node, tuple(sorted(parameters, key=str)), *validators)
    return components


def shape_nodes(graph: Graph) -> set[Node]:
    """Every node that is a shape (SHACL §2.1): declared, targeted, with a path, or referred to as a shape."""
    nodes: set[Node] = set()
    for kind in (SH.NodeShape, SH.PropertyShape):
        nodes.update(graph.subjects(RDF.type, kind))
    for predicate in (*TARGETS, SH.path):
        nodes.update(graph.subjects(predicate, None))
    for predicate in (SH.node, SH["not"], SH.property, SH.qualifiedValueShape):
        nodes.update(graph.objects(None, predicate))
    for predicate in SHAPE_LIST_PARAMETERS:
        for head in graph.objects(None, predicate):
            nodes.update(Collection(graph, head))
    return nodes - set(graph.objects(None, SH.parameter))  # parameters have a path, but are no shapes (§6.2.1)


def read_shapes(graph: Graph) -> dict[Node, Shape]:
    """Every shape of a shapes graph, by node, with the constraints of the components of one's own
    (SHACL §6) that it has."""
    components = read_components(graph)
    for predicate in (SH.target, SH.rule):
        subject = next(iter(graph.subjects(predicate, None)), None)
        if subject is not None:
            raise _refuse(subject, f"{_short(predicate)} (SHACL Advanced Features) is not implemented")
    return {node: read_shape(graph, node, components) for node in shape_nodes(graph)}

