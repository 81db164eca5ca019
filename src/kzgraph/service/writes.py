"""Writes: a SPARQL 1.1 Update or a Graph Store Protocol operation, SHACL-validated before it commits.

A write never touches the store before it is known to be valid. It runs in a writer process of its own
(killed if it runs past the write time limit), on a copy of the store loaded from the current snapshot:

1. the operation is applied to the copy — by Oxigraph, whatever the store's backend, so that updates have
   one meaning (SPARQL 1.1 Update, applied atomically);
2. in a store built by ``kzgraph build`` (one with the graph of derived triples), the derived triples are
   computed afresh (:mod:`kzgraph.build.derive`), as the build computes them, so that shortcuts and the class
   closure follow the write and validation sees what it sees in a build;
3. the copy is validated with :func:`validate_candidate`, the one entry point of write validation;
4. a copy with a SHACL Violation is thrown away and the write rejected with the report; otherwise the
   writer returns the difference (quads removed and added, named graphs created and dropped), which the
   server applies to its store under its write lock before it makes a new checkpoint for the workers.

The server applies a delta all of it or none (:func:`commit`): to a persistent store, it first writes the
delta to a journal beside the store (``<store>.journal``, written whole, synced and renamed into place),
then applies it and syncs the store, then removes the journal. A process killed at any moment leaves either
no journal (the store holds the write entirely, or not at all) or a whole journal, which :func:`recover`
applies again — applying a delta twice changes nothing — when the store is served next. A store in memory
(``--store memory``, or the embedded default) loses every write when its process ends.

Blank nodes keep their labels through snapshots and deltas, so that a delta names the very nodes it removes.
"""

from __future__ import annotations

import os
import pickle
import signal
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import Dataset, URIRef

from kzgraph import errors
from kzgraph.errors import GraphNotFound, PayloadError, UnsupportedMediaType, WriteRejected
from kzgraph.sparql.evaluation import Snapshot, named_graph_iris, oxigraph_store, rdflib_quads
from kzgraph.sparql.inspection import describe_update_error, inspect_update
from kzgraph.store.folders import sync_folder
from kzgraph.store.local import KnowledgeGraph

if TYPE_CHECKING:  # validation and derivation are imported by the writer process only, when it writes
    from kzgraph.validation.validator import Report

__all__ = ["PAYLOAD_FORMATS", "Delta", "GraphNotFound", "PayloadError", "UnsupportedMediaType", "Write",
           "WriteRejected", "WriterReply", "apply", "apply_delta", "apply_quads", "candidate", "commit",
           "journal_path", "knowledge_graph", "payload_format", "perform", "recover", "rederive", "report_json",
           "serve", "validate_candidate"]

# Graph Store Protocol payloads (SPARQL 1.1 Graph Store HTTP Protocol §5.6), media type -> pyoxigraph format.
PAYLOAD_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


@dataclass(frozen=True)
class Write:
    """One write: ``kind`` is ``update`` (SPARQL text in ``text``, with the protocol's ``using_graphs`` and
    ``using_named_graphs``) or a graph store operation — ``put`` (replace) or ``post`` (merge) with RDF
    ``payloads`` as (bytes, media type) pairs, or ``delete`` — on ``graph`` (None: the unnamed graph)."""

    kind: str
    text: str | None = None
    graph: str | None = None
    payloads: tuple[tuple[bytes, str], ...] = ()
    base: str | None = None
    prefixes: dict[str, str] = field(default_factory=dict)
    using_graphs: tuple[str, ...] = ()
    using_named_graphs: tuple[str, ...] = ()
    allowed_services: tuple[str, ...] = ()


@dataclass
class Delta:
    """What a write changed: quads (pyoxigraph Quads) removed and added, named graphs dropped and created."""

    removed: list[ox.Quad] = field(default_factory=list)
    added: list[ox.Quad] = field(default_factory=list)
    graphs_dropped: list[str] = field(default_factory=list)
    graphs_created: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.removed or self.added or self.graphs_dropped or self.graphs_created)


