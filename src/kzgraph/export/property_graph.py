"""The whole knowledge graph as a property graph, read from the store query by query.

Mapping (docs/export.md):

* **Nodes**: every IRI that is the subject of a triple, or the object of a triple whose predicate is not
  ``rdf:type``, in every named graph but the OWL ontology (``graph/ontology/kzgraph``: classes and
  properties are the schema, not the data; the SKOS vocabularies are data and stay). Attributes:
  ``label`` (English ``rdfs:label``), ``type`` (most specific ``kz:`` class), ``iri``, ``iso``, ``vector``.
* **Literal-valued properties** become node attributes named by the property's compact IRI
  (``kz:startDate``, ``skos:definition``), with ``.{language}`` for languages other than English
  (``rdfs:label.de``). Types: ``xsd:integer`` and its subtypes ``int`` (``long`` beyond 32 bits),
  ``xsd:decimal``, ``xsd:double`` and ``xsd:float`` ``double``, ``xsd:boolean`` ``boolean``, every other
  datatype (strings, dates, years) ``string`` in its lexical form. A property with several values on one
  resource is a ``string`` of the sorted values joined with `` | ``.
* **Resource-valued properties** become directed edges (a multigraph) with ``relation`` (the compact
  IRI), ``predicate`` (the IRI) and ``graph`` (the named graph that states the triple, e.g.
  ``data/dissertation/ch4-csto`` or ``derived``). ``rdf:type`` is the ``type`` attribute, not an edge.
* **Citations** (blank nodes) are folded into the resource they support: ``citations`` (how many),
  ``sources`` (distinct documents), ``documents`` (their IRIs, space-separated) and ``lines``
  (``{document id} {first}-{last}``, joined with ``; ``).

Node ids are those of :func:`kzgraph.export.elements.node_id`. Nothing is held in memory but one
resource's attributes at a time: the attribute types come from an aggregate query, and the node, attribute
and citation lists, each sorted by IRI, are merged while they are read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby
from pathlib import Path
from typing import cast

from rdflib import XSD, Graph, Literal, URIRef
from rdflib.query import ResultRow

from kzgraph.analysis.projections import select, sparql
from kzgraph.build.statistics import DATASET
from kzgraph.export.elements import INT32, Attributes, Edge, GraphStream, Node, Schema, name_token, node_id, widen
from kzgraph.namespaces import GRAPH, PREFIXES
from kzgraph.sparql.describe import Queryable

QUERY_DIR = Path(__file__).resolve().parent / "queries"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
GRAPH_BASE = str(GRAPH)
INTEGERS = {str(XSD[n]) for n in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                             "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt",
                             "unsignedShort", "unsignedByte")}
DOUBLES = {str(XSD.decimal), str(XSD.double), str(XSD.float)}
SEPARATOR = " | "


def project_namespaces() -> list[tuple[str, URIRef]]:
    """kzgraph's prefixes with rdflib's standard ones (rdf, rdfs, owl, xsd, skos …): the same on every store."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return list(graph.namespaces())


class Compactor:
    """Compact IRIs ``prefix:local`` from namespace bindings (the longest namespace wins)."""

    def __init__(self, namespaces: Iterable[tuple[str, URIRef]]):
        self.namespaces = sorted(((str(ns), prefix) for prefix, ns in namespaces if prefix), key=lambda p: -len(p[0]))
        self.known: dict[str, str] = {}

    def __call__(self, iri: str) -> str:
        if iri not in self.known:
            self.known[iri] = self._compact(iri)
        return self.known[iri]

    def _compact(self, iri: str) -> str:
        for namespace, prefix in self.namespaces:
            local = iri[len(namespace):]
            if iri.startswith(namespace) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9._-]*", local):
                return f"{prefix}:{local}"
        return name_token(iri)


def datatype_kind(datatype: str, size: int) -> str:
    if datatype in INTEGERS:
        return "int" if size in INT32 else "long"
    if datatype in DOUBLES:
        return "double"
    if datatype == str(XSD.boolean):
        return "boolean"
    return "string"


def attribute_name(compact: Compactor, property_iri: str, lang: str) -> str:
    if property_iri == RDFS_LABEL and lang.lower() in ("en", ""):
        return "label" if lang else compact(property_iri)
    return compact(property_iri) + (f".{lang}" if lang and not lang.lower().startswith("en") else "")


def literal_schema(kg: Queryable, compact: Compactor) -> tuple[Schema, set[str]]:
    """The attribute types of the literal-valued properties and the names that hold several values."""
    schema, joined = Schema(), set[str]()
    for row in select(kg, sparql("attributes", QUERY_DIR)):
        name = attribute_name(compact, str(row.property), str(row.lang or ""))
        size = int(abs(float(row.size))) if row.size is not None else 0
        for datatype in str(row.datatypes or "").split():
            schema[name] = widen(schema.get(name), datatype_kind(datatype, size))
        if int(row.most) > 1:
            joined.add(name)
    for name in joined:
        schema[name] = "string"
    return schema, joined


