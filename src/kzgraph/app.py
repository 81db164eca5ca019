"""The kzgraph application object: one project, its store, its settings, its catalogue and its checks.

The command line, the endpoint and Python users drive the same object::

    from kzgraph import KZGraph

    kg = KZGraph()                       # the project in the current folder, or the packaged one
    kg.build()                           # load, derive, validate, check provenance, publish
    result = kg.query("SELECT ?org WHERE { state:KAZ kz:memberOf ?org }")
    frame = result.to_frame()            # a pandas DataFrame of Python values (kzgraph.sparql.frames)
    kg.queries.memberships_over_time(state="UZB").to_frame()   # a named query with its parameters
    rows = kg.metrics("KAZ", 2010, 2020)
    tidy = kg.metrics_frame("KAZ", 2010, 2020)                 # one row per state, year and measure

docs/python.md shows the Python interface at work (its examples are run by the tests).

There are two ways to read the store, and only two:

* **user queries** (:meth:`KZGraph.query`: ``kzgraph query``, ``/sparql``, the query page, named queries)
  go through the guard (:class:`kzgraph.service.guarded.GuardedStore`): the query is inspected,
  evaluated in a worker process that is stopped at the time limit, and cut at the row limit; every failure
  is a :class:`kzgraph.errors.KzgraphError` with its exit code and HTTP status;
* **the project's own reads** (metrics projections, VoID, resource pages, exports) use :attr:`KZGraph.store`
  directly: their queries are kzgraph's own, and they are never cut by the row limit.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kzgraph.errors import (
    MissingPrerequisite,
    NoBuildError,
    UnknownName,
    UnknownQueryName,
    UsageError,
    unknown_name_message,
)
from kzgraph.project import Project
from kzgraph.settings import Settings

if TYPE_CHECKING:
    import pandas as pd
    from fastapi import FastAPI

    from kzgraph.build.pipeline import BuildResult
    from kzgraph.importers.sipri import ImportResult
    from kzgraph.service.guarded import GuardedStore, RemoteGuardedStore
    from kzgraph.sparql.catalogue import NamedQuery
    from kzgraph.sparql.frames import Results, Years
    from kzgraph.store.base import Store
    from kzgraph.validation.validator import Report

__all__ = ["KZGraph", "NamedQueries", "check_as_of", "metrics_frame"]


class KZGraph:
    """kzgraph on one project (see the module docstring).

    ``project`` is a :class:`~kzgraph.project.Project` or a folder (default: ``settings.project``, else the
    current folder when it holds ontology/ and data/, else the packaged data); ``settings`` the
    :class:`~kzgraph.settings.Settings` (default: from the environment); ``store`` overrides the store
    to query, as a store object (anything the :class:`~kzgraph.store.base.Store` protocol describes).
    """

    def __init__(self, project: Project | str | Path | None = None, *, settings: Settings | None = None,
                 store: Store | None = None):
        self.settings = settings if settings is not None else Settings.load()
        if isinstance(project, Project):
            self.project = project
        else:
            self.project = Project.configured(self.settings, Path(project) if project is not None else None)
        self._store = store
        self._service: GuardedStore | RemoteGuardedStore | None = None

    def __repr__(self) -> str:
        return f"<KZGraph project={str(self.project.root)!r} store={self.settings.store or 'oxigraph'!r}>"

    def __enter__(self) -> KZGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the query workers and close the store."""
        if self._service is not None:
            self._service.close()
            self._service = None
        if self._store is not None:
            self._store.close()
            self._store = None

    # -- the store ------------------------------------------------------------------------------------------
    @property
    def store(self) -> Store:
        """The last build in the configured store, opened on first use: the project's own, trusted reads."""
        if self._store is None:
            from kzgraph.build.pipeline import open_build

            self._store = open_build(self.settings.store, out=self.project.build_root,
                                     writable=self.settings.update_token is not None)
        return self._store

    @property
    def has_build(self) -> bool:
        from kzgraph.build.pipeline import DUMP_NAME

        return (self.project.current_build / DUMP_NAME).is_file()

    # -- user queries: one path -----------------------------------------------------------------------------
    @property
    def service(self) -> GuardedStore | RemoteGuardedStore:
        """The guarded query service over the store, with the limits of the settings (started on first use)."""
        if self._service is None:
            from kzgraph.service.guarded import guard

            self._service = guard(self.store, self.settings)
        return self._service

    @property
    def catalogue(self) -> dict[str, NamedQuery]:
        """The named queries of the project's queries/ folder, read afresh each time (a few small files)."""
        from kzgraph.sparql.catalogue import load_catalogue

        return load_catalogue(self.project.queries_dir)

    def named_query(self, name: str) -> NamedQuery:
        """The named query called ``name``; :class:`~kzgraph.errors.UnknownQueryName` (with the closest
        names) when there is none."""
        catalogue = self.catalogue
        if name not in catalogue:
            raise UnknownQueryName(unknown_name_message("query", name, catalogue,
                                                        "see `kzgraph query --list` or /queries"))
        return catalogue[name]

    def resolve(self, text_or_name: str, params: Mapping[str, str] | None = None) -> str:
        """The SPARQL text of a query given as text, as the path of a ``.rq`` file, or as a catalogue name
        (bound with ``params``, else the defaults of its header)."""
        from kzgraph.sparql.queries import resolve

        return resolve(text_or_name, self.project.queries_dir, dict(params or {}))

    def query(self, text_or_name: str, params: Mapping[str, Any] | None = None, *, base: str | None = None,
              default_graphs: Iterable[str] | None = None, named_graphs: Iterable[str] | None = None) -> Results:
        """Answer a user query (text, a ``.rq`` file or a named query with ``params``) through the guard.

        The answer is an rdflib result whose rows keep their column names (``pandas.DataFrame(result)``)
        and which converts to a DataFrame of Python values with ``.to_frame()``
        (:class:`kzgraph.sparql.frames.Results`). Raises :class:`~kzgraph.errors.QueryError` (syntax,
        refusal, unknown name), :class:`~kzgraph.errors.Unavailable` (time limit, no free worker) or
        :class:`~kzgraph.errors.MissingPrerequisite` (no build, no store).
        """
        from kzgraph.sparql.frames import Results

        sparql = self.resolve(text_or_name, {k: _param_text(v) for k, v in (params or {}).items()})
        return Results.of(self.service.query(sparql, base=base, default_graphs=default_graphs,
                                             named_graphs=named_graphs))

    def frame(self, text_or_name: str, params: Mapping[str, Any] | None = None, *, years: Years = "int",
              **named: Any) -> pd.DataFrame:
        """A query's answer as a pandas DataFrame in one call: ``kg.frame("SELECT …")``, or a named query
        with its parameters, ``kg.frame("memberships-over-time", state="UZB")``
        (:meth:`Results.to_frame <kzgraph.sparql.frames.Results.to_frame>`)."""
        return self.query(text_or_name, {**(params or {}), **named}).to_frame(years=years)

    def named(self, name: str, /, **params: Any) -> Results:
        """Run the named query ``name`` with keyword parameters: ``kg.named("leases")``,
        ``kg.named("memberships-over-time", state="UZB")``. Values are text, numbers, dates or IRIs; an
        IRI parameter takes a prefixed name (``state:UZB``), a full IRI, or a bare name in the namespace
        of its default (``UZB``). An unknown name or parameter says which ones are close."""
        self.named_query(name)  # an unknown name: the closest names
        return self.query(name, params)

    @property
    def queries(self) -> NamedQueries:
        """The named queries as methods: ``kg.queries.memberships_over_time(state="UZB")`` (hyphens
        become underscores); ``kg.queries["leases"]()`` by name; ``dir(kg.queries)`` lists them."""
        return NamedQueries(self)

    # -- operations -----------------------------------------------------------------------------------------
    def build(self, *, check_provenance: bool = True, show_progress: bool = False, update_coverage: bool = False,
              engine: str | None = None, backend: str = "oxigraph", imports: bool = True) -> BuildResult:
        """Load, derive, validate and check the project, and publish the build (see :mod:`kzgraph.build`).

        ``imports``: include the imported data sets (the SIPRI register the project is configured with is
        imported first when it is not yet); ``update_coverage`` also writes the coverage report to the
        project's data/COVERAGE.md (which describes the curated data: build it without imports).
        """
        from kzgraph.build.pipeline import build

        self.close()  # a new build replaces the one a store may hold open
        notes: list[str] = []
        register = self.configured_register() if imports else None
        if register is not None and register.is_file():
            self.import_sipri(register)  # nothing to do when the same file was imported already
        elif register is not None:
            earlier = ", ".join(path.name for path in self.imports())
            notes.append(f"the SIPRI register of kzgraph.toml is not at {register} (required = false): "
                         + (f"the build includes the register imported earlier ({earlier})" if earlier else
                            "built without it; `kzgraph import sipri FILE` adds it"))
        coverage = self.project.data_dir / "COVERAGE.md" if update_coverage else None
        result = build(project=self.project, out=self.project.build_root, sources=self.project.sources,
                       check_provenance=check_provenance, show_progress=show_progress, coverage_copy=coverage,
                       engine=engine or self.settings.engine, backend=backend,
                       extra=self.imports() if imports else [])
        result.notes.extend(notes)
        return result

    def imports(self) -> list[Path]:
        """The imported data sets the build includes (N-Quads files in the project's imports folder)."""
        folder = self.project.imports_dir
        return sorted(folder.glob("*.nq")) if folder.is_dir() else []

    def import_sipri(self, register: str | Path, *, allow_older: bool = False,
                     progress: Callable[[int, int], None] | None = None) -> ImportResult:
        """Import a SIPRI trade register export (docs/sipri.md) into the project's imports folder, where the
        next build includes it. The same file again changes nothing; a newer export replaces the import; a
        bad file stops with its line and field, and the previous import stays as it was."""
        from kzgraph.importers.sipri import store_import

        return store_import(Path(register), self.project.imports_dir, progress=progress,
                            data_dir=self.project.data_dir, allow_older=allow_older)

    def configured_register(self) -> Path | None:
        """The SIPRI register the project is configured with (``[imports.sipri] register`` in kzgraph.toml),
        or None; a configured file that does not exist is a :class:`~kzgraph.errors.MissingPrerequisite`,
        unless the configuration says ``required = false`` (then its path is returned all the same, and a
        build goes on without it and says so in :attr:`~kzgraph.build.pipeline.BuildResult.notes`)."""
        configured = self.project.config().get("imports", {}).get("sipri", {})
        value = configured.get("register")
        if value is None:
            return None
        path = self.project.resolve(value)
        if not path.is_file() and configured.get("required", True) is False:
            return path
        if not path.is_file():
            raise MissingPrerequisite(f"{self.project.root / 'kzgraph.toml'}: [imports.sipri] register = {value!r}: "
                                      f"no file at {path}")
        return path

    def validate(self, files: list[Path] | None = None, engine: str | None = None) -> Report:
        """SHACL-validate the project's data (or ``files``, checked with the sources and reference data)."""
        from kzgraph.build.pipeline import assemble
        from kzgraph.store.loading import project_files
        from kzgraph.validation.validator import shapes_graph, validate_store

        chosen = project_files(data=files or None, data_dir=self.project.data_dir,
                               ontology_dir=self.project.ontology_dir)
        kg = assemble(chosen, project=self.project)
        try:
            return validate_store(kg, shapes_graph(self.project.shapes_dir), engine=engine or self.settings.engine)
        finally:
            kg.close()

    def describe(self, iri: str) -> Any:
        """What the graph says about an IRI (:func:`kzgraph.sparql.describe.describe`)."""
        from kzgraph.sparql.describe import describe

        return describe(self.store, iri)

    def metrics(self, state: str = "KAZ", start: int | None = None, end: int | None = None,
                as_of: str | int | dt.date | None = None, **options: Any) -> list[dict[str, Any]]:
        """Multivector metrics of one state, or several (``"KAZ,UZB"``), per year and for the period;
        ``options``: ``basis``, ``include``, ``view`` (docs/metrics.md)."""
        from kzgraph.analysis import metrics
        from kzgraph.analysis.projections import as_year

        year = as_year(check_as_of(as_of))
        self.check_states(state)
        return metrics.compute(self.store, state, start, end, as_of=year, **options)

    def metrics_frame(self, state: str = "KAZ", start: int | None = None, end: int | None = None,
                      as_of: str | int | dt.date | None = None, *, period: bool = False,
                      **options: Any) -> pd.DataFrame:
        """The metrics as a tidy DataFrame: one row per state, year and measure (columns ``state``,
        ``year``, ``measure``, ``value``; ``source`` too with ``view="per-source"``), years as ints.

        The period rows (the whole window, or ``as_of``) are apart: ``period=True`` gives them instead,
        with a ``period`` column (``"2010-2020"``, ``"all"``, ``"as of 2014"``) where the year rows have
        ``year``. Measures are the numeric columns of :meth:`metrics` (booleans such as ``thin`` as 0/1);
        the text and list columns (top vector, memberships, the facts behind a row) stay in its rows."""
        return metrics_frame(self.metrics(state, start, end, as_of, **options), period=period or as_of is not None)

    def check_states(self, states: str | Iterable[str]) -> None:
        """Raise :class:`~kzgraph.errors.UnknownName`, with the closest codes, for an ISO 3166-1 alpha-3
        code that names no state of the graph (IRIs are left to the metrics)."""
        given = [s.strip() for s in (states.split(",") if isinstance(states, str) else states) if s.strip()]
        codes = [s.upper() for s in given if re.fullmatch(r"[A-Za-z]{3}", s)]
        if not codes:
            return
        known = self.state_codes()
        for code in codes:
            if code not in known:
                anagrams = sorted(c for c in known if sorted(c) == sorted(code))  # KZA: KAZ first
                close = (anagrams + [c for c in difflib.get_close_matches(code, sorted(known), n=3, cutoff=0.6)
                                     if c not in anagrams])[:3]
                hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
                raise UnknownName(f"no state {code!r} in the graph{hint} (give an ISO 3166-1 alpha-3 code "
                                  "such as KAZ)")

    def state_codes(self) -> set[str]:
        """The ISO 3166-1 alpha-3 codes of the states the graph has (the local names of their IRIs)."""
        from kzgraph.namespaces import KZ, STATE

        found = self.store.query(f"SELECT DISTINCT ?s WHERE {{ ?s a <{KZ.State}> }}")
        return {str(row[0])[len(str(STATE)):] for row in found  # type: ignore[index]
                if str(row[0]).startswith(str(STATE))}  # type: ignore[index]

    def charts(self, folder: Path, state: str = "KAZ", start: int | None = None, end: int | None = None,
               **options: Any) -> list[Path]:
        """Write the metrics' charts (PNG and SVG) into ``folder``."""
        from kzgraph.analysis import charts

        make_parents(Path(folder) / "chart")
        return charts.render(self.store, folder, state, start, end, **options)

    def export(self, format: str, output: str | Path, **options: Any) -> Any:
        """Export a projection or the whole graph (:func:`kzgraph.export.export`; docs/export.md); the
        folders of ``output`` are made when missing."""
        from kzgraph import export

        as_of = check_as_of(options.get("as_of"))
        export.check(format, options.get("projection"), options.get("graph"), options.get("start"),
                     options.get("end"), as_of, options.get("state"), options.get("undated", "keep"))
        if options.get("state"):
            self.check_states(options["state"])
        make_parents(Path(output))
        return export.export(self.store, format, output, **options)

    def load(self, sources: list[Path], location: str | Path, *, graph: str | None = None,
             progress: Any = None) -> Any:
        """Bulk-load RDF dumps into the persistent Oxigraph store at ``location`` (Oxigraph's bulk loader, see
        :mod:`kzgraph.service.bulk`), which ``kzgraph serve --store`` then serves."""
        from kzgraph.service.bulk import bulk_load

        return bulk_load(sources, Path(location), graph=graph, progress=progress)

    def asgi_app(self) -> FastAPI:
        """The endpoint (FastAPI) over this object's store and settings."""
        from kzgraph.build.pipeline import VOID_NAME
        from kzgraph.endpoint.app import create_app

        store = self.settings.store or ""
        if not self.has_build and not store.startswith(("http://", "https://")) and not Path(store).is_dir():
            raise NoBuildError(f"no build at {self.project.current_build}; run `kzgraph build` first")
        return create_app(self.store, self.settings, void=self.project.current_build / VOID_NAME, kzgraph=self)