#: A writer's reply: ``("ok", delta)``, or ``("error", the kzgraph error to raise in the server)`` — a
#: :class:`~kzgraph.errors.WriteRejected` with the report when validation found a Violation.
WriterReply = tuple[Literal["ok"], "Delta"] | tuple[Literal["error"], errors.KzgraphError]


def validate_candidate(kg: KnowledgeGraph) -> Report:
    """The SHACL validation a write must pass: the whole candidate store, as ``kzgraph build`` validates it
    (the ``sparql`` engine, on the store where it is; :func:`kzgraph.validation.validator.validate_store`)."""
    from kzgraph.validation.validator import validate_store

    return validate_store(kg)


def report_json(report: Report) -> list[dict[str, Any]]:
    """The results of a report as JSON-ready dicts: severity, focus, path, value, message, shape."""
    return [result.as_dict() for result in report.results]


def payload_format(media_type: str | None) -> ox.RdfFormat:
    media = (media_type or "").split(";")[0].strip().lower()
    if media not in PAYLOAD_FORMATS:
        raise UnsupportedMediaType(f"unsupported RDF media type {media or '(none)'!r}; send one of "
                           f"{', '.join(sorted(PAYLOAD_FORMATS))}")
    return PAYLOAD_FORMATS[media]


def _payload_quads(write: Write, graph: ox.NamedNode | ox.DefaultGraph) -> list[ox.Quad]:
    quads: list[ox.Quad] = []
    for payload, media_type in write.payloads:
        rdf_format = payload_format(media_type)
        try:
            triples = ox.parse(payload, format=rdf_format, base_iri=write.base, rename_blank_nodes=True,
                               without_named_graphs=True)
            quads += [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]
        except (SyntaxError, ValueError) as error:
            raise PayloadError(f"the {media_type} payload is not valid: {error}") from None
    return quads


def apply(store: ox.Store, write: Write) -> None:
    """Apply a write to a pyoxigraph store; an update is inspected first
    (:func:`kzgraph.sparql.inspection.inspect_update`)."""
    graph = ox.DefaultGraph() if write.graph is None else ox.NamedNode(write.graph)
    if write.kind == "update":
        plan = inspect_update(write.text or "", graphs=named_graph_iris(store), allowed_services=write.allowed_services,
                              base=write.base, prefixes=write.prefixes, using_graphs=write.using_graphs,
                              using_named_graphs=write.using_named_graphs)
        store.update(plan.text, base_iri=write.base, prefixes=write.prefixes)
    elif write.kind in ("put", "post"):
        quads = _payload_quads(write, graph)
        if write.kind == "put":
            if write.graph is None:
                store.clear_graph(graph)
            else:
                store.remove_graph(graph)
        if write.graph is not None:
            store.add_graph(graph)
        store.extend(quads)
    elif write.kind == "delete":
        if isinstance(graph, ox.DefaultGraph):
            store.clear_graph(graph)
        elif not store.contains_named_graph(graph):
            raise GraphNotFound(f"the store has no graph <{write.graph}>")
        else:
            store.remove_graph(graph)
    else:
        raise ValueError(f"unknown write {write.kind!r}")


def candidate(snapshot: Snapshot, write: Write) -> tuple[ox.Store, Delta]:
    """A copy of the snapshot with the write applied, and what the write changed."""
    from kzgraph.build.derive import DERIVED_GRAPH

    store = oxigraph_store(snapshot)
    before, graphs_before = set(store), named_graph_iris(store)
    apply(store, write)
    if str(DERIVED_GRAPH) in graphs_before:
        rederive(store)
    after, graphs_after = set(store), named_graph_iris(store)
    return store, Delta(removed=list(before - after), added=list(after - before),
                        graphs_dropped=sorted(graphs_before - graphs_after),
                        graphs_created=sorted(graphs_after - graphs_before))


def rederive(store: ox.Store) -> None:
    """Compute the graph of derived triples afresh from the rest of the store (as ``kzgraph build`` does)."""
    from kzgraph.build.derive import DERIVED_GRAPH, derive

    store.remove_graph(ox.NamedNode(str(DERIVED_GRAPH)))
    derive(knowledge_graph(store))


