"""The ``kzgraph`` command line: one verb per job, each a thin layer over :class:`kzgraph.app.KZGraph`.

Options that are settings (``--project``, ``--store``, ``--timeout`` …) are built from their one
declaration in :class:`kzgraph.settings.Settings`. Every error is a :class:`kzgraph.errors.KzgraphError`
and goes through one handler (:func:`handled`), which prints its message and exits with its exit code:
0 success; 1 the data, a query or a validation failed; 2 wrong usage; 3 a prerequisite is missing (no
build yet, no sources folder, a store that cannot be opened).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any, NoReturn, Optional

import typer
from rich.console import Console

from kzgraph.errors import EXIT_OK, BuildError, KzgraphError, UsageError
from kzgraph.settings import Settings, settings_markdown

app = typer.Typer(help="kzgraph: a knowledge graph of Kazakhstan's international security cooperation.",
                  no_args_is_help=True, add_completion=False)
import_app = typer.Typer(help="Import external data sets.", no_args_is_help=True)
app.add_typer(import_app, name="import")
err = Console(stderr=True)


def option(name: str, *flags: str, **overrides: Any) -> Any:
    """The typer option of a setting, from its declaration in :class:`~kzgraph.settings.Settings`: its
    flag, its help and its environment variable; the value is None when not given, so that the settings
    apply the environment and the default."""
    field = next(f for f in Settings.fields() if f.name == name)
    meta = field.metadata
    default = field.default
    help_text = meta["help"] + ("" if default in (None, ()) else f" [default: {default}]")
    return typer.Option(None, meta["cli"], *flags, help=help_text, show_default=False, **overrides)


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


class PushMethod(str, Enum):
    update = "update"
    gsp = "gsp"


class AuthScheme(str, Enum):
    basic = "basic"
    digest = "digest"


def fail(message: str, code: int) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def handled(on_build_error: Callable[[BuildError], None] | None = None) -> Iterator[None]:
    """The one error handler of the command line: a kzgraph error's message, and its exit code."""
    try:
        yield
    except BuildError as error:
        if on_build_error is not None:
            on_build_error(error)
        fail(f"build failed: {error}; the previous build is unchanged", error.exit_code)
    except KzgraphError as error:
        fail(str(error), error.exit_code)


def open_kzgraph(**given: Any) -> Any:
    """The application object on the project and with the settings given on the command line."""
    from kzgraph.app import KZGraph

    settings = Settings.load(**given)
    return KZGraph(settings=settings)


@app.command()
def build(
    project: Optional[Path] = option("project"),
    out: Optional[Path] = option("build_dir", "--out"),
    data_dir: Optional[Path] = typer.Option(None, help="Folder of curated data files (default: the project's data/)."),
    sources: Optional[Path] = option("sources"),
    backend: str = typer.Option("oxigraph", help="Store to build in: oxigraph or memory."),
    provenance: bool = typer.Option(True, help="Check every fact against its cited source lines."),
    engine: Optional[Engine] = option("engine"),
    update_coverage: bool = typer.Option(False, "--update-coverage",
                                         help="Also write the coverage report to the project's data/COVERAGE.md."),
) -> None:
    """Load ontology and data, derive shortcuts, validate, and publish dump, VoID and coverage report."""
    from kzgraph.store.loading import project_files
    from kzgraph.store.locations import LocationIndex
    from kzgraph.build.pipeline import build as run_build
    from kzgraph.validation.reporting import print_problems

    with handled():
        kg = open_kzgraph(project=project, build_dir=out, sources=sources, engine=engine.value if engine else None)
        folder = data_dir or kg.project.data_dir

    def explain(error: BuildError) -> None:
        print_problems(error, err, LocationIndex(project_files(data_dir=folder, ontology_dir=kg.project.ontology_dir)))

    with handled(explain):
        if data_dir is None:
            result = kg.build(check_provenance=provenance, show_progress=sys.stderr.isatty(),
                              update_coverage=update_coverage, backend=backend)
        else:
            result = run_build(out=kg.project.build_root, backend=backend, sources=kg.project.sources,
                               data_dir=data_dir, check_provenance=provenance, show_progress=sys.stderr.isatty(),
                               engine=kg.settings.engine, extra=kg.imports())
    warnings = [r for r in result.report.results if r.severity != "Violation"]
    typer.echo(f"built {result.triples} triples from {len(result.files)} files in {result.seconds:.1f} s "
               f"-> {result.dump}")
    if warnings:
        typer.echo(f"{len(warnings)} SHACL warning(s)/info(s); run `kzgraph validate` to see them")


