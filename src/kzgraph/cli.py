"""The ``kzgraph`` command line: one verb per job, each a thin layer over the Python API.

Exit codes: 0 success; 1 the data, a query or a validation failed; 2 wrong usage or a verb that is not
implemented yet; 3 a prerequisite is missing (no build yet, no sources folder, a store cannot be opened).
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from . import build as build_module
from . import query as query_module
from .catalogue import CatalogueError, load_catalogue, parse_params, render_catalogue
from .loading import ParseError, project_files
from .store import StoreError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_MISSING = 0, 1, 2, 3

app = typer.Typer(help="kzgraph: a knowledge graph of Kazakhstan's international security cooperation.",
                  no_args_is_help=True, add_completion=False)
import_app = typer.Typer(help="Import external data sets.", no_args_is_help=True)
app.add_typer(import_app, name="import")
err = Console(stderr=True)


class QueryFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class ReportFormat(str, Enum):
    text = "text"
    json = "json"
    turtle = "turtle"


class Engine(str, Enum):
    sparql = "sparql"
    pyshacl = "pyshacl"


ENGINE_HELP = "SHACL engine: sparql (fast, the default) or pyshacl (the reference; minutes on the whole graph)."


def fail(message: str, code: int) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def not_implemented(verb: str) -> None:
    fail(f"`kzgraph {verb}` is not implemented yet", EXIT_USAGE)


@app.command()
def build(
    data_dir: Path = typer.Option(build_module.DATA_DIR, help="Folder of curated data files."),
    out: Optional[Path] = typer.Option(None, help="Build folder (default: $KZGRAPH_BUILD or ./build)."),
    sources: Optional[Path] = typer.Option(None, help="Folder of the source texts (default: ../shared/seeds)."),
    backend: str = typer.Option("oxigraph", help="Store to build in: oxigraph or memory."),
    provenance: bool = typer.Option(True, help="Check every fact against its cited source lines."),
    engine: Engine = typer.Option(Engine.sparql, help=ENGINE_HELP),
) -> None:
    """Load ontology and data, derive shortcuts, validate, and publish dump, VoID and coverage report."""
    from .validation import UnsupportedShapeError

    try:
        result = build_module.build(out=out, backend=backend, sources=sources, data_dir=data_dir,
                                    check_provenance=provenance, show_progress=sys.stderr.isatty(),
                                    engine=engine.value)
    except ParseError as error:
        fail(str(error), EXIT_FAILED)
    except UnsupportedShapeError as error:
        fail(f"build failed: {error}; the previous build is unchanged", EXIT_FAILED)
    except build_module.BuildError as error:
        from .locations import LocationIndex
        from .reporting import print_problems

        print_problems(error, err, LocationIndex(project_files(data_dir=data_dir)))
        fail(f"build failed: {error}; the previous build is unchanged", EXIT_FAILED)
    warnings = [r for r in result.report.results if r.severity != "Violation"]
    typer.echo(f"built {result.triples} triples from {len(result.files)} files in {result.seconds:.1f} s "
               f"-> {result.dump}")
    if warnings:
        typer.echo(f"{len(warnings)} SHACL warning(s)/info(s); run `kzgraph validate` to see them")


@app.command()
def validate(
    files: list[Path] = typer.Argument(None, help="Data files to validate (default: all of data/)."),
    format: ReportFormat = typer.Option(ReportFormat.text, "--format", "-f", help="Report format."),
    engine: Engine = typer.Option(Engine.sparql, help=ENGINE_HELP),
) -> None:
    """Validate data files against the SHACL shapes; exit 0 only when there is no Violation."""
    from .build import assemble, union_graph
    from .locations import LocationIndex
    from .reporting import render_report
    from .validation import UnsupportedShapeError, validate_store

    missing = [f for f in files or [] if not f.is_file()]
    if missing:
        fail(f"no such file: {missing[0]}", EXIT_MISSING)
    chosen = project_files(data=files or None)
    try:
        kg = assemble(chosen)
    except ParseError as error:
        fail(str(error), EXIT_FAILED)
    try:
        report = validate_store(kg, engine=engine.value)
    except UnsupportedShapeError as error:
        fail(str(error), EXIT_FAILED)
    graph = union_graph(kg)
    typer.echo(render_report(report, format.value, graph, LocationIndex(chosen)), nl=False)
    raise typer.Exit(EXIT_OK if report.conforms else EXIT_FAILED)


@app.command()
def query(
    query: Optional[str] = typer.Argument(None, help="SPARQL text, a .rq file, or the name of a query in queries/."),
    format: str = typer.Option("table", "--format", "-f",
                               help="Result format: table, csv or json; with --list: table, markdown or json."),
    store: Optional[str] = typer.Option(None, help="Persistent Oxigraph store path, or 'memory' for rdflib."),
    param: list[str] = typer.Option(None, "--param", "-p",
                                    help="NAME=VALUE for a parameter of a catalogue query (repeatable)."),
    list_queries: bool = typer.Option(False, "--list", help="List the named queries of the catalogue."),
) -> None:
    """Answer a SPARQL query from the last build, or list the catalogue of named queries."""
    if list_queries:
        try:
            typer.echo(render_catalogue(load_catalogue(query_module.QUERIES_DIR), format), nl=False)
        except CatalogueError as error:
            fail(str(error), EXIT_FAILED)
        return
    if query is None:
        fail("give a query (SPARQL text, a .rq file or a catalogue name) or --list", EXIT_USAGE)
    if format not in query_module.FORMATS:
        fail(f"unknown format {format!r}; choose one of {', '.join(query_module.FORMATS)}", EXIT_USAGE)
    try:
        sparql = query_module.resolve(query, params=parse_params(param))
        kg = build_module.open_build(store)
        result = query_module.run(kg, sparql)
        typer.echo(query_module.format_result(result, format), nl=False)
    except (query_module.QueryError, CatalogueError) as error:
        fail(str(error), EXIT_FAILED)
    except (build_module.NoBuildError, StoreError) as error:
        fail(str(error), EXIT_MISSING)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    timeout: float = typer.Option(30.0, help="Query timeout in seconds."),
    store: Optional[str] = typer.Option(None, help="Persistent Oxigraph store path, or 'memory'."),
) -> None:
    """Serve the SPARQL 1.1 endpoint over the last build."""
    import uvicorn

    from .server import create_app

    try:
        kg = build_module.open_build(store)
    except (build_module.NoBuildError, StoreError) as error:
        fail(str(error), EXIT_MISSING)
    typer.echo(f"serving {len(kg)} triples at http://{host}:{port}/sparql")
    uvicorn.run(create_app(kg, timeout=timeout), host=host, port=port, log_level="info")


@app.command()
def metrics(
    state: str = typer.Option("KAZ", help="ISO 3166-1 alpha-3 code (or IRI) of the state."),
    from_year: Optional[int] = typer.Option(None, "--from", help="First year (inclusive)."),
    to_year: Optional[int] = typer.Option(None, "--to", help="Last year (inclusive)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="One row: what was in force on this date (YYYY[-MM[-DD]])."),
    format: QueryFormat = typer.Option(QueryFormat.table, "--format", "-f"),
    chart: Optional[Path] = typer.Option(None, "--chart", help="Also write the charts (PNG and SVG) to this folder."),
    store: Optional[str] = typer.Option(None, help="Persistent Oxigraph store path, or 'memory' for rdflib."),
) -> None:
    """Multivector metrics of a state's security cooperation per year, and for the whole period.

    Definitions: docs/metrics.md. Every row lists the facts behind it (--format json or csv).
    """
    from . import metrics as metrics_module
    from .projections import ProjectionError, as_year

    try:
        kg = build_module.open_build(store)
        year = as_year(as_of)
        rows = metrics_module.compute(kg, state, from_year, to_year, as_of=year)
        typer.echo(metrics_module.render(rows, format.value, title=f"multivector metrics: {state}"), nl=False)
        if chart is not None:
            from . import charts

            for path in charts.render(kg, chart, state, from_year, to_year):
                err.print(f"wrote {path}", highlight=False)
    except (metrics_module.MetricsError, ProjectionError) as error:
        fail(str(error), EXIT_USAGE)
    except (build_module.NoBuildError, StoreError) as error:
        fail(str(error), EXIT_MISSING)


@app.command()
def export(
    format: str = typer.Option(..., "--format", "-f", help="graphml, gexf or cyjs."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write."),
) -> None:
    """Export the partner networks for Gephi, Cytoscape, yEd and igraph."""
    not_implemented("export")


@import_app.command("sipri")
def import_sipri(file: Path = typer.Argument(..., help="SIPRI trade register CSV export.")) -> None:
    """Import arms transfers from a SIPRI trade register export."""
    not_implemented("import sipri")


@app.command()
def push(url: str = typer.Argument(..., help="SPARQL 1.1 store to upload the build to.")) -> None:
    """Upload the last build to a remote SPARQL store."""
    not_implemented("push")


def main() -> None:  # pragma: no cover - console entry point
    app()
