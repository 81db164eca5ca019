"""A public endpoint is attacked: no query may read a local file or reach the network, a runaway query is
stopped while other clients are served, and every size limit holds. Each test fails if its protection is
taken away; the file-reading ones run on both backends, since rdflib's own engine reads ``FROM <file:…>``."""

from __future__ import annotations

import http.server
import threading
import time

import httpx
import pytest
from rdflib import Dataset, Literal, URIRef

from kzgraph.endpoint.app import create_app
from kzgraph.store.local import open as open_store

from .helpers import serving

SECRET = "TOP-SECRET-4711"
TOKEN = "safety-token"
DATA = URIRef("http://example.org/graph/data")
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def small_store(backend: str, triples: int = 40):
    kg = open_store(backend)
    graph = kg.graph(DATA)
    for i in range(triples):
        graph.add((URIRef(f"http://example.org/item/{i}"), URIRef("http://example.org/value"), Literal(i)))
    return kg


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("secret") / "secret.ttl"
    path.write_text(f'<http://example.org/s> <http://example.org/p> "{SECRET}" .\n', encoding="utf-8")
    return path


class Canary:
    """A local HTTP server that records every request it gets (and answers like a SPARQL endpoint)."""

    def __init__(self):
        self.requests: list[str] = []
        canary = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                canary.requests.append(self.path)
                body = (b'{"head": {"vars": ["o"]}, '
                        b'"results": {"bindings": [{"o": {"type": "literal", "value": "LEAK"}}]}}')
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture(scope="module")
def canary():
    server = Canary()
    yield server
    server.close()


@pytest.fixture(scope="module", params=["oxigraph", "memory"])
def endpoint(request):
    with serving(create_app(small_store(request.param), update_token=TOKEN)) as url:
        yield url


def get(url: str, query: str, **params) -> httpx.Response:
    return httpx.get(f"{url}/sparql", params={"query": query, **params}, timeout=60)


def test_rdflib_by_itself_would_read_a_file_named_in_from(secret_file):
    """What the endpoint protects against: rdflib's engine loads the graph a query names in FROM."""
    rows = Dataset().query(f"SELECT ?o FROM <{secret_file.as_uri()}> WHERE {{ ?s ?p ?o }}")
    assert [str(row.o) for row in rows] == [SECRET]


FILE_QUERIES = {
    "from": "SELECT ?o FROM <{file}> WHERE {{ ?s ?p ?o }}",
    "from in lower case after a comment": "# FROM is fine\nselect ?o from <{file}> where {{ ?s ?p ?o }}",
    "from through a prefix": "PREFIX f: <{folder}/> SELECT ?o FROM f:secret.ttl WHERE {{ ?s ?p ?o }}",
    "from named": "SELECT ?o FROM NAMED <{file}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "from with a codepoint escape": "SELECT ?o FROM <{escaped}> WHERE {{ ?s ?p ?o }}",
    "from in an ask": "ASK FROM <{file}> {{ ?s ?p \"" + SECRET + "\" }}",
    "from in a construct": "CONSTRUCT {{ ?s ?p ?o }} FROM <{file}> WHERE {{ ?s ?p ?o }}",
}


@pytest.mark.parametrize("name", FILE_QUERIES)
def test_a_query_cannot_read_a_local_file(endpoint, secret_file, name):
    uri = secret_file.as_uri()
    query = FILE_QUERIES[name].format(file=uri, folder=secret_file.parent.as_uri(),
                                      escaped=uri.replace("secret", "\\u0073ecret"))
    answer = get(endpoint, query)
    assert answer.status_code == 400, answer.text
    assert "holds no graph" in answer.text and SECRET not in answer.text


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
def test_a_dataset_parameter_cannot_read_a_local_file(endpoint, secret_file, parameter):
    # a graph the store does not hold is an empty graph (issue 18: the W3C protocol tests expect an answer)
    answer = get(endpoint, "SELECT ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
                 **{parameter: secret_file.as_uri()})
    assert answer.status_code == 200 and answer.json()["results"]["bindings"] == []
    assert SECRET not in answer.text


SERVICE_QUERIES = {
    "service": "SELECT ?o WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "service silent in lower case": "select ?o where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
    "service through a prefix": "PREFIX remote: <{base}> SELECT ?o WHERE {{ SERVICE remote:sparql {{ ?s ?p ?o }} }}",
    "service in an optional sub-query": "SELECT ?o WHERE {{ OPTIONAL {{ SELECT ?o WHERE {{ SERVICE <{url}> "
                                        "{{ ?s ?p ?o }} }} }} }}",
    "service in a filter": "ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "service to a variable": "SELECT ?o WHERE {{ VALUES ?endpoint {{ <{url}> }} SERVICE ?endpoint {{ ?s ?p ?o }} }}",
}


@pytest.mark.parametrize("name", SERVICE_QUERIES)
def test_service_to_an_endpoint_off_the_allow_list_is_refused_and_never_called(endpoint, canary, name):
    before = len(canary.requests)
    answer = get(endpoint, SERVICE_QUERIES[name].format(url=canary.url, base=canary.url.removesuffix("sparql")))
    assert answer.status_code == 400 and "SERVICE" in answer.text and "allow-list" in answer.text
    assert len(canary.requests) == before and "LEAK" not in answer.text


