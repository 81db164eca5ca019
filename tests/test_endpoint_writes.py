"""Writes through SPARQL 1.1 Update: only with the bearer token, SHACL-validated before they commit, rejected
with the report while the store stays unchanged, one at a time, and stopped at the write time limit."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef

from kzgraph.build.pipeline import assemble
from kzgraph.endpoint.app import create_app
from kzgraph.store.loading import project_files
from kzgraph.store.local import open as open_store

from .helpers import serving

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "write-token"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
TEST_GRAPH = "https://w3id.org/kzgraph/graph/data/endpoint-test"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def insert_data(example: Path, graph: str = TEST_GRAPH) -> str:
    """An INSERT DATA request with the triples of an example file."""
    triples = Graph().parse(example, format="turtle").serialize(format="nt")
    return f"INSERT DATA {{ GRAPH <{graph}> {{ {triples} }} }}"


def update(url: str, text: str, headers=AUTH, **params) -> httpx.Response:
    return httpx.post(f"{url}/sparql", params=params, content=text.encode(), timeout=300,
                      headers={"Content-Type": "application/sparql-update", **headers})


def ask(url: str, query: str) -> bool:
    return httpx.get(f"{url}/sparql", params={"query": query}, timeout=60).json()["boolean"]


def quads(kg) -> set:
    return set(kg.dataset.quads((None, None, None, None)))


@pytest.fixture(scope="module", params=["oxigraph", "memory"])
def curated(request):
    """A store like a build's (ontology, reference names, one data file) on each backend, writes enabled."""
    kg = assemble(project_files(data=[FIXTURES / "csto-1992.ttl"]), backend=request.param)
    with serving(create_app(kg, update_token=TOKEN, workers=1)) as url:
        yield url, kg


def test_a_valid_write_commits_and_every_reader_sees_it(curated):
    url, kg = curated
    answer = update(url, insert_data(FIXTURES / "shapes" / "CitationShape.valid.ttl"))
    assert answer.status_code == 200, answer.text
    assert ask(url, f"ASK {{ GRAPH <{TEST_GRAPH}> {{ ?c <https://w3id.org/kzgraph/ontology#lineStart> ?n }} }}")
    assert any(str(g) == TEST_GRAPH for _, _, _, g in quads(kg))  # the server's store holds it too


def test_an_invalid_write_is_rejected_with_the_report_and_the_store_is_unchanged(curated):
    url, kg = curated
    count_query = {"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"}
    before, count = quads(kg), httpx.get(f"{url}/sparql", params=count_query).json()
    answer = update(url, insert_data(FIXTURES / "shapes" / "CitationShape.invalid.ttl", TEST_GRAPH + "-invalid"))
    assert answer.status_code == 422
    report = answer.json()
    assert "violation" in report["message"] and "unchanged" in report["message"]
    backwards = [r for r in report["results"] if r["focus"].endswith("citation/backwards")]
    assert backwards and backwards[0] == {
        "severity": "Violation", "focus": "https://w3id.org/kzgraph/id/citation/backwards",
        "path": "https://w3id.org/kzgraph/ontology#lineEnd", "value": backwards[0]["value"],
        "message": backwards[0]["message"], "shape": "https://w3id.org/kzgraph/shapes#CitationShape",
        "component": "http://www.w3.org/ns/shacl#SPARQLConstraintComponent"}
    assert backwards[0]["message"]
    assert quads(kg) == before
    assert httpx.get(f"{url}/sparql", params=count_query).json() == count
    assert not ask(url, f"ASK {{ GRAPH <{TEST_GRAPH}-invalid> {{ ?s ?p ?o }} }}")


def test_a_delete_that_would_break_a_shape_is_rejected_too(curated):
    url, kg = curated
    before = quads(kg)
    answer = update(url, "DELETE WHERE { GRAPH ?g { ?citation kz:document ?document } }")
    assert answer.status_code == 422
    assert {(r["severity"], r["path"]) for r in answer.json()["results"]} >= {
        ("Violation", "https://w3id.org/kzgraph/ontology#document")}
    assert quads(kg) == before


