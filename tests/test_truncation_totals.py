"""A result cut at the row limit gives its real total where it is cheap to count: in the
``X-Kzgraph-Total-Rows`` header for every format, and in the body where the format has room (SPARQL JSON
members, SPARQL XML links and comment, Turtle and N-Triples comments, an RDF/XML comment); past the counting
bound, "at least" so many. Real servers on 127.0.0.1."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from rdflib import Literal, URIRef

from kzgraph.endpoint.app import create_app
from kzgraph.sparql import serialization
from kzgraph.store.local import open as open_store

from .helpers import serving

ROWS = 250
LIMIT = 40
SELECT = "SELECT ?s ?o WHERE { ?s <http://example.org/value> ?o }"
CONSTRUCT = "CONSTRUCT WHERE { ?s <http://example.org/value> ?o }"


@pytest.fixture(scope="module")
def endpoint():
    kg = open_store("oxigraph")
    graph = kg.graph(URIRef("http://example.org/graph/totals"))
    for i in range(ROWS):
        graph.add((URIRef(f"http://example.org/item/{i}"), URIRef("http://example.org/value"), Literal(i)))
    with serving(create_app(kg, workers=1, max_rows=LIMIT)) as url:
        yield url


def get(url: str, query: str, accept: str) -> httpx.Response:
    answer = httpx.get(f"{url}/sparql", params={"query": query}, headers={"Accept": accept}, timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.headers["x-kzgraph-truncated"] == "true"
    assert answer.headers["x-kzgraph-total-rows"] == str(ROWS)
    return answer


def test_sparql_json_gives_the_total_in_its_body(endpoint):
    document = get(endpoint, SELECT, "application/sparql-results+json").json()
    assert len(document["results"]["bindings"]) == LIMIT
    assert document["truncated"] is True and document["totalRows"] == ROWS and document["totalExact"] is True


def test_sparql_xml_gives_the_total_as_a_link_and_a_comment(endpoint):
    text = get(endpoint, SELECT, "application/sparql-results+xml").text
    assert text.count("<result>") == LIMIT
    assert f'<link href="urn:kzgraph:total-rows:{ROWS}"/>' in text
    assert f"the first {LIMIT} rows of {ROWS}" in text


@pytest.mark.parametrize("accept", ["text/csv", "text/tab-separated-values"])
def test_csv_and_tsv_give_the_total_in_the_header_only(endpoint, accept):
    answer = get(endpoint, SELECT, accept)
    assert len(answer.text.strip().splitlines()) == 1 + LIMIT
    assert str(ROWS) not in answer.text.splitlines()[0]


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/rdf+xml"])
def test_graph_formats_give_the_total_in_a_comment(endpoint, accept):
    text = get(endpoint, CONSTRUCT, accept).text
    assert re.search(rf"truncated: the first {LIMIT} triples of {ROWS} \(the row limit\)", text), text[-300:]


def test_json_ld_gives_the_total_in_the_header(endpoint):
    answer = get(endpoint, CONSTRUCT, "application/ld+json")
    assert json.loads(answer.text)


def test_a_result_within_the_limit_has_no_total(endpoint):
    answer = httpx.get(f"{endpoint}/sparql", params={"query": SELECT + " LIMIT 5"},
                       headers={"Accept": "application/sparql-results+json"})
    assert "x-kzgraph-total-rows" not in answer.headers and "totalRows" not in answer.json()


def test_past_the_counting_bound_the_total_is_a_lower_bound():
    rows = iter(range(5000))
    total = serialization.count_rest(rows, 10, bound=1000)
    assert (total.rows, total.exact, total.header(), total.words()) == (1010, False, ">=1010", "at least 1010")
    written = serialization.write_solutions(["x"], ([None] for _ in range(100)), "application/sparql-results+xml",
                                            max_rows=10)
    assert written.total == serialization.Total(100, True)
