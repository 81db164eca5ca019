"""GET and POST /sparql take a short path past FastAPI's routing and dependency machinery
(kzgraph.endpoint.lean): the same requests get the same answers (status, headers, body) as through FastAPI,
limits, refusals, negotiation before evaluation, CORS and truncation included, and only those requests take
it."""

from __future__ import annotations

import time

import httpx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import to_isomorphic

from kzgraph.endpoint.app import create_app
from kzgraph.store.local import open as open_store

from .helpers import serving

DATA = URIRef("http://example.org/graph/data")
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
SELECT = "SELECT ?s ?v WHERE { ?s <http://example.org/value> ?v } ORDER BY ?v"
JSON = "application/sparql-results+json"
FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"


class Counting:
    """An ASGI app that counts the requests passing through the app it wraps."""

    def __init__(self, app):
        self.app, self.requests = app, 0

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            self.requests += 1
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    kg = open_store(tmp_path_factory.mktemp("store") / "store")
    graph = kg.graph(DATA)
    for i in range(12):
        graph.add((URIRef(f"http://example.org/item/{i}"), URIRef("http://example.org/value"), Literal(i)))
    yield kg
    kg.close()


@pytest.fixture(scope="module")
def servers(store):
    """Two servers on the same store and settings: the app as made (short path) and the same app with its
    short path switched off (every request through FastAPI)."""
    options = {"timeout": 20, "workers": 1, "max_rows": 5, "max_query_length": 2000, "max_body_bytes": 4000}
    short, through_fastapi = create_app(store, **options), create_app(store, **options)
    assert short.hot is not None
    through_fastapi.hot = None
    with serving(short) as short_url, serving(through_fastapi) as long_url:
        yield short, short_url, long_url


def exchange(url: str, method: str, query: str = "", content: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], object]:
    """A request's status, headers (but the date) and body, with the server's own address written as http://base.example;
    a graph in N-Triples or Turtle as a graph compared by isomorphism (its blank nodes are named anew each time)."""
    answer = httpx.request(method, f"{url}/sparql{query}", content=content, headers=headers, timeout=30)
    kept = {name: value for name, value in answer.headers.items() if name != "date"}
    body: object = answer.text.replace(url, "http://base.example")
    syntax = {"application/n-triples": "nt", "text/turtle": "turtle"}.get(kept.get("content-type", "").split(";")[0])
    if syntax is not None:
        kept.pop("content-length")
        body = to_isomorphic(Graph().parse(data=str(body), format=syntax))
    return answer.status_code, kept, body


def q(text: str, **more: str) -> str:
    return "?" + httpx.QueryParams({"query": text, **more}).__str__()


REQUESTS = {
    "GET a SELECT as JSON": ("GET", q(SELECT), None, {"Accept": JSON}),
    "GET a SELECT as CSV": ("GET", q(SELECT), None, {"Accept": "text/csv"}),
    "GET by format=xml": ("GET", q(SELECT, format="xml"), None, None),
    "GET with generic JSON": ("GET", q("ASK { ?s ?p 3 }"), None, {"Accept": "application/json"}),
    "GET a CONSTRUCT as Turtle": ("GET", q("CONSTRUCT WHERE { ?s ?p 3 }"), None, {"Accept": "text/turtle"}),
    "GET with a default graph": ("GET", q(SELECT, **{"default-graph-uri": str(DATA)}), None, {"Accept": JSON}),
    "GET with an unknown graph": ("GET", q(SELECT, **{"default-graph-uri": "http://example.org/none"}), None,
                                  None),
    "GET cut at the row limit": ("GET", q("SELECT ?s WHERE { ?s ?p ?o }"), None, {"Accept": JSON}),
    "GET a relative IRI (the base)": ("GET", q("SELECT ?x WHERE { BIND(<here> AS ?x) }"), None, {"Accept": JSON}),
    "GET 406 before a runaway query": ("GET", q(RUNAWAY), None, {"Accept": "image/png"}),
    "GET a SELECT asked as a graph": ("GET", q(RUNAWAY), None, {"Accept": "text/turtle"}),
    "GET a syntax error": ("GET", q("SELECT ?x WHERE {\n ?x ?p ?o \n FILTER(?x = }"), None, None),
    "GET a query over the length limit": ("GET", q("ASK {}" + " " * 2100), None, None),
    "GET two queries": ("GET", "?query=ASK%20%7B%7D&query=ASK%20%7B%7D", None, None),
    "GET an update": ("GET", "?update=CLEAR%20ALL", None, None),
    "GET invalid UTF-8": ("GET", "?query=SELECT%20%28%22%FF%FE%22%20AS%20%3Fx%29%20%7B%7D", None, None),
    "GET the service description": ("GET", "", None, {"Accept": "application/n-triples"}),
    "GET the page for a browser": ("GET", "", None, {"Accept": "text/html"}),
    "GET with CORS": ("GET", q(SELECT), None, {"Origin": "https://example.com", "Accept": JSON}),
    "POST a form": ("POST", "", f"query={httpx.QueryParams({'q': SELECT})['q']}".encode(),
                    {"Content-Type": FORM, "Accept": JSON}),
    "POST a form with graphs in the URL": ("POST", f"?default-graph-uri={DATA}", b"query=SELECT%20%2A%20%7B%3Fs%20%3Fp%205%7D",
                                           {"Content-Type": FORM, "Accept": "text/csv"}),
    "POST a query body": ("POST", "", SELECT.encode(), {"Content-Type": QUERY, "Accept": JSON}),
    "POST a query body with CORS": ("POST", "", SELECT.encode(),
                                    {"Content-Type": QUERY, "Origin": "https://example.com"}),
    "POST 406 before a runaway query": ("POST", "", RUNAWAY.encode(), {"Content-Type": QUERY, "Accept": "image/png"}),
    "POST an unknown content type": ("POST", "", b"ASK {}", {"Content-Type": "text/plain"}),
    "POST without a content type": ("POST", "", b"ASK {}", {}),
    "POST a body over the size limit": ("POST", "", b"ASK {}" + b" " * 5000, {"Content-Type": QUERY}),
    "POST a body not in UTF-8": ("POST", "", b'SELECT ("\xff\xfe" AS ?x) {}', {"Content-Type": QUERY}),
    "POST a body in Latin-1": ("POST", "", b"ASK {}", {"Content-Type": f"{QUERY}; charset=iso-8859-1"}),
    "POST a form with neither query nor update": ("POST", "", b"format=json", {"Content-Type": FORM}),
    "POST an update without the token": ("POST", "", b"CLEAR ALL", {"Content-Type": "application/sparql-update"}),
    "POST an update form without the token": ("POST", "", b"update=CLEAR%20ALL", {"Content-Type": FORM}),
}


