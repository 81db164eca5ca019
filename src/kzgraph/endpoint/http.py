"""HTTP details the endpoint's routers share: settings, errors as plain text, bounded bodies, the bearer
token that enables writes, and RDF responses by content negotiation."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import HTTPException, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from kzgraph.sparql.media_types import GRAPH_TYPES, NotAcceptable, content_type, negotiate
from kzgraph.sparql.serialization import serialize_graph


@dataclass(frozen=True)
class Settings:
    """How an endpoint is served (see ``kzgraph serve --help``).

    ``timeout`` seconds per query; ``max_rows`` per result (None: no limit); ``max_query_length``
    characters; ``max_body_bytes`` per request body; ``update_token`` enables writes for clients that send
    it as ``Authorization: Bearer TOKEN`` (None: read-only); ``allowed_services`` are the endpoints SERVICE
    may reach; ``workers`` query processes, each limited to ``memory_limit_mb``; ``write_timeout`` seconds
    per write, validation included; ``void`` the VoID file of the build.
    """

    timeout: float = 30.0
    max_rows: int | None = 10_000
    max_query_length: int = 100_000
    max_body_bytes: int = 10 * 1024 * 1024
    update_token: str | None = None
    allowed_services: tuple[str, ...] = ()
    workers: int = 2
    memory_limit_mb: int | None = 4096
    write_timeout: float = 600.0
    void: Path | None = None
    cors_origins: tuple[str, ...] = field(default=("*",))


class ProtocolError(Exception):
    """A request the endpoint refuses, with the HTTP status and a message that says what and where."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(message + "\n", status_code=status, headers=headers,
                             media_type="text/plain; charset=utf-8")


def settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request):
    """The store a router reads (a FastAPI dependency): ``request.app.state.kg``, anything with
    ``.query(sparql)``; a test app may override the dependency instead."""
    kg = getattr(request.app.state, "kg", None)
    if kg is None:
        raise HTTPException(503, "no store: set app.state.kg or override kzgraph.endpoint.http.get_store")
    return kg


def endpoint_url(request: Request) -> str:
    """The URL of the SPARQL endpoint as the client reached this server (the base IRI of its requests)."""
    return str(request.url_for("sparql_get"))


async def read_body(request: Request) -> bytes:
    """The request body, refused with 413 beyond the endpoint's limit (whether or not a length is sent)."""
    limit = settings(request).max_body_bytes
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise ProtocolError(413, f"the request body is {length} bytes long; this endpoint accepts at most {limit} bytes")
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


def choose(request: Request, offered) -> str:
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
    except NotAcceptable as error:
        raise ProtocolError(406, str(error)) from None


async def graph_response(request: Request, graph, headers: dict[str, str] | None = None) -> Response:
    """An RDF graph in the type the client accepts (406 if none)."""
    media = choose(request, GRAPH_TYPES)
    data = await run_in_threadpool(serialize_graph, graph, media)
    return Response(data, media_type=content_type(media), headers={"Vary": "Accept", **(headers or {})})
