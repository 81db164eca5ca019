"""Writing query results and RDF graphs in a negotiated media type.

SELECT and ASK results in the SPARQL 1.1 Query Results JSON, XML, CSV and TSV formats; graphs in Turtle,
N-Triples, RDF/XML and JSON-LD. rdflib writes all of them except TSV, which pyoxigraph writes
(SPARQL 1.1 Query Results CSV and TSV Formats §3: terms in Turtle syntax, tabs and newlines escaped).

A result cut at the endpoint's row limit carries ``"truncated": true`` as an extra top-level member of its
SPARQL JSON form (the JSON results format, §3, lets a document carry members it does not define); every
format also gets the ``X-Kzgraph-Truncated`` response header (see :mod:`kzgraph.endpoint.routes.sparql`).
"""

from __future__ import annotations

import json

import pyoxigraph as ox
from rdflib import Graph
from rdflib.query import Result

from kzgraph.errors import QueryError
from kzgraph.namespaces import PREFIXES
from kzgraph.sparql.media_types import GRAPH_TYPES, RESULT_TYPES

TSV = "text/tab-separated-values"
JSON = "application/sparql-results+json"


def serialize_graph(graph: Graph, media: str) -> bytes:
    """A graph in one of :data:`~kzgraph.sparql.media_types.GRAPH_TYPES`, written with kzgraph's prefixes:
    bound for Turtle, as the compacting context for JSON-LD."""
    if media == "text/turtle":
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
    if GRAPH_TYPES[media] == "json-ld":
        context = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
        return graph.serialize(format=GRAPH_TYPES[media], encoding="utf-8", context=context, auto_compact=True)
    return graph.serialize(format=GRAPH_TYPES[media], encoding="utf-8")


def _serialized(result: Result, fmt: str) -> bytes:
    data = result.serialize(format=fmt)  # no destination: the bytes
    if data is None:
        raise QueryError(f"rdflib wrote no {fmt} for a {result.type} result")
    return data


def serialize_result(result: Result, media: str) -> bytes:
    """A query result in the media type chosen by content negotiation."""
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        if result.graph is None:
            raise QueryError(f"a {result.type} result without a graph")
        return serialize_graph(result.graph, media)
    if result.type == "SELECT":
        # An unbound variable is left out of its solution (SPARQL 1.1 Query Results XML §2.3.1); Oxigraph's
        # results carry it as None, which rdflib's XML writer refuses.
        result.bindings = [{var: value for var, value in solution.items() if value is not None}
                           for solution in result.bindings]
    if media == TSV:
        solutions = ox.parse_query_results(_serialized(result, "json"), format=ox.QueryResultsFormat.JSON)
        return solutions.serialize(format=ox.QueryResultsFormat.TSV) or b""  # no output given: the bytes
    data = _serialized(result, RESULT_TYPES[media])
    if media == JSON and getattr(result, "truncated", False):
        document = json.loads(data)
        document["truncated"] = True
        data = json.dumps(document, ensure_ascii=False).encode("utf-8")
    return data
