"""Worker processes: where the endpoint parses, inspects and evaluates SPARQL, one request at a time.

Neither pyoxigraph (0.5: no cancellation of a running query from Python) nor rdflib can stop a query once
it runs, so a query that runs past its time limit is stopped by killing the process that runs it, and a
fresh worker takes its place; the server itself never evaluates SPARQL and keeps answering other clients.
Each worker holds its own copy of the store, loaded from a :class:`~kzgraph.sparql.evaluation.Snapshot` (about 0.3 s
and a few hundred MB for the 40 000 triples of the curated graph); after a write, workers reload the new
snapshot before their next query. A worker may be given an address-space limit, so that a query that would
eat the machine's memory kills its worker instead.

Processes start from a fork server that has imported this module (no import cost per worker) where the
platform has one, else by spawning.
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import signal
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from typing import Literal, TypedDict, cast

from kzgraph import errors
from kzgraph.errors import Overloaded, QueryTimeout, Unavailable, WorkerCrashed
from kzgraph.sparql.evaluation import Answer, Engine, Snapshot, Triple, load_engine
from kzgraph.sparql.inspection import inspect_query

__all__ = ["Overloaded", "QueryRequest", "QueryTimeout", "QueryWorker", "Reply", "Request", "Unavailable",
           "WorkerConfig", "WorkerCrashed", "WorkerPool", "context", "limit_memory", "portable", "serve"]


class QueryRequest(TypedDict):
    """What a worker is asked to evaluate: the query text and the dataset and limits it runs with."""

    query: str
    base: str | None
    max_rows: int | None
    default_graphs: list[str] | None
    named_graphs: list[str] | None


#: A request to a worker: evaluate a query, or give the triples of a graph (None: the unnamed graph).
Request = tuple[Literal["query"], QueryRequest] | tuple[Literal["graph"], str | None]
#: A worker's or writer's reply: ``("ok", value)``, or ``("error", the kzgraph error to raise in the server)``.
Reply = tuple[Literal["ok"], Answer | list[Triple] | None] | tuple[Literal["error"], errors.KzgraphError]


@dataclass(frozen=True)
class WorkerConfig:
    """What every worker of an endpoint shares: its backend, predeclared prefixes, SERVICE allow-list and
    memory limit (MB of address space, None for no limit)."""

    backend: str = "oxigraph"
    prefixes: dict[str, str] = field(default_factory=dict)
    allowed_services: tuple[str, ...] = ()
    memory_limit_mb: int | None = None


def context() -> ForkServerContext | SpawnContext:
    """The multiprocessing context workers start from: a fork server with this module imported, or spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["kzgraph.service.workers", "kzgraph.service.writes"])
        return ctx
    return multiprocessing.get_context("spawn")


def limit_memory(megabytes: int | None) -> None:
    if megabytes:
        import resource

        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def portable(error: errors.KzgraphError) -> errors.KzgraphError:
    """The error itself if it can travel to the server through a pipe (pickled), else a KzgraphError with its
    message (an error whose ``__init__`` arguments are not its ``args`` cannot be unpickled)."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return errors.KzgraphError(str(error), headers=error.headers)
    return error


def _answer(engine: Engine, config: WorkerConfig, request: QueryRequest) -> Reply:
    try:
        plan = inspect_query(request["query"], graphs=engine.graphs(), allowed_services=config.allowed_services,
                             base=request.get("base"), prefixes=config.prefixes,
                             default_graphs=request.get("default_graphs"), named_graphs=request.get("named_graphs"))
        return ("ok", engine.evaluate(plan, request.get("max_rows")))
    except (errors.QuerySyntaxError, errors.QueryRefused) as error:
        return ("error", portable(error))
    except SyntaxError as error:  # Oxigraph's parser, on what rdflib's let through
        return ("error", errors.QuerySyntaxError(f"SPARQL syntax error: {error}"))
    except MemoryError:
        return ("error", WorkerCrashed("the query needed more memory than a query worker may use"))
    except Exception as error:  # evaluation errors of the engines
        return ("error", errors.QueryError(f"query failed: {error}"))


def serve(connection: Connection, config: WorkerConfig, snapshot: Snapshot) -> None:
    """A worker's life: load the snapshot, then answer requests until the connection closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops its workers itself
    limit_memory(config.memory_limit_mb)
    engine: Engine | None = load_engine(config.backend, snapshot, config.prefixes)
    connection.send(("ready", snapshot.generation))
    while True:
        try:
            kind, payload = connection.recv()
        except (EOFError, OSError):
            return
        if kind == "load":
            engine = None  # let the old copy go before the new one is loaded
            engine = load_engine(config.backend, payload, config.prefixes)
            connection.send(("ready", payload.generation))
            continue
        assert engine is not None
        if kind == "query":
            connection.send(_answer(engine, config, payload))
        elif kind == "graph":
            connection.send(("ok", engine.graph_triples(payload)))