@pytest.fixture(scope="module")
def plain():
    """A small store without kzgraph data (its writes validate fast), writes enabled."""
    kg = open_store("oxigraph")
    kg.graph(URIRef("http://example.org/counter")).add(
        (URIRef("http://example.org/c"), URIRef("http://example.org/n"), Literal(0)))
    app = create_app(kg, update_token=TOKEN, workers=2)
    with serving(app) as url:
        yield url, kg, app


def test_a_write_without_a_token_gets_401_and_with_another_token_403(plain):
    url, _, _ = plain
    text = "INSERT DATA { GRAPH <http://example.org/x> { <http://a> <http://b> <http://c> } }"
    missing = update(url, text, headers={})
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    wrong = update(url, text, headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 403
    form = httpx.post(f"{url}/sparql", data={"update": text})
    assert form.status_code == 401
    assert not ask(url, "ASK { <http://a> <http://b> <http://c> }")


def test_an_update_by_form_with_the_token_commits(plain):
    url, _, _ = plain
    answer = httpx.post(f"{url}/sparql", headers=AUTH,
                        data={"update": "INSERT DATA { GRAPH <http://example.org/form> { <http://f> <http://g> 1 } }"})
    assert answer.status_code == 200 and "1 added" in answer.text
    assert ask(url, "ASK { GRAPH <http://example.org/form> { <http://f> <http://g> 1 } }")


def test_the_service_description_names_the_update_language_when_writes_are_enabled(plain):
    url, _, _ = plain
    sd = Graph().parse(data=httpx.get(f"{url}/sparql", headers={"Accept": "text/turtle"}).text, format="turtle")
    assert (URIRef(f"{url}/sparql"), SD.supportedLanguage, SD.SPARQL11Update) in sd


INCREMENT = """PREFIX ex: <http://example.org/>
DELETE { GRAPH ex:counter { ex:c ex:n ?old } } INSERT { GRAPH ex:counter { ex:c ex:n ?new } }
WHERE { GRAPH ex:counter { ex:c ex:n ?old } BIND(?old + 1 AS ?new) }"""


def test_writes_take_turns_so_that_none_is_lost(plain):
    """Concurrent read-modify-write updates: each must see the one before it."""
    url, _, _ = plain
    start = int(httpx.get(f"{url}/sparql", params={"query": "SELECT ?n { GRAPH ?g { <http://example.org/c> ?p ?n } }"})
                .json()["results"]["bindings"][0]["n"]["value"])
    statuses = []
    threads = [threading.Thread(target=lambda: statuses.append(update(url, INCREMENT).status_code)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 4
    assert ask(url, f"ASK {{ GRAPH ?g {{ <http://example.org/c> ?p {start + 4} }} }}")


def test_a_write_over_the_time_limit_is_stopped_and_changes_nothing():
    kg = open_store("oxigraph")
    many = kg.graph(URIRef("http://example.org/many"))
    for i in range(300):
        many.add((URIRef(f"http://example.org/i{i}"), URIRef("http://example.org/v"), Literal(i)))
    before = quads(kg)
    with serving(create_app(kg, update_token=TOKEN, workers=1, write_timeout=3)) as url:
        answer = update(url, "INSERT { GRAPH <http://example.org/slow> { ?a <http://example.org/count> ?n } } WHERE { "
                             "SELECT ?a (COUNT(*) AS ?n) WHERE { "
                             "GRAPH ?g { ?a ?b ?c . ?d ?e ?f . ?h ?i ?j . ?k ?l ?m } } "
                             "GROUP BY ?a }")
        assert answer.status_code == 503 and "stopped after 3 s" in answer.text and "unchanged" in answer.text
        assert quads(kg) == before
        inserted = update(url, "INSERT DATA { GRAPH <http://example.org/x> { <http://a> <http://b> 1 } }")
        assert inserted.status_code == 200


def test_a_malformed_update_gets_400_with_the_position(plain):
    url, _, _ = plain
    answer = update(url, "INSERT DATA {\n  GRAPH <http://example.org/x> { <http://a> <http://b> }\n}")
    assert answer.status_code == 400 and "line 2" in answer.text


def test_using_graph_uri_and_a_with_clause_conflict(plain):
    url, _, _ = plain
    answer = update(url, "WITH <http://example.org/counter> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
                    **{"using-graph-uri": "http://example.org/counter"})
    assert answer.status_code == 400 and "WITH" in answer.text
