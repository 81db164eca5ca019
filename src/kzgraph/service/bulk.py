"""Bulk loading of RDF dumps into a persistent Oxigraph store: ``kzgraph load``.

Oxigraph's bulk loader (:meth:`pyoxigraph.Store.bulk_load`) parses the files and writes the store's files
directly, without transactions and without holding the data in memory: the way to fill a store of millions of
triples, which ``kzgraph serve --store PATH`` then serves (its workers open it read-only, see
:mod:`kzgraph.service.guarded`). The format comes from each file's extension (``.nq``, ``.trig``, ``.ttl``,
``.nt``, ``.rdf``/``.xml``, ``.jsonld``; any of them gzipped, ``.gz``). Triples go to the unnamed graph or
to ``graph``; quads keep their graphs. Progress is reported by bytes read, as the loader reads them.

A load is all of it or none: the files are loaded into a staging copy beside the store (a checkpoint of the
store, hard links to its files, when there is one) that replaces the store only once every file is loaded
(:mod:`kzgraph.store.folders`). A load that fails or is killed leaves the store as it was; a load killed
while its copy replaces the store is completed when the store is opened next. The store may not be served
while it is loaded (its lock refuses it), and a server started meanwhile serves the store as it was before.
"""

from __future__ import annotations

import gc
import gzip
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from kzgraph.errors import ParseError, StoreError, UsageError
from kzgraph.store import folders

__all__ = ["LoadReport", "bulk_load", "rdf_format"]


def rdf_format(path: Path) -> ox.RdfFormat:
    """The RDF format of a file by its extension (a ``.gz`` one by the extension before it)."""
    suffixes = path.suffixes[-2:] if path.suffix == ".gz" else path.suffixes[-1:]
    extension = suffixes[0].lstrip(".").lower() if suffixes else ""
    found = ox.RdfFormat.from_extension(extension) if extension else None
    if found is None:
        raise UsageError(f"{path}: no RDF format known for the extension {extension or '(none)'!r}; name the file "
                         ".nq, .trig, .ttl, .nt, .rdf or .jsonld (optionally .gz)")
    return found


class _Counting:
    """A binary file that reports how many bytes were read from it."""

    def __init__(self, file: IO[bytes], report: Callable[[int], None]):
        self.file = file
        self.report = report

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.report(len(data))
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class LoadReport:
    """What a bulk load did: the files and the bytes read."""

    def __init__(self) -> None:
        self.files: list[Path] = []
        self.bytes = 0


def bulk_load(sources: Iterable[Path], location: Path, *, graph: str | None = None,
              progress: Callable[[Path, int], None] | None = None) -> LoadReport:
    """Load RDF files into the persistent Oxigraph store at ``location`` (created if missing) with Oxigraph's
    bulk loader; ``progress(file, bytes read so far)`` is called as the loader reads."""
    sources = list(sources)
    for source in sources:
        if not source.is_file():
            raise UsageError(f"{source}: no such file")
        rdf_format(source)
    if location.exists() and not location.is_dir():
        raise StoreError(f"{location} is a file, not an Oxigraph store folder")
    folders.recover(location)
    staging = folders.staging_path(location)
    shutil.rmtree(staging, ignore_errors=True)
    try:
        if location.exists():
            try:
                current = ox.Store(str(location))
            except OSError as error:  # locked by a server, or not a store
                raise StoreError(f"cannot open the Oxigraph store at {location} for writing: {error}") from None
            current.backup(str(staging))
            del current
        store = ox.Store(str(staging))
        report = _load(store, sources, location, graph, progress)
        store.flush()
        del store
        gc.collect()  # the staging store closed before it is moved
        folders.replace(staging, location)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report


def _load(store: ox.Store, sources: list[Path], location: Path, graph: str | None,
          progress: Callable[[Path, int], None] | None) -> LoadReport:
    report = LoadReport()
    target = ox.NamedNode(graph) if graph else None
    for source in sources:
        rdf = rdf_format(source)

        def count(size: int, source: Path = source) -> None:
            report.bytes += size
            if progress is not None:
                progress(source, report.bytes)

        base = source.resolve().as_uri()
        try:
            with gzip.open(source, "rb") if source.suffix == ".gz" else source.open("rb") as opened:
                reader = cast(IO[bytes], _Counting(cast(IO[bytes], opened), count))
                if target is not None and rdf not in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
                    store.bulk_load(reader, rdf, base_iri=base, to_graph=target)
                else:
                    store.bulk_load(reader, rdf, base_iri=base)
        except SyntaxError as error:
            raise ParseError(source, None, str(error)) from None
        except OSError as error:
            raise StoreError(f"loading {source} into {location}: {error}") from None
        report.files.append(source)
    return report
