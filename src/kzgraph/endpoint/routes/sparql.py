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

from functools import lru_cache
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from rdflib import Graph
from starlette.concurrency import run_in_threadpool

from kzgraph.endpoint.http import (
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
from kzgraph.errors import ProtocolError
from kzgraph.service.guarded import GuardedStore, RemoteGuardedStore
from kzgraph.service.writes import Delta
from kzgraph.sparql.evaluation import query_form
from kzgraph.sparql.media_types import BOOLEAN_TYPES, GRAPH_TYPES, RESULT_TYPES, NotAcceptable, content_type, negotiate

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


#: What each form of query is answered in: SELECT results in the four results formats, ASK in the two that
#: define a boolean, graphs in the four RDF syntaxes.
OFFERED = {"SELECT": RESULT_TYPES, "ASK": BOOLEAN_TYPES, "CONSTRUCT": GRAPH_TYPES, "DESCRIBE": GRAPH_TYPES}
#: Generic media types that clients send for results (SPARQLWrapper, browsers' fetch): the SPARQL results
#: format for SELECT and ASK, the RDF syntax for graphs.
GENERIC = {
    "application/json": {"SELECT": "application/sparql-results+json", "ASK": "application/sparql-results+json",
                         "CONSTRUCT": "application/ld+json", "DESCRIBE": "application/ld+json"},
    "application/xml": {"SELECT": "application/sparql-results+xml", "ASK": "application/sparql-results+xml",
                        "CONSTRUCT": "application/rdf+xml", "DESCRIBE": "application/rdf+xml"},
    "text/xml": {"SELECT": "application/sparql-results+xml", "ASK": "application/sparql-results+xml",
                 "CONSTRUCT": "application/rdf+xml", "DESCRIBE": "application/rdf+xml"},
}


def _accept_for(accept: str | None, form: str) -> str | None:
    """The Accept header with the generic media types read as this form's own."""
    if not accept:
        return accept
    items = []
    for item in accept.split(","):
        media, sep, params = item.strip().partition(";")
        specific = GENERIC.get(media.strip().lower(), {}).get(form)
        items.append(f"{specific}{sep}{params}" if specific else item)
    return ",".join(items)


def negotiate_forms(request: Request, form: str | None, formats: list[str] | None = None) -> dict[str, str]:
    """The media type to answer each form of query with, negotiated before anything is evaluated; 406 at
    once when the query's form (read from its text, when it can be) or every form has none.

    ``formats``: the request's ``format`` parameters, if already read. The answer (not to be changed) is
    computed once for each Accept header, ``format`` parameters and form (the last 256 of them)."""
    if formats is None:
        formats = request.query_params.getlist("format")
    return _negotiated(request.headers.get("accept"), tuple(formats), form)


@lru_cache(maxsize=256)
def _negotiated(accept: str | None, formats: tuple[str, ...], form: str | None) -> dict[str, str]:
    names = [name.strip() for value in formats for name in value.split(",")]
    names = [name for name in names if name]
    media: dict[str, str] = {}
    for each, offered in OFFERED.items():
        chosen = None
        for name in names:
            try:
                chosen = negotiate(None, name, offered)
                break
            except NotAcceptable:
                continue
        if chosen is None:
            try:
                chosen = negotiate(_accept_for(accept, each), ", ".join(names) if names else None, offered)
            except NotAcceptable:
                continue
        media[each] = chosen
    if not media or (form is not None and form not in media):
        what = accept if not names else ", ".join(names)
        forms = OFFERED[form] if form is not None else {t: "" for types in OFFERED.values() for t in types}
        raise NotAcceptable(f"none of the media types asked for ({what}) is offered for "
                            f"{'a ' + form + ' query' if form else 'any query'}; offered: {', '.join(forms)}")
    return media


async def run_query(request: Request, text: str, default_graphs: list[str], named_graphs: list[str],
                    formats: list[str] | None = None) -> Response:
    kg = guarded_store(request)
    media = negotiate_forms(request, query_form(text), formats)
    base = endpoint_url(request)
    if isinstance(kg, GuardedStore):  # awaited on the event loop while a worker is free
        written = await kg.aquery_written(text, media, base=base, default_graphs=default_graphs or None,
                                          named_graphs=named_graphs or None)
    else:
        written = await run_in_threadpool(kg.query_written, text, media, base=base,
                                          default_graphs=default_graphs or None, named_graphs=named_graphs or None)
    headers = {"Vary": "Accept"}
    if written.truncated:
        headers["X-Kzgraph-Truncated"] = "true"
        headers["X-Kzgraph-Row-Limit"] = str(settings(request).max_rows)
    return Response(written.body, media_type=content_type(written.media), headers=headers)


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


def check_query_string(request: Request) -> dict[str, list[str]]:
    """The parameters of the query string, refused (400) unless it is UTF-8 once percent-decoded, as a POST
    body is refused: the parameters are never read with replacement characters."""
    raw: bytes = request.scope.get("query_string", b"")
    try:
        parameters = parse_qs(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict")
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, f"the query string is not UTF-8 (SPARQL 1.1 Protocol §2.1.1): {error}") from None
    return parameters


@router.get("/sparql", name="sparql_get", summary="Query by GET, or the service description")
async def sparql_get(request: Request) -> Response:
    """``?query=…`` (with ``default-graph-uri``, ``named-graph-uri``, ``format``); without a query, the
    service description."""
    params = check_query_string(request)
    if "update" in params:
        raise ProtocolError(400, "an update is sent by POST (SPARQL 1.1 Protocol §2.2), not by GET")
    text = _one(params.get("query", []), "query")
    if text is None:
        if wants_html(request, GRAPH_TYPES):  # a browser: a page on the endpoint, not the RDF description
            return endpoint_page(request, settings(request))
        return await describe_service(request)
    return await run_query(request, text, params.get("default-graph-uri", []), params.get("named-graph-uri", []),
                           params.get("format", []))


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
    # the build's file describes the build: the store served unless another store (--store) or a write
    served_is_build = kg.generation == 0 and settings(request).store in (None, "memory", "oxigraph")
    file = getattr(request.app.state, "void", None) if served_is_build else None
    key = (kg.generation, endpoint_url(request))
    cached: tuple[tuple[int, str], Graph] | None = getattr(request.app.state, "served_void", None)
    if file is None and cached is not None and cached[0] == key:
        return cached[1]  # counting a large store once per write, not once per request
    void = void_description(kg, endpoint_url(request), file)
    if file is None:
        request.app.state.served_void = (key, void)
    return void
