"""The store as the endpoint serves it: every query guarded, every write validated before it commits.

:class:`GuardedStore` has the query interface of :class:`~kzgraph.store.local.KnowledgeGraph` —
``.query(sparql) -> rdflib.query.Result`` — and is what ``create_app`` puts into ``app.state.kg``, so that
every router (the SPARQL protocol, the metrics, the pages) is guarded the same way:

* the query is at most ``max_query_length`` characters long (else :class:`QueryTooLong`);
* it is parsed and inspected (:mod:`kzgraph.sparql.inspection`): a syntax error or a reach outside the store (SERVICE
  off the allow-list, a graph the store does not hold) raises a :class:`~kzgraph.errors.QueryError`;
* it is evaluated in a worker process (:mod:`kzgraph.service.workers`) and stopped after ``timeout`` seconds
  (:class:`~kzgraph.errors.QueryTimeout`, an :class:`~kzgraph.errors.Unavailable`, as are a request that finds
  every worker busy for as long and a worker that dies);
* a result is cut after ``max_rows`` rows (or triples); ``result.truncated`` then says so.

Writes (:meth:`GuardedStore.update` and the graph store operations) are validated first
(:mod:`kzgraph.service.writes`) and applied under a lock, so that a reader sees the store before or after a write,
never in between; a write with a SHACL Violation raises :class:`~kzgraph.errors.WriteRejected` and leaves
the store unchanged. Who may write is the HTTP layer's decision (a token). Workers and writers send their
errors back as the kzgraph errors themselves, which are raised here again.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast

import pyoxigraph as ox

from kzgraph.errors import (
    GraphNotFound,
    KzgraphError,
    NotServable,
    Overloaded,
    PayloadError,
    QueryTimeout,
    QueryTooLong,
    StoreError,
    Unavailable,
    WorkerCrashed,
    WriteRejected,
    WriteTimeout,
)
from kzgraph.service import prestart
from kzgraph.service import writes as writes_module
from kzgraph.service.workers import (
    QueryRequest,
    Reply,
    Request,
    StreamMessage,
    WorkerConfig,
    WorkerPool,
    context,
)
from kzgraph.service.writes import Delta, Write, WriterReply, apply_delta, apply_quads, commit, journal_path, recover
from kzgraph.settings import Settings
from kzgraph.sparql.evaluation import Answer, LimitedResult, Snapshot, Triple, checkpoint, write_snapshot
from kzgraph.sparql.serialization import Written, serialize_result, stream_tail

if TYPE_CHECKING:
    from kzgraph.store.local import KnowledgeGraph
    from kzgraph.store.remote import RemoteKnowledgeGraph

__all__ = ["AnswerStream", "GraphNotFound", "GuardedStore", "Limits", "NotServable", "Overloaded", "PayloadError",
           "QueryTimeout", "QueryTooLong", "RemoteGuardedStore", "Unavailable", "WorkerCrashed", "WriteRejected",
           "WriteTimeout", "guard"]


@dataclass(frozen=True)
class Limits:
    """The limits of a guarded store.

    ``timeout``: seconds a query may run; ``max_rows``: rows (or triples) of a result before it is cut
    (None: no limit); ``max_query_length``: characters of a query or update text; ``wait``: seconds a
    request waits for a free worker (default: ``timeout``); ``write_timeout``: seconds a write may take,
    validation included; ``workers``: query worker processes; ``memory_limit_mb``: address space of each
    worker and writer process (None: no limit); ``max_result_bytes``: bytes of one answer written for the
    protocol (what the server holds of it at most; None: no limit).
    """

    timeout: float = 30.0
    max_rows: int | None = 10_000
    max_query_length: int = 100_000
    wait: float | None = None
    write_timeout: float = 600.0
    workers: int = 2
    memory_limit_mb: int | None = 4096
    max_result_bytes: int | None = 256 * 1024 * 1024


def _check_length(text: str, limits: Limits) -> None:
    if len(text) > limits.max_query_length:
        raise QueryTooLong(f"the request is {len(text)} characters long; this endpoint accepts at most "
                           f"{limits.max_query_length}")




def _release(pool: WorkerPool, folder: Path) -> None:
    pool.close()
    shutil.rmtree(folder, ignore_errors=True)


def _oxigraph_store(kg: KnowledgeGraph) -> ox.Store | None:
    """The pyoxigraph store behind a knowledge graph on an Oxigraph backend (None: rdflib's backend)."""
    inner = getattr(kg.dataset.store, "_inner", None)
    return inner if isinstance(inner, ox.Store) else None


def _scratch_folder(kg: KnowledgeGraph) -> Path:
    """Where the checkpoints go: beside a persistent store (the same file system, so that a checkpoint
    hard-links the store's files instead of copying them), else the system's temporary folder. A build's
    read-only store lies in the build folder that the next build replaces: its checkpoints go beside that
    folder, so that a server keeps answering from them while the project is built again."""
    if kg.location:
        parent = Path(kg.location).resolve().parent
        if getattr(kg, "read_only", False):
            parent = parent.parent
        for stale in parent.glob(".kzgraph-serving-*-*"):  # left by a server that was killed
            pid = stale.name.split("-")[2]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists() and Path("/proc/self").exists():
                shutil.rmtree(stale, ignore_errors=True)
        try:
            return Path(tempfile.mkdtemp(prefix=f".kzgraph-serving-{os.getpid()}-", dir=parent))
        except OSError:
            pass
    return Path(tempfile.mkdtemp(prefix="kzgraph-endpoint-"))


class GuardedStore:
    """A :class:`~kzgraph.store.local.KnowledgeGraph` behind the endpoint's guard; see the module docstring."""

    def __init__(self, kg: KnowledgeGraph, limits: Limits | None = None, allowed_services: Iterable[str] = ()):
        if getattr(kg, "dataset", None) is None:  # a remote store, given by an untyped caller
            raise NotServable(f"a GuardedStore serves a local store (Oxigraph or rdflib's); "
                              f"{type(kg).__name__} is not one: serve a remote store with RemoteGuardedStore")
        self.kg = kg
        self.limits = limits or Limits()
        prefixes = {prefix: str(namespace) for prefix, namespace in kg.dataset.namespaces()}
        self.config = WorkerConfig(backend="memory" if kg.backend == "memory" else "oxigraph",
                                   prefixes=prefixes, allowed_services=tuple(allowed_services),
                                   memory_limit_mb=self.limits.memory_limit_mb, server_pid=os.getpid())
        self.generation = 0  # how many writes committed since the server started
        self._folder: Path | None = None
        self._snapshot: Snapshot | None = None
        self._pool: WorkerPool | None = None
        # the persistent Oxigraph store that workers read checkpoints of: a persistent store itself, or, for a
        # store in memory, a copy made when the endpoint starts
        self._inner = _oxigraph_store(kg)
        self._serving: ox.Store | None = None
        self._start_lock = threading.Lock()
        self._write_lock = threading.Lock()
        prestart()

    # -- life cycle -------------------------------------------------------------------------------------
    def start(self) -> None:
        """Make the first checkpoint (or snapshot) and start the workers (done by the first request if not
        called). A persistent store first completes a write that a crash interrupted (:func:`recover`)."""
        with self._start_lock:
            if self._pool is None:
                self._folder = _scratch_folder(self.kg)
                if self._inner is not None:
                    if self.kg.location:
                        if not getattr(self.kg, "read_only", False):
                            recover(self._inner, journal_path(self.kg.location))
                        self._serving = self._inner
                    else:
                        self._serving = ox.Store(str(self._folder / "serving"))
                        self._serving.bulk_extend(self._inner.quads_for_pattern(None, None, None, None))
                        for graph in self._inner.named_graphs():
                            self._serving.add_graph(graph)
                self._snapshot = self._write_snapshot(0)
                self._pool = WorkerPool(self.limits.workers, self.config, self._snapshot)
                # stop the workers and remove the checkpoints even if close() is never called
                self._release = weakref.finalize(self, _release, self._pool, self._folder)

    def close(self) -> None:
        """Stop the workers and remove the checkpoints (the store itself stays open)."""
        with self._start_lock:
            if self._pool is not None:
                self._serving = None
                self._release()
                self._pool = None
                self._folder = None

    def __enter__(self) -> GuardedStore:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self.kg)

    @property
    def backend(self) -> str:
        return self.kg.backend

    @property
    def busy(self) -> int:
        """How many query workers are evaluating a request now."""
        return self._pool.busy if self._pool is not None else 0

    def _write_snapshot(self, generation: int) -> Snapshot:
        assert self._folder is not None, "started"
        if self._serving is not None:
            snapshot = checkpoint(self._serving, self._folder / f"generation-{generation}", generation,
                                  read_only=getattr(self.kg, "read_only", False))
            # a worker may still be answering from the last two
            shutil.rmtree(self._folder / f"generation-{generation - 3}", ignore_errors=True)
            return snapshot
        path = self._folder / f"snapshot-{generation}.nq"
        snapshot = write_snapshot(self.kg.dataset, path, generation)
        stale = self._folder / f"snapshot-{generation - 2}.nq"  # a worker may still be reading the last one
        stale.unlink(missing_ok=True)
        return snapshot

    # -- reading ----------------------------------------------------------------------------------------
    def _pool_started(self) -> WorkerPool:
        self.start()
        assert self._pool is not None, "started"
        return self._pool

    def _call(self, message: Request, timeout: float | None, key: str | None = None) -> Reply:
        pool = self._pool_started()
        wait = self.limits.wait if self.limits.wait is not None else self.limits.timeout
        return pool.call(message, timeout, wait, key)

    def query(self, sparql: str, *, base: str | None = None, default_graphs: Iterable[str] | None = None,
              named_graphs: Iterable[str] | None = None) -> LimitedResult:
        """Evaluate a SPARQL 1.1 query within the limits; see the module docstring for what it raises.

        ``default_graphs`` / ``named_graphs`` give the dataset as the protocol's ``default-graph-uri`` /
        ``named-graph-uri`` do; ``base`` resolves relative IRIs (the endpoint's URL over HTTP).
        """
        _check_length(sparql, self.limits)
        request: QueryRequest = {"query": sparql, "base": base, "max_rows": self.limits.max_rows,
                                 "default_graphs": None if default_graphs is None else list(default_graphs),
                                 "named_graphs": None if named_graphs is None else list(named_graphs),
                                 "max_bytes": self.limits.max_result_bytes}
        reply = self._call(("query", request), self.limits.timeout, sparql)
        if reply[0] == "error":
            raise reply[1]
        return cast(Answer, reply[1]).result()

    def query_written(self, sparql: str, media: dict[str, str], *, base: str | None = None,
                      default_graphs: Iterable[str] | None = None,
                      named_graphs: Iterable[str] | None = None) -> Written:
        """Evaluate a query as :meth:`query` does and have the worker write its answer in the media type
        negotiated for its form (``media``: form -> media type): the server gets bytes, at most
        ``max_result_bytes`` of them (:class:`~kzgraph.sparql.serialization.ResultTooLarge`)."""
        reply = self._call(("write", self._written_request(sparql, media, base, default_graphs, named_graphs)),
                           self.limits.timeout, sparql)
        if reply[0] == "error":
            raise reply[1]
        return cast(Written, reply[1])

    async def aquery_written(self, sparql: str, media: dict[str, str], *, base: str | None = None,
                             default_graphs: Iterable[str] | None = None,
                             named_graphs: Iterable[str] | None = None) -> Written:
        """:meth:`query_written`, awaited on the event loop (no thread while a worker is free)."""
        request = self._written_request(sparql, media, base, default_graphs, named_graphs)
        pool = self._pool_started()
        wait = self.limits.wait if self.limits.wait is not None else self.limits.timeout
        reply = await pool.acall(("write", request), self.limits.timeout, wait, sparql)
        if reply[0] == "error":
            raise reply[1]
        return cast(Written, reply[1])

    def _written_request(self, sparql: str, media: dict[str, str], base: str | None,
                         default_graphs: Iterable[str] | None, named_graphs: Iterable[str] | None) -> QueryRequest:
        _check_length(sparql, self.limits)
        return {"query": sparql, "base": base, "max_rows": self.limits.max_rows,
                "default_graphs": None if default_graphs is None else list(default_graphs),
                "named_graphs": None if named_graphs is None else list(named_graphs),
                "media": dict(media), "max_bytes": self.limits.max_result_bytes}

    async def astream(self, sparql: str, media: dict[str, str], *, base: str | None = None,
                      default_graphs: Iterable[str] | None = None,
                      named_graphs: Iterable[str] | None = None) -> AnswerStream:
        """A query's whole answer, streamed from a worker in the media type negotiated for its form (``media``,
        among :data:`~kzgraph.sparql.serialization.STREAM_TYPES`): no row limit, but the byte limit
        (``max_result_bytes``) and the time limit (``timeout``, for the whole answer) end it early, which
        :attr:`AnswerStream.cut` then says. An error before the first row is raised here."""
        request = self._written_request(sparql, media, base, default_graphs, named_graphs)
        request["max_rows"] = None
        pool = self._pool_started()
        wait = self.limits.wait if self.limits.wait is not None else self.limits.timeout
        return await AnswerStream(pool.astream(("stream", request), self.limits.timeout, wait)).open()

    def graph_names(self) -> list[str]:
        """The names of the store's named graphs, empty ones included (those of the current snapshot)."""
        self.start()
        assert self._snapshot is not None, "started"
        return list(self._snapshot.graphs)

    def graph_triples(self, name: str | None) -> list[Triple] | None:
        """The triples of a named graph (None: the store's unnamed graph), or None if the store has no such
        graph. A whole graph, not cut by ``max_rows``."""
        reply = self._call(("graph", name), self.limits.timeout)
        if reply[0] == "error":
            raise reply[1]
        return cast("list[Triple] | None", reply[1])

    # -- writing ----------------------------------------------------------------------------------------
    def update(self, sparql: str, *, base: str | None = None, using_graphs: Iterable[str] = (),
               using_named_graphs: Iterable[str] = ()) -> Delta:
        """Apply a SPARQL 1.1 Update request if the result validates; return what it changed."""
        _check_length(sparql, self.limits)
        return self.write(Write("update", text=sparql, base=base, using_graphs=tuple(using_graphs),
                                using_named_graphs=tuple(using_named_graphs)))

    def put_graph(self, name: str | None, payload: bytes, media_type: str, base: str | None = None) -> Delta:
        """Replace a graph's content with an RDF document (Graph Store Protocol §5.3)."""
        return self.write(Write("put", graph=name, payloads=((payload, media_type),), base=base or name))

    def post_graph(self, name: str | None, payloads: Iterable[tuple[bytes, str]], base: str | None = None) -> Delta:
        """Merge RDF documents, as (bytes, media type) pairs, into a graph (Graph Store Protocol §5.5)."""
        return self.write(Write("post", graph=name, payloads=tuple(payloads), base=base or name))

    def delete_graph(self, name: str | None) -> Delta:
        """Drop a named graph (:class:`GraphNotFound` if there is none), or empty the unnamed graph (§5.4)."""
        return self.write(Write("delete", graph=name))

    def write(self, write: Write) -> Delta:
        """Perform a write in a writer process, validate it there, and commit it here if it is valid."""
        if getattr(self.kg, "read_only", False):
            raise NotServable(f"the store at {self.kg.location} is open read-only (a build's store): serve a "
                              "writable copy (`kzgraph serve --update-token …` loads the build into memory, or "
                              "`kzgraph load` it into a store of its own and serve that with --store)")
        write = replace(write, prefixes=self.config.prefixes, allowed_services=self.config.allowed_services)
        pool = self._pool_started()
        with self._write_lock:
            reply = self._run_writer(write)
            if reply[0] == "error":
                raise reply[1]
            delta = reply[1]
            if delta:
                self._commit(delta)
                self.generation += 1
                self._snapshot = self._write_snapshot(self.generation)
                pool.refresh(self._snapshot)
            return delta

    def _commit(self, delta: Delta) -> None:
        """Apply a validated delta to the store, all of it or none: a persistent store journals it first, so
        that a write a crash interrupts is completed when the store is served again (:func:`recover`); a store
        in memory is gone with its process anyway."""
        if self._inner is not None and self.kg.location:
            commit(self._inner, delta, journal_path(self.kg.location))
            return
        apply_delta(self.kg, delta)
        if self._serving is not None:
            apply_quads(self._serving, delta)
            self._serving.flush()

    def _run_writer(self, write: Write) -> WriterReply:
        ctx = context()
        connection, child = ctx.Pipe()
        process = ctx.Process(target=writes_module.serve, daemon=True, name="kzgraph-writer",
                              args=(child, self._snapshot, write, self.limits.memory_limit_mb))
        process.start()
        child.close()
        try:
            if not connection.poll(self.limits.write_timeout):
                raise WriteTimeout(f"the write was stopped after {self.limits.write_timeout:g} s, the time limit "
                                   "for writes; the store is unchanged")
            try:
                return cast(WriterReply, connection.recv())
            except EOFError:
                process.join(5)
                raise WorkerCrashed(f"the writer stopped (exit code {process.exitcode}); the store is "
                                    "unchanged") from None
        finally:
            if process.is_alive():
                process.kill()
            process.join(5)
            connection.close()


