"""The ``kzgraph`` command line: one verb per job, each a thin layer over :class:`kzgraph.app.KZGraph`.

Options that are settings (``--project``, ``--store``, ``--timeout`` …) are built from their one
declaration in :class:`kzgraph.settings.Settings`. Every error is a :class:`kzgraph.errors.KzgraphError`
and goes through one handler (:func:`handled`), which prints its message and exits with its exit code:
0 success; 1 the data, a query or a validation failed; 2 wrong usage; 3 a prerequisite is missing (no
build yet, no sources folder, a store that cannot be opened).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console

from kzgraph.errors import EXIT_OK, BuildError, KzgraphError, UnknownName, UsageError
from kzgraph.settings import Settings, settings_markdown

app = typer.Typer(help="kzgraph: a knowledge graph of Kazakhstan's international security cooperation.",
                  no_args_is_help=True, add_completion=False, rich_markup_mode=None)
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
    flag = meta["cli"]
    if isinstance(default, bool):  # a switch: --name / --no-name
        help_text = meta["help"] + f" [default: {'on' if default else 'off'}]"
        flag = f"{flag}/--no-{flag.removeprefix('--')}"
    return typer.Option(None, flag, *flags, help=help_text, show_default=False, **overrides)


QUERY_FORMATS = ("table", "csv", "json")
REPORT_FORMATS = ("text", "json", "turtle")
ENGINES = ("sparql", "pyshacl")
PUSH_METHODS = ("update", "gsp")
AUTH_SCHEMES = ("basic", "digest")
BACKENDS = ("oxigraph", "memory")


def choose(flag: str, value: str, choices: Iterable[str], what: str | None = None) -> str:
    """``value`` when it is one of ``choices``, else :class:`~kzgraph.errors.UnknownName` (exit 2) with the
    closest choices: ``--format: unknown format 'tabel'; did you mean 'table'? (choose one of …)``."""
    choices = list(choices)
    if value in choices:
        return value
    kind = what or flag.lstrip("-").replace("-", " ")
    close = difflib.get_close_matches(value, choices, n=3, cutoff=0.6)
    suggestion = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise UnknownName(f"{flag}: unknown {kind} {value!r}{suggestion} (choose one of {', '.join(choices)})")


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
    project: Path | None = option("project"),
    out: Path | None = option("build_dir", "--out"),
    data_dir: Path | None = typer.Option(None, help="Folder of curated data files (default: the project's data/)."),
    sources: Path | None = option("sources"),
    backend: str = typer.Option("oxigraph", help="Store to build in: oxigraph or memory."),
    provenance: bool = typer.Option(True, help="Check every fact against its cited source lines."),
    engine: str | None = option("engine"),
    update_coverage: bool = typer.Option(False, "--update-coverage",
                                         help="Also write the coverage report to the project's data/COVERAGE.md."),
    imports: bool = typer.Option(True, help="Include the imported data sets (the SIPRI register of kzgraph.toml)."),
) -> None:
    """Load ontology and data, derive shortcuts, validate, and publish dump, VoID and coverage report."""
    from kzgraph.build.pipeline import build as run_build
    from kzgraph.store.loading import project_files
    from kzgraph.store.locations import LocationIndex
    from kzgraph.validation.reporting import print_problems

    with handled():
        choose("--backend", backend, BACKENDS)
        kg = open_kzgraph(project=project, build_dir=out, sources=sources,
                          engine=choose("--engine", engine, ENGINES) if engine else None)
        folder = data_dir or kg.project.data_dir

    def explain(error: BuildError) -> None:
        print_problems(error, err, LocationIndex(project_files(data_dir=folder, ontology_dir=kg.project.ontology_dir)))

    steps = "loading, deriving, validating" + (", checking provenance" if provenance else "") + ", publishing"
    with handled(explain), _working(f"building ({steps})"):
        if data_dir is None:
            result = kg.build(check_provenance=provenance, update_coverage=update_coverage, backend=backend,
                              imports=imports)
        else:
            result = run_build(out=kg.project.build_root, backend=backend, sources=kg.project.sources,
                               data_dir=data_dir, check_provenance=provenance, engine=kg.settings.engine,
                               extra=kg.imports() if imports else [],
                               coverage_copy=data_dir / "COVERAGE.md" if update_coverage else None)
    warnings = [r for r in result.report.results if r.severity != "Violation"]
    typer.echo(f"built {result.triples} triples from {len(result.files)} files in {result.seconds:.1f} s "
               f"-> {result.dump}")
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)
    if warnings:
        typer.echo(f"{len(warnings)} SHACL warning(s)/info(s); run `kzgraph validate` to see them")


@app.command()
def validate(
    files: list[Path] = typer.Argument(None, help="Data files to validate (default: all of data/)."),
    format: str = typer.Option("text", "--format", "-f", help="Report format: text, json or turtle."),
    engine: str | None = option("engine"),
    project: Path | None = option("project"),
) -> None:
    """Validate data files against the SHACL shapes; exit 0 only when there is no Violation."""
    from kzgraph.build.pipeline import assemble, union_graph
    from kzgraph.store.loading import project_files
    from kzgraph.store.locations import LocationIndex
    from kzgraph.validation.reporting import render_report
    from kzgraph.validation.validator import shapes_graph, validate_store

    with handled():
        choose("--format", format, REPORT_FORMATS)
        kg = open_kzgraph(project=project, engine=choose("--engine", engine, ENGINES) if engine else None)
    missing = [f for f in files or [] if not f.is_file()]
    if missing:
        fail(f"no such file: {missing[0]}", 3)
    with handled(), _working(f"validating with SHACL ({kg.settings.engine} engine)"):
        chosen = project_files(data=files or None, data_dir=kg.project.data_dir, ontology_dir=kg.project.ontology_dir)
        store = assemble(chosen, project=kg.project)
        report = validate_store(store, shapes_graph(kg.project.shapes_dir), engine=kg.settings.engine)
    typer.echo(render_report(report, format, union_graph(store), LocationIndex(chosen)), nl=False)
    raise typer.Exit(EXIT_OK if report.conforms else 1)


@app.command()
def query(
    query: str | None = typer.Argument(None, help="SPARQL text, a .rq file, or the name of a query in queries/."),
    format: str = typer.Option("table", "--format", "-f",
                               help="Result format: table, csv or json; with --list: table, markdown or json."),
    store: str | None = option("store"),
    param: list[str] = typer.Option(None, "--param", "-p",
                                    help="NAME=VALUE for a parameter of a catalogue query (repeatable)."),
    list_queries: bool = typer.Option(False, "--list", help="List the named queries of the catalogue."),
    timeout: float | None = option("timeout"),
    max_rows: int | None = option("max_rows"),
    project: Path | None = option("project"),
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
        choose("--format", format, FORMATS)
        with kg:
            sparql = kg.resolve(query, parse_params(param))
            with _working("querying"):
                result = kg.service.query(sparql)
            typer.echo(format_result(result, format), nl=False)
            if getattr(result, "truncated", False):
                err.print(f"warning: the result was cut at the row limit of {kg.settings.max_rows} rows "
                          "(--max-rows)", highlight=False)


@app.command()
def serve(
    host: str | None = option("host"),
    port: int | None = option("port"),
    timeout: float | None = option("timeout"),
    store: str | None = option("store"),
    update_token: str | None = option("update_token"),
    allow_service: list[str] = option("allowed_services"),
    max_rows: int | None = option("max_rows"),
    max_query_length: int | None = option("max_query_length"),
    max_body: int | None = option("max_body_bytes"),
    workers: int | None = option("workers"),
    worker_memory: int | None = option("memory_limit_mb"),
    write_timeout: float | None = option("write_timeout"),
    access_log: bool | None = option("access_log"),
    project: Path | None = option("project"),
) -> None:
    """Serve the SPARQL 1.1 endpoint over the last build (docs/endpoint.md)."""
    from kzgraph.service import prestart

    prestart()  # the workers' fork server imports while this process does
    import uvicorn

    with handled():
        kg = open_kzgraph(host=host, port=port, timeout=timeout, store=store, update_token=update_token,
                          allowed_services=tuple(allow_service or ()) or None, max_rows=max_rows,
                          max_query_length=max_query_length, max_body_bytes=max_body, workers=workers,
                          memory_limit_mb=worker_memory, write_timeout=write_timeout, access_log=access_log,
                          project=project)
        if not 1 <= kg.settings.port <= 65535:
            raise UsageError(f"--port {kg.settings.port}: a port is a number from 1 to 65535")
        endpoint = kg.asgi_app()
    mode = "read-write with the update token" if kg.settings.update_token else "read-only"
    store = kg.settings.store or "the last build"
    typer.echo(f"serving {store} at http://{kg.settings.host}:{kg.settings.port}/sparql ({mode})")
    http, loop = http_stack()
    uvicorn.run(endpoint, host=kg.settings.host, port=kg.settings.port, log_level="info",
                access_log=kg.settings.access_log, http=http, loop=loop)


def http_stack() -> tuple[str, str]:
    """uvicorn's fastest HTTP parser and event loop where installed (httptools, written in C, and uvloop,
    on libuv), else its pure-Python ones (h11, asyncio)."""
    import importlib.util

    def installed(module: str) -> bool:
        return importlib.util.find_spec(module) is not None

    return "httptools" if installed("httptools") else "h11", "uvloop" if installed("uvloop") else "asyncio"


@app.command()
def load(
    files: list[Path] = typer.Argument(..., help="RDF dumps: .nq, .trig, .ttl, .nt, .rdf or .jsonld (optionally .gz)."),
    store: str = typer.Option(..., "--store", help="Folder of the persistent Oxigraph store to load into."),
    graph: str | None = typer.Option(None, "--graph", help="Named graph for triples (default: the unnamed graph)."),
    project: Path | None = option("project"),
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
    state: str = typer.Option("KAZ",
                              help="ISO 3166-1 alpha-3 code (or IRI) of the state; several side by side: KAZ,UZB,TKM."),
    from_year: int | None = typer.Option(None, "--from", help="First year (inclusive)."),
    to_year: int | None = typer.Option(None, "--to", help="Last year (inclusive)."),
    as_of: str | None = typer.Option(None, "--as-of", help="One row: what was in force on this date (YYYY[-MM[-DD]])."),
    format: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
    basis: str | None = typer.Option(None, "--basis",
                                     help="Arms imports: tiv (SIPRI register, the default when the build has it) "
                                          "or count (curated deals)."),
    include: str = typer.Option("", "--include",
                                help="Count also these as deliveries (count basis): ordered, offered, planned, "
                                     "licensed-production, licence-granted, unknown, aid."),
    view: str = typer.Option("pooled", "--view",
                             help="pooled, source-mean (every source weighs the same) or per-source "
                                   "(one row per source)."),
    chart: Path | None = typer.Option(None, "--chart", help="Also write the charts (PNG and SVG) to this folder."),
    store: str | None = option("store"),
    project: Path | None = option("project"),
) -> None:
    """Multivector metrics of a state's security cooperation per year, and for the whole period.

    Definitions: docs/metrics.md. Every row lists the facts behind it (--format json or csv).
    """
    from kzgraph.analysis import metrics as metrics_module

    with handled():
        choose("--format", format, metrics_module.FORMATS)
        as_of = _as_of(as_of)
        kg = open_kzgraph(store=store, project=project)
        options = {"basis": basis, "include": [i.strip() for i in include.split(",") if i.strip()], "view": view}
        with _working("computing the metrics"):
            rows = kg.metrics(state, from_year, to_year, as_of, **options)
        typer.echo(metrics_module.render(rows, format, title=f"multivector metrics: {state}"), nl=False)
        if rows and not any(r.get("facts") or r.get("arms_facts") for r in rows):
            window = f"as of {as_of}" if as_of else f"from {from_year or 'the start'} to {to_year or 'the end'}"
            warn(f"no fact of {state} falls in the window ({window}): every row is empty")
        if chart is not None:
            with _working("drawing the charts"):
                paths = kg.charts(chart, state, from_year, to_year, **options)
            for path in paths:
                err.print(f"wrote {path}", highlight=False)


@app.command()
def export(
    format: str = typer.Option(..., "--format", "-f",
                               help="graphml, gexf (dynamic, with periods) or cyjs (Cytoscape.js JSON)."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write (replaced only when the export succeeds)."),
    projection: str | None = typer.Option(None, "--projection", "-p",
                                             help="cooperation (default), membership or transfers."),
    graph: str | None = typer.Option(None, "--graph", help="kg: the whole knowledge graph as a property graph."),
    from_year: int | None = typer.Option(None, "--from", help="First year (inclusive)."),
    to_year: int | None = typer.Option(None, "--to", help="Last year (inclusive)."),
    as_of: str | None = typer.Option(None, "--as-of", help="What was in force on this date (YYYY[-MM[-DD]])."),
    state: str | None = typer.Option(None, help="Only this state's ego network (ISO 3166-1 alpha-3 code)."),
    undated: str = typer.Option("keep", "--undated",
                                help="keep (marked dated=false) or omit the ties no dated fact supports."),
    store: str | None = option("store"),
    project: Path | None = option("project"),
) -> None:
    """Export a partner network, or the whole graph, for Gephi, Cytoscape, yEd and igraph.

    Formats, attributes, ids and time: docs/export.md.
    """
    from kzgraph import export as export_module
    from kzgraph.analysis.projections import NAMES

    with handled():
        choose("--format", format, export_module.FORMATS)
        if projection is not None:
            choose("--projection", projection, NAMES)
        if graph is not None:
            choose("--graph", graph, export_module.GRAPHS)
        choose("--undated", undated, ("keep", "omit"), "choice for undated ties")
        as_of = _as_of(as_of)
        export_module.check(format, projection, graph, from_year, to_year, as_of, state, undated)
        kg = open_kzgraph(store=store, project=project)
        try:
            with _working(f"exporting to {output}"):
                result = kg.export(format, output, projection=projection, graph=graph, start=from_year,
                                   end=to_year, as_of=as_of, state=state, undated=undated)
        except KzgraphError:
            raise
        except (OSError, ValueError) as error:
            fail(f"could not write {output}: {error}", 1)
    typer.echo(f"wrote {result.nodes} nodes and {result.edges} edges to {result.path} ({result.format})")
    if graph is None and result.edges == 0:
        window = (f"as of {as_of}" if as_of else
                  f"from {from_year if from_year is not None else 'the start'} to "
                  f"{to_year if to_year is not None else 'the end'}")
        warn(f"no tie falls in the window ({window}){f' for {state}' if state else ''}: the file holds an "
             "empty network")


@import_app.command("sipri")
def import_sipri(
    file: Path = typer.Argument(...,
                                help="SIPRI trade register CSV export (as the Arms Transfers Database writes it)."),
    allow_older: bool = typer.Option(False, "--allow-older", help="Replace the import with an older export."),
    project: Path | None = option("project"),
    build_dir: Path | None = option("build_dir"),
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
    method: str = typer.Option("update", help="update: SPARQL 1.1 Update; gsp: Graph Store Protocol."),
    update_url: str | None = typer.Option(None, "--update-url", help="SPARQL Update endpoint (default: URL)."),
    graph_store: str | None = typer.Option(None, "--graph-store", help="Graph Store Protocol URL (for --method gsp)."),
    batch_size: int = typer.Option(2000, "--batch-size", min=1, help="Triples per request."),
    user: str | None = typer.Option(None, "--user", envvar="KZGRAPH_STORE_USER", help="User for HTTP authentication."),
    password: str | None = typer.Option(None, "--password", envvar="KZGRAPH_STORE_PASSWORD",
                                           help="Password for HTTP authentication."),
    auth: str = typer.Option("basic", "--auth", envvar="KZGRAPH_STORE_AUTH",
                                    help="HTTP authentication scheme for --user/--password."),
    token: str | None = typer.Option(None, "--token", envvar="KZGRAPH_STORE_TOKEN",
                                     help="Bearer token instead of a password."),
    timeout: float = typer.Option(120.0, help="Seconds to wait for each answer of the store."),
    out: Path | None = option("build_dir", "--out"),
    project: Path | None = option("project"),
) -> None:
    """Upload the last build to a remote SPARQL 1.1 store, replacing kzgraph's graphs there.

    Graphs go to staging graphs first and replace their targets only when all arrived; counts are checked.

    See docs/remote-stores.md.
    """
    from kzgraph.build.pipeline import DUMP_NAME
    from kzgraph.store import push as push_module
    from kzgraph.store.remote import Credentials, Endpoint

    with handled():
        choose("--method", method, PUSH_METHODS)
        choose("--auth", auth, AUTH_SCHEMES, "authentication scheme")
    if method == "gsp" and not graph_store:
        fail("--method gsp needs --graph-store URL (the store's Graph Store Protocol endpoint)", 2)
    try:
        credentials = Credentials(user, password, token, auth)
    except ValueError as error:
        fail(str(error), 2)
    with handled():
        kg = open_kzgraph(build_dir=out, project=project)
        dump = kg.project.current_build / DUMP_NAME
        if not dump.is_file():
            fail(f"no build at {dump.parent}; run `kzgraph build` first", 3)
        endpoint = Endpoint(url, update_url, credentials, timeout)
        with _progress("uploading", "triples") as progress:
            report = push_module.push(dump, endpoint, method, graph_store, batch_size, progress)
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


@contextmanager
def _working(doing: str) -> Iterator[None]:
    """A spinner with the time elapsed on stderr while a step runs, when stderr is a terminal."""
    if not err.is_terminal:
        yield
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn(doing), TimeElapsedColumn(), console=err, transient=True) as progress:
        progress.add_task(doing, total=None)
        yield


def warn(message: str) -> None:
    """A one-line warning on stderr (the command still succeeds)."""
    err.print(f"[bold yellow]warning:[/] {message}", highlight=False, soft_wrap=True)


def _as_of(value: str | None) -> str | None:
    """The value of ``--as-of`` when it is a year or a real date, else a usage error naming the option."""
    from kzgraph.app import check_as_of

    try:
        checked = check_as_of(value)
    except UsageError as error:
        raise UsageError(f"--as-of: {error}") from None
    return None if checked is None else str(checked)


def main() -> None:  # pragma: no cover - console entry point
    app()
