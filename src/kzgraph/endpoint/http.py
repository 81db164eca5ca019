"""HTTP details the endpoint's routers share: settings, errors as plain text, bounded bodies, the bearer
token that enables writes, and RDF responses by content negotiation."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import PlainTextResponse, Response
from rdflib import Graph
from starlette.concurrency import run_in_threadpool

from kzgraph.errors import ProtocolError
from kzgraph.settings import Settings
from kzgraph.sparql.media_types import GRAPH_TYPES, NotAcceptable, content_type, negotiate
from kzgraph.sparql.serialization import serialize_graph


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(message + "\n", status_code=status, headers=headers,
                             media_type="text/plain; charset=utf-8")


def settings(request: Request) -> Settings:
    """The endpoint's settings (:class:`kzgraph.settings.Settings`); the defaults for an app that set none."""
    found: Settings | None = getattr(request.app.state, "settings", None)
    return found if found is not None else Settings()


def get_store(request: Request) -> Any:
    """The store the project's own reads use (a FastAPI dependency): ``app.state.store``, trusted and never cut
    by the row limit; an app that sets only ``app.state.kg`` (anything with ``.query(sparql)``) reads that. A
    test app may override the dependency instead."""
    store = getattr(request.app.state, "store", None) or getattr(request.app.state, "kg", None)
    if store is None:
        raise HTTPException(503, "no store: set app.state.kg or override kzgraph.endpoint.http.get_store")
    return store


def get_service(request: Request) -> Any:
    """The guarded query service user queries go through (a FastAPI dependency): ``app.state.kg``."""
    service = getattr(request.app.state, "kg", None)
    if service is None:
        raise HTTPException(503, "no store: set app.state.kg or override kzgraph.endpoint.http.get_service")
    return service
def endpoint_url(request: Request) -> str:
    """The URL of the SPARQL endpoint as the client reached this server (the base IRI of its requests).

    Computed once for each way of reaching it (scheme, server, root path and Host header; the last 64 kept
    in ``app.state``) rather than by looking up the route on every request."""
    scope = request.scope
    key = (scope.get("scheme"), scope.get("server"), scope.get("root_path", ""), request.headers.get("host"))
    state = request.app.state
    urls: dict[tuple[Any, ...], str] | None = getattr(state, "endpoint_urls", None)
    if urls is None:
        urls = state.endpoint_urls = {}
    url = urls.get(key)
    if url is None:
        if len(urls) >= 64:  # the Host header is the client's: keep a few
            urls.clear()
        url = urls[key] = str(request.url_for("sparql_get"))
    return url


async def read_body(request: Request) -> bytes:
    """The request body, refused with 413 beyond the endpoint's limit (whether or not a length is sent)."""
    limit = settings(request).max_body_bytes
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise ProtocolError(413, f"the request body is {length} bytes long; this endpoint accepts at most {limit} "
                                 "bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ProtocolError(413, f"the request body is longer than {limit} bytes, the limit of this endpoint")
        chunks.append(chunk)
    return b"".join(chunks)


def media_type(request: Request) -> tuple[str, dict[str, str]]:
    """The request's Content-Type as (media type, parameters), lower-cased."""
    header = request.headers.get("content-type", "")
    media, *params = [part.strip() for part in header.split(";")]
    parameters = {}
    for param in params:
        key, _, value = param.partition("=")
        parameters[key.strip().lower()] = value.strip().strip('"')
    return media.lower(), parameters


def decode_utf8(body: bytes, request: Request) -> str:
    """The body as text: SPARQL requests are UTF-8 (SPARQL 1.1 Protocol §2.1.3, §2.2.2)."""
    charset = media_type(request)[1].get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"charset {charset!r} is not accepted: SPARQL requests are sent in UTF-8")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, f"the request body is not UTF-8: {error}") from None


def require_writer(request: Request) -> None:
    """Let a write through only with the endpoint's bearer token (401 without one, 403 with another)."""
    token = settings(request).update_token
    if token is None:
        raise ProtocolError(403, "this endpoint is read-only; start it with `kzgraph serve --update-token TOKEN` "
                                 "(or KZGRAPH_UPDATE_TOKEN) to accept writes from clients that send the token")
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials:
        raise ProtocolError(401, "a write needs the header `Authorization: Bearer TOKEN`",
                            {"WWW-Authenticate": 'Bearer realm="kzgraph"'})
    if not hmac.compare_digest(credentials.strip().encode(), token.encode()):
        raise ProtocolError(403, "the bearer token is not this endpoint's update token",
                            {"WWW-Authenticate": 'Bearer realm="kzgraph", error="invalid_token"'})


def choose(request: Request, offered: Mapping[str, str]) -> str:
    """The media type to answer with: by the ``format`` parameter, else by the Accept header.

    Some clients repeat ``format`` or give a list of media types in it (SPARQLWrapper sends
    ``format=json-ld&format=application/ld+json,application/x-json+ld``): the first name offered wins.
    """
    names = [name.strip() for value in request.query_params.getlist("format") for name in value.split(",")]
    names = [name for name in names if name]
    for name in names:
        try:
            return negotiate(None, name, offered)
        except NotAcceptable:
            continue
    try:
        return negotiate(request.headers.get("accept"), ", ".join(names) if names else None, offered)
    except NotAcceptable:
        raise


async def graph_response(request: Request, graph: Graph, headers: dict[str, str] | None = None) -> Response:
    """An RDF graph in the type the client accepts (406 if none)."""
    media = choose(request, GRAPH_TYPES)
    data = await run_in_threadpool(serialize_graph, graph, media)
    return Response(data, media_type=content_type(media), headers={"Vary": "Accept", **(headers or {})})
