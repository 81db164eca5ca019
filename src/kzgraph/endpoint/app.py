"""The HTTP layer: a SPARQL 1.1 endpoint (https://www.w3.org/TR/sparql11-protocol/) on FastAPI.

``create_app(store, settings)`` puts two ways of reading the store into the app, as the application object
(:class:`kzgraph.app.KZGraph`) has them:

* ``app.state.kg``: the store behind the guard (:func:`guard`), through which every user query goes
  (``/sparql``, the query page, named queries) and every write;
* ``app.state.store``: the store itself, for the project's own reads (resource pages, VoID, metrics), which
  are never cut by the row limit.

It includes the routers of :mod:`kzgraph.endpoint.routes`: ``/sparql`` and ``/void``, the Graph Store
Protocol, ``/metrics``, the query page, the catalogue and linked data. Every error kzgraph raises is a
:class:`kzgraph.errors.KzgraphError` and is answered by one handler with its HTTP status, as plain text
(a rejected write: JSON with the SHACL report). Cross-origin requests are allowed (CORS). ``GET`` and
``POST /sparql``, the protocol's hot requests, go to their route functions past FastAPI's routing and
dependency machinery (:mod:`kzgraph.endpoint.lean`), with the same answers. The OpenAPI
description is at ``/openapi.json``; the interactive documentation pages, which load their assets from a
CDN, are switched off. See docs/endpoint.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response

from kzgraph.endpoint.http import error_response
from kzgraph.endpoint.lean import Endpoint, hot_path
from kzgraph.endpoint.routes import catalogue, graph_store, linked_data, metrics, pages, sparql
from kzgraph.errors import KzgraphError, WriteRejected
from kzgraph.service.guarded import GuardedStore, RemoteGuardedStore, guard
from kzgraph.settings import Settings

__all__ = ["create_app"]


def create_app(kg: Any, settings: Settings | None = None, *, void: Path | None = None, kzgraph: Any = None,
               service: GuardedStore | RemoteGuardedStore | None = None, **options: Any) -> FastAPI:
    """The endpoint app over a store.

    ``settings`` (default: :class:`~kzgraph.settings.Settings`) with ``options`` (fields of the settings)
    changed; ``void`` the VoID file of the build; ``kzgraph`` the application object the app serves, if any;
    ``service`` the guarded store to use (default: :func:`guard` of the store).
    """
    settings = dataclasses.replace(settings or Settings(), **options)
    guarded = service if service is not None else guard(kg, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        guarded.start()
        yield
        guarded.close()

    app = Endpoint(title="kzgraph SPARQL endpoint", version="0.1.0", lifespan=lifespan,
                   docs_url=None, redoc_url=None, swagger_ui_oauth2_redirect_url=None)
    app.state.kg = guarded
    app.state.store = kg
    app.state.settings = settings
    app.state.void = void
    app.state.kzgraph = kzgraph
    cors: dict[str, Any] = {"allow_origins": list(settings.cors_origins),
                            "allow_methods": ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"],
                            "allow_headers": ["*"],
                            "expose_headers": ["X-Kzgraph-Truncated", "X-Kzgraph-Row-Limit", "Location"]}
    app.add_middleware(CORSMiddleware, **cors)
    install_error_handlers(app)
    for router in (sparql.router, graph_store.router, metrics.router, pages.router, catalogue.router,
                   linked_data.router):
        app.include_router(router)
    # GET and POST /sparql: the same route functions without FastAPI's routing and dependency machinery
    app.hot = hot_path(app, {"GET": sparql.sparql_get, "POST": sparql.sparql_post}, error_reply, cors)
    return app


def error_reply(error: KzgraphError) -> Response:
    """The answer to a kzgraph error: its HTTP status and message as plain text; a rejected write as JSON
    with the SHACL report."""
    if isinstance(error, WriteRejected):
        return JSONResponse({"message": str(error), "results": error.results}, status_code=error.http_status)
    return error_response(error.http_status, str(error), error.headers or None)


def install_error_handlers(app: FastAPI) -> None:
    """One handler for every :class:`~kzgraph.errors.KzgraphError`: its status, its message, its headers."""

    @app.exception_handler(KzgraphError)
    async def kzgraph_error(request: Request, error: KzgraphError) -> Response:
        return error_reply(error)
