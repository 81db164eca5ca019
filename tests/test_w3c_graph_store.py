"""The W3C SPARQL 1.1 Graph Store HTTP Protocol test suite (manifest.ttl, which includes manifest-direct.ttl
and manifest-indirect.ttl), run against a real uvicorn server of the endpoint with writes enabled: one pytest
test per entry, each on a fresh empty store.

The manifests are read from ../shared/reference/w3c-graph-store-tests beside the project. Their requests
address the graph store at ``/gsp`` (``/gsp?graph=IRI`` indirectly, ``/gsp/person/1.ttl`` directly), which
the endpoint serves beside ``/rdf-graphs/service``. Each request is sent in order with its method, headers
and body; its status must be one the test allows, a ``Location`` it expects is substituted into the later
requests, and an expected body is compared with the answer as RDF graphs (isomorphism, blank nodes
included; a simple literal and the same literal typed ``xsd:string`` are one term, as RDF 1.1 defines).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from rdflib import XSD, Graph, Literal
from rdflib.compare import isomorphic

from kzgraph.endpoint.app import create_app
from kzgraph.sparql.media_types import GRAPH_TYPES
from kzgraph.store.local import open as open_store

from .helpers import serving
from .w3c_manifest import GRAPH_STORE_REFERENCE, ProtocolTest, read_manifest

TOKEN = "w3c-graph-store-token"
MANIFEST = GRAPH_STORE_REFERENCE / "manifest.ttl"

if not MANIFEST.is_file():
    pytest.skip(f"the W3C Graph Store Protocol manifests are not at {GRAPH_STORE_REFERENCE} "
                "(../shared/reference/w3c-graph-store-tests)", allow_module_level=True)

TESTS, MISSING = read_manifest(MANIFEST)

# Entries kzgraph does not pass by design, with the reason (strict: one that passes fails the run).
EXPECTED_FAILURES: dict[str, str] = {}


def cases() -> list[object]:
    return [pytest.param(test, id=test.name,
                         marks=[pytest.mark.xfail(reason=EXPECTED_FAILURES[test.name], strict=True)]
                         if test.name in EXPECTED_FAILURES else [])
            for test in TESTS]


def test_the_suite_is_whole() -> None:
    """Both included manifests are read, and every expected failure names an entry of the suite."""
    assert not MISSING, f"the manifest includes {MISSING}, which are missing"
    assert len(TESTS) == 13
    assert {t.name for t in TESTS} >= set(EXPECTED_FAILURES)


@pytest.fixture
def server() -> Iterator[str]:
    """A real endpoint over a fresh, empty, writable store."""
    app = create_app(open_store("oxigraph"), update_token=TOKEN)
    with serving(app) as url:
        yield url


def rdf11(graph: Graph) -> Graph:
    """The graph with every ``"x"^^xsd:string`` written as the simple literal ``"x"`` (one term in RDF 1.1)."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.string:
            o = Literal(str(o))
        out.add((s, p, o))
    return out


def substitute(text: str, variables: dict[str, str]) -> str:
    for name, value in variables.items():
        text = text.replace(name, value)
    return text


@pytest.mark.parametrize("test", cases())
def test_graph_store_protocol(server: str, test: ProtocolTest) -> None:
    variables: dict[str, str] = {}
    for number, request in enumerate(test.requests, 1):
        path = substitute(request.path, variables)
        assert path.startswith("/gsp"), f"{test.name}: the request path {path} is not under /gsp"
        body = substitute(request.body.decode(), variables).encode() if request.body is not None else None
        headers = [(k, v) for k, v in request.headers if k.lower() != "host"]
        response = httpx.request(request.method, server + path, content=body, timeout=60,
                                 headers=[*headers, ("Authorization", f"Bearer {TOKEN}")])
        where = f"{test.name}, request {number} ({request.method} {path})"
        expected = request.expected
        assert expected.accepts(response.status_code), \
            f"{where}: status {response.status_code}, expected one of {sorted(map(str, expected.statuses))}: " \
            f"{response.text[:300]}"
        if expected.location is not None:
            assert "location" in response.headers, f"{where}: no Location header"
            variables[expected.location] = response.headers["location"]
        if expected.content_type is not None:
            want_media = expected.content_type.split(";")[0].strip()
            media = response.headers.get("content-type", "").split(";")[0].strip()
            assert media == want_media, f"{where}: Content-Type {media}, expected {want_media}"
        if expected.body is not None:
            media = (expected.content_type or "text/turtle").split(";")[0].strip()
            want = Graph().parse(data=substitute(expected.body, variables), format=GRAPH_TYPES[media])
            got = Graph().parse(data=response.content, format=GRAPH_TYPES[media])
            assert len(want) > 0 and isomorphic(rdf11(got), rdf11(want)), \
                f"{where}: the graph differs from the expected one:\n{got.serialize(format='turtle')}"
