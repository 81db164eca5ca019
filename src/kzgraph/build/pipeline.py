"""The build: load the ontology and data, derive shortcut triples, validate, and publish a dump.

``build()`` writes into a staging folder and swaps it in only when every step passed, so a failed build
leaves the previous good build (``build/current`` of the project) untouched. A build holds:

* ``kzgraph.nq`` – the whole dataset as N-Quads, one named graph per source file plus ``graph/derived``;
* ``store/`` – the same dataset as a persistent Oxigraph store, which ``kzgraph query`` and ``kzgraph serve``
  open read-only (any number of processes at once) instead of loading the dump;
* ``void.ttl`` – a VoID description with statistics (triples, entities, class and property partitions);
* ``coverage.md`` – entities per class, facts per source document and the explained warnings
  (``kzgraph build --update-coverage`` also copies it to the project's data/COVERAGE.md, which is committed
  with the data).
"""

from __future__ import annotations

import os
import shutil
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kzgraph.build import provenance
from kzgraph.build import statistics as stats
from kzgraph.build.derive import DERIVED_GRAPH, derive
from kzgraph.errors import BuildError, NoBuildError, StoreError
from kzgraph.project import Project
from kzgraph.settings import Settings
from kzgraph.store.loading import DATA_DIR, load_dataset, project_files
from kzgraph.store.local import KnowledgeGraph, union_graph
from kzgraph.store.local import open as open_store
from kzgraph.validation.validator import DEFAULT_ENGINE, Report, shapes_graph, validate_store

__all__ = ["COVERAGE_NAME", "DUMP_NAME", "STORE_NAME", "VOID_NAME", "BuildError", "BuildResult", "NoBuildError",
           "assemble", "build", "build_dir", "current_build", "open_build", "union_graph", "write_store"]

DUMP_NAME = "kzgraph.nq"
STORE_NAME = "store"
"""The build as a persistent Oxigraph store, beside its dump: opened read-only, it serves at once."""
VOID_NAME = "void.ttl"
COVERAGE_NAME = "coverage.md"


@dataclass
class BuildResult:
    folder: Path
    triples: int
    files: list[Path]
    report: Report
    seconds: float
    class_counts: dict[str, int] = field(default_factory=dict)
    #: What the build left out or took from elsewhere, and why (one sentence each), for the user to read.
    notes: list[str] = field(default_factory=list)

    @property
    def dump(self) -> Path:
        return self.folder / DUMP_NAME


def build_dir() -> Path:
    """Where builds of the default project go: ``$KZGRAPH_BUILD``, else the project's ``build/`` (see
    :class:`kzgraph.project.Project`)."""
    return Project.configured().build_root


def current_build(folder: Path | None = None) -> Path:
    return (folder or build_dir()) / "current"


def assemble(files: list[Path] | None = None, backend: str = "oxigraph", progress: Any = None,
             project: Project | None = None, extra: list[Path] | None = None) -> KnowledgeGraph:
    """Load the ontology and data files into a fresh store and apply the derivation rules.

    ``project`` gives the folders (ontology, data, derivation rules; by default the packaged project);
    ``extra`` are N-Quads files of imported data sets (kept in their own named graphs), loaded before the
    rules run so that the rules see them too.
    """
    root = project.root if project else None
    files = files if files is not None else project_files(data_dir=project.data_dir if project else DATA_DIR)
    kg = open_store(backend)
    seen: set[Any] = set()
    task = progress.add_task("loading", total=len(files) + len(extra or [])) if progress else None
    for path in files:
        load_dataset([path], kg.dataset, seen, root=root)
        if progress:
            progress.advance(task)
    for dump in extra or []:
        kg.load(dump)
        if progress:
            progress.advance(task)
    if project is not None:
        derive(kg, seen, project.derivations_dir)
    else:
        derive(kg, seen)
    return kg  # type: ignore[no-any-return]