def knowledge_graph(store: ox.Store) -> KnowledgeGraph:
    """A pyoxigraph store behind kzgraph's Python API (what validation takes)."""
    return KnowledgeGraph(Dataset(store=OxigraphStore(store=store), default_union=True), "oxigraph")


def perform(snapshot: Snapshot, write: Write) -> WriterReply:
    """Apply, validate, and return ``("ok", delta)`` or ``("error", error)`` (:class:`WriteRejected` with the
    report when validation found a Violation)."""
    from kzgraph.service.workers import portable

    try:
        store, delta = candidate(snapshot, write)
    except (PayloadError, GraphNotFound, errors.QuerySyntaxError, errors.QueryRefused) as error:
        return ("error", portable(error))
    except SyntaxError as error:  # Oxigraph's parser, in rdflib's words where they are affordable
        return ("error", describe_update_error(write.text or "", write.prefixes)
                or errors.QuerySyntaxError(f"SPARQL update syntax error: {error}"))
    except MemoryError:
        return ("error", errors.WorkerCrashed("the write needed more memory than a writer may use"))
    except Exception as error:  # evaluation errors of the update
        return ("error", errors.QueryError(f"update failed: {error}"))
    if not delta:
        return ("ok", delta)
    report = validate_candidate(knowledge_graph(store))
    if not report.conforms:
        results = report_json(report)
        violations = sum(1 for r in results if r["severity"] == "Violation")
        return ("error", portable(WriteRejected(f"the write was rejected: SHACL validation found {violations} "
                                                "violation(s); the store is unchanged", results)))
    return ("ok", delta)


def serve(connection: Connection, snapshot: Snapshot, write: Write, memory_limit_mb: int | None) -> None:
    """A writer process: perform one write and send the reply."""
    from kzgraph.service.workers import die_with, limit_memory

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with(None)
    limit_memory(memory_limit_mb)
    connection.send(perform(snapshot, write))
    connection.close()


def journal_path(location: str | Path) -> Path:
    """The journal of a persistent store: ``<store>.journal`` beside its folder."""
    folder = Path(location).resolve()
    return folder.with_name(folder.name + ".journal")


def apply_quads(store: ox.Store, delta: Delta) -> None:
    """Apply a delta to a pyoxigraph store (applying it again changes nothing: its removals and additions
    are disjoint)."""
    for quad in delta.removed:
        store.remove(quad)
    for name in delta.graphs_dropped:
        store.remove_graph(ox.NamedNode(name))
    for name in delta.graphs_created:
        store.add_graph(ox.NamedNode(name))
    store.extend(delta.added)



def commit(store: ox.Store, delta: Delta, journal: Path) -> None:
    """Apply a delta to a persistent store, all of it or none, whatever kills the process and when: the
    journal first (written whole, synced, renamed into place), then the store (synced), then no journal."""
    partial = journal.with_name(journal.name + ".partial")
    with partial.open("wb") as file:
        pickle.dump(delta, file, protocol=pickle.HIGHEST_PROTOCOL)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, journal)
    sync_folder(journal.parent)
    apply_quads(store, delta)
    store.flush()
    journal.unlink()
    sync_folder(journal.parent)


def recover(store: ox.Store, journal: Path) -> bool:
    """Complete the write a crash interrupted, if there is one (a whole journal beside the store): True if a
    write was completed. A partial journal is a write that was never applied, and is removed."""
    journal.with_name(journal.name + ".partial").unlink(missing_ok=True)
    if not journal.is_file():
        return False
    with journal.open("rb") as file:
        delta = pickle.load(file)
    if not isinstance(delta, Delta):
        raise errors.StoreError(f"{journal} is not a kzgraph write journal; move it away to serve the store")
    apply_quads(store, delta)
    store.flush()
    journal.unlink()
    return True


def apply_delta(kg: KnowledgeGraph, delta: Delta) -> None:
    """Apply a validated delta to the server's store (removals first, then additions)."""
    dataset = kg.dataset
    for quad in rdflib_quads(dataset, delta.removed):
        dataset.remove(quad)
    for name in delta.graphs_dropped:
        dataset.remove_graph(URIRef(name))
    for name in delta.graphs_created:
        dataset.graph(URIRef(name))
    dataset.addN(rdflib_quads(dataset, delta.added))
