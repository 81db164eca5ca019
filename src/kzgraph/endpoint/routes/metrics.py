"""The metrics over HTTP: a FastAPI router that any kzgraph app includes with one line.

    app.include_router(metrics_api.router)

The router finds its store through the dependency :func:`kzgraph.endpoint.http.get_store`, which returns
``app.state.store``, else ``app.state.kg`` (set it to anything with ``.query(sparql)`` returning rdflib
Results); an app that keeps its store elsewhere overrides the dependency instead:
``app.dependency_overrides[metrics_api.get_store] = lambda: kg``.

``GET /metrics?state=KAZ&from=2010&to=2015&format=json`` answers the rows of ``kzgraph metrics``
(``state=KAZ,UZB`` for several; ``format=csv`` for CSV; ``as_of=2014-05-01`` for one row; ``basis``,
``include`` and ``view`` as the command's options); bad parameters get 400 with the reason.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import JSONResponse, Response

from kzgraph.analysis import metrics
from kzgraph.analysis.projections import ProjectionError, as_year
from kzgraph.endpoint.http import get_store

router = APIRouter(tags=["metrics"])


@router.get("/metrics")
def get_metrics(
    kg: Any = Depends(get_store),
    state: str = "KAZ",
    start: int | None = Query(None, alias="from"),
    end: int | None = Query(None, alias="to"),
    as_of: str | None = None,
    basis: str | None = None,
    include: str = "",
    view: str = "pooled",
    format: str = "json",
) -> Response:
    """Multivector metrics of a state per year and for the whole period (docs/metrics.md)."""
    if format not in ("json", "csv"):
        raise HTTPException(400, f"unknown format {format!r}; choose json or csv")
    try:
        rows = metrics.compute(kg, state, start, end, as_of=as_year(as_of), basis=basis, view=view,
                               include=[i.strip() for i in include.split(",") if i.strip()])
    except (metrics.MetricsError, ProjectionError) as error:
        raise HTTPException(400, str(error)) from None
    if format == "csv":
        return Response(metrics.render(rows, "csv"), media_type="text/csv")
    return JSONResponse(rows)
