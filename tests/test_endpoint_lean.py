"""The endpoint answers from the store itself: workers open a read-only checkpoint of a persistent Oxigraph
store (nothing is copied into each worker), write their answer in the negotiated media type themselves, and
a request that accepts no answer is refused before anything is evaluated. Valid queries of any shape below
the limits are answered (Oxigraph's parser, not rdflib's); generic media types are accepted."""

from __future__ import annotations

import httpx
import pytest
from rdflib import Literal, URIRef

from kzgraph.endpoint.app import create_app
from kzgraph.service.guarded import GuardedStore, Limits
from kzgraph.store.local import open as open_store

from .helpers import serving

DATA = URIRef("http://example.org/graph/data")
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def fill(kg, triples: int = 40):
    graph = kg.graph(DATA)
    for i in range(triples):
        graph.add((URIRef(f"http://example.org/item/{i}"), URIRef("http://example.org/value"), Literal(i)))
    return kg


@pytest.fixture(scope="module")
def persistent(tmp_path_factory):
    kg = fill(open_store(tmp_path_factory.mktemp("store") / "store"))
    yield kg
    kg.close()


@pytest.fixture(scope="module")
def endpoint(persistent):
    with serving(create_app(persistent, timeout=20, workers=1)) as url:
        yield url


def test_workers_read_a_checkpoint_of_a_persistent_store_instead_of_a_copy(persistent):
    with GuardedStore(persistent, Limits(workers=1)) as guarded:
        snapshot = guarded._snapshot
        assert snapshot is not None and snapshot.store  # an Oxigraph store opened read-only, not N-Quads
        assert len(list(guarded.query("SELECT ?s WHERE { ?s ?p ?o }"))) == 40


def test_a_store_in_memory_is_served_from_a_checkpoint_as_well():
    with GuardedStore(fill(open_store("oxigraph")), Limits(workers=1)) as guarded:
        assert guarded._snapshot is not None and guarded._snapshot.store
        assert guarded.query("ASK { ?s ?p 39 }").askAnswer is True


def test_a_request_that_accepts_no_answer_gets_406_before_the_query_runs(endpoint):
    # a runaway query would hold the only worker for 20 s and then answer 503
    answer = httpx.get(f"{endpoint}/sparql", params={"query": RUNAWAY}, headers={"Accept": "image/png"}, timeout=10)
    assert answer.status_code == 406 and "image/png" in answer.text


def test_a_select_asked_as_a_graph_gets_406_at_once(endpoint):
    answer = httpx.get(f"{endpoint}/sparql", params={"query": RUNAWAY}, headers={"Accept": "text/turtle"}, timeout=10)
    assert answer.status_code == 406 and "SELECT" in answer.text


@pytest.mark.parametrize("accept, expected", [
    ("application/json", "application/sparql-results+json"),
    ("application/xml", "application/sparql-results+xml"),
])
@pytest.mark.parametrize("query", ["SELECT ?s WHERE { ?s ?p 3 }", "ASK { ?s ?p 3 }"])
def test_generic_json_and_xml_are_accepted_for_select_and_ask(endpoint, accept, expected, query):
    answer = httpx.get(f"{endpoint}/sparql", params={"query": query}, headers={"Accept": accept})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(expected)
    assert "example.org/item/3" in answer.text or "true" in answer.text