class NamedQueries:
    """The catalogue's named queries as methods of one object (:attr:`KZGraph.queries`)."""

    def __init__(self, kg: KZGraph):
        self._kg = kg

    def _names(self) -> dict[str, str]:
        return {name.replace("-", "_"): name for name in self._kg.catalogue}

    def __dir__(self) -> list[str]:
        return sorted(self._names())

    def __iter__(self) -> Iterator[str]:
        return iter(self._kg.catalogue)

    def __getattr__(self, attribute: str) -> Callable[..., Results]:
        if attribute.startswith("_"):
            raise AttributeError(attribute)
        names = self._names()
        if attribute not in names:
            raise UnknownQueryName(unknown_name_message("query", attribute, names, "see dir(kg.queries)"))
        return self[names[attribute]]

    def __getitem__(self, name: str) -> Callable[..., Results]:
        query = self._kg.named_query(name)
        kg = self._kg

        def run(**params: Any) -> Results:
            return kg.named(name, **params)

        run.__name__ = name.replace("-", "_")
        lines = [f"{query.title}.", "", query.description]
        if query.parameters:
            lines += ["", "Parameters:"] + [f"    {p.name} ({p.type}, default {p.default or 'all'}): {p.doc}"
                                             for p in query.parameters]
        run.__doc__ = "\n".join(lines)
        return run

    def __repr__(self) -> str:
        return f"<named queries: {', '.join(sorted(self._names()))}>"