@pytest.mark.parametrize("name", list(REQUESTS))
def test_the_short_path_answers_as_fastapi_does(servers, name):
    _, short_url, long_url = servers
    method, query, content, headers = REQUESTS[name]
    short = exchange(short_url, method, query, content, headers)
    through_fastapi = exchange(long_url, method, query, content, headers)
    assert short == through_fastapi
    assert short[0] != 500


def test_the_answers_compared_are_the_ones_expected(servers):
    """The comparison above compares answers that are right, not two identical errors."""
    _, url, _ = servers
    rows = exchange(url, *REQUESTS["GET cut at the row limit"])
    assert rows[0] == 200 and rows[1]["x-kzgraph-truncated"] == "true" and rows[1]["x-kzgraph-row-limit"] == "5"
    assert exchange(url, *REQUESTS["GET with CORS"])[1]["access-control-allow-origin"] == "*"
    assert "x-kzgraph-truncated" in exchange(url, *REQUESTS["GET with CORS"])[1]["access-control-expose-headers"].lower()
    statuses = {name: exchange(url, *REQUESTS[name])[0] for name in (
        "GET 406 before a runaway query", "GET a syntax error", "GET a query over the length limit",
        "POST an unknown content type", "POST a body over the size limit", "POST a body in Latin-1",
        "POST an update without the token", "GET the service description", "POST a query body")}
    assert statuses == {"GET 406 before a runaway query": 406, "GET a syntax error": 400,
                        "GET a query over the length limit": 413, "POST an unknown content type": 415,
                        "POST a body over the size limit": 413, "POST a body in Latin-1": 415,
                        "POST an update without the token": 403, "GET the service description": 200,
                        "POST a query body": 200}


def test_406_on_the_short_path_comes_before_any_evaluation(servers):
    _, url, _ = servers
    started = time.monotonic()
    refused = [httpx.get(f"{url}/sparql", params={"query": RUNAWAY}, headers={"Accept": "image/png"}, timeout=10)
               for _ in range(3)]
    assert [answer.status_code for answer in refused] == [406] * 3
    # the one worker is free: a runaway query would hold it for the 20 s time limit
    answer = httpx.get(f"{url}/sparql", params={"query": "ASK { ?s ?p 3 }"}, headers={"Accept": JSON}, timeout=10)
    assert answer.json()["boolean"] is True and time.monotonic() - started < 10


def test_only_get_and_post_of_sparql_take_the_short_path(servers):
    app, url, _ = servers
    counting = Counting(app.middleware_stack)
    app.middleware_stack = counting  # what FastAPI runs for every request it routes
    try:
        assert httpx.get(f"{url}/sparql", params={"query": "ASK {}"}).status_code == 200
        assert httpx.post(f"{url}/sparql", content=b"ASK {}", headers={"Content-Type": QUERY}).status_code == 200
        assert httpx.get(f"{url}/sparql").status_code == 200
        assert counting.requests == 0
        preflight = httpx.options(f"{url}/sparql", headers={"Origin": "https://example.com",
                                                            "Access-Control-Request-Method": "POST"})
        assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "*"
        assert httpx.get(f"{url}/void", headers={"Accept": "text/turtle"}).status_code == 200
        assert httpx.put(f"{url}/sparql", content=b"").status_code == 405
        assert counting.requests == 3
    finally:
        app.middleware_stack = counting.app


def test_an_app_given_a_middleware_afterwards_sends_sparql_through_it(store):
    app = create_app(store, workers=1)
    app.add_middleware(Counting)
    with serving(app) as url:
        assert httpx.get(f"{url}/sparql", params={"query": "ASK {}"}).status_code == 200
        stack = app.middleware_stack
        while stack is not None and not isinstance(stack, Counting):
            stack = getattr(stack, "app", None)
        assert isinstance(stack, Counting) and stack.requests == 1
