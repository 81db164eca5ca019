"""The SPARQL 1.1 Graph Store HTTP Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/) at
``/rdf-graphs/service``, with indirect graph identification (§4.2): ``?graph=IRI`` names a named graph,
``?default`` the store's unnamed graph (empty after a build; SPARQL queries see it inside the union that is
their default graph).

* ``GET`` / ``HEAD`` (§5.2): the graph by content negotiation; 404 if the store has no such graph.
* ``PUT`` (§5.3): replace the graph with the RDF payload (Turtle, N-Triples, RDF/XML, JSON-LD);
  201 when it creates the graph, else 204.
* ``POST`` (§5.5): merge the payload into the graph (200, or 201 when created); a ``multipart/form-data``
  body merges every part; ``POST`` without a graph creates a new graph and answers 201 with its URL in
  ``Location``.
* ``DELETE`` (§5.4): drop the graph (200); 404 if there is none.

The same service answers at ``/gsp`` (the path the W3C test suite addresses), which also identifies graphs
directly (§4.1): ``/gsp/{path}`` names the graph whose IRI is that request URL (without its query), and
``POST /gsp`` names the graph it creates ``/gsp/{uuid}`` under the server, so its ``Location`` is both the
graph's IRI and its URL.

Reads are open like SPARQL queries; writes need the endpoint's bearer token and pass the same SHACL
validation as SPARQL updates (422 with the report otherwise). Blank nodes of a payload are always new.
"""

from __future__ import annotations

import uuid
from email.parser import BytesParser
from email.policy import HTTP
from typing import cast
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from pyoxigraph import DefaultGraph
from rdflib import Graph
from starlette.concurrency import run_in_threadpool

from kzgraph.endpoint.http import graph_response, media_type, read_body, require_writer
from kzgraph.endpoint.routes.sparql import guarded_store
from kzgraph.errors import ProtocolError
from kzgraph.namespaces import GRAPH
from kzgraph.service.writes import Delta, payload_format

router = APIRouter(tags=["SPARQL 1.1 Graph Store HTTP Protocol"])

SERVICE_PATH = "/rdf-graphs/service"
# The alias the W3C Graph Store Protocol tests address; below it graphs are named by their own URL.
ALIAS_PATH = "/gsp"
DIRECT_PATH = ALIAS_PATH + "/{graph_path:path}"
# Graphs that POST to the service creates are named under this namespace.
POSTED = GRAPH["posted/"]


def target(request: Request) -> str | None:
    """The graph a request names: ``?graph=IRI`` or ``?default`` (None), exactly one of them; under
    ``/gsp/`` the request URL itself (direct identification)."""
    params = request.query_params
    if "graph_path" in request.path_params:
        if "graph" in params or "default" in params:
            raise ProtocolError(400, "a graph named by its URL takes neither ?graph= nor ?default")
        return str(request.url.replace(query="", fragment=""))
    graphs = params.getlist("graph")
    if ("default" in params and graphs) or len(graphs) > 1:
        raise ProtocolError(400, "name one graph: ?graph=IRI or ?default")
    if "default" in params:
        return None
    if not graphs:
        raise ProtocolError(400, "name a graph: ?graph=IRI or ?default")
    name = graphs[0]
    if ":" not in name or any(c in name for c in '<>" {}|\\^`'):
        raise ProtocolError(400, f"graph={name!r} is not an absolute IRI")
    return name


def _direct(request: Request) -> bool:
    return request.url.path == ALIAS_PATH or request.url.path.startswith(ALIAS_PATH + "/")


def _location(request: Request, name: str) -> str:
    if _direct(request):
        return name
    return f"{request.url_for('graph_store')}?graph={quote(name, safe='')}"


def _payload_type(request: Request) -> str:
    """The request's Content-Type, checked before the body is read: RDF or multipart, else 415."""
    media, _ = media_type(request)
    if media != "multipart/form-data":
        payload_format(media)
    return request.headers.get("content-type", "")


def _parts(body: bytes, content_type: str) -> list[tuple[bytes, str]]:
    """The parts of a multipart/form-data body (RFC 7578) as (payload, media type)."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    if not message.is_multipart():
        raise ProtocolError(400, "the multipart/form-data body has no parts")
    # a decoded payload of a non-multipart part is bytes (or None when there is none)
    return [(cast("bytes | None", part.get_payload(decode=True)) or b"", part.get_content_type())
            for part in message.iter_parts()]


@router.head(DIRECT_PATH, include_in_schema=False)
@router.get(DIRECT_PATH, include_in_schema=False)
@router.head(ALIAS_PATH, include_in_schema=False)
@router.get(ALIAS_PATH, include_in_schema=False)
@router.head(SERVICE_PATH, include_in_schema=False)
@router.get(SERVICE_PATH, name="graph_store", summary="Get a graph")
async def get_graph(request: Request) -> Response:
    name = target(request)
    triples = await run_in_threadpool(guarded_store(request).graph_triples, name)
    if triples is None:
        raise ProtocolError(404, f"the store has no graph <{name}>")
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return await graph_response(request, graph)


@router.put(DIRECT_PATH, include_in_schema=False)
@router.put(ALIAS_PATH, include_in_schema=False)
@router.put(SERVICE_PATH, summary="Replace a graph")
async def put_graph(request: Request) -> Response:
    require_writer(request)
    name = target(request)
    content_type = _payload_type(request)
    outcome = await run_in_threadpool(guarded_store(request).put_graph, name, await read_body(request), content_type)
    return Response(status_code=201 if _created(outcome, name) else 204)


def _created(delta: Delta, name: str | None) -> bool:
    """Whether a write created its graph (for the unnamed graph: whether it was empty before)."""
    if name is None:
        return not any(q.graph_name == DefaultGraph() for q in delta.removed)
    return name in delta.graphs_created


@router.post(DIRECT_PATH, include_in_schema=False)
@router.post(ALIAS_PATH, include_in_schema=False)
@router.post(SERVICE_PATH, summary="Add to a graph, or create a new graph")
async def post_graph(request: Request) -> Response:
    require_writer(request)
    params = request.query_params
    create = "graph" not in params and "default" not in params and "graph_path" not in request.path_params
    if create:
        name: str | None = (str(request.url.replace(path=ALIAS_PATH + "/", query="", fragment="")) if _direct(request)
                            else str(POSTED)) + str(uuid.uuid4())
    else:
        name = target(request)
    content_type = _payload_type(request)
    body = await read_body(request)
    parts = _parts(body, content_type) if media_type(request)[0] == "multipart/form-data" else [(body, content_type)]
    outcome = await run_in_threadpool(guarded_store(request).post_graph, name, parts)
    if create and name is not None:  # a created graph has a name
        return PlainTextResponse(f"created <{name}>\n", status_code=201, headers={"Location": _location(request, name)})
    created = name is not None and _created(outcome, name)
    return PlainTextResponse("created\n" if created else "merged\n", status_code=201 if created else 200)


@router.delete(DIRECT_PATH, include_in_schema=False)
@router.delete(ALIAS_PATH, include_in_schema=False)
@router.delete(SERVICE_PATH, summary="Drop a graph")
async def delete_graph(request: Request) -> Response:
    require_writer(request)
    await run_in_threadpool(guarded_store(request).delete_graph, target(request))
    return PlainTextResponse("deleted\n", status_code=200)
