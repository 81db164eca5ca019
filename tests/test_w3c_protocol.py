"""The W3C SPARQL 1.1 test manifests of the Protocol and the Service Description, run against a real
uvicorn server of the endpoint with writes enabled (one test per entry). The Graph Store HTTP Protocol suite
runs in tests/test_w3c_graph_store.py.

The manifests are read from ../shared/reference/w3c-sparql-protocol beside the project. Their data files
are loaded into named graphs with the IRIs the tests use; a graph IRI that a request names without data
(``…/data0.rdf``, ``http://example/people``) is held as an empty graph, since the endpoint refuses graphs
it does not hold. Every test starts from that store: after a test that wrote, the store is put back.
"""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from pyshacl import validate as shacl_validate
from rdflib import Graph, Namespace, URIRef
from rdflib.query import Result

from kzgraph.endpoint.app import create_app
from kzgraph.sparql.media_types import GRAPH_TYPES, RESULT_TYPES
from kzgraph.store.local import open as open_store

from .helpers import serving
from .w3c_manifest import REFERENCE, graph_iris_named, read_manifest

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "w3c-test-token"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

if not REFERENCE.is_dir():
    pytest.skip(f"the W3C manifests are not at {REFERENCE} (../shared/reference/w3c-sparql-protocol)",
                allow_module_level=True)

PROTOCOL, _ = read_manifest(REFERENCE / "protocol" / "manifest.ttl")
SERVICE_DESCRIPTION, _ = read_manifest(REFERENCE / "service-description" / "manifest.ttl")


def initial_data() -> tuple[dict[str, str], set[str]]:
    """The N-Triples of each graph the protocol tests load, and the graphs they name without data."""
    data = {}
    for test in PROTOCOL:
        for name, path in test.graph_data.items():
            data[name] = path.read_text(encoding="utf-8")
    return data, graph_iris_named(PROTOCOL) - set(data)


def reset_update() -> str:
    data, empty = initial_data()
    inserts = " ".join(f"GRAPH <{name}> {{ {triples} }}" for name, triples in sorted(data.items()))
    creates = "".join(f" ; CREATE GRAPH <{name}>" for name in sorted(empty))
    return f"DROP ALL ; INSERT DATA {{ {inserts} }}{creates}"


@pytest.fixture(scope="module")
def endpoint():
    kg = open_store("oxigraph")
    data, empty = initial_data()
    for name, triples in data.items():
        kg.graph(URIRef(name)).parse(data=triples, format="nt")
    for name in empty:
        kg.graph(URIRef(name))
    app = create_app(kg, update_token=TOKEN)
    with serving(app) as url:
        yield url, app.state.kg


@pytest.fixture
def fresh(endpoint):
    """The endpoint with the initial store; put back after the test if it wrote."""
    url, guarded = endpoint
    generation = guarded.generation
    yield url
    if guarded.generation != generation:
        guarded.update(reset_update())


def send(url: str, request, prefix: str = "/sparql/") -> httpx.Response:
    path = request.path
    assert path.startswith(prefix), f"{path} does not start with {prefix}"
    headers = [(k, v) for k, v in request.headers] + [("Authorization", f"Bearer {TOKEN}")]
    return httpx.request(request.method, url + "/sparql" + path[len(prefix) - 1:].removeprefix("/"),
                         headers=headers, content=request.body, timeout=60)


def check_format(response: httpx.Response, expected) -> None:
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if expected.format in ("boolean", "tabular"):
        allowed = ["application/sparql-results+json", "application/sparql-results+xml"]
        if expected.format == "tabular":
            allowed = list(RESULT_TYPES)
        assert media in allowed, f"{media} is not a {expected.format} results format"
        result = Result.parse(io.BytesIO(response.content), content_type=media)
        if expected.boolean is not None:
            assert result.type == "ASK" and result.askAnswer is expected.boolean
    elif expected.format == "RDF":
        assert media in GRAPH_TYPES, f"{media} is not an RDF format"
        Graph().parse(data=response.content, format=GRAPH_TYPES[media])


@pytest.mark.parametrize("test", PROTOCOL, ids=lambda t: t.name)
def test_protocol(fresh, test):
    for number, request in enumerate(test.requests, 1):
        response = send(fresh, request)
        where = f"{test.name}, request {number} ({request.method} {request.path[:80]})"
        assert request.expected.accepts(response.status_code), \
            f"{where}: status {response.status_code}, expected {sorted(map(str, request.expected.statuses))}: " \
            f"{response.text[:300]}"
        if response.status_code < 300:
            check_format(response, request.expected)


def service_description(url: str, accept: str) -> Graph:
    response = httpx.get(url + "/sparql", headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == accept
    return Graph().parse(data=response.content, format=GRAPH_TYPES[accept])


@pytest.mark.parametrize("test", SERVICE_DESCRIPTION, ids=lambda t: t.name)
def test_service_description(endpoint, test):
    url, _ = endpoint
    if test.name == "returns-rdf":  # GET on the endpoint returns RDF, in every RDF format offered
        graphs = [service_description(url, accept) for accept in GRAPH_TYPES]
        assert all(len(g) > 0 and g.isomorphic(graphs[0]) for g in graphs)
    elif test.name == "has-endpoint-triple":  # sd:endpoint is the URL the description was fetched from
        sd = service_description(url, "text/turtle")
        assert (None, SD.endpoint, URIRef(url + "/sparql")) in sd
    elif test.name == "conforms-to-schema":  # the description uses the vocabulary as its schema defines it
        sd = service_description(url, "text/turtle")
        conforms, _, text = shacl_validate(sd, shacl_graph=str(FIXTURES / "service-description.shapes.ttl"))
        assert conforms, text
    else:
        pytest.fail(f"no check for the service description test {test.name!r}")
