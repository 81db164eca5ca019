"""The ``pyshacl`` engine: pySHACL (https://github.com/RDFLib/pySHACL), the reference implementation.

pySHACL passes the W3C SHACL test suite (its own tests run the data-shapes manifests); kzgraph uses it to
check the ``sparql`` engine and as a fallback for shapes that engine refuses. It runs without inference
and without SHACL Advanced Features (the shapes use none), on the data graph as given. Only the results of
the report (the values of ``sh:result``, SHACL §3.6.1) are read: the nested results pySHACL adds under
``sh:detail`` explain a result and are not results of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyshacl import validate as pyshacl_validate
from rdflib import Graph, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Processor
from rdflib.query import Result as QueryResult
from rdflib.term import Identifier, Node

from kzgraph.validation.shacl.results import SH, Result, make_result


class PreparedQueryGraph(Graph):
    """The same triples (the same store), with each distinct SPARQL text parsed once.

    pySHACL evaluates a SHACL-SPARQL constraint once per focus node, with the same text and ``$this`` in
    ``initBindings``; rdflib parses the text again each time, which took most of pySHACL's time. rdflib
    evaluates a prepared query with bindings exactly as the text (``Graph.query`` prepares the text with
    the graph's namespaces as ``initNs``, as here).
    """

    def __init__(self, data: Graph):
        super().__init__(store=data.store, identifier=data.identifier, namespace_manager=data.namespace_manager)
        self._prepared: dict[tuple[str, tuple[tuple[str, Any], ...]], Query] = {}

    def query(self, query_object: str | Query, processor: str | Processor = "sparql",
              result: str | type[QueryResult] = "sparql", initNs: Mapping[str, Any] | None = None,
              initBindings: Mapping[str, Identifier] | None = None, use_store_provided: bool = True,
              **kwargs: Any) -> QueryResult:
        if isinstance(query_object, str) and processor == "sparql" and "base" not in kwargs:
            namespaces = dict(initNs or self.namespaces())
            key = (query_object, tuple(sorted(namespaces.items())))
            if key not in self._prepared:
                self._prepared[key] = prepareQuery(query_object, initNs=namespaces)
            query_object = self._prepared[key]
        return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)


def validate(data: Graph, shapes: Graph) -> list[Result]:
    """Validate a data graph against a shapes graph with pySHACL, without inference (SHACL §3)."""
    own_copy = Graph()  # pySHACL adds axioms (owl:Class rdfs:subClassOf rdfs:Class …) to the shapes graph
    own_copy += shapes
    _, report, _ = pyshacl_validate(PreparedQueryGraph(data), shacl_graph=own_copy, inference="none", advanced=False,
                                    inplace=True, allow_warnings=True, meta_shacl=False)
    if not isinstance(report, Graph):
        raise ValueError(f"the shapes are not valid SHACL: {report}")
    results = []
    for node in report.objects(None, SH.result):
        results.append(make_result(
            shapes,
            severity=_iri(report, node, SH.resultSeverity),
            focus=_one(report, node, SH.focusNode),
            path=report.value(node, SH.resultPath),
            value=report.value(node, SH.value),
            source_shape=_one(report, node, SH.sourceShape),
            component=_iri(report, node, SH.sourceConstraintComponent),
            messages=report.objects(node, SH.resultMessage),
            path_graph=report,
            source_constraint=report.value(node, SH.sourceConstraint),
        ))
    return results


def _one(report: Graph, result: Node, predicate: URIRef) -> Node:
    """The value of a property every validation result has (SHACL §3.6.2)."""
    value = report.value(result, predicate)
    if value is None:
        raise ValueError(f"pySHACL reported a result without {predicate.n3()}")
    return value


def _iri(report: Graph, result: Node, predicate: URIRef) -> URIRef:
    value = _one(report, result, predicate)
    if not isinstance(value, URIRef):
        raise ValueError(f"pySHACL reported a result whose {predicate.n3()} is {value.n3()}, not an IRI")
    return value
