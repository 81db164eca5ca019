"""One Python API over the stores kzgraph runs on.

``kzgraph.open()`` returns a :class:`KnowledgeGraph` whose SPARQL default graph is the union of its named
graphs (one named graph per source file, plus the graph of derived triples). Backends:

* ``"oxigraph"`` (default): pyoxigraph's in-memory store behind the rdflib API (oxrdflib); SPARQL is
  evaluated by Oxigraph's engine.
* ``"memory"``: rdflib's own in-memory store and SPARQL engine.
* a filesystem path: a persistent on-disk Oxigraph store at that path (created if missing).
* an http(s) URL: a remote SPARQL 1.1 store, queried through SPARQLWrapper
  (:class:`kzgraph.store.remote.RemoteKnowledgeGraph`, same query interface; fill it with ``kzgraph push``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import Dataset, Graph, URIRef
from rdflib.query import Result

from kzgraph.errors import StoreError
from kzgraph.namespaces import PREFIXES

__all__ = ["BACKENDS", "KnowledgeGraph", "StoreError", "open", "union_graph"]

BACKENDS = ("oxigraph", "memory")


class KnowledgeGraph:
    """A kzgraph dataset on one backend, queried with SPARQL 1.1 over the union of its named graphs."""

    def __init__(self, dataset: Dataset, backend: str, location: str | None = None, *, read_only: bool = False):
        self.dataset = dataset
        self.backend = backend
        self.location = location
        self.read_only = read_only
        for prefix, namespace in PREFIXES.items():
            dataset.bind(prefix, namespace)

    def __len__(self) -> int:
        default = self.dataset.default_graph.identifier
        return sum(len(graph) for graph in self.dataset.graphs() if graph.identifier != default)

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def graph(self, name: URIRef) -> Graph:
        return self.dataset.graph(name)

    def query(self, sparql: str, bindings: Mapping[Any, Any] | None = None) -> Result:
        """Evaluate a SPARQL 1.1 query; ``bindings`` pre-binds variables (values are rdflib terms)."""
        return self.dataset.query(sparql, initBindings=dict(bindings or {}))

    def load(self, path: Path, format: str | None = None) -> None:
        """Load an RDF dataset file (N-Quads or TriG) into the store."""
        fmt = format or {".nq": "nquads", ".trig": "trig"}.get(path.suffix, "nquads")
        if self.backend != "memory":
            fmt = "ox-" + fmt
        try:
            self.dataset.parse(path, format=fmt)
        except Exception as error:
            raise StoreError(f"{path}: {error}") from None

    def is_empty(self) -> bool:
        return not any(True for _ in self.dataset.quads((None, None, None, None)))

    def close(self) -> None:
        self.dataset.close()


def open(store: str | Path | None = None, *, dump: Path | None = None, credentials: Any = None,
         timeout: float | None = None, read_only: bool = False) -> Any:
    """Open a kzgraph store.

    ``store`` is a backend name (``"oxigraph"``, the default, or ``"memory"``), the path of a persistent
    Oxigraph store, or the http(s) URL of a remote SPARQL 1.1 store. When ``dump`` is given and a local
    store is empty, the dump (N-Quads) is loaded into it; a remote store is never loaded from a dump.
    ``credentials`` (:class:`kzgraph.store.remote.Credentials`, by default from the ``KZGRAPH_STORE_*``
    environment variables) and ``timeout`` (seconds) apply to remote stores only. ``read_only`` opens a
    persistent store without its write lock, so that any number of processes read it at once (nothing may
    write it meanwhile: a build's store is never written once published).
    """
    store = "oxigraph" if store is None else store
    from kzgraph.store import remote

    if remote.is_remote(store):
        if credentials is None:
            try:
                credentials = remote.Credentials.from_env()
            except ValueError as error:
                raise StoreError(f"store credentials in the environment: {error}") from None
        endpoint = remote.Endpoint(str(store), credentials=credentials, timeout=timeout or remote.DEFAULT_TIMEOUT)
        return remote.RemoteKnowledgeGraph(endpoint)
    if isinstance(store, str) and store in BACKENDS:
        dataset = Dataset(default_union=True) if store == "memory" else Dataset(store="Oxigraph", default_union=True)
        graph = KnowledgeGraph(dataset, store)
    else:
        path = Path(store)
        if path.exists() and not path.is_dir():
            raise StoreError(f"{path} is a file, not an Oxigraph store folder")
        if not read_only:
            from kzgraph.store import folders

            folders.recover(path)  # a load killed while its copy replaced the store
        try:
            if read_only:
                dataset = Dataset(store=OxigraphStore(store=ox.Store.read_only(str(path))), default_union=True)
            else:
                dataset = Dataset(store="Oxigraph", default_union=True)
                dataset.open(str(path), create=False)
        except Exception as error:  # pyoxigraph reports locks and corrupt stores as OSError
            raise StoreError(f"cannot open the Oxigraph store at {path}: {error}") from None
        graph = KnowledgeGraph(dataset, "oxigraph-disk", str(path), read_only=read_only)
    if dump is not None and graph.is_empty():
        graph.load(dump)
    return graph


def union_graph(kg: KnowledgeGraph, leaving_out: frozenset[URIRef] = frozenset()) -> Graph:
    """A plain rdflib graph of every triple in every named graph (what SHACL and the checks see), but those
    of the named graphs ``leaving_out``."""
    graph = Graph()
    for s, p, o, g in kg.dataset.quads((None, None, None, None)):
        if g not in leaving_out:
            graph.add((s, p, o))
    return graph