@app.command()
def validate(
    files: list[Path] = typer.Argument(None, help="Data files to validate (default: all of data/)."),
    format: ReportFormat = typer.Option(ReportFormat.text, "--format", "-f", help="Report format."),
    engine: Optional[Engine] = option("engine"),
    project: Optional[Path] = option("project"),
) -> None:
    """Validate data files against the SHACL shapes; exit 0 only when there is no Violation."""
    from kzgraph.store.loading import project_files
    from kzgraph.store.locations import LocationIndex
    from kzgraph.build.pipeline import assemble, union_graph
    from kzgraph.validation.reporting import render_report
    from kzgraph.validation.validator import shapes_graph, validate_store

    missing = [f for f in files or [] if not f.is_file()]
    if missing:
        fail(f"no such file: {missing[0]}", 3)
    with handled():
        kg = open_kzgraph(project=project, engine=engine.value if engine else None)
        chosen = project_files(data=files or None, data_dir=kg.project.data_dir, ontology_dir=kg.project.ontology_dir)
        store = assemble(chosen, project=kg.project)
        report = validate_store(store, shapes_graph(kg.project.shapes_dir), engine=kg.settings.engine)
    typer.echo(render_report(report, format.value, union_graph(store), LocationIndex(chosen)), nl=False)
    raise typer.Exit(EXIT_OK if report.conforms else 1)


@app.command()
def query(
    query: Optional[str] = typer.Argument(None, help="SPARQL text, a .rq file, or the name of a query in queries/."),
    format: str = typer.Option("table", "--format", "-f",
                               help="Result format: table, csv or json; with --list: table, markdown or json."),
    store: Optional[str] = option("store"),
    param: list[str] = typer.Option(None, "--param", "-p",
                                    help="NAME=VALUE for a parameter of a catalogue query (repeatable)."),
    list_queries: bool = typer.Option(False, "--list", help="List the named queries of the catalogue."),
    timeout: Optional[float] = option("timeout"),
    max_rows: Optional[int] = option("max_rows"),
    project: Optional[Path] = option("project"),
) -> None:
    """Answer a SPARQL query from the last build (through the endpoint's guard and limits), or list the
    catalogue of named queries."""
    from kzgraph.sparql.catalogue import parse_params, render_catalogue
    from kzgraph.sparql.queries import FORMATS, format_result

    with handled():
        kg = open_kzgraph(project=project, store=store, timeout=timeout, max_rows=max_rows, workers=1)
        if list_queries:
            typer.echo(render_catalogue(kg.catalogue, format), nl=False)
            return
        if query is None:
            raise UsageError("give a query (SPARQL text, a .rq file or a catalogue name) or --list")
        if format not in FORMATS:
            raise UsageError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
        with kg:
            sparql = kg.resolve(query, parse_params(param))
            result = kg.service.query(sparql)
            typer.echo(format_result(result, format), nl=False)