class AnswerStream:
    """An answer streamed from a worker (:meth:`GuardedStore.astream`): its form and media type, its pieces
    (:meth:`chunks`), then how many rows or triples it held and, if a limit ended it early, why (:attr:`cut`)
    and the end that says so in the body (:meth:`tail`)."""

    def __init__(self, pieces: AsyncGenerator[StreamMessage, None]):
        self._pieces = pieces
        self.form = self.media = ""
        self.count = 0
        self.cut: str | None = None
        self.ended = False

    async def open(self) -> AnswerStream:
        """Read the first piece: the form and media type, or the error that stops the query (raised)."""
        try:
            kind, value = await anext(self._pieces)
        except BaseException:
            await self._pieces.aclose()
            raise
        if kind == "error":
            await self._pieces.aclose()
            raise cast(KzgraphError, value)
        self.form, self.media = cast(tuple[str, str], value)
        return self

    async def chunks(self) -> AsyncIterator[bytes]:
        """The bytes of the answer as they come; a time limit or a worker that dies ends them (:attr:`cut`)."""
        try:
            async for kind, value in self._pieces:
                if kind == "chunk":
                    yield cast(bytes, value)
                elif kind == "end":
                    self.count, self.cut = cast(tuple[int, str | None], value)
                    self.ended = True
        except (QueryTimeout, WorkerCrashed) as error:
            self.cut = str(error)
            self.ended = True

    def tail(self) -> bytes | None:
        """The end of the answer, which says where it was cut (None: CSV and TSV, which cannot say it)."""
        return stream_tail(self.form, self.media, self.cut)

    async def aclose(self) -> None:
        """Stop reading: a worker still writing is stopped and replaced."""
        await self._pieces.aclose()


