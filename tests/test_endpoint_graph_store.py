"""The SPARQL 1.1 Graph Store HTTP Protocol at /rdf-graphs/service, case by case as the W3C test suite
checks it (PUT, GET, HEAD, POST, multipart POST, POST creating a graph, DELETE, the default graph, a bad
payload), with indirect graph identification, writes enabled by a token and validated like updates."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from rdflib import Graph, URIRef

from kzgraph.build.pipeline import assemble
from kzgraph.endpoint.app import create_app
from kzgraph.store.loading import project_files
from kzgraph.store.local import open as open_store

from .helpers import serving

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "graph-store-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PERSON = "http://example.org/person/1"
JOHN = f"""@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix v: <http://www.w3.org/2006/vcard/ns#> .
<{PERSON}> a foaf:Person ; foaf:businessCard [ a v:VCard ; v:fn "John Doe" ] ."""
JANE = JOHN.replace("John Doe", "Jane Doe")
TURTLE = {"Content-Type": "text/turtle; charset=utf-8"}


@pytest.fixture(scope="module")
def store():
    with serving(create_app(open_store("oxigraph"), update_token=TOKEN, workers=1)) as url:
        yield f"{url}/rdf-graphs/service", url


def turtle(answer: httpx.Response) -> Graph:
    return Graph().parse(data=answer.text, format="turtle")


def send(method: str, url: str, body: str | bytes | None = None, headers=None, **params) -> httpx.Response:
    return httpx.request(method, url, params=params, content=body.encode() if isinstance(body, str) else body,
                         headers={**AUTH, **(headers or {})}, timeout=120)


def test_put_creates_a_graph_get_returns_it_and_put_again_replaces_it(store):
    service, _ = store
    graph = "http://example.org/graphs/person-1"
    assert send("PUT", service, JOHN, TURTLE, graph=graph).status_code == 201
    answer = httpx.get(service, params={"graph": graph}, headers={"Accept": "text/turtle"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/turtle; charset=utf-8"
    assert turtle(answer).isomorphic(Graph().parse(data=JOHN, format="turtle"))
    assert send("PUT", service, JANE, TURTLE, graph=graph).status_code == 204
    assert turtle(httpx.get(service, params={"graph": graph})).isomorphic(Graph().parse(data=JANE, format="turtle"))


def test_get_negotiates_the_rdf_format(store):
    service, _ = store
    graph = "http://example.org/graphs/formats"
    send("PUT", service, JOHN, TURTLE, graph=graph)
    answer = httpx.get(service, params={"graph": graph}, headers={"Accept": "application/ld+json"})
    assert answer.headers["content-type"] == "application/ld+json"
    assert Graph().parse(data=answer.text, format="json-ld").isomorphic(Graph().parse(data=JOHN, format="turtle"))


def test_post_merges_into_an_existing_graph(store):
    service, _ = store
    graph = "http://example.org/graphs/merge"
    send("PUT", service, JOHN, TURTLE, graph=graph)
    answer = send("POST", service, f'<{PERSON}> <http://xmlns.com/foaf/0.1/name> "Jane Doe" .',
                  {"Content-Type": "application/n-triples"}, graph=graph)
    assert answer.status_code == 200
    merged = turtle(httpx.get(service, params={"graph": graph}))
    assert len(merged) == 5 and (URIRef(PERSON), URIRef("http://xmlns.com/foaf/0.1/name"), None) in merged


def test_post_of_multipart_form_data_merges_every_part(store):
    service, _ = store
    graph = "http://example.org/graphs/multipart"
    send("PUT", service, JOHN, TURTLE, graph=graph)
    boundary = "a6fe4cd636164618814be9f8d3d1a0de"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"last.ttl\"; filename=\"last.ttl\"\r\n"
            f"Content-Type: text/turtle; charset=utf-8\r\n\r\n"
            f"<{PERSON}> <http://xmlns.com/foaf/0.1/familyName> \"Doe\" .\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"first.nt\"; filename=\"first.nt\"\r\n"
            f"Content-Type: application/n-triples\r\n\r\n"
            f"<{PERSON}> <http://xmlns.com/foaf/0.1/givenName> \"Jane\" .\r\n"
            f"--{boundary}--\r\n")
    answer = send("POST", service, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}, graph=graph)
    assert answer.status_code == 200, answer.text
    merged = turtle(httpx.get(service, params={"graph": graph}))
    assert {str(o) for o in merged.objects(URIRef(PERSON), None)} >= {"Doe", "Jane"}


def test_post_to_the_service_creates_a_graph_at_the_location_it_answers(store):
    service, _ = store
    answer = send("POST", service, '[] a <http://xmlns.com/foaf/0.1/Person> ; '
                                   '<http://xmlns.com/foaf/0.1/givenName> "Alice" .', TURTLE)
    assert answer.status_code == 201
    created = httpx.get(answer.headers["location"], headers={"Accept": "text/turtle"})
    assert created.status_code == 200 and "Alice" in created.text
    assert "https://w3id.org/kzgraph/graph/posted/" in answer.text


def test_delete_drops_a_graph_and_a_graph_that_is_not_there_is_404(store):
    service, _ = store
    graph = "http://example.org/graphs/doomed"
    send("PUT", service, JOHN, TURTLE, graph=graph)
    assert httpx.head(service, params={"graph": graph}).status_code == 200
    assert send("DELETE", service, graph=graph).status_code == 200
    assert httpx.get(service, params={"graph": graph}).status_code == 404
    assert httpx.head(service, params={"graph": graph}).status_code == 404
    assert send("DELETE", service, graph=graph).status_code == 404


def test_the_default_graph_is_the_stores_unnamed_graph_and_joins_the_union(store):
    service, url = store
    assert send("PUT", service, JOHN, TURTLE, default="").status_code == 201
    assert turtle(httpx.get(service, params={"default": ""})).isomorphic(Graph().parse(data=JOHN, format="turtle"))
    answer = httpx.get(f"{url}/sparql", params={"query": f'ASK {{ <{PERSON}> ?p ?o }}'})
    assert answer.json()["boolean"] is True
    assert send("DELETE", service, default="").status_code == 200
    assert len(turtle(httpx.get(service, params={"default": ""}))) == 0


def test_a_payload_that_does_not_parse_is_refused_and_stores_nothing(store):
    service, _ = store
    answer = send("PUT", service, "<http://a> <http://b> .", TURTLE, graph="http://example.org/graphs/broken")
    assert answer.status_code == 400 and "not valid" in answer.text
    assert httpx.get(service, params={"graph": "http://example.org/graphs/broken"}).status_code == 404


def test_a_payload_in_a_media_type_that_is_not_rdf_gets_415(store):
    service, _ = store
    answer = send("PUT", service, "{}", {"Content-Type": "application/json"}, graph="http://example.org/graphs/json")
    assert answer.status_code == 415 and "text/turtle" in answer.text


def test_blank_nodes_of_each_payload_are_new_nodes(store):
    service, url = store
    for name in ("http://example.org/graphs/b1", "http://example.org/graphs/b2"):
        send("PUT", service, f"_:b0 <http://example.org/in> <{name}> .", {"Content-Type": "application/n-triples"},
             graph=name)
    query = "SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE { GRAPH ?g { ?b <http://example.org/in> ?x } }"
    answer = httpx.get(f"{url}/sparql", params={"query": query})
    assert answer.json()["results"]["bindings"][0]["n"]["value"] == "2"


@pytest.mark.parametrize("params", [{}, {"graph": "not an iri"}, {"graph": "http://a", "default": ""}])
def test_a_request_that_names_no_single_graph_gets_400(store, params):
    service, _ = store
    assert httpx.get(service, params=params).status_code == 400


def test_writes_need_the_token_but_reads_do_not(store):
    service, _ = store
    graph, kept = "http://example.org/graphs/guarded", "http://example.org/graphs/kept"
    assert send("PUT", service, JOHN, TURTLE, graph=kept).status_code == 201
    assert httpx.put(service, params={"graph": graph}, content=JOHN, headers=TURTLE).status_code == 401
    assert httpx.delete(service, params={"graph": kept}, headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert httpx.get(service, params={"graph": graph}).status_code == 404
    assert httpx.get(service, params={"graph": kept}).status_code == 200


def test_a_graph_store_write_is_validated_like_an_update():
    kg = assemble(project_files(data=[FIXTURES / "csto-1992.ttl"]))
    before = set(kg.dataset.quads((None, None, None, None)))
    with serving(create_app(kg, update_token=TOKEN, workers=1)) as url:
        invalid = (FIXTURES / "shapes" / "CitationShape.invalid.ttl").read_bytes()
        answer = send("PUT", f"{url}/rdf-graphs/service", invalid, TURTLE,
                      graph="https://w3id.org/kzgraph/graph/data/posted-test")
        assert answer.status_code == 422
        assert {r["shape"] for r in answer.json()["results"] if r["severity"] == "Violation"} == {
            "https://w3id.org/kzgraph/shapes#CitationShape"}
    assert set(kg.dataset.quads((None, None, None, None))) == before


def test_under_gsp_a_graph_is_named_by_its_url_and_the_same_graph_is_reached_indirectly(store):
    service, url = store
    direct = f"{url}/gsp/people/direct.ttl"
    assert send("PUT", direct, JOHN, TURTLE).status_code == 201
    by_name = httpx.get(service, params={"graph": direct}, headers={"Accept": "text/turtle"})
    assert by_name.status_code == 200 and turtle(by_name).isomorphic(Graph().parse(data=JOHN, format="turtle"))
    assert turtle(httpx.get(f"{url}/gsp", params={"graph": direct})).isomorphic(turtle(by_name))
    assert send("PUT", direct, JANE, TURTLE, graph=direct).status_code == 400  # a URL and ?graph= at once
    assert httpx.put(direct, content=JANE, headers=TURTLE).status_code == 401  # writes still need the token
    assert send("DELETE", direct).status_code == 200
    assert httpx.head(direct).status_code == 404


def test_post_to_gsp_creates_a_graph_whose_iri_is_its_location(store):
    service, url = store
    created = send("POST", f"{url}/gsp", JOHN, TURTLE)
    assert created.status_code == 201 and created.headers["location"].startswith(f"{url}/gsp/")
    location = created.headers["location"]
    assert turtle(httpx.get(location)).isomorphic(Graph().parse(data=JOHN, format="turtle"))
    assert httpx.get(service, params={"graph": location}).status_code == 200
