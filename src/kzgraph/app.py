"""The kzgraph application object: one project, its store, its settings, its catalogue and its checks.

The command line, the endpoint and Python users drive the same object::

    from kzgraph import KZGraph

    kg = KZGraph()                       # the project in the current folder, or the packaged one
    kg.build()                           # load, derive, validate, check provenance, publish
    result = kg.query("SELECT ?org WHERE { state:KAZ kz:memberOf ?org }")
    rows = kg.metrics("KAZ", 2010, 2020)

There are two ways to read the store, and only two:

* **user queries** (:meth:`KZGraph.query`: ``kzgraph query``, ``/sparql``, the query page, named queries)
  go through the guard (:class:`kzgraph.service.guarded.GuardedStore`): the query is inspected,
  evaluated in a worker process that is stopped at the time limit, and cut at the row limit; every failure
  is a :class:`kzgraph.errors.KzgraphError` with its exit code and HTTP status;
* **the project's own reads** (metrics projections, VoID, resource pages, exports) use :attr:`KZGraph.store`
  directly: their queries are kzgraph's own, and they are never cut by the row limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kzgraph.errors import MissingPrerequisite, NoBuildError, UnknownQueryName, unknown_name_message
from kzgraph.project import Project
from kzgraph.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI
    from rdflib.query import Result

    from kzgraph.build.pipeline import BuildResult
    from kzgraph.importers.sipri import ImportResult
    from kzgraph.service.guarded import GuardedStore, RemoteGuardedStore
    from kzgraph.sparql.catalogue import NamedQuery
    from kzgraph.store.base import Store
    from kzgraph.validation.validator import Report

__all__ = ["KZGraph"]


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
            folder = Path(project) if project is not None else self.settings.project
            self.project = Project.locate(folder, build_dir=self.settings.build_dir, sources=self.settings.sources)
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

            self._store = open_build(self.settings.store, out=self.project.build_root)
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
            raise UnknownQueryName(unknown_name_message("query", name, catalogue, "see `kzgraph query --list` or /queries"))
        return catalogue[name]

    def resolve(self, text_or_name: str, params: Mapping[str, str] | None = None) -> str:
        """The SPARQL text of a query given as text, as the path of a ``.rq`` file, or as a catalogue name
        (bound with ``params``, else the defaults of its header)."""
        from kzgraph.sparql.queries import resolve

        return resolve(text_or_name, self.project.queries_dir, dict(params or {}))

    def query(self, text_or_name: str, params: Mapping[str, str] | None = None, *, base: str | None = None,
              default_graphs: Iterable[str] | None = None, named_graphs: Iterable[str] | None = None) -> Result:
        """Answer a user query (text, a ``.rq`` file or a named query with ``params``) through the guard.

        Raises :class:`~kzgraph.errors.QueryError` (syntax, refusal, unknown name),
        :class:`~kzgraph.errors.Unavailable` (time limit, no free worker) or
        :class:`~kzgraph.errors.MissingPrerequisite` (no build, no store).
        """
        sparql = self.resolve(text_or_name, params)
        return self.service.query(sparql, base=base, default_graphs=default_graphs, named_graphs=named_graphs)

    # -- operations -----------------------------------------------------------------------------------------
    def build(self, *, check_provenance: bool = True, show_progress: bool = False, update_coverage: bool = False,
              engine: str | None = None, backend: str = "oxigraph") -> BuildResult:
        """Load, derive, validate and check the project, and publish the build (see :mod:`kzgraph.build`).

        ``update_coverage`` also writes the coverage report to the project's data/COVERAGE.md.
        """
        from kzgraph.build.pipeline import build

        self.close()  # a new build replaces the one a store may hold open
        register = self.configured_register()
        if register is not None:
            self.import_sipri(register)  # nothing to do when the same file was imported already
        coverage = self.project.data_dir / "COVERAGE.md" if update_coverage else None
        return build(project=self.project, out=self.project.build_root, sources=self.project.sources,
                     check_provenance=check_provenance, show_progress=show_progress, coverage_copy=coverage,
                     engine=engine or self.settings.engine, backend=backend, extra=self.imports())

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
        unless the configuration says ``required = false``."""
        configured = self.project.config().get("imports", {}).get("sipri", {})
        value = configured.get("register")
        if value is None:
            return None
        path = self.project.resolve(value)
        if not path.is_file() and configured.get("required", True) is False:
            return None
        if not path.is_file():
            raise MissingPrerequisite(f"{self.project.root / 'kzgraph.toml'}: [imports.sipri] register = {value!r}: "
                                      f"no file at {path}")
        return path

    def validate(self, files: list[Path] | None = None, engine: str | None = None) -> Report:
        """SHACL-validate the project's data (or ``files``, checked with the sources and reference data)."""
        from kzgraph.store.loading import project_files
        from kzgraph.build.pipeline import assemble
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
                as_of: str | None = None, **options: Any) -> list[dict[str, Any]]:
        """Multivector metrics of one state, or several (``"KAZ,UZB"``), per year and for the period;
        ``options``: ``basis``, ``include``, ``view`` (docs/metrics.md)."""
        from kzgraph.analysis import metrics
        from kzgraph.analysis.projections import as_year

        return metrics.compute(self.store, state, start, end, as_of=as_year(as_of), **options)

    def charts(self, folder: Path, state: str = "KAZ", start: int | None = None, end: int | None = None,
               **options: Any) -> list[Path]:
        """Write the metrics' charts (PNG and SVG) into ``folder``."""
        from kzgraph.analysis import charts

        return charts.render(self.store, folder, state, start, end, **options)

    def export(self, format: str, output: str | Path, **options: Any) -> Any:
        """Export a projection or the whole graph (:func:`kzgraph.export.export`; docs/export.md)."""
        from kzgraph import export

        export.check(format, options.get("projection"), options.get("graph"), options.get("start"),
                     options.get("end"), options.get("as_of"), options.get("state"), options.get("undated", "keep"))
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
