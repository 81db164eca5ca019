"""The HTTP layer: a SPARQL 1.1 Protocol endpoint (https://www.w3.org/TR/sparql11-protocol/) on FastAPI."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response

from . import catalogue_api, linked_data_api, metrics_api, pages
from . import query as query_module
from .negotiation import GRAPH_TYPES, RESULT_TYPES, NotAcceptable, negotiate


def create_app(kg, timeout: float = 30.0) -> FastAPI:
    app = FastAPI(title="kzgraph SPARQL endpoint", version="0.1.0")
    app.state.kg = kg
    app.include_router(metrics_api.router)
    app.include_router(pages.router)
    app.include_router(catalogue_api.router)
    app.include_router(linked_data_api.router)

    async def answer(request: Request, sparql: str | None) -> Response:
        if not sparql:
            return PlainTextResponse("missing query parameter", status_code=400)
        try:
            result = query_module.run(kg, sparql)
        except query_module.QueryError as error:
            return PlainTextResponse(str(error), status_code=400)
        offered = GRAPH_TYPES if result.type in ("CONSTRUCT", "DESCRIBE") else RESULT_TYPES
        try:
            media = negotiate(request.headers.get("accept"), request.query_params.get("format"), offered)
        except NotAcceptable as error:
            return PlainTextResponse(str(error), status_code=406)
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            return Response(result.graph.serialize(format=GRAPH_TYPES[media]), media_type=media)
        return Response(result.serialize(format=RESULT_TYPES[media]), media_type=media)

    @app.get("/sparql")
    async def sparql_get(request: Request, query: str | None = None) -> Response:
        return await answer(request, query)

    @app.post("/sparql")
    async def sparql_post(request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/sparql-query":
            return await answer(request, (await request.body()).decode("utf-8"))
        if content_type == "application/x-www-form-urlencoded":
            form = await request.form()
            return await answer(request, form.get("query"))
        return PlainTextResponse("unsupported content type", status_code=415)

    return app
