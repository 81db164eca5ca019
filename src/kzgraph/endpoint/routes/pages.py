"""The HTML query page at ``/``: a SPARQL form whose results appear as a table on the same page.

    app.include_router(pages.router)

``GET /?query=…`` or ``POST /`` with an HTML form (``application/x-www-form-urlencoded``, HTML Living
Standard §4.10.21.7) runs a query through the guarded query service (``request.app.state.kg``, the path of
every user query) and shows the result below the form; a query that fails is shown with the message and
the status ``/sparql`` would answer (400 for a malformed or refused query, 503 for one stopped at the time
limit). The page lists the catalogue's named
queries as examples (each link fills the form and runs it, or opens the named query) and links to the
service description (``/sparql``), the catalogue (``/queries``), the ontology, the VoID description
(``/dataset``), the named graphs and the OpenAPI description (``/openapi.json``). The page is rendered on the
server and loads nothing from elsewhere: its scripts and styles are the package's static files
(``/static/``).
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from rdflib import URIRef

from kzgraph.endpoint.http import get_service, get_store, media_type
from kzgraph.endpoint.routes.catalogue import get_catalogue
from kzgraph.endpoint.routes.sparql import FORM_TYPE
from kzgraph.endpoint.templating import (
    TABLE_LIMIT,
    best_label,
    count_rows,
    curie,
    page_number,
    render,
    root_of,
    table,
    term,
    wants_html,
)
from kzgraph.errors import KzgraphError
from kzgraph.namespaces import BASE, PREFIXES
from kzgraph.sparql import describe as linked_data
from kzgraph.sparql import queries as query_module
from kzgraph.sparql.catalogue import CatalogueError, NamedQuery

router = APIRouter(tags=["pages"])

#: The files the pages load (the query editor, its styles, the icon), shipped in the package; never a CDN.
STATIC = Path(__file__).resolve().parents[1] / "static"
STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".txt": "text/plain",
                ".map": "application/json", ".json": "application/json", ".woff2": "font/woff2", ".png": "image/png"}


@router.get("/static/{path:path}", include_in_schema=False)
def static(path: str) -> Response:
    """A file of the package's static folder (404 for anything else, a path outside it included)."""
    target = (STATIC / path).resolve()
    if not target.is_relative_to(STATIC) or not target.is_file() or target.suffix not in STATIC_TYPES:
        return PlainTextResponse(f"no static file {path}\n", status_code=404)
    return FileResponse(target, media_type=STATIC_TYPES[target.suffix],
                        headers={"Cache-Control": "public, max-age=3600"})


def _icon() -> bytes:
    """The site's icon as a 16×16 ICO (the one a browser asks for at /favicon.ico): the mark of favicon.svg."""
    size, dark, light, blue = 16, (0x5C, 0x3D, 0x0B, 255), (255, 255, 255, 255), (0xE6, 0xC3, 0x7F, 255)
    pixels = []
    for row in range(size - 1, -1, -1):  # a BMP's rows run bottom to top
        for column in range(size):
            near = [((column - x) ** 2 + (row - y) ** 2) ** 0.5 for x, y in ((5, 5), (11, 11))]
            colour = light if min(near) <= 2.2 else blue if ((column - 11) ** 2 + (row - 4) ** 2) <= 3 else dark
            pixels.append(bytes(colour))
    image = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0) + b"".join(pixels)
    image += b"\0" * (4 * size)  # the AND mask: every pixel shown
    return struct.pack("<HHH", 0, 1, 1) + struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), 22) + image


ICON = _icon()


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """The icon browsers ask every site for."""
    return Response(ICON, media_type="image/vnd.microsoft.icon", headers={"Cache-Control": "public, max-age=86400"})

EXAMPLE = """PREFIX kz: <https://w3id.org/kzgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?organisation ?name WHERE {
  <https://w3id.org/kzgraph/id/state/KAZ> kz:memberOf ?organisation .
  ?organisation rdfs:label ?name .
  FILTER(lang(?name) = "en")
}
ORDER BY ?name
"""


def examples(catalogue: dict[str, NamedQuery]) -> list[dict[str, str]]:
    """The catalogue's queries as examples: name, title, description and the query with its defaults."""
    out = []
    for named in catalogue.values():
        try:
            sparql = named.bind({})
        except CatalogueError:
            continue
        out.append({"name": named.name, "title": named.title, "description": named.description, "sparql": sparql})
    return out


