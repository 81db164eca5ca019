"""Reading the W3C SPARQL 1.1 protocol test manifests (HTTP-in-RDF, https://www.w3.org/TR/HTTP-in-RDF10/)
from ../shared/reference/w3c-sparql-protocol beside the project, and running their requests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Namespace
from rdflib.collection import Collection
from rdflib.term import Node

from kzgraph.store.loading import PROJECT_ROOT

REFERENCE = PROJECT_ROOT.parent / "shared" / "reference" / "w3c-sparql-protocol"
GRAPH_STORE_REFERENCE = PROJECT_ROOT.parent / "shared" / "reference" / "w3c-graph-store-tests"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")


@dataclass
class Expected:
    statuses: set[int | str] = field(default_factory=set)  # 200, or a class such as "2xx"
    boolean: bool | None = None
    format: str | None = None  # "boolean", "tabular" or "RDF"
    body: str | None = None
    content_type: str | None = None
    location: str | None = None

    def accepts(self, status: int) -> bool:
        return status in self.statuses or f"{status // 100}xx" in self.statuses


@dataclass
class Request:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes | None
    expected: Expected


@dataclass
class ProtocolTest:
    name: str  # the local name of the test in its manifest
    title: str
    requests: list[Request]
    graph_data: dict[str, Path]  # graph name -> data file
    requires: set[str] = field(default_factory=set)


def local_name(iri: object) -> str:
    return str(iri).rsplit("#", 1)[-1]


def _items(graph: Graph, node: Node | None) -> list[Node]:
    return list(Collection(graph, node)) if node is not None else []


def _status(term: Node) -> int | str:
    name = local_name(term)
    if name.startswith("StatusCode") and name.endswith("xx"):
        return name[len("StatusCode"):]
    if name.isdigit():
        return int(name)
    # a named code of the HTTP vocabulary (hts:Created, hts:NoContent, hts:OK) as its number
    constant = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).upper()
    if constant in HTTPStatus.__members__:
        return int(HTTPStatus[constant])
    raise ValueError(f"the manifest names the status {term}, which is not an HTTP status code")


def _expected(graph: Graph, response: Node | None, folder: Path) -> Expected:
    expected = Expected()
    for status in graph.objects(response, MF.expectedStatus):
        expected.statuses.add(_status(status))
    for value in graph.objects(response, HT.statusCodeValue):
        expected.statuses.add(int(str(value)))
    boolean = graph.value(response, MF.expectedBoolean)
    expected.boolean = None if boolean is None else str(boolean) in ("true", "1")
    fmt = graph.value(response, MF.expectedFormat)
    expected.format = None if fmt is None else str(fmt)
    body = graph.value(response, HT.body)
    if body is not None:
        expected.body = str(graph.value(body, CNT.chars))
    for header in _items(graph, graph.value(response, HT.headers)):
        if str(graph.value(header, HT.fieldName)).lower() == "content-type":
            expected.content_type = str(graph.value(header, HT.fieldValue))
    location = graph.value(response, MF.expectedLocation)
    expected.location = None if location is None else str(location)
    return expected


def _request(graph: Graph, node: Node, folder: Path) -> Request:
    headers = [(str(graph.value(h, HT.fieldName)), str(graph.value(h, HT.fieldValue)))
               for h in _items(graph, graph.value(node, HT.headers))]
    body_node = graph.value(node, HT.body)
    body = None
    if body_node is not None:
        encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(body_node, CNT.chars)).encode(encoding)
    response = graph.value(node, HT.resp)
    return Request(str(graph.value(node, HT.methodName)), str(graph.value(node, HT.absolutePath)), headers, body,
                   _expected(graph, response, folder))


def read_manifest(path: Path) -> tuple[list[ProtocolTest], list[Path]]:
    """The tests of a manifest in its order, and the included manifests that are missing."""
    graph = Graph().parse(path, format="turtle", publicID=path.as_uri())
    tests, missing = [], []
    manifest = graph.value(None, RDF.type, MF.Manifest)
    for included in _items(graph, graph.value(manifest, MF.include)):
        file = Path(str(included).removeprefix("file://"))
        if file.is_file():
            more, gone = read_manifest(file)
            tests += more
            missing += gone
        else:
            missing.append(file)
    for entry in _items(graph, graph.value(manifest, MF.entries)):
        action = graph.value(entry, MF.action)
        requests = [_request(graph, r, path.parent) for r in _items(graph, graph.value(action, HT.requests))] \
            if action is not None else []
        data = {}
        for item in graph.objects(entry, UT.graphData):
            data[str(graph.value(item, RDFS.label))] = Path(str(graph.value(item, UT.graph)).removeprefix("file://"))
        requires = {local_name(r) for r in graph.objects(entry, MF.requires)}
        tests.append(ProtocolTest(local_name(entry), str(graph.value(entry, MF.name) or ""), requests, data, requires))
    return tests, missing


def graph_iris_named(tests: list[ProtocolTest]) -> set[str]:
    """Every graph IRI the tests' requests name in a dataset parameter."""
    from urllib.parse import parse_qs, urlsplit

    names = set()
    for test in tests:
        for request in test.requests:
            params = parse_qs(urlsplit(request.path).query)
            for key in ("default-graph-uri", "named-graph-uri", "using-graph-uri", "using-named-graph-uri"):
                names.update(params.get(key, []))
    return names