def test_a_service_clause_hidden_behind_escaped_quotes_never_reaches_the_network(endpoint, canary):
    """Codepoint escapes are expanded before parsing (Query §19.2): the SERVICE below is inside a string
    for the guard; the engine must read it the same way."""
    before = len(canary.requests)
    query = ('SELECT ?o WHERE { BIND("\\u0022" AS ?x) SERVICE <' + canary.url + '> { ?s ?p ?o } '
             'BIND("\\u0022" AS ?y) }')
    answer = get(endpoint, query)
    assert len(canary.requests) == before and "LEAK" not in answer.text


def test_a_service_clause_behind_a_less_than_that_looks_like_an_iri_never_reaches_the_network(endpoint, canary):
    """``<1)SERVICE#>`` reads as an IRI, but Oxigraph reads ``?o < 1`` and then SERVICE (the comment hides the
    ``>``): the token inspection refuses such an IRI rather than guess."""
    before = len(canary.requests)
    answer = get(endpoint, "SELECT * WHERE { ?s ?p ?o FILTER(?o<1)SERVICE#>\n<" + canary.url + ">{ ?a ?b ?c } }")
    assert answer.status_code == 400 and len(canary.requests) == before and "LEAK" not in answer.text


# Oxigraph reads a keyword wherever its letters stand, even against a name or a number (it calls the endpoint
# of each of these); the guard must read them so too.
ABUTTING = {
    "SERVICE against a prefixed name": "PREFIX : <{base}> SELECT * WHERE {{ SERVICE:sparql{{ ?s ?p ?o }} }}",
    "SERVICE and a prefix in one word": "PREFIX x: <{base}> SELECT * WHERE {{ SERVICEx:sparql{{ ?s ?p ?o }} }}",
    "SERVICE SILENT in one word": "SELECT * WHERE {{ SERVICESILENT<{url}>{{ ?s ?p ?o }} }}",
    "SERVICE after a number": "PREFIX : <{base}> SELECT * WHERE {{ ?s ?p 1.0SERVICE:sparql{{ ?a ?b ?c }} }}",
    "SERVICE after a filter": "SELECT * WHERE {{ ?s ?p ?o FILTER(true)SERVICE<{url}>{{ ?a ?b ?c }} }}",
    "a prefix declared again in one word": "PREFIX ok: <http://127.0.0.1:9/> PREFIXok: <{base}> SELECT * WHERE "
                                           "{{ SERVICE ok:sparql {{ ?s ?p ?o }} }}",
}


@pytest.mark.parametrize("name", ABUTTING)
def test_a_service_keyword_against_other_tokens_never_reaches_the_network(canary, name):
    with serving(create_app(small_store("oxigraph"), workers=1, allowed_services=("http://127.0.0.1:9/sparql",))) as url:
        before = len(canary.requests)
        answer = get(url, ABUTTING[name].format(url=canary.url, base=canary.url.removesuffix("sparql")))
    assert answer.status_code == 400 and len(canary.requests) == before and "LEAK" not in answer.text


@pytest.mark.parametrize("backend", ["oxigraph", "memory"])
def test_service_reaches_an_endpoint_on_the_allow_list(backend):
    remote_store = open_store("oxigraph")
    remote_store.graph(DATA).add((URIRef("http://example.org/far"), URIRef("http://example.org/value"), Literal("far")))
    with (serving(create_app(remote_store, workers=1)) as remote,
          serving(create_app(small_store(backend), allowed_services=(f"{remote}/sparql",), workers=1)) as local):
        answer = get(local, f'SELECT ?v WHERE {{ SERVICE <{remote}/sparql> {{ ?s <http://example.org/value> ?v }} }}')
        other = get(local, 'SELECT ?v WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?v } }')
        sd = httpx.get(f"{local}/sparql", headers={"Accept": "application/n-triples"}).text
    assert answer.status_code == 200, answer.text
    assert [b["v"]["value"] for b in answer.json()["results"]["bindings"]] == ["far"]
    assert other.status_code == 400 and "allow-list" in other.text
    assert "http://www.w3.org/ns/sparql-service-description#BasicFederatedQuery" in sd


def update(url: str, text: str, **params) -> httpx.Response:
    return httpx.post(f"{url}/sparql", params=params, content=text.encode(), timeout=120,
                      headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})


def test_load_is_refused_and_reads_nothing(endpoint, secret_file, canary):
    before = len(canary.requests)
    for source in (secret_file.as_uri(), canary.url):
        answer = update(endpoint, f"LOAD <{source}> INTO GRAPH <http://example.org/loaded>")
        assert answer.status_code == 400 and "LOAD" in answer.text
    assert len(canary.requests) == before
    graph = httpx.get(f"{endpoint}/rdf-graphs/service", params={"graph": "http://example.org/loaded"})
    assert graph.status_code == 404