VOCABULARY = """
SELECT DISTINCT ?term ?kind WHERE {
  { ?s ?term ?o BIND("property" AS ?kind) } UNION { ?s a ?term BIND("class" AS ?kind) }
}
"""


def vocabulary(store: Any) -> dict[str, list[str]]:
    """The classes and properties the store uses, for the editor to complete (one query)."""
    found: dict[str, list[str]] = {"class": [], "property": []}
    for row in linked_data.select_rows(store.query(VOCABULARY)):
        if isinstance(row.term, URIRef):
            found[str(row.kind)].append(str(row.term))
    return {kind: sorted(terms) for kind, terms in found.items()}


def page(request: Request, kg: Any, catalogue: dict[str, NamedQuery], sparql: str | None, status: int = 200,
         error: str | None = None, store: Any = None) -> Response:
    """The query page, with the answer to ``sparql`` (run through the query service ``kg``) when one is given,
    the page of its rows asked for (``?page=``), and where the row limit cut it the real count;
    ``store`` is read for the list of named graphs (default: ``kg``)."""
    result = None
    if error is None and sparql and sparql.strip():
        try:
            result = table(query_module.run(kg, sparql), root=root_of(request),
                           offset=(page_number(request) - 1) * TABLE_LIMIT)
            if result.cut and result.kind == "SELECT":
                result.count = count_rows(kg, sparql)
        except KzgraphError as failure:
            error, status = str(failure), failure.http_status
    source = store if store is not None else kg
    graphs = [term(g, root=root_of(request)) for g in linked_data.named_graphs(source)]
    settings = getattr(request.app.state, "settings", None)
    config = {"endpoint": root_of(request) + "/sparql", "root": root_of(request), "base": BASE,
              "query": sparql if sparql else EXAMPLE,
              "run": bool(sparql and sparql.strip()), "prefixes": dict(sorted(PREFIXES.items())),
              "terms": vocabulary(source), "examples": examples(catalogue)}
    response: Response = render(request, "query.html", status_code=status, query=sparql if sparql else EXAMPLE,
                                table=result, error=error, examples=config["examples"], graphs=graphs,
                                config=config, max_rows=getattr(settings, "max_rows", None))
    return response


@router.get("/", name="query_page")
def query_page(request: Request, query: str | None = None, kg: Any = Depends(get_service),
               store: Any = Depends(get_store),
               catalogue: dict[str, NamedQuery] = Depends(get_catalogue)) -> Response:
    """The query form; with ``?query=…`` also the answer as a table."""
    return page(request, kg, catalogue, query, store=store)


@router.post("/")
async def query_page_form(request: Request, kg: Any = Depends(get_service), store: Any = Depends(get_store),
                          catalogue: dict[str, NamedQuery] = Depends(get_catalogue)) -> Response:
    """The query form submitted by POST (an HTML form, URL-encoded)."""
    content_type = media_type(request)[0]
    if content_type != FORM_TYPE:
        return page(request, kg, catalogue, None, store=store, status=415,
                    error=f"send the form as {FORM_TYPE}, not {content_type or 'without a content type'}")
    try:
        fields = parse_qs((await request.body()).decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        return page(request, kg, catalogue, None, store=store, status=400, error="the form is not UTF-8 text")
    queries = fields.get("query", [])
    if len(queries) > 1:
        return page(request, kg, catalogue, queries[0], store=store, status=400,
                    error="the form holds more than one query")
    return page(request, kg, catalogue, queries[0] if queries else None, store=store)


@router.get("/search", name="search")
def search(request: Request, q: str = "", store: Any = Depends(get_store)) -> Response:
    """Resources by label: English and German labels, alternative labels, acronyms (HTML, or JSON for tools)."""
    hits, total = linked_data.search(store, q) if q.strip() else ([], 0)
    found = linked_data.labels(store, [h.iri for h in hits] + [h.kind for h in hits if h.kind is not None])
    root = root_of(request)
    if wants_html(request, ("application/json",)):
        rows = [{"resource": term(h.iri, found, root), "text": term(h.text), "by": curie(str(h.via)),
                 "kind": term(h.kind, found, root) if h.kind is not None else None} for h in hits]
        return render(request, "search.html", q=q, hits=rows, total=total, limit=linked_data.SEARCH_LIMIT)
    return JSONResponse({"q": q, "total": total, "truncated": total > len(hits),
                         "hits": [{"iri": str(h.iri), "label": best_label(found.get(h.iri)), "matched": str(h.text),
                                   "language": h.text.language, "property": str(h.via),
                                   "type": str(h.kind) if h.kind is not None else None} for h in hits]})
