"""Writing query results and RDF graphs in a negotiated media type.

SELECT and ASK results in the SPARQL 1.1 Query Results JSON, XML, CSV and TSV formats; graphs in Turtle,
N-Triples, RDF/XML and JSON-LD. rdflib writes all of them except TSV, which pyoxigraph writes
(SPARQL 1.1 Query Results CSV and TSV Formats §3: terms in Turtle syntax, tabs and newlines escaped).

A result cut at the endpoint's row limit carries ``"truncated": true`` as an extra top-level member of its
SPARQL JSON form (the JSON results format, §3, lets a document carry members it does not define); every
format also gets the ``X-Kzgraph-Truncated`` response header (see :mod:`kzgraph.sparql_api`).
"""

from __future__ import annotations

import json

import pyoxigraph as ox
from rdflib import Graph
from rdflib.query import Result

from .namespaces import PREFIXES
from .negotiation import GRAPH_TYPES, RESULT_TYPES

TSV = "text/tab-separated-values"
JSON = "application/sparql-results+json"


def serialize_graph(graph: Graph, media: str) -> bytes:
    """A graph in one of :data:`~kzgraph.negotiation.GRAPH_TYPES`, kzgraph's prefixes bound for Turtle."""
    if media == "text/turtle":
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
    return graph.serialize(format=GRAPH_TYPES[media], encoding="utf-8")


def serialize_result(result: Result, media: str) -> bytes:
    """A query result in the media type chosen by content negotiation."""
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return serialize_graph(result.graph, media)
    if media == TSV:
        solutions = ox.parse_query_results(result.serialize(format="json"), format=ox.QueryResultsFormat.JSON)
        return solutions.serialize(format=ox.QueryResultsFormat.TSV)
    data = result.serialize(format=RESULT_TYPES[media])
    if media == JSON and getattr(result, "truncated", False):
        document = json.loads(data)
        document["truncated"] = True
        data = json.dumps(document, ensure_ascii=False).encode("utf-8")
    return data