@pytest.mark.parametrize("using", ["USING <{file}>", "USING NAMED <{file}>"])
def test_an_update_cannot_read_a_local_file_with_using(endpoint, secret_file, using):
    text = ("INSERT { GRAPH <http://example.org/copy> { ?s ?p ?o } } " + using.format(file=secret_file.as_uri())
            + " WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
    answer = update(endpoint, text)
    assert answer.status_code == 400 and "holds no graph" in answer.text
    assert get(endpoint, f'ASK {{ GRAPH ?g {{ ?s ?p "{SECRET}" }} }}').json()["boolean"] is False


def test_an_update_cannot_reach_the_network_with_service(endpoint, canary):
    before = len(canary.requests)
    answer = update(endpoint, f"INSERT {{ GRAPH <http://example.org/copy> {{ ?s ?p ?o }} }} "
                              f"WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}")
    assert answer.status_code == 400 and len(canary.requests) == before


def wait_until(condition, give_up: float = 60.0) -> None:
    """Poll a condition (not a timing assertion: it only gives up after a generous time)."""
    deadline = time.monotonic() + give_up
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.02)


def test_a_runaway_query_is_stopped_while_other_clients_are_answered():
    app = create_app(small_store("oxigraph", triples=400), timeout=5, workers=2)
    with serving(app) as url:
        answers = []
        runaway = threading.Thread(target=lambda: answers.append(get(url, RUNAWAY)))
        runaway.start()
        wait_until(lambda: app.state.kg.busy == 1)  # the runaway query holds a worker
        simple = get(url, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert simple.status_code == 200 and simple.json()["results"]["bindings"][0]["n"]["value"] == "400"
        assert runaway.is_alive(), "the simple query waited for the runaway one"
        runaway.join()
        assert answers[0].status_code == 503
        assert "stopped after 5 s" in answers[0].text and "time limit" in answers[0].text
        after = get(url, "ASK { ?s ?p 399 }")
        assert after.status_code == 200 and after.json()["boolean"] is True


def test_a_worker_that_exceeds_its_memory_limit_is_replaced_and_the_query_gets_503():
    app = create_app(small_store("oxigraph", triples=400), timeout=120, workers=1, memory_limit_mb=1024)
    with serving(app) as url:
        answer = get(url, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i")
        assert answer.status_code == 503 and "memory" in answer.text
        assert get(url, "ASK { ?s ?p 1 }").json()["boolean"] is True


@pytest.fixture(scope="module")
def limited():
    app = create_app(small_store("oxigraph", triples=5), max_rows=3, max_query_length=300, max_body_bytes=1000,
                     workers=1)
    with serving(app) as url:
        yield url


def test_a_result_over_the_row_limit_is_cut_and_says_so(limited):
    answer = get(limited, "SELECT ?s WHERE { ?s ?p ?o }")
    assert len(answer.json()["results"]["bindings"]) == 3
    assert answer.headers["x-kzgraph-truncated"] == "true" and answer.headers["x-kzgraph-row-limit"] == "3"
    assert answer.json()["truncated"] is True
    csv = get(limited, "SELECT ?s WHERE { ?s ?p ?o }", format="csv")
    assert len(csv.text.strip().splitlines()) == 1 + 3 and csv.headers["x-kzgraph-truncated"] == "true"


def test_a_graph_over_the_row_limit_is_cut_and_says_so(limited):
    answer = get(limited, "CONSTRUCT WHERE { ?s ?p ?o }", format="nt")
    lines = answer.text.strip().splitlines()
    assert len([line for line in lines if not line.startswith("#")]) == 3
    assert answer.headers["x-kzgraph-truncated"] == "true"
    assert lines[-1].startswith("# truncated")  # the body says so too (issue 18)


def test_a_result_within_the_row_limit_is_whole_and_unmarked(limited):
    answer = get(limited, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3")
    assert len(answer.json()["results"]["bindings"]) == 3
    assert "x-kzgraph-truncated" not in answer.headers and "truncated" not in answer.json()


def test_a_query_over_the_length_limit_gets_413(limited):
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 300
    assert get(limited, query).status_code == 413
    answer = httpx.post(f"{limited}/sparql", content=query.encode(),
                        headers={"Content-Type": "application/sparql-query"})
    assert answer.status_code == 413 and "at most 300" in answer.text


def test_a_body_over_the_size_limit_gets_413_with_or_without_a_length(limited):
    body = ("SELECT * WHERE { ?s ?p ?o } #" + "x" * 2000).encode()
    answer = httpx.post(f"{limited}/sparql", content=body, headers={"Content-Type": "application/sparql-query"})
    assert answer.status_code == 413 and "1000 bytes" in answer.text
    chunked = httpx.post(f"{limited}/sparql", content=iter([body[:600], body[600:]]),
                         headers={"Content-Type": "application/sparql-query"})
    assert chunked.status_code == 413


def test_updates_are_refused_when_the_endpoint_is_read_only(limited):
    answer = httpx.post(f"{limited}/sparql", content=b"INSERT DATA { <http://a> <http://b> <http://c> }",
                        headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer anything"})
    assert answer.status_code == 403 and "read-only" in answer.text
    assert get(limited, "ASK { <http://a> <http://b> <http://c> }").json()["boolean"] is False