def build(out: Path | None = None, backend: str = "oxigraph", sources: Path | None = None,
          data_dir: Path | None = None, check_provenance: bool = True, show_progress: bool = False,
          coverage_copy: Path | None = None, engine: str = DEFAULT_ENGINE, project: Project | None = None,
          extra: list[Path] | None = None) -> BuildResult:
    """Run the whole build and publish it to ``out/current``; raise :class:`BuildError` on any failure.

    ``project`` gives the folders (by default the packaged project, or the one ``data_dir`` belongs to);
    ``out`` the build folder (default: the project's). ``engine`` is the SHACL engine
    (:data:`kzgraph.validation.validator.ENGINES`). ``extra`` are N-Quads files of imported data sets. When
    ``coverage_copy`` is given, the coverage report is also written there.
    """
    started = time.perf_counter()
    if project is None:
        beside = data_dir is not None and (data_dir.parent / "ontology").is_dir()
        project = Project.configured(Settings.load(build_dir=out, sources=sources),
                                     data_dir.parent if beside and data_dir else None)
    out = out or project.build_root
    data_dir = data_dir or project.data_dir
    files = project_files(data_dir=data_dir, ontology_dir=project.ontology_dir)
    progress_cm: AbstractContextManager[Any] = _progress() if show_progress else nullcontext(None)
    with progress_cm as progress:
        kg = assemble(files, backend, progress, project=project, extra=extra)
        task = progress.add_task("validating (SHACL)", total=None) if progress else None
        shapes = shapes_graph(project.shapes_dir)
        report = validate_store(kg, shapes, engine=engine)
        if progress:
            progress.update(task, total=1, completed=1)
    if not report.conforms:
        raise BuildError(f"SHACL validation found {len(report.violations)} violation(s)", report=report)
    if check_provenance:
        sources = sources or project.sources
        if not sources.is_dir():
            raise BuildError(f"sources folder {sources} not found (set KZGRAPH_SOURCES or --sources)")
        # the curated triples, not the consequences the rules derived from them
        curated = union_graph(kg, leaving_out=frozenset({DERIVED_GRAPH}))
        problems = provenance.check_graph(curated, sources) + imported_register_problems(kg, extra or [])
        if problems:
            raise BuildError(f"provenance check found {len(problems)} problem(s)", problems=problems)
    staging = out / f".staging-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        kg.dataset.serialize(destination=staging / DUMP_NAME, format="nquads")
        write_store(staging / DUMP_NAME, staging / STORE_NAME)
        summary = stats.summarise(kg)
        stats.void_graph(summary, current_build(out) / DUMP_NAME).serialize(staging / VOID_NAME, format="turtle")
        coverage = stats.coverage_markdown(summary, report)
        (staging / COVERAGE_NAME).write_text(coverage, encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _publish(staging, current_build(out))
    if coverage_copy is not None:
        coverage_copy.write_text(coverage, encoding="utf-8")
    return BuildResult(current_build(out), summary.triples, files, report, time.perf_counter() - started,
                       summary.classes)


def write_store(dump: Path, folder: Path) -> None:
    """Write the build as a persistent Oxigraph store in ``folder``, from its dump, with Oxigraph's bulk
    loader (what ``kzgraph load`` runs); the named graphs all hold triples, so the dump has every one."""
    store = ox.Store(str(folder))
    store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    store.flush()
    del store  # releases the store's lock before the build is published


def imported_register_problems(kg: KnowledgeGraph, extra: list[Path]) -> list[str]:
    """The provenance check of imported SIPRI registers: every register transfer against the row it cites
    (:func:`kzgraph.importers.sipri.check_citations`), the register read from where its manifest says."""
    from kzgraph.importers.sipri import MANIFEST_NAME, check_citations, read_manifest

    problems: list[str] = []
    for dump in extra:
        manifest = read_manifest(dump.parent) if (dump.parent / MANIFEST_NAME).is_file() else None
        if manifest is None or dump.name != manifest["data"]["file"]:
            continue
        register = Path(manifest["source"]["path"])
        if not register.is_file():
            problems.append(f"{dump}: the register it was imported from, {register}, is not there to check against")
            continue
        problems.extend(f"{dump}: {problem}" for problem in check_citations(kg.dataset, register))
    return problems


def _publish(staging: Path, current: Path) -> None:
    """Swap the staging folder in for the current build: rename the old one aside, then remove it."""
    previous = current.with_name(f".previous-{os.getpid()}")
    if current.exists():
        current.rename(previous)
    staging.rename(current)
    if previous.exists():
        shutil.rmtree(previous)


def _progress() -> Any:
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                    transient=True)


def open_build(store: str | Path | None = None, out: Path | None = None, *, writable: bool = False) -> Any:
    """Open the last successful build without rebuilding.

    ``store`` is None (the build's own persistent store, opened read-only; or, when ``writable`` or for a
    build without one, its dump loaded into Oxigraph in memory), ``"oxigraph"`` (the dump in Oxigraph in
    memory), ``"memory"`` (the dump in rdflib's store), the path of a persistent Oxigraph store, which is
    filled from the dump only when it is empty, or the http(s) URL of a remote SPARQL 1.1 store, which is
    queried as it is (``kzgraph push`` fills it) and must hold kzgraph's graphs.
    """
    from kzgraph.store.remote import is_remote  # the remote store module imports this one

    if is_remote(store):
        kg = open_store(store)
        if kg.is_empty():
            raise StoreError(f"{store} holds no kzgraph graphs; upload the build with `kzgraph push {store}`")
        return kg
    dump = current_build(out) / DUMP_NAME
    if store is None and not writable and dump.is_file() and (dump.parent / STORE_NAME).is_dir():
        return open_store(dump.parent / STORE_NAME, read_only=True)
    if not dump.is_file():
        if store is not None and store not in ("memory", "oxigraph") and Path(store).is_dir():
            return open_store(store)  # a store filled by `kzgraph load`, served as it is
        raise NoBuildError(f"no build at {dump.parent}; run `kzgraph build` first")
    return open_store(store, dump=dump)