@pytest.mark.parametrize("media", ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                                   "text/tab-separated-values"])
def test_each_results_format_is_written_by_the_worker(endpoint, media):
    answer = httpx.get(f"{endpoint}/sparql", headers={"Accept": media},
                       params={"query": 'SELECT ?s ?v ?l WHERE { ?s ?p ?v FILTER(?v < 2) BIND("a\\tb"@en AS ?l) } '
                                        "ORDER BY ?v"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(media)
    assert answer.text.count("http://example.org/item/") == 2


def test_the_results_written_by_the_worker_parse_as_their_format(endpoint):
    from rdflib.query import Result

    query = 'SELECT ?s ?v (STRLANG("x", "kk") AS ?l) WHERE { ?s ?p ?v } ORDER BY ?v LIMIT 3'
    for media, fmt in [("application/sparql-results+json", "json"), ("application/sparql-results+xml", "xml")]:
        answer = httpx.get(f"{endpoint}/sparql", params={"query": query}, headers={"Accept": media})
        rows = list(Result.parse(source=__import__("io").BytesIO(answer.content), format=fmt))
        assert [int(row[1]) for row in rows] == [0, 1, 2] and str(rows[0][2]) == "x" and rows[0][2].language == "kk"


def deep_queries() -> dict[str, str]:
    bgp = " . ".join(f"?s{i} <http://example.org/value> ?o{i}" for i in range(84))
    nested = "SELECT * WHERE " + "{ " * 36 + "?s ?p ?o" + " }" * 36 + " LIMIT 1"
    parens = "SELECT (" + "(" * 25 + "1" + ")" * 25 + " AS ?x) {}"
    template = " . ".join(f"?s <http://example.org/p{i}> ?o" for i in range(200))
    unions = " UNION ".join(f"{{ ?s <http://example.org/value> {i} }}" for i in range(2000))
    return {
        "84 triple patterns": f"ASK {{ {bgp} }}",
        "36 nested groups": nested,
        "25 nested parentheses": parens,
        "200-triple CONSTRUCT template": f"CONSTRUCT {{ {template} }} WHERE {{ ?s ?p ?o }} LIMIT 1",
        "2,000 UNIONs": f"SELECT ?s WHERE {{ {unions} }}",
    }


@pytest.mark.parametrize("name", list(deep_queries()))
def test_a_valid_query_of_any_shape_below_the_limits_is_answered(endpoint, name):
    query = deep_queries()[name]
    answer = httpx.post(f"{endpoint}/sparql", content=query.encode(), timeout=30,
                        headers={"Content-Type": "application/sparql-query", "Accept": "*/*"})
    assert answer.status_code == 200, answer.text[:300]


def test_a_syntax_error_still_names_its_line_and_column(endpoint):
    answer = httpx.get(f"{endpoint}/sparql", params={"query": "SELECT ?x WHERE {\n ?x ?p ?o \n FILTER(?x = }"})
    assert answer.status_code == 400 and "line 3" in answer.text


def test_the_body_of_a_cut_answer_says_so_in_xml_and_turtle():
    with serving(create_app(fill(open_store("oxigraph"), 5), max_rows=3, workers=1)) as url:
        xml = httpx.get(f"{url}/sparql", params={"query": "SELECT ?s WHERE { ?s ?p ?o }"},
                        headers={"Accept": "application/sparql-results+xml"})
        assert xml.text.count("<result>") == 3 and "urn:kzgraph:truncated" in xml.text
        turtle = httpx.get(f"{url}/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                           headers={"Accept": "text/turtle"})
        assert "# truncated" in turtle.text and turtle.headers["x-kzgraph-truncated"] == "true"


def test_an_answer_over_the_byte_limit_is_refused_and_the_server_never_holds_it():
    kg = fill(open_store("oxigraph"), 40)
    service = GuardedStore(kg, Limits(workers=1, max_result_bytes=2000))
    with serving(create_app(kg, service=service)) as url:
        big = httpx.get(f"{url}/sparql", params={"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"})
        assert big.status_code == 400 and "2000 bytes" in big.text
        small = httpx.get(f"{url}/sparql", params={"query": "SELECT ?s WHERE { ?s ?p 1 }"})
        assert small.status_code == 200


@pytest.mark.parametrize("backend", ["oxigraph", "memory"])
def test_a_lone_surrogate_gets_400_not_500(backend):
    with serving(create_app(fill(open_store(backend), 2), workers=1)) as url:
        answer = httpx.get(f"{url}/sparql", params={"query": 'SELECT ("\\uD800" AS ?x) {}'})
        assert answer.status_code == 400, answer.text


def test_invalid_utf8_in_a_get_query_string_gets_400_as_in_a_post(endpoint):
    answer = httpx.get(f"{endpoint}/sparql?query=SELECT%20%28%22%FF%FE%22%20AS%20%3Fx%29%20%7B%7D")
    assert answer.status_code == 400 and "UTF-8" in answer.text
    posted = httpx.post(f"{endpoint}/sparql", content=b'SELECT ("\xff\xfe" AS ?x) {}',
                        headers={"Content-Type": "application/sparql-query"})
    assert posted.status_code == 400


def test_the_python_api_refuses_an_answer_over_the_byte_limit_too():
    kg = fill(open_store("oxigraph"), 40)
    with GuardedStore(kg, Limits(workers=1, max_result_bytes=500)) as guarded:
        from kzgraph.sparql.serialization import ResultTooLarge

        with pytest.raises(ResultTooLarge):
            guarded.query('SELECT ?s ?big WHERE { ?s ?p ?o BIND(CONCAT(STR(?s), "-padding-padding") AS ?big) }')
        assert len(list(guarded.query("SELECT ?s WHERE { ?s ?p 1 }"))) == 1


def test_every_worker_gets_ready_for_queries_awaited_on_the_event_loop(persistent):
    """A protocol query awaits an idle, ready worker on the event loop; a worker not yet ready is readied in a
    thread, itself: no worker that was taken stays unready, sending every request it is handed to a thread."""
    import asyncio

    with GuardedStore(persistent, Limits(workers=2)) as guarded:
        async def ask() -> bytes:
            return (await guarded.aquery_written("ASK { ?s ?p 3 }", {"ASK": "application/sparql-results+json"})).body

        async def lookups() -> list[bytes]:
            both = list(await asyncio.gather(ask(), ask()))  # two at once: each worker is taken
            return both + [await ask() for _ in range(6)]

        assert all(b"true" in body for body in asyncio.run(lookups()))
        workers = list(guarded._pool._idle.queue)
        assert len(workers) == 2 and {worker.generation for worker in workers} == {guarded._snapshot.generation}


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_answers_longer_than_a_pipe_buffer_arrive_whole_on_either_event_loop(persistent, loop):
    """uvloop leaves a watched pipe non-blocking; every answer still arrives whole, however long, and the
    workers still answer blocking calls afterwards."""
    import asyncio
    import json

    factory = asyncio.new_event_loop
    if loop == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        factory = uvloop.new_event_loop
    query = "SELECT ?a ?b WHERE { ?a ?p ?x . ?b ?q ?y }"  # 1,600 rows, about 150 KB of SPARQL JSON
    with GuardedStore(persistent, Limits(workers=2)) as guarded:
        async def answers() -> list[bytes]:
            return [(await guarded.aquery_written(query, {"SELECT": "application/sparql-results+json"})).body
                    for _ in range(4)]

        with asyncio.Runner(loop_factory=factory) as runner:
            bodies = runner.run(answers())
        assert all(len(body) > 65536 and len(json.loads(body)["results"]["bindings"]) == 1600 for body in bodies)
        assert len(list(guarded.query(query))) == 1600


def test_concurrent_queries_await_a_worker_on_the_event_loop_and_all_get_their_answer(persistent):
    """More requests than workers: each awaits the next worker to come back, and gets its own answer."""
    import asyncio

    with GuardedStore(persistent, Limits(workers=2)) as guarded:
        async def lookup(i: int) -> bytes:
            query = f"SELECT ?s WHERE {{ ?s <http://example.org/value> {i} }}"
            return (await guarded.aquery_written(query, {"SELECT": "text/csv"})).body

        async def all_of_them() -> list[bytes]:
            return await asyncio.gather(*(lookup(i) for i in range(40)))

        bodies = asyncio.run(all_of_them())
        assert [body.decode().split()[1] for body in bodies] == [f"http://example.org/item/{i}" for i in range(40)]
        assert guarded.busy == 0


def test_a_query_awaiting_a_busy_worker_gives_up_after_the_wait_and_a_cancelled_one_takes_no_worker(persistent):
    import asyncio

    from kzgraph.errors import Overloaded

    with GuardedStore(persistent, Limits(workers=1, timeout=3, wait=0.3)) as guarded:
        ask = {"ASK": "application/sparql-results+json", "SELECT": "application/sparql-results+json"}

        async def scenario() -> tuple[BaseException | None, bytes]:
            runaway = asyncio.create_task(guarded.aquery_written(RUNAWAY, ask))  # holds the only worker 3 s
            await asyncio.sleep(0.2)
            cancelled = asyncio.create_task(guarded.aquery_written("ASK { ?s ?p 1 }", ask))
            await asyncio.sleep(0.05)
            cancelled.cancel()
            refused: BaseException | None = None
            try:
                await guarded.aquery_written("ASK { ?s ?p 2 }", ask)
            except Overloaded as error:
                refused = error
            with pytest.raises(Exception, match="time limit"):
                await runaway
            return refused, (await guarded.aquery_written("ASK { ?s ?p 3 }", ask)).body

        refused, body = asyncio.run(scenario())
        assert isinstance(refused, Overloaded) and "busy" in str(refused)
        assert b"true" in body
