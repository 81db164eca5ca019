"""The HTTP layer: a SPARQL 1.1 endpoint (https://www.w3.org/TR/sparql11-protocol/) on FastAPI.

``create_app(kg)`` wraps the store in a :class:`~kzgraph.endpoint.guarded_store.GuardedStore` — the one guarded way to
query it, put into ``app.state.kg`` for every router — and includes the routers:

* :mod:`kzgraph.endpoint.routes.sparql`: ``/sparql`` (query, update, service description), ``/void``;
* :mod:`kzgraph.endpoint.routes.graph_store`: ``/rdf-graphs/service`` (Graph Store HTTP Protocol);
* :mod:`kzgraph.endpoint.routes.metrics`: ``/metrics``.

Cross-origin requests are allowed (CORS), so that browser applications can query the endpoint. The
OpenAPI description is at ``/openapi.json``; the interactive documentation pages, which load their assets
from a CDN, are switched off. See docs/endpoint.md.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from kzgraph.endpoint.routes import catalogue as catalogue_api
from kzgraph.endpoint.routes import graph_store as graph_store_api
from kzgraph.endpoint.routes import linked_data as linked_data_api
from kzgraph.endpoint.routes import metrics as metrics_api
from kzgraph.endpoint.routes import pages
from kzgraph.endpoint.routes import sparql as sparql_api
from kzgraph.endpoint.guarded_store import GuardedStore, Limits, NotServable, QueryTooLong, RemoteGuardedStore
from kzgraph.endpoint.http import ProtocolError, Settings, error_response
from kzgraph.sparql.queries import QueryError
from kzgraph.store.remote import RemoteKnowledgeGraph
from kzgraph.endpoint.workers import Unavailable
from kzgraph.endpoint.writes import GraphNotFound, PayloadError, WriteRejected

__all__ = ["create_app", "Settings"]


def guard(kg, settings: Settings) -> GuardedStore | RemoteGuardedStore:
    """The store behind the guard, with the limits of the settings: a local store in worker processes, or a
    remote store queried through its endpoint (read-only)."""
    limits = Limits(timeout=settings.timeout, max_rows=settings.max_rows, max_query_length=settings.max_query_length,
                    workers=settings.workers, memory_limit_mb=settings.memory_limit_mb,
                    write_timeout=settings.write_timeout)
    if isinstance(kg, RemoteKnowledgeGraph):
        if settings.update_token:
            raise NotServable("a remote store is served read-only: write to that store itself (`kzgraph push`, or "
                              "its own update endpoint); leave out the update token")
        return RemoteGuardedStore(kg, limits, allowed_services=settings.allowed_services)
    return GuardedStore(kg, limits, allowed_services=settings.allowed_services)


def create_app(kg, timeout: float = 30.0, **options) -> FastAPI:
    """The endpoint app over a store; ``options`` are fields of :class:`~kzgraph.endpoint.http.Settings`."""
    settings = Settings(timeout=timeout, **options)
    guarded = guard(kg, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        guarded.start()
        yield
        guarded.close()

    app = FastAPI(title="kzgraph SPARQL endpoint", version="0.1.0", lifespan=lifespan,
                  docs_url=None, redoc_url=None, swagger_ui_oauth2_redirect_url=None)
    app.state.kg = guarded
    app.state.settings = settings
    app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                       allow_methods=["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"], allow_headers=["*"],
                       expose_headers=["X-Kzgraph-Truncated", "X-Kzgraph-Row-Limit", "Location"])
    install_error_handlers(app)
    app.include_router(sparql_api.router)
    app.include_router(graph_store_api.router)
    app.include_router(metrics_api.router)
    app.include_router(pages.router)
    app.include_router(catalogue_api.router)
    app.include_router(linked_data_api.router)
    return app


def install_error_handlers(app: FastAPI) -> None:
    """Protocol errors, bad queries (400, 413 when too long), missing graphs (404), bad payloads (415 for a
    media type that is not RDF, else 400) and an endpoint out of time or workers (503), as plain text; a
    write that SHACL validation rejects as 422 with the report in JSON."""

    @app.exception_handler(ProtocolError)
    async def protocol_error(request: Request, error: ProtocolError):
        return error_response(error.status, str(error), error.headers)

    @app.exception_handler(QueryError)
    async def query_error(request: Request, error: QueryError):
        return error_response(400, str(error))

    @app.exception_handler(QueryTooLong)
    async def query_too_long(request: Request, error: QueryTooLong):
        return error_response(413, str(error))

    @app.exception_handler(GraphNotFound)
    async def graph_not_found(request: Request, error: GraphNotFound):
        return error_response(404, str(error))

    @app.exception_handler(PayloadError)
    async def payload_error(request: Request, error: PayloadError):
        return error_response(415 if "unsupported RDF media type" in str(error) else 400, str(error))

    @app.exception_handler(WriteRejected)
    async def write_rejected(request: Request, error: WriteRejected):
        return JSONResponse({"message": str(error), "results": error.results}, status_code=422)

    @app.exception_handler(Unavailable)
    async def unavailable(request: Request, error: Unavailable):
        return error_response(503, str(error), {"Retry-After": "10"})