@app.command()
def serve(
    host: Optional[str] = option("host"),
    port: Optional[int] = option("port"),
    timeout: Optional[float] = option("timeout"),
    store: Optional[str] = option("store"),
    update_token: Optional[str] = option("update_token"),
    allow_service: list[str] = option("allowed_services"),
    max_rows: Optional[int] = option("max_rows"),
    max_query_length: Optional[int] = option("max_query_length"),
    max_body: Optional[int] = option("max_body_bytes"),
    workers: Optional[int] = option("workers"),
    worker_memory: Optional[int] = option("memory_limit_mb"),
    write_timeout: Optional[float] = option("write_timeout"),
    project: Optional[Path] = option("project"),
) -> None:
    """Serve the SPARQL 1.1 endpoint over the last build (docs/endpoint.md)."""
    from kzgraph.service import prestart

    prestart()  # the workers' fork server imports while this process does
    import uvicorn

    with handled():
        kg = open_kzgraph(host=host, port=port, timeout=timeout, store=store, update_token=update_token,
                          allowed_services=tuple(allow_service or ()) or None, max_rows=max_rows,
                          max_query_length=max_query_length, max_body_bytes=max_body, workers=workers,
                          memory_limit_mb=worker_memory, write_timeout=write_timeout, project=project)
        if not 1 <= kg.settings.port <= 65535:
            raise UsageError(f"--port {kg.settings.port}: a port is a number from 1 to 65535")
        endpoint = kg.asgi_app()
    mode = "read-write with the update token" if kg.settings.update_token else "read-only"
    store = kg.settings.store or "the last build"
    typer.echo(f"serving {store} at http://{kg.settings.host}:{kg.settings.port}/sparql ({mode})")
    uvicorn.run(endpoint, host=kg.settings.host, port=kg.settings.port, log_level="info")


@app.command()
def load(
    files: list[Path] = typer.Argument(..., help="RDF dumps: .nq, .trig, .ttl, .nt, .rdf or .jsonld (optionally .gz)."),
    store: str = typer.Option(..., "--store", help="Folder of the persistent Oxigraph store to load into."),
    graph: Optional[str] = typer.Option(None, "--graph", help="Named graph for triples (default: the unnamed graph)."),
    project: Optional[Path] = option("project"),
) -> None:
    """Bulk-load RDF dumps into a persistent Oxigraph store, which `kzgraph serve --store` then serves."""
    import time

    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    with handled():
        kg = open_kzgraph(project=project)
        started = time.perf_counter()
        total = sum(f.stat().st_size for f in files if f.is_file())
        with Progress("{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(), console=err) as bar:
            task = bar.add_task("loading", total=total)
            report = kg.load(files, store, graph=graph, progress=lambda _file, read: bar.update(task, completed=read))
    typer.echo(f"loaded {len(report.files)} file(s), {report.bytes} bytes, into {store} in "
               f"{time.perf_counter() - started:.1f} s")


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
    store: Optional[str] = option("store"),
    project: Optional[Path] = option("project"),
) -> None:
    """Multivector metrics of a state's security cooperation per year, and for the whole period.

    Definitions: docs/metrics.md. Every row lists the facts behind it (--format json or csv).
    """
    from kzgraph.analysis import metrics as metrics_module

    with handled():
        kg = open_kzgraph(store=store, project=project)
        options = {"basis": basis, "include": [i.strip() for i in include.split(",") if i.strip()], "view": view}
        rows = kg.metrics(state, from_year, to_year, as_of, **options)
        typer.echo(metrics_module.render(rows, format.value, title=f"multivector metrics: {state}"), nl=False)
        if chart is not None:
            for path in kg.charts(chart, state, from_year, to_year, **options):
                err.print(f"wrote {path}", highlight=False)


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
    store: Optional[str] = option("store"),
    project: Optional[Path] = option("project"),
) -> None:
    """Export a partner network, or the whole graph, for Gephi, Cytoscape, yEd and igraph.

    Formats, attributes, ids and time: docs/export.md.
    """
    from kzgraph import export as export_module

    with handled():
        export_module.check(format, projection, graph, from_year, to_year, as_of, state, undated)
        kg = open_kzgraph(store=store, project=project)
        try:
            result = kg.export(format, output, projection=projection, graph=graph, start=from_year, end=to_year,
                               as_of=as_of, state=state, undated=undated)
        except KzgraphError:
            raise
        except (OSError, ValueError) as error:
            fail(f"could not write {output}: {error}", 1)
    typer.echo(f"wrote {result.nodes} nodes and {result.edges} edges to {result.path} ({result.format})")


