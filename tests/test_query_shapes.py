"""No valid query or update is refused for its shape: deep and wide requests — a basic graph pattern of 84
triple patterns, 36 nested groups, 25 nested parentheses, a template of 200 triples — are answered by a real
server, updates (INSERT DATA, DELETE/INSERT WHERE) and SERVICE queries included, which are inspected on their
tokens rather than by rdflib's recursive parser (issue 18: "nested too deeply to parse"). What the inspection
refuses it still refuses, however deep the request."""

from __future__ import annotations

import httpx
import pytest
from rdflib import Literal, URIRef

from kzgraph.endpoint.app import create_app
from kzgraph.store.local import open as open_store

from .helpers import serving

TOKEN = "shape-token"
EX = "http://example.org/"
DATA = URIRef(f"{EX}graph/data")


def chain(n: int, last: str = "?v") -> str:
    """A path of ``n`` triple patterns through the items 0, 1, …: ?x0 next ?x1 . … ."""
    return " . ".join(f"?x{i} <{EX}next> ?x{i + 1}" for i in range(n - 1)) + f" . ?x{n - 1} <{EX}value> {last}"


def nested_groups(depth: int, inner: str) -> str:
    return "{ " * depth + inner + " }" * depth


def nested_parentheses(depth: int) -> str:
    return "(" * depth + "?v" + " + 0)" * depth


def store_of_items(n: int = 100):
    """Items 0 … n-1, each with a value and a link to the next: every shape below finds item 0's path."""
    kg = open_store("oxigraph")
    graph = kg.graph(DATA)
    for i in range(n):
        graph.add((URIRef(f"{EX}item/{i}"), URIRef(f"{EX}value"), Literal(i)))
        if i + 1 < n:
            graph.add((URIRef(f"{EX}item/{i}"), URIRef(f"{EX}next"), URIRef(f"{EX}item/{i + 1}")))
    return kg


@pytest.fixture(scope="module")
def servers():
    """A remote store and a server that writes and may reach it by SERVICE."""
    remote_store = store_of_items()
    with serving(create_app(remote_store, workers=1)) as remote:
        local_app = create_app(store_of_items(), update_token=TOKEN, workers=1, allowed_services=(f"{remote}/sparql",))
        with serving(local_app) as local:
            yield local, f"{remote}/sparql"


def query(url: str, text: str) -> httpx.Response:
    return httpx.post(f"{url}/sparql", content=text.encode(), timeout=120,
                      headers={"Content-Type": "application/sparql-query",
                               "Accept": "application/sparql-results+json"})


def update(url: str, text: str) -> httpx.Response:
    return httpx.post(f"{url}/sparql", content=text.encode(), timeout=300,
                      headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})


def count(url: str, graph: str) -> int:
    answer = query(url, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert answer.status_code == 200, answer.text
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


WHERE_SHAPES = {
    "84 triple patterns": chain(84),
    "36 nested groups": nested_groups(36, chain(3)),
    "25 nested parentheses": f"{chain(3)} FILTER({nested_parentheses(25)} >= 0)",
}


@pytest.mark.parametrize("shape", WHERE_SHAPES)
def test_a_deep_service_query_is_answered(servers, shape):
    local, remote = servers
    text = f"SELECT ?x0 WHERE {{ SERVICE <{remote}> {{ {WHERE_SHAPES[shape]} }} }}"
    answer = query(local, text)
    assert answer.status_code == 200, answer.text
    found = {b["x0"]["value"] for b in answer.json()["results"]["bindings"]}
    assert f"{EX}item/0" in found


@pytest.mark.parametrize("shape", WHERE_SHAPES)
def test_a_deep_delete_insert_where_is_applied(servers, shape):
    local, _ = servers
    graph = f"{EX}graph/deep/{shape.split()[0]}"
    text = (f"DELETE {{ GRAPH <{graph}> {{ ?x0 <{EX}old> ?v }} }} INSERT {{ GRAPH <{graph}> {{ ?x0 <{EX}start> true }} }} "
            f"WHERE {{ GRAPH <{DATA}> {{ {WHERE_SHAPES[shape]} }} }}")
    answer = update(local, text)
    assert answer.status_code == 200, answer.text
    assert count(local, graph) > 0


def test_an_insert_data_of_200_triples_is_applied(servers):
    local, _ = servers
    graph = f"{EX}graph/insert-data"
    triples = " ".join(f'<{EX}new/{i}> <{EX}value> "{i}" .' for i in range(200))
    answer = update(local, f"INSERT DATA {{ GRAPH <{graph}> {{ {triples} }} }}")
    assert answer.status_code == 200, answer.text
    assert count(local, graph) == 200


def test_a_template_of_200_triples_is_applied(servers):
    local, _ = servers
    graph = f"{EX}graph/template"
    template = " ".join(f'?x0 <{EX}p{i}> "{i}" .' for i in range(200))
    answer = update(local, f"INSERT {{ GRAPH <{graph}> {{ {template} }} }} WHERE {{ GRAPH <{DATA}> {{ {chain(2)} }} }}")
    assert answer.status_code == 200, answer.text
    assert count(local, graph) == 200 * 99


def test_a_construct_template_of_200_triples_with_service_is_answered(servers):
    local, remote = servers
    template = " ".join(f'?x0 <{EX}p{i}> "{i}" .' for i in range(200))
    answer = httpx.post(f"{local}/sparql", timeout=120, headers={"Content-Type": "application/sparql-query",
                                                                  "Accept": "application/n-triples"},
                        content=(f"CONSTRUCT {{ {template} }} WHERE {{ SERVICE <{remote}> {{ ?x0 <{EX}value> ?v "
                                 "FILTER(?v < 10) } }").encode())
    assert answer.status_code == 200, answer.text
    assert len(answer.text.splitlines()) == 200 * 10


def test_a_deep_update_reaching_a_service_off_the_allow_list_is_still_refused(servers):
    local, _ = servers
    text = f"INSERT {{ ?x0 <{EX}p> ?v }} WHERE {{ {nested_groups(36, f'SERVICE <http://127.0.0.1:9/sparql> {{ {chain(84)} }}')} }}"
    answer = update(local, text)
    assert answer.status_code == 400 and "allow-list" in answer.text


def test_a_deep_query_reaching_a_service_off_the_allow_list_is_still_refused(servers):
    local, _ = servers
    text = f"SELECT * WHERE {{ {nested_groups(36, f'SERVICE <http://127.0.0.1:9/sparql> {{ {chain(84)} }}')} }}"
    answer = query(local, text)
    assert answer.status_code == 400 and "allow-list" in answer.text


def test_a_deep_load_is_still_refused(servers):
    local, _ = servers
    answer = update(local, f"INSERT DATA {{ GRAPH <{EX}g> {{ {' '.join(f'<{EX}s> <{EX}p> {i} .' for i in range(200))} }} }} ;"
                           " LOAD <http://127.0.0.1:9/data.ttl>")
    assert answer.status_code == 400 and "LOAD" in answer.text


def test_a_malformed_deep_update_gets_400_with_the_position(servers):
    local, _ = servers
    answer = update(local, f"INSERT {{ ?x0 <{EX}p> ?v }} WHERE {{ {nested_groups(36, chain(3))} ")  # a brace short
    assert answer.status_code == 400 and "syntax" in answer.text.lower()