def _param_text(value: Any) -> str:
    """A parameter value given in Python as the text the catalogue reads (numbers, dates, IRIs, text)."""
    if isinstance(value, bool):
        raise UsageError(f"parameter value {value!r}: give text, a number, a date or an IRI")
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date | int):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if isinstance(value, str):
        return value
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        return str(value.to_pydatetime().date().isoformat())
    raise UsageError(f"parameter value {value!r}: give text, a number, a date or an IRI")




def check_as_of(value: str | int | dt.date | None) -> str | int | dt.date | None:
    """``value`` when it is a year or a real date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``), else a
    :class:`~kzgraph.errors.UsageError` that says what is wrong with it.

    >>> check_as_of("2014-02-28")
    '2014-02-28'
    >>> check_as_of("2014-13-01")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    kzgraph.errors.UsageError: not a date or year: '2014-13-01' (expected YYYY, ...): there is no month 13
    """
    from kzgraph.analysis.projections import as_year

    if value is None or isinstance(value, dt.date) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    try:
        as_year(value)
    except UsageError as error:  # reported as the plain usage error the Python guide shows
        raise UsageError(str(error)) from None
    return str(value).strip()


def make_parents(path: Path) -> None:
    """Make the missing folders above a file kzgraph is about to write (the rule of the command line and
    of :class:`KZGraph`: a new file's folders are made, never refused)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot make the folder {path.parent}: {error.strerror or error}") from None


MEASURE_SKIP = ("state", "year", "source")


def metrics_frame(rows: list[dict[str, Any]], *, period: bool = False) -> pd.DataFrame:
    """Metrics rows (:meth:`KZGraph.metrics`) as a tidy frame: the year rows (``period=False``, with an
    ``Int64`` column ``year``) or the period rows (with a ``period`` column), one row per measure."""
    import pandas as pd

    records: list[dict[str, Any]] = []
    per_source = any("source" in r for r in rows)
    for row in rows:
        label = row.get("year")
        is_year = isinstance(label, int) and not isinstance(label, bool)
        if is_year == period:
            continue
        key: dict[str, Any] = {"state": row["state"], ("period" if period else "year"): label}
        if per_source:
            key["source"] = row.get("source")
        for measure, value in row.items():
            if measure in MEASURE_SKIP or isinstance(value, str | list | dict):
                continue
            number = float(value) if value is not None else float("nan")
            records.append({**key, "measure": measure, "value": number})
    columns = ["state", "period" if period else "year"] + (["source"] if per_source else []) + ["measure", "value"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    if not period:
        frame["year"] = frame["year"].astype("Int64")
    frame["value"] = frame["value"].astype("float64")
    return frame