@import_app.command("sipri")
def import_sipri(
    file: Path = typer.Argument(..., help="SIPRI trade register CSV export (as the Arms Transfers Database writes it)."),
    allow_older: bool = typer.Option(False, "--allow-older", help="Replace the import with an older export."),
    project: Optional[Path] = option("project"),
    build_dir: Optional[Path] = option("build_dir"),
) -> None:
    """Import every deal of a SIPRI trade register export; the next build includes it (docs/sipri.md).

    The same file again changes nothing; a newer export replaces the import; a bad file stops with its line
    and field, and the previous import stays as it was.
    """
    if not file.is_file():
        fail(f"no such file: {file}", 3)
    with handled():
        kg = open_kzgraph(project=project, build_dir=build_dir)
        with _progress("importing", "rows") as progress:
            result = kg.import_sipri(file, allow_older=allow_older, progress=progress)
    typer.echo(f"{result.status}: {result.rows} deals, {result.triples} triples in {result.seconds:.1f} s "
               f"-> {result.data}")
    typer.echo(result.matches.summary())


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
    out: Optional[Path] = option("build_dir", "--out"),
    project: Optional[Path] = option("project"),
) -> None:
    """Upload the last build to a remote SPARQL 1.1 store, replacing kzgraph's graphs there.

    Graphs go to staging graphs first and replace their targets only when all arrived; counts are checked.

    See docs/remote-stores.md.
    """
    from kzgraph.build.pipeline import DUMP_NAME
    from kzgraph.store import push as push_module
    from kzgraph.store.remote import Credentials, Endpoint

    if method is PushMethod.gsp and not graph_store:
        fail("--method gsp needs --graph-store URL (the store's Graph Store Protocol endpoint)", 2)
    try:
        credentials = Credentials(user, password, token, auth.value)
    except ValueError as error:
        fail(str(error), 2)
    with handled():
        kg = open_kzgraph(build_dir=out, project=project)
        dump = kg.project.current_build / DUMP_NAME
        if not dump.is_file():
            fail(f"no build at {dump.parent}; run `kzgraph build` first", 3)
        endpoint = Endpoint(url, update_url, credentials, timeout)
        with _progress("uploading", "triples") as progress:
            report = push_module.push(dump, endpoint, method.value, graph_store, batch_size, progress)
    typer.echo(f"pushed {report.triples} triples in {len(report.graphs)} graphs to {report.url} "
               f"({report.method}, {report.batches} requests, {report.seconds:.1f} s); "
               "the store's count of every graph matches the build")
    if report.removed:
        typer.echo(f"removed {len(report.removed)} graph(s) the build no longer has: {', '.join(report.removed)}")


@app.command("settings")
def show_settings(markdown: bool = typer.Option(False, "--markdown", help="The table of docs/settings.md.")) -> None:
    """The settings in force (command-line options and KZGRAPH_* environment variables), or their table."""
    if markdown:
        typer.echo(settings_markdown(), nl=False)
        return
    with handled():
        for name, value in Settings.load().public().items():
            typer.echo(f"{name} = {value!r}")


@contextmanager
def _progress(doing: str, unit: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr when it is a terminal, as a callback ``(done, total)``; else no callback."""
    if not err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn(doing), BarColumn(), MofNCompleteColumn(), TextColumn(unit),
                  TimeRemainingColumn(), console=err, transient=True) as progress:
        task = progress.add_task(doing, total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


def main() -> None:  # pragma: no cover - console entry point
    app()
