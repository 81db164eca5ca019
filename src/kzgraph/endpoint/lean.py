"""The protocol's hot requests on a short path: ``GET /sparql`` and ``POST /sparql``.

A SPARQL query that takes a millisecond in Oxigraph spent most of its time in the HTTP stack around it:
FastAPI's routing (every route of the app tried in turn), its dependency solving, and the middlewares it
stacks (exceptions, telemetry, body limit, the exit stack). :class:`Endpoint` is the FastAPI app with one
difference: a request for ``/sparql`` by GET or POST goes straight to the same route functions
(:func:`kzgraph.endpoint.routes.sparql.sparql_get` and ``sparql_post``) through only what they need: the
CORS middleware (configured as the app's), the one handler of :class:`~kzgraph.errors.KzgraphError`
(:func:`kzgraph.endpoint.app.error_reply`) and Starlette's handler of unexpected errors (500). Every other
request, and a ``/sparql`` request of another method (OPTIONS, HEAD, PUT …), goes through FastAPI as
before; so do all requests to an app whose middleware stack was changed after it was made.

The answers are the same either way (status, headers, body): the route functions are the same, the limits
are theirs, and the error handler is the same function (tests/test_endpoint_lean.py compares both paths).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from kzgraph.errors import KzgraphError

__all__ = ["HOT_PATH", "Endpoint", "hot_path"]

#: The path whose GET and POST requests take the short way.
HOT_PATH = "/sparql"
HOT_METHODS = frozenset({"GET", "POST"})

Route = Callable[[Request], Awaitable[Response]]


class Endpoint(FastAPI):
    """The endpoint's FastAPI app, with ``GET`` and ``POST /sparql`` answered by :attr:`hot` (see the module
    docstring) once :func:`hot_path` has set it."""

    hot: ASGIApp | None = None
    #: How many middlewares the app had when :attr:`hot` was made: one added since sends every request
    #: through FastAPI again.
    hot_middlewares = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (self.hot is not None and scope["type"] == "http" and scope["path"] == HOT_PATH
                and scope["method"] in HOT_METHODS and not self.root_path
                and len(self.user_middleware) == self.hot_middlewares):
            scope["app"] = self
            await self.hot(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def hot_path(app: Endpoint, routes: dict[str, Route], reply: Callable[[KzgraphError], Response],
             cors: dict[str, Any]) -> ASGIApp:
    """The short path of ``app``: ``routes`` (method -> route function) with kzgraph's errors answered by
    ``reply``, behind the CORS middleware with the options ``cors`` and Starlette's 500 handler."""

    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await routes[scope["method"]](request)
        except KzgraphError as error:
            response = reply(error)
        await response(scope, receive, send)

    app.hot_middlewares = len(app.user_middleware)
    return ServerErrorMiddleware(CORSMiddleware(answer, **cors), debug=app.debug)
