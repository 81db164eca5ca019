"""The ``kzgraph`` command line: one verb per job, each a thin layer over the Python API.

Exit codes: 0 success; 1 the data, a query or a validation failed; 2 wrong usage or a verb that is not
implemented yet; 3 a prerequisite is missing (no build yet, no sources folder, a store cannot be opened).
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
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


STORE_HELP = ("Persistent Oxigraph store path, 'memory' for rdflib, or the http(s) URL of a SPARQL 1.1 store "
              "(credentials from KZGRAPH_STORE_USER/_PASSWORD/_AUTH or KZGRAPH_STORE_TOKEN).")


class PushMethod(str, Enum):
    update = "update"
    gsp = "gsp"


class AuthScheme(str, Enum):
    basic = "basic"
    digest = "digest"


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
                                    coverage_copy=data_dir / "COVERAGE.md", engine=engine.value)
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
    store: Optional[str] = typer.Option(None, help=STORE_HELP),
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
    timeout: float = typer.Option(30.0, min=0.01, help="Seconds a query may run before it is stopped (503)."),
    store: Optional[str] = typer.Option(None, help=STORE_HELP),
    update_token: Optional[str] = typer.Option(None, envvar="KZGRAPH_UPDATE_TOKEN",
                                               help="Accept SPARQL Update and Graph Store writes from clients "
                                                    "that send `Authorization: Bearer TOKEN` (default: read-only)."),
    allow_service: list[str] = typer.Option(None, "--allow-service",
                                            help="An endpoint SERVICE clauses may query (repeatable; default: none)."),
    max_rows: int = typer.Option(10_000, min=0, help="Rows (or triples) of a result before it is cut; 0: no limit."),
    max_query_length: int = typer.Option(100_000, min=1, help="Characters of a query or update."),
    max_body: int = typer.Option(10 * 1024 * 1024, min=1, help="Bytes of a request body."),
    workers: int = typer.Option(2, min=1, help="Query worker processes (each holds a copy of the store)."),
    worker_memory: int = typer.Option(4096, min=0, help="MB of address space per worker process; 0: no limit."),
    write_timeout: float = typer.Option(600.0, min=0.01, help="Seconds a write may take, validation included."),
) -> None:
    """Serve the SPARQL 1.1 endpoint over the last build (docs/endpoint.md)."""
    import uvicorn

    from .server import create_app

    try:
        kg = build_module.open_build(store)
    except (build_module.NoBuildError, StoreError) as error:
        fail(str(error), EXIT_MISSING)
    from .guarded import NotServable

    try:
        app = create_app(kg, timeout=timeout, max_rows=max_rows or None, max_query_length=max_query_length,
                         max_body_bytes=max_body, update_token=update_token or None,
                         allowed_services=tuple(allow_service or ()), workers=workers,
                         memory_limit_mb=worker_memory or None, write_timeout=write_timeout,
                         void=build_module.current_build() / build_module.VOID_NAME)
    except NotServable as error:
        fail(str(error), EXIT_USAGE)
    mode = "read-write with the update token" if update_token else "read-only"
    typer.echo(f"serving {len(kg)} triples at http://{host}:{port}/sparql ({mode})")
    uvicorn.run(app, host=host, port=port, log_level="info")


@app.command()
def metrics(
    state: str = typer.Option("KAZ", help="ISO 3166-1 alpha-3 code (or IRI) of the state; several side by side: KAZ,UZB,TKM."),
    from_year: Optional[int] = typer.Option(None, "--from", help="First year (inclusive)."),
    to_year: Optional[int] = typer.Option(None, "--to", help="Last year (inclusive)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="One row: what was in force on this date (YYYY[-MM[-DD]])."),
    format: QueryFormat = typer.Option(QueryFormat.table, "--format", "-f"),
    basis: Optional[str] = typer.Option(None, "--basis", help="Arms imports: tiv (SIPRI register, the default when the build has it) or count (curated deals)."),
    include: str = typer.Option("", "--include", help="Count also these as deliveries (count basis): ordered, offered, planned, licensed-production, licence-granted, unknown, aid."),
    view: str = typer.Option("pooled", "--view", help="pooled, source-mean (every source weighs the same) or per-source (one row per source)."),
    chart: Optional[Path] = typer.Option(None, "--chart", help="Also write the charts (PNG and SVG) to this folder."),
    store: Optional[str] = typer.Option(None, help=STORE_HELP),
) -> None:
    """Multivector metrics of a state's security cooperation per year, and for the whole period.

    Definitions: docs/metrics.md. Every row lists the facts behind it (--format json or csv).
    """
    from . import metrics as metrics_module
    from .errors import UsageError
    from .projections import ProjectionError, as_year

    try:
        kg = build_module.open_build(store)
        year = as_year(as_of)
        options = {"basis": basis, "include": [i.strip() for i in include.split(",") if i.strip()], "view": view}
        rows = metrics_module.compute(kg, state, from_year, to_year, as_of=year, **options)
        typer.echo(metrics_module.render(rows, format.value, title=f"multivector metrics: {state}"), nl=False)
        if chart is not None:
            from . import charts

            for path in charts.render(kg, chart, state, from_year, to_year, **options):
                err.print(f"wrote {path}", highlight=False)
    except (metrics_module.MetricsError, ProjectionError, UsageError) as error:
        fail(str(error), EXIT_USAGE)
    except query_module.QueryError as error:  # a remote store rejected or failed on a query
        fail(str(error), EXIT_FAILED)
    except (build_module.NoBuildError, StoreError) as error:
        fail(str(error), EXIT_MISSING)


@app.command()
def export(
    format: str = typer.Option(..., "--format", "-f", help="graphml, gexf (dynamic, with periods) or cyjs (Cytoscape.js JSON)."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write (replaced only when the export succeeds)."),
    projection: Optional[str] = typer.Option(None, "--projection", "-p",
                                             help="cooperation (default), membership or transfers."),
    graph: Optional[str] = typer.Option(None, "--graph", help="kg: the whole knowledge graph as a property graph."),
    from_year: Optional[int] = typer.Option(None, "--from", help="First year (inclusive)."),
    to_year: Optional[int] = typer.Option(None, "--to", help="Last year (inclusive)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="What was in force on this date (YYYY[-MM[-DD]])."),
    state: Optional[str] = typer.Option(None, help="Only this state's ego network (ISO 3166-1 alpha-3 code)."),
    undated: str = typer.Option("keep", "--undated", help="keep (marked dated=false) or omit the ties no dated fact supports."),
    store: Optional[str] = typer.Option(None, help=STORE_HELP),
) -> None:
    """Export a partner network, or the whole graph, for Gephi, Cytoscape, yEd and igraph.

    Formats, attributes, ids and time: docs/export.md.
    """
    from . import export as export_module

    try:
        export_module.check(format, projection, graph, from_year, to_year, as_of, state, undated)
        kg = build_module.open_build(store)
        result = export_module.export(kg, format, output, projection=projection, graph=graph, start=from_year,
                                      end=to_year, as_of=as_of, state=state, undated=undated)
    except export_module.ExportError as error:
        fail(str(error), EXIT_USAGE)
    except (build_module.NoBuildError, StoreError) as error:
        fail(str(error), EXIT_MISSING)
    except (OSError, ValueError) as error:
        fail(f"could not write {output}: {error}", EXIT_FAILED)
    typer.echo(f"wrote {result.nodes} nodes and {result.edges} edges to {result.path} ({result.format})")


@import_app.command("sipri")
def import_sipri(file: Path = typer.Argument(..., help="SIPRI trade register CSV export.")) -> None:
    """Import arms transfers from a SIPRI trade register export."""
    not_implemented("import sipri")


@app.command()
def push(
    url: str = typer.Argument(..., help="SPARQL 1.1 query endpoint of the store (used to check the counts)."),
    method: PushMethod = typer.Option(PushMethod.update, help="update: SPARQL 1.1 Update; gsp: Graph Store Protocol."),
    update_url: Optional[str] = typer.Option(None, "--update-url", help="SPARQL Update endpoint (default: URL)."),
    graph_store: Optional[str] = typer.Option(None, "--graph-store", help="Graph Store Protocol URL (for --method gsp)."),
    batch_size: int = typer.Option(2000, "--batch-size", min=1, help="Triples per request."),
    user: Optional[str] = typer.Option(None, "--user", envvar="KZGRAPH_STORE_USER", help="User for HTTP authentication."),
    password: Optional[str] = typer.Option(None, "--password", envvar="KZGRAPH_STORE_PASSWORD",
                                           help="Password for HTTP authentication."),
    auth: AuthScheme = typer.Option(AuthScheme.basic, "--auth", envvar="KZGRAPH_STORE_AUTH",
                                    help="HTTP authentication scheme for --user/--password."),
    token: Optional[str] = typer.Option(None, "--token", envvar="KZGRAPH_STORE_TOKEN", help="Bearer token instead of a password."),
    timeout: float = typer.Option(120.0, help="Seconds to wait for each answer of the store."),
    out: Optional[Path] = typer.Option(None, help="Build folder (default: $KZGRAPH_BUILD or ./build)."),
) -> None:
    """Upload the last build to a remote SPARQL 1.1 store, replacing kzgraph's graphs there.

    Graphs go to staging graphs first and replace their targets only when all arrived; counts are checked.

    See docs/remote-stores.md.
    """
    from . import push as push_module
    from .remote import Credentials, Endpoint

    if method is PushMethod.gsp and not graph_store:
        fail("--method gsp needs --graph-store URL (the store's Graph Store Protocol endpoint)", EXIT_USAGE)
    try:
        credentials = Credentials(user, password, token, auth.value)
    except ValueError as error:
        fail(str(error), EXIT_USAGE)
    dump = build_module.current_build(out) / build_module.DUMP_NAME
    if not dump.is_file():
        fail(f"no build at {dump.parent}; run `kzgraph build` first", EXIT_MISSING)
    try:
        endpoint = Endpoint(url, update_url, credentials, timeout)
        with _push_progress() as progress:
            report = push_module.push(dump, endpoint, method.value, graph_store, batch_size, progress)
    except StoreError as error:
        fail(str(error), EXIT_MISSING)
    except push_module.PushError as error:
        fail(str(error), EXIT_FAILED)
    typer.echo(f"pushed {report.triples} triples in {len(report.graphs)} graphs to {report.url} "
               f"({report.method}, {report.batches} requests, {report.seconds:.1f} s); "
               "the store's count of every graph matches the build")
    if report.removed:
        typer.echo(f"removed {len(report.removed)} graph(s) the build no longer has: {', '.join(report.removed)}")


@contextmanager
def _push_progress():
    """A progress bar on stderr when it is a terminal, as a callback ``(sent, total)``; else no callback."""
    if not err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("uploading"), BarColumn(), MofNCompleteColumn(), TextColumn("triples"),
                  TimeRemainingColumn(), console=err, transient=True) as progress:
        task = progress.add_task("push", total=None)
        yield lambda sent, total: progress.update(task, completed=sent, total=total)


def main() -> None:  # pragma: no cover - console entry point
    app()