class QueryWorker:
    """The server's handle on one worker process."""

    def __init__(self, ctx: ForkServerContext | SpawnContext, config: WorkerConfig, snapshot: Snapshot):
        self.connection, child = ctx.Pipe()
        self.process = ctx.Process(target=serve, args=(child, config, snapshot), daemon=True,
                                   name="kzgraph-query-worker")
        self.process.start()
        child.close()
        self.generation: int | None = None  # the snapshot it holds, once it said it is ready

    def _receive(self, timeout: float | None) -> tuple[str, object]:
        if not self.connection.poll(timeout):
            raise TimeoutError
        message: tuple[str, object] = self.connection.recv()  # EOFError when the process died
        return message

    def _await_ready(self, timeout: float) -> None:
        kind, generation = self._receive(timeout)
        if kind != "ready" or not isinstance(generation, int):
            raise EOFError(f"unexpected message {kind!r} from a worker")
        self.generation = generation

    def ensure(self, snapshot: Snapshot, timeout: float) -> None:
        """Wait until the worker is ready and holds this snapshot (reloading it if it holds an older one)."""
        if self.generation is None:
            self._await_ready(timeout)
        if self.generation != snapshot.generation:
            self.connection.send(("load", snapshot))
            self._await_ready(timeout)

    def call(self, message: Request, timeout: float | None) -> Reply:
        self.connection.send(message)
        return cast(Reply, self._receive(timeout))  # a worker answers a request with a Reply (see serve)

    def stop(self) -> int | None:
        """Kill the process (it may be in the middle of a query) and return its exit code."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.connection.close()
        code: int | None = self.process.exitcode
        return code


class WorkerPool:
    """A fixed number of workers; a request takes an idle one, waiting at most ``wait`` seconds."""

    def __init__(self, size: int, config: WorkerConfig, snapshot: Snapshot, startup_timeout: float = 300.0):
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        self.size = size
        self.config = config
        self.startup_timeout = startup_timeout
        self._context = context()
        self._snapshot = snapshot
        self._idle: queue.Queue[QueryWorker] = queue.Queue()
        self._closed = False
        for _ in range(size):
            self._idle.put(QueryWorker(self._context, config, snapshot))

    @property
    def busy(self) -> int:
        """How many workers are taken by a request now."""
        return self.size - self._idle.qsize()

    def refresh(self, snapshot: Snapshot) -> None:
        """From now on, workers answer from this snapshot (each reloads before its next request)."""
        self._snapshot = snapshot

    def _replace(self, worker: QueryWorker) -> tuple[QueryWorker, int | None]:
        code = worker.stop()
        return QueryWorker(self._context, self.config, self._snapshot), code

    def call(self, message: Request, timeout: float | None, wait: float | None) -> Reply:
        """Send a request to an idle worker and return its reply.

        Raises :class:`QueryTimeout` when the worker does not answer within ``timeout`` seconds (it is
        killed and replaced), :class:`Overloaded` when no worker is free within ``wait`` seconds and
        :class:`WorkerCrashed` when the worker dies.
        """
        if self._closed:
            raise Unavailable("the endpoint is shutting down")
        try:
            worker = self._idle.get(timeout=wait)
        except queue.Empty:
            raise Overloaded(f"all {self.size} query workers stayed busy for {wait:g} s; try again later") from None
        try:
            for attempt in (1, 2):  # a fresh worker may have missed a snapshot that a later write replaced
                try:
                    worker.ensure(self._snapshot, self.startup_timeout)
                    break
                except (TimeoutError, EOFError, OSError):
                    worker, code = self._replace(worker)
                    if attempt == 2:
                        raise WorkerCrashed(f"a query worker did not start (exit code {code}); try again") from None
            try:
                return worker.call(message, timeout)
            except TimeoutError:
                worker, _ = self._replace(worker)
                raise QueryTimeout(f"the query was stopped after {timeout:g} s, the time limit of this "
                                   "endpoint; simplify it or add a LIMIT") from None
            except (EOFError, OSError):
                worker, code = self._replace(worker)
                limit = self.config.memory_limit_mb
                hint = f" (more than the {limit} MB a query worker may use?)" if limit else ""
                raise WorkerCrashed(f"the query worker stopped while evaluating (exit code {code}); the query "
                                    f"probably needed too much memory{hint}") from None
        finally:
            if self._closed:
                worker.stop()
            else:
                self._idle.put(worker)

    def close(self) -> None:
        """Stop every worker (those busy now are stopped when their request returns)."""
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().stop()
            except queue.Empty:
                return