class RemoteGuardedStore:
    """A remote SPARQL 1.1 store (:class:`~kzgraph.store.remote.RemoteKnowledgeGraph`) behind the endpoint's guard.

    Queries pass the same checks as on a :class:`GuardedStore` (length, syntax, SERVICE allow-list, graphs the
    store holds) and the same row limit; the remote store evaluates them, and a request that waits longer
    than ``timeout`` seconds for its answer is given up (:class:`~kzgraph.service.workers.QueryTimeout`) — stopping the
    evaluation itself is the remote store's business. It is read-only: writes go to the remote store itself
    (``kzgraph push``, or its own update endpoint).
    """

    backend = "remote"
    busy = 0
    generation = 0

    def __init__(self, kg: RemoteKnowledgeGraph, limits: Limits | None = None, allowed_services: Iterable[str] = ()):
        from kzgraph.namespaces import PREFIXES
        from kzgraph.sparql.evaluation import RemoteEngine
        from kzgraph.store.remote import Endpoint, RemoteKnowledgeGraph

        self.limits = limits or Limits()
        endpoint = kg.endpoint
        timed = Endpoint(endpoint.url, endpoint.update_url, endpoint.credentials, timeout=self.limits.timeout)
        self.kg = RemoteKnowledgeGraph(timed, sizes=kg.sizes)  # the same store, asked once
        self.engine = RemoteEngine(self.kg)
        self.prefixes = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
        self.allowed_services = tuple(allowed_services)

    def start(self) -> None:
        """Nothing to start: every request opens its own connection."""

    def close(self) -> None:
        """Nothing to release."""

    def __len__(self) -> int:
        return len(self.kg)

    def query(self, sparql: str, *, base: str | None = None, default_graphs: Iterable[str] | None = None,
              named_graphs: Iterable[str] | None = None) -> LimitedResult:
        """Inspect a query as :meth:`GuardedStore.query` does, then have the remote store evaluate it."""
        from kzgraph.sparql.inspection import inspect_query_text
        from kzgraph.store.remote import RemoteTimeout

        _check_length(sparql, self.limits)
        plan = inspect_query_text(sparql, graphs=self.engine.graphs(), allowed_services=self.allowed_services,
                             base=base, prefixes=self.prefixes, default_graphs=default_graphs,
                             named_graphs=named_graphs)
        try:
            return self.engine.evaluate(plan, self.limits.max_rows).result()
        except RemoteTimeout as error:
            raise QueryTimeout(str(error)) from None
        except StoreError as error:  # the store went away or refuses us
            raise Unavailable(str(error)) from None

    def query_written(self, sparql: str, media: dict[str, str], *, base: str | None = None,
                      default_graphs: Iterable[str] | None = None,
                      named_graphs: Iterable[str] | None = None) -> Written:
        """:meth:`query`, its answer written in the media type negotiated for its form."""
        from kzgraph.errors import NotAcceptable

        result = self.query(sparql, base=base, default_graphs=default_graphs, named_graphs=named_graphs)
        form = str(result.type)
        if form not in media:
            raise NotAcceptable(f"a {form} query has no answer in the media types the request accepts")
        return Written(form, media[form], serialize_result(result, media[form]), truncated=result.truncated)

    def graph_names(self) -> list[str]:
        return sorted(self.engine.graphs())

    def graph_triples(self, name: str | None) -> list[Triple] | None:
        return self.engine.graph_triples(name)

    def _read_only(self, *args: object, **kwargs: object) -> NoReturn:
        raise NotServable("this endpoint serves a remote store read-only: write to that store itself "
                          "(`kzgraph push`, or its own update endpoint)")

    update = put_graph = post_graph = delete_graph = write = _read_only


def guard(kg: Any, settings: Settings) -> GuardedStore | RemoteGuardedStore:
    """The store behind the guard, with the limits of the settings: a local store in worker processes, or a
    remote store queried through its endpoint (read-only)."""
    limits = Limits(timeout=settings.timeout, max_rows=settings.max_rows, max_query_length=settings.max_query_length,
                    workers=settings.workers, memory_limit_mb=settings.memory_limit_mb,
                    write_timeout=settings.write_timeout)
    from kzgraph.store.remote import RemoteKnowledgeGraph

    if isinstance(kg, RemoteKnowledgeGraph):
        if settings.update_token:
            raise NotServable("a remote store is served read-only: write to that store itself (`kzgraph push`, or "
                              "its own update endpoint); leave out the update token")
        return RemoteGuardedStore(kg, limits, allowed_services=settings.allowed_services)
    return GuardedStore(kg, limits, allowed_services=settings.allowed_services)