def literal_value(literal: Literal, kind: str) -> object:
    value = literal.toPython()
    try:
        if kind in ("int", "long") and not isinstance(value, bool):
            return int(value)
        if kind == "double":
            return float(value)
        if kind == "boolean" and isinstance(value, bool):
            return value
    except (TypeError, ValueError):
        return None
    return str(literal) if kind == "string" else None


def _grouped(rows: Iterable[ResultRow],
             key: Callable[[ResultRow], object]) -> Iterator[tuple[str, list[ResultRow]]]:
    """Rows grouped by subject IRI, checking that they come sorted as the merge needs."""
    previous = None
    for subject, group in groupby(rows, key=lambda r: str(key(r))):
        if previous is not None and subject < previous:
            raise RuntimeError(f"the store did not sort the rows by IRI ({subject} after {previous})")
        previous = subject
        yield subject, list(group)


class _Cursor:
    """A sorted, grouped stream that can be read up to a given subject."""

    def __init__(self, groups: Iterator[tuple[str, list[ResultRow]]]):
        self.groups = groups
        self.current = next(groups, None)

    def take(self, subject: str) -> list[ResultRow]:
        while self.current is not None and self.current[0] < subject:
            self.current = next(self.groups, None)
        if self.current is not None and self.current[0] == subject:
            rows = self.current[1]
            self.current = next(self.groups, None)
            return rows
        return []


def property_graph(kg: Queryable) -> GraphStream:
    """The whole knowledge graph behind ``kg`` (anything with ``.query``) as a graph stream."""
    compact = Compactor(project_namespaces())
    literals, joined = literal_schema(kg, compact)
    node_schema = Schema({"label": "string", "type": "string", "iri": "string", "iso": "string",
                          "vector": "string"})
    for name, kind in literals.items():
        node_schema[name] = widen(node_schema.get(name), kind)
    node_schema.update(citations="int", sources="int", documents="string", lines="string")
    edge_schema = Schema({"relation": "string", "predicate": "string", "graph": "string"})

    def attributes(rows: list[ResultRow]) -> Attributes:
        values: dict[str, list[Literal]] = {}
        for row in rows:
            literal = cast(Literal, row.o)  # literals.rq keeps literal objects only (isLiteral)
            name = attribute_name(compact, str(row.property), literal.language or "")
            if name == "label":
                continue
            values.setdefault(name, []).append(literal)
        found: Attributes = {}
        for name, items in values.items():
            if name in joined:
                found[name] = SEPARATOR.join(sorted({str(item) for item in items}))
            else:
                found[name] = literal_value(items[0], node_schema[name])
        return found

    def citations(rows: list[ResultRow]) -> Attributes:
        if not rows:
            return {}
        documents = sorted({str(r.document) for r in rows if r.document is not None})
        lines = sorted({f"{node_id(str(r.document))} {r['from']}-{r.to}" for r in rows
                        if r.document is not None and r["from"] is not None})
        return {"citations": len({r.citation for r in rows}), "sources": len(documents),
                "documents": documents, "lines": "; ".join(lines) or None}

    def nodes() -> Iterator[Node]:
        literal_rows = _Cursor(_grouped(select(kg, sparql("literals", QUERY_DIR)), lambda r: r.s))
        citation_rows = _Cursor(_grouped(select(kg, sparql("citations", QUERY_DIR)), lambda r: r.s))
        for iri, group in _grouped(select(kg, sparql("nodes", QUERY_DIR)), lambda r: r.node):
            row = group[0]
            kind = str(row.type or "")
            found: Attributes = {"label": str(row.label) if row.label is not None else None,
                     "type": kind.rsplit("#", 1)[-1] if kind else None, "iri": iri,
                     "iso": str(row.iso) if row.iso is not None else None,
                     "vector": str(row.vector) if row.vector is not None else None}
            found.update(attributes(literal_rows.take(iri)))
            found.update(citations(citation_rows.take(iri)))
            yield Node(node_id(iri), found)

    def edges() -> Iterator[Edge]:
        for row in select(kg, sparql("edges", QUERY_DIR)):
            s, p, o = str(row.s), str(row.property), str(row.o)
            relation = compact(p)
            graph = str(row.graph)
            yield Edge(f"{node_id(s)}--{relation}--{node_id(o)}", node_id(s), node_id(o),
                       {"relation": relation, "predicate": p,
                        "graph": graph[len(GRAPH_BASE):] if graph.startswith(GRAPH_BASE) else graph})

    return GraphStream(name="kg", directed=True, multigraph=True, attributes={"graph": "kg", "dataset": DATASET},
                       node_schema=node_schema, edge_schema=edge_schema, nodes=nodes, edges=edges)
