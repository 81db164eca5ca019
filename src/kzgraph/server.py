"""The HTTP layer: a SPARQL 1.1 Protocol endpoint (https://www.w3.org/TR/sparql11-protocol/) on FastAPI."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response

from . import query as query_module

RESULT_TYPES = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
               "application/ld+json": "json-ld"}


def _choose(accept: str, offered: dict[str, str]) -> str | None:
    """The offered media type that the Accept header prefers (RFC 9110 §12.5.1), or None."""
    if not accept.strip():
        return next(iter(offered))
    ranked = []
    for position, item in enumerate(accept.split(",")):
        parts = [p.strip() for p in item.split(";")]
        media, q = parts[0].lower(), 1.0
        for param in parts[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        ranked.append((q, -position, media))
    for q, _, media in sorted(ranked, reverse=True):
        if q <= 0:
            continue
        if media in offered:
            return media
        if media in ("*/*", "application/*", "text/*"):
            for candidate in offered:
                if media == "*/*" or candidate.startswith(media[:-1]):
                    return candidate
    return None


def create_app(kg, timeout: float = 30.0) -> FastAPI:
    app = FastAPI(title="kzgraph SPARQL endpoint", version="0.1.0")

    async def answer(request: Request, sparql: str | None) -> Response:
        if not sparql:
            return PlainTextResponse("missing query parameter", status_code=400)
        try:
            result = query_module.run(kg, sparql)
        except query_module.QueryError as error:
            return PlainTextResponse(str(error), status_code=400)
        accept = request.headers.get("accept", "")
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            media = _choose(accept, GRAPH_TYPES)
            if media is None:
                return PlainTextResponse("no acceptable RDF format", status_code=406)
            return Response(result.graph.serialize(format=GRAPH_TYPES[media]), media_type=media)
        media = _choose(accept, RESULT_TYPES)
        if media is None:
            return PlainTextResponse("no acceptable result format", status_code=406)
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
