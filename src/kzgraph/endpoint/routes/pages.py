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
server: it needs no JavaScript and loads nothing from elsewhere.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from kzgraph.endpoint.http import get_service, get_store, media_type
from kzgraph.endpoint.routes.catalogue import get_catalogue
from kzgraph.endpoint.routes.sparql import FORM_TYPE
from kzgraph.endpoint.templating import render, root_of, table, term
from kzgraph.errors import KzgraphError
from kzgraph.sparql import describe as linked_data
from kzgraph.sparql import queries as query_module
from kzgraph.sparql.catalogue import CatalogueError, NamedQuery

router = APIRouter(tags=["pages"])

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


def page(request: Request, kg: Any, catalogue: dict[str, NamedQuery], sparql: str | None, status: int = 200,
         error: str | None = None, store: Any = None) -> Response:
    """The query page, with the answer to ``sparql`` (run through the query service ``kg``) when one is given;
    ``store`` is read for the list of named graphs (default: ``kg``)."""
    result = None
    if error is None and sparql and sparql.strip():
        try:
            result = table(query_module.run(kg, sparql), root=root_of(request))
        except KzgraphError as failure:
            error, status = str(failure), failure.http_status
    graphs = [term(g, root=root_of(request)) for g in linked_data.named_graphs(store if store is not None else kg)]
    response: Response = render(request, "query.html", status_code=status, query=sparql if sparql else EXAMPLE,
                  table=result, error=error, examples=examples(catalogue), graphs=graphs)
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
