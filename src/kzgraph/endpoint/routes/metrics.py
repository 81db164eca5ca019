"""The metrics over HTTP: a FastAPI router that any kzgraph app includes with one line.

    app.include_router(metrics_api.router)

The router finds its store through the dependency :func:`kzgraph.endpoint.http.get_store`, which returns
``app.state.store``, else ``app.state.kg`` (set it to anything with ``.query(sparql)`` returning rdflib
Results); an app that keeps its store elsewhere overrides the dependency instead:
``app.dependency_overrides[metrics_api.get_store] = lambda: kg``.

``GET /metrics?state=KAZ&from=2010&to=2015&format=json`` answers the rows of ``kzgraph metrics``
(``state=KAZ,UZB`` for several; ``format=csv`` for CSV; ``as_of=2014-05-01`` for one row; ``basis``,
``include`` and ``view`` as the command's options); bad parameters get 400 with the reason. A browser (which
asks for HTML and names no ``format``) gets a page with a form for the state and window, the charts (shares of
the policy vectors, balance and dependency, arms-import concentration, drawn as SVG on the server) and the table,
with links to the same rows as JSON and CSV.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from markupsafe import Markup

from kzgraph.analysis import metrics
from kzgraph.analysis.projections import ProjectionError, as_year
from kzgraph.endpoint.http import get_store
from kzgraph.endpoint.templating import render, root_of, wants_html

router = APIRouter(tags=["metrics"])


@router.get("/metrics")
def get_metrics(
    request: Request,
    kg: Any = Depends(get_store),
    state: str = "KAZ",
    start: int | None = Query(None, alias="from"),
    end: int | None = Query(None, alias="to"),
    as_of: str | None = None,
    basis: str | None = None,
    include: str = "",
    view: str = "pooled",
    format: str | None = None,
) -> Response:
    """Multivector metrics of a state per year and for the whole period (docs/metrics.md)."""
    html = format is None and wants_html(request, ("application/json", "text/csv"))
    format = format or "json"
    if format not in ("json", "csv", "html"):
        raise HTTPException(400, f"unknown format {format!r}; choose json, csv or html")
    html = html or format == "html"
    try:
        rows = metrics.compute(kg, state, start, end, as_of=as_year(as_of), basis=basis, view=view,
                               include=[i.strip() for i in include.split(",") if i.strip()])
    except (metrics.MetricsError, ProjectionError) as error:
        if html:
            return metrics_page(request, [], state, start, end, as_of, basis, include, view, error=str(error))
        raise HTTPException(400, str(error)) from None
    if html:
        return metrics_page(request, rows, state, start, end, as_of, basis, include, view)
    if format == "csv":
        return Response(metrics.render(rows, "csv"), media_type="text/csv")
    return JSONResponse(rows)


#: The vector shares a chart draws, and their colours.
SHARES = (("share_russia", "Russia-led", "#b03a2e"), ("share_china", "China", "#d68910"),
          ("share_west", "West", "#1f618d"), ("share_central_asia", "Central Asia", "#239b56"),
          ("share_multilateral", "Multilateral", "#7d3c98"), ("share_turkey_others", "Turkey and others", "#717d7e"))
INDICES = (("balance", "balance (evenness of the vectors)", "#0b6e99"),
           ("dependency", "dependency (largest share)", "#b03a2e"))
ARMS = (("arms_hhi", "arms imports: HHI of suppliers", "#7d3c98"),
        ("arms_top_share", "arms imports: top supplier's share", "#d68910"))
#: The columns of the page's table: key, heading, how to show the value.
TABLE = (("year", "year"), ("facts", "facts"), ("sources", "sources"), ("thin", "thin"), ("ties", "ties"),
         *((key, label) for key, label, _ in SHARES), ("balance", "balance"), ("dependency", "dependency"),
         ("top_vector", "top vector"), ("arms_volume", "arms volume"), ("arms_basis", "basis"),
         ("arms_hhi", "arms HHI"), ("arms_top_supplier", "top supplier"), ("memberships", "memberships"))


def line_chart(rows: list[dict[str, Any]], series: tuple[tuple[str, str, str], ...], title: str) -> str:
    """An SVG line chart of year rows (values 0..1), one line per series, with a legend; '' without years."""
    years = [r for r in rows if isinstance(r.get("year"), int)]
    if not years:
        return ""
    width, height, left, top, bottom, legend = 920, 240, 44, 24, 30, 250
    first, last = int(years[0]["year"]), int(years[-1]["year"])
    span = max(last - first, 1)

    def x(year: int) -> float:
        return left + (year - first) / span * (width - left - legend - 20)

    def y(value: float) -> float:
        return top + (1 - value) * (height - top - bottom)

    out = [f'<svg class="metrics-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for tick in (0, 0.25, 0.5, 0.75, 1):
        out.append(f'<line x1="{left}" x2="{x(last):.1f}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#e3e7ea"/>'
                   f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="10" text-anchor="end">{tick:g}</text>')
    step = 1 if span <= 12 else 5
    for year in range(first, last + 1):
        if (year - first) % step == 0 or year == last:
            out.append(f'<text x="{x(year):.1f}" y="{height - 10}" font-size="10" text-anchor="middle">{year}</text>')
    for index, (key, label, colour) in enumerate(series):
        points = [(x(r["year"]), y(float(r[key]))) for r in years if isinstance(r.get(key), int | float)]
        if points:
            path = " ".join(f"{'M' if i == 0 else 'L'}{px:.1f},{py:.1f}" for i, (px, py) in enumerate(points))
            out.append(f'<path class="series" data-key="{key}" d="{path}" fill="none" stroke="{colour}" '
                       f'stroke-width="2"/>')
            out.extend(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{colour}"/>' for px, py in points)
        ly = top + index * 16
        out.append(f'<rect x="{width - legend}" y="{ly}" width="12" height="4" fill="{colour}"/>'
                   f'<text x="{width - legend + 18}" y="{ly + 6}" font-size="11">{escape(label)}</text>')
    out.append("</svg>")
    return "".join(out)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, bool):
        return "yes" if value else ""
    return "" if value is None else str(value)


def metrics_page(request: Request, rows: list[dict[str, Any]], state: str, start: int | None, end: int | None,
                 as_of: str | None, basis: str | None, include: str, view: str, error: str | None = None) -> Response:
    """The metrics as a page: the form, the charts per state, the table, links to JSON and CSV."""
    query = {k: v for k, v in (("state", state), ("from", start), ("to", end), ("as_of", as_of), ("basis", basis),
                                ("include", include), ("view", view)) if v not in (None, "")}
    states: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        states.setdefault(str(row.get("state")), []).append(row)
    charts = [{"state": name, "charts": [Markup(line_chart(found, SHARES, f"{name}: shares of the policy vectors")),
                                          Markup(line_chart(found, INDICES, f"{name}: balance and dependency")),
                                          Markup(line_chart(found, ARMS, f"{name}: arms-import concentration"))]}
              for name, found in states.items()]
    table = [[_cell(row.get(key)) for key, _ in TABLE] for row in rows]
    root = root_of(request)
    return render(request, "metrics.html", status_code=400 if error else 200, headers={"Vary": "Accept"},
                  error=error, charts=charts, columns=[label for _, label in TABLE], table=table,
                  periods=[i for i, row in enumerate(rows) if not isinstance(row.get("year"), int)],
                  form={"state": state, "from": start or "", "to": end or "", "as_of": as_of or "", "view": view,
                        "basis": basis or "", "include": include},
                  json_href=f"{root}/metrics?{urlencode({**query, 'format': 'json'})}",
                  csv_href=f"{root}/metrics?{urlencode({**query, 'format': 'csv'})}")
