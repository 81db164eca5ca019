"""The SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/) at ``/sparql``, with the service
description and the VoID description of the dataset.

* Query (§2.1): ``GET /sparql?query=…``, ``POST`` form-encoded (``query=…``) or ``POST`` with an
  ``application/sparql-query`` body; the dataset by ``default-graph-uri`` / ``named-graph-uri`` (§2.1.4,
  graphs of the store only). Results by content negotiation (Accept with q-values, or ``format=``): SELECT
  as SPARQL JSON, XML, CSV or TSV; ASK as JSON or XML; CONSTRUCT and DESCRIBE as Turtle, N-Triples,
  RDF/XML or JSON-LD; 406 when nothing acceptable is offered. A result cut at the row limit carries the
  header ``X-Kzgraph-Truncated: true`` (and ``"truncated": true`` in SPARQL JSON).
* Update (§2.2): ``POST`` form-encoded (``update=…``) or with an ``application/sparql-update`` body,
  ``using-graph-uri`` / ``using-named-graph-uri`` as USING / USING NAMED; only with the endpoint's bearer
  token; 422 with the SHACL report when the result would not validate.
* ``GET /sparql`` without a query: the service description (SPARQL 1.1 Service Description §2).
* ``GET /void`` and ``/.well-known/void`` (VoID §7.2): the VoID description of the dataset.

Errors are plain text that says what went wrong and where: 400 for a malformed or refused request (with
the parser's line and column), 401/403 for a write without the right token, 406, 413 for a request over a
size limit, 415 for a media type or charset not accepted, 503 when a query ran out of time or workers.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from rdflib import Graph
from starlette.concurrency import run_in_threadpool

from kzgraph.service.guarded import GuardedStore, RemoteGuardedStore
from kzgraph.errors import ProtocolError
from kzgraph.endpoint.http import (
    choose,
    decode_utf8,
    endpoint_url,
    graph_response,
    media_type,
    read_body,
    require_writer,
    settings,
)
from kzgraph.endpoint.service_description import graph_sizes, service_description, void_description
from kzgraph.endpoint.templating import endpoint_page, wants_html
from kzgraph.service.writes import Delta
from kzgraph.sparql.evaluation import LimitedResult
from kzgraph.sparql.media_types import BOOLEAN_TYPES, GRAPH_TYPES, RESULT_TYPES, content_type
from kzgraph.sparql.serialization import serialize_result

router = APIRouter(tags=["SPARQL 1.1 Protocol"])

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"


def guarded_store(request: Request) -> GuardedStore | RemoteGuardedStore:
    """The store behind the endpoint's guard (``create_app`` puts it into ``app.state.kg``)."""
    store: GuardedStore | RemoteGuardedStore = request.app.state.kg
    return store


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise ProtocolError(400, f"the request has {len(values)} {name} parameters; send exactly one")
    return values[0] if values else None


async def run_query(request: Request, text: str, default_graphs: list[str], named_graphs: list[str]) -> Response:
    kg = guarded_store(request)
    result: LimitedResult = await run_in_threadpool(kg.query, text, base=endpoint_url(request),
                                     default_graphs=default_graphs or None, named_graphs=named_graphs or None)
    offered = {"ASK": BOOLEAN_TYPES, "CONSTRUCT": GRAPH_TYPES, "DESCRIBE": GRAPH_TYPES}.get(result.type, RESULT_TYPES)
    media = choose(request, offered)
    body = await run_in_threadpool(serialize_result, result, media)
    headers = {"Vary": "Accept"}
    if getattr(result, "truncated", False):
        headers["X-Kzgraph-Truncated"] = "true"
        headers["X-Kzgraph-Row-Limit"] = str(settings(request).max_rows)
    return Response(body, media_type=content_type(media), headers=headers)


async def run_update(request: Request, text: str, using_graphs: list[str], using_named_graphs: list[str]) -> Response:
    require_writer(request)
    kg = guarded_store(request)
    delta: Delta = await run_in_threadpool(kg.update, text, base=endpoint_url(request), using_graphs=using_graphs,
                                    using_named_graphs=using_named_graphs)
    return PlainTextResponse(f"update applied: {len(delta.removed)} quad(s) removed, {len(delta.added)} added\n",
                             media_type="text/plain; charset=utf-8")


async def describe_service(request: Request) -> Response:
    kg = guarded_store(request)
    names = await run_in_threadpool(kg.graph_names)
    sizes = await run_in_threadpool(graph_sizes, kg, names)
    options = settings(request)
    graph = service_description(endpoint_url(request), sizes, updates=options.update_token is not None,
                                federated=bool(options.allowed_services), void=str(request.url_for("void")))
    return await graph_response(request, graph)


@router.get("/sparql", name="sparql_get", summary="Query by GET, or the service description")
async def sparql_get(request: Request) -> Response:
    """``?query=…`` (with ``default-graph-uri``, ``named-graph-uri``, ``format``); without a query, the
    service description."""
    params = request.query_params
    if "update" in params:
        raise ProtocolError(400, "an update is sent by POST (SPARQL 1.1 Protocol §2.2), not by GET")
    text = _one(params.getlist("query"), "query")
    if text is None:
        if wants_html(request, GRAPH_TYPES):  # a browser: a page on the endpoint, not the RDF description
            return endpoint_page(request, settings(request))
        return await describe_service(request)
    return await run_query(request, text, params.getlist("default-graph-uri"), params.getlist("named-graph-uri"))


@router.post("/sparql", summary="Query or update by POST")
async def sparql_post(request: Request) -> Response:
    """A query or an update: form-encoded (``query=…`` or ``update=…``), ``application/sparql-query`` or
    ``application/sparql-update``."""
    media, _ = media_type(request)
    if media not in (FORM_TYPE, QUERY_TYPE, UPDATE_TYPE):
        raise ProtocolError(415, f"a SPARQL request is sent as {FORM_TYPE}, {QUERY_TYPE} or {UPDATE_TYPE}, not "
                                 f"{media or 'without a Content-Type'}")
    text = decode_utf8(await read_body(request), request)
    params = request.query_params
    if media == QUERY_TYPE:
        return await run_query(request, text, params.getlist("default-graph-uri"), params.getlist("named-graph-uri"))
    if media == UPDATE_TYPE:
        return await run_update(request, text, params.getlist("using-graph-uri"),
                                params.getlist("using-named-graph-uri"))
    try:
        form = parse_qs(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, f"the form is not UTF-8: {error}") from None
    query, update = _one(form.get("query", []), "query"), _one(form.get("update", []), "update")
    if (query is None) == (update is None):
        raise ProtocolError(400, "a form-encoded request carries one `query` or one `update` parameter")

    def merged(name: str) -> list[str]:
        return params.getlist(name) + form.get(name, [])

    if query is not None:
        return await run_query(request, query, merged("default-graph-uri"), merged("named-graph-uri"))
    assert update is not None  # one of the two, checked above
    return await run_update(request, update, merged("using-graph-uri"), merged("using-named-graph-uri"))


@router.get("/void", name="void", summary="The VoID description of the dataset")
@router.get("/.well-known/void", name="well_known_void", include_in_schema=False)
async def void(request: Request) -> Response:
    return await graph_response(request, await run_in_threadpool(served_void, request))


def served_void(request: Request) -> Graph:
    """The VoID description the endpoint serves (``/void`` and the pages of ``/dataset``): the build's
    ``void.ttl`` until the first write, then computed from the store; naming the endpoint."""
    kg = guarded_store(request)
    file = getattr(request.app.state, "void", None) if kg.generation == 0 else None
    return void_description(kg, endpoint_url(request), file)
