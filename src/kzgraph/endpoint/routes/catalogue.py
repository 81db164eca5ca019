"""The named-query catalogue over HTTP: a FastAPI router that any kzgraph app includes with one line.

    app.include_router(catalogue_api.router)

* ``GET /queries`` lists the catalogue (docs/queries.md): name, title, description, parameters (name, type,
  default, description) and the URL that runs each query; JSON by default, HTML for browsers (``Accept``
  or ``format=json|html``).
* ``GET /queries/{name}?param=value…`` runs a named query with its parameters bound by
  :meth:`kzgraph.sparql.catalogue.NamedQuery.bind` (a ``VALUES`` block, never text spliced into the query) and
  answers with content negotiation as the SPARQL endpoint does: SPARQL 1.1 Query Results JSON, XML, CSV
  or TSV, or an HTML table for browsers, a thousand rows a page (``&page=2`` …), with the total and, where
  the row limit cut the result, the real count where a count query answers; every row is one download away
  (``/queries/{name}/download``, :mod:`kzgraph.endpoint.routes.downloads`).

Query-string keys: ``format`` is reserved for the answer's format and ``page`` for the page of the table,
every other key names a parameter of the query. A parameter given twice, a key that is no parameter of the
query, or a value that does not fit the parameter's type is answered 400 with the parameter's name; an empty
value counts as not given (the default applies). No catalogue parameter may be called like a reserved key
(the tests check this).

The store is ``request.app.state.kg`` (:func:`kzgraph.endpoint.http.get_store`), the catalogue ``queries/``
(:func:`get_catalogue`; override either with ``app.dependency_overrides``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from kzgraph.endpoint.http import get_service
from kzgraph.endpoint.templating import (
    HTML,
    TABLE_LIMIT,
    VARY,
    count_rows,
    media_for,
    page_number,
    render,
    root_of,
    table,
)
from kzgraph.errors import KzgraphError, UnknownQueryName
from kzgraph.sparql import queries as query_module
from kzgraph.sparql.catalogue import CatalogueError, NamedQuery, catalogue_records, load_catalogue
from kzgraph.sparql.describe import Queryable
from kzgraph.sparql.media_types import RESULT_TYPES
from kzgraph.sparql.serialization import serialize_result

router = APIRouter(tags=["named queries"])

#: Query-string keys that are not query parameters: the answer's format, the page of the result table.
RESERVED = frozenset({"format", "page"})
LIST_TYPES = ("application/json", HTML)
RUN_TYPES = (*RESULT_TYPES, HTML)


def get_catalogue(request: Request) -> dict[str, NamedQuery]:
    """The named queries: the catalogue of the project the app serves, else the packaged project's."""
    kzgraph = getattr(request.app.state, "kzgraph", None)
    return kzgraph.catalogue if kzgraph is not None else load_catalogue(query_module.QUERIES_DIR)


def listing(catalogue: dict[str, NamedQuery], request: Request) -> list[dict[str, Any]]:
    """The catalogue as records (as ``kzgraph query --list --format json``), each with the URL that runs it."""
    records = catalogue_records(catalogue)
    for record in records:
        record["url"] = str(request.url_for("run_named_query", name=record["name"]))
    return records


@router.get("/queries")
def list_queries(request: Request, catalogue: Annotated[dict[str, NamedQuery], Depends(get_catalogue)]) -> Response:
    """The named queries: name, title, description, parameters and the URL to run each."""
    media = media_for(request, LIST_TYPES)  # 406 (NotAcceptable) when nothing acceptable is offered
    records = listing(catalogue, request)
    if media == HTML:
        return render(request, "queries.html", headers=VARY, queries=records)
    return JSONResponse(records, headers=VARY)


def parameters(request: Request, named: NamedQuery) -> dict[str, str]:
    """The query-string parameters meant for the query: reserved keys left out, empty values dropped.

    Raises CatalogueError naming a parameter given twice or one the query does not have.
    """
    values: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key in RESERVED:
            continue
        named.parameter(key)  # refuses a key that is no parameter of the query, by name
        if key in values:
            raise CatalogueError(f"parameter {key!r} given twice")
        values[key] = value
    return {key: value for key, value in values.items() if value != ""}


@router.get("/queries/{name}", name="run_named_query")
def run_named_query(request: Request, name: str, kg: Annotated[Queryable, Depends(get_service)],
                    catalogue: Annotated[dict[str, NamedQuery], Depends(get_catalogue)]) -> Response:
    """Run a named query with parameters from the query string; answered like the SPARQL endpoint."""
    media = media_for(request, RUN_TYPES)  # 406 (NotAcceptable) when nothing acceptable is offered
    named = catalogue.get(name)
    if named is None:
        missing = UnknownQueryName(f"no query named {name!r} in the catalogue (see /queries)")
        if media == HTML:
            return render(request, "named_query.html", status_code=missing.http_status, headers=VARY, named=None,
                          error=str(missing), values={}, sparql=None, table=None)
        return PlainTextResponse(str(missing), status_code=missing.http_status, headers=VARY)
    values = {key: value for key, value in request.query_params.multi_items() if key not in RESERVED}
    try:
        sparql = named.bind(parameters(request, named))
        result = query_module.run(kg, sparql)
    except KzgraphError as error:  # a bad parameter, a malformed or refused query, the time limit
        if media == HTML:
            return render(request, "named_query.html", status_code=error.http_status, headers=VARY, named=named,
                          error=str(error), values=values, sparql=None, table=None)
        return PlainTextResponse(str(error), status_code=error.http_status, headers={**VARY, **error.headers})
    if media == HTML:
        shown = table(result, root=root_of(request), offset=(page_number(request) - 1) * TABLE_LIMIT)
        if shown.cut and shown.kind == "SELECT":
            shown.count = count_rows(kg, sparql)
        return render(request, "named_query.html", headers=VARY, named=named, error=None, values=values,
                      sparql=sparql, table=shown)
    headers = dict(VARY)
    if getattr(result, "truncated", False):  # cut at the row limit: said as /sparql says it
        limit = getattr(getattr(request.app.state, "settings", None), "max_rows", None)
        headers["X-Kzgraph-Truncated"] = "true"
        if limit is not None:
            headers["X-Kzgraph-Row-Limit"] = str(limit)
    return Response(serialize_result(result, media), media_type=media, headers=headers)
