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

import asyncio
import contextlib
import itertools
import multiprocessing
import os
import pickle
import queue
import re
import signal
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from typing import Any, Literal, TypedDict, cast

import pyoxigraph as ox
from oxrdflib._converter import to_ox

from kzgraph import errors
from kzgraph.errors import Overloaded, QueryTimeout, Unavailable, WorkerCrashed
from kzgraph.sparql.evaluation import Answer, Engine, OxigraphEngine, Snapshot, Triple, load_engine, mentions
from kzgraph.sparql.inspection import QueryDataset, QueryPlan, inspect_query, inspect_query_text
from kzgraph.sparql.serialization import ResultTooLarge, StreamWriter, Written, serialize_result

PR_SET_PDEATHSIG = 1  # prctl(2)

__all__ = ["Overloaded", "QueryRequest", "QueryTimeout", "QueryWorker", "Reply", "Request", "Unavailable",
           "WorkerConfig", "WorkerCrashed", "WorkerPool", "context", "limit_memory", "portable", "serve"]


class QueryRequest(TypedDict, total=False):
    """What a worker is asked to evaluate: the query text and the dataset and limits it runs with; for an
    answer written in the worker, the media type negotiated for each form and a byte limit."""

    query: str
    base: str | None
    max_rows: int | None
    default_graphs: list[str] | None
    named_graphs: list[str] | None
    media: dict[str, str]
    max_bytes: int | None


#: A request to a worker: evaluate a query (an :class:`Answer`), evaluate and write it (``write``: the bytes
#: of the answer, :class:`Written`), stream it (``stream``: the pieces of the answer, without a row limit; see
#: :func:`stream`), or give the triples of a graph (None: the unnamed graph).
Request = (tuple[Literal["query"], QueryRequest] | tuple[Literal["write"], QueryRequest]
           | tuple[Literal["stream"], QueryRequest] | tuple[Literal["graph"], str | None])
#: A worker's or writer's reply: ``("ok", value)``, or ``("error", the kzgraph error to raise in the server)``.
Reply = (tuple[Literal["ok"], Answer | Written | list[Triple] | None]
         | tuple[Literal["error"], errors.KzgraphError])


@dataclass(frozen=True)
class WorkerConfig:
    """What every worker of an endpoint shares: its backend, predeclared prefixes, SERVICE allow-list and
    memory limit (MB of address space, None for no limit)."""

    backend: str = "oxigraph"
    prefixes: dict[str, str] = field(default_factory=dict)
    allowed_services: tuple[str, ...] = ()
    memory_limit_mb: int | None = None
    server_pid: int | None = None  # the server the worker dies with


def context() -> ForkServerContext | SpawnContext:
    """The multiprocessing context workers start from: a fork server with this module imported, or spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["kzgraph.service.workers"])
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


def die_with(server_pid: int | None) -> None:
    """Make this process die when the server dies: the kernel's parent-death signal on Linux (the worker's
    parent, the fork server, exits when the server does), and a thread that watches the server's process."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if server_pid is None:
        return

    def watch() -> None:
        while True:
            time.sleep(0.5)
            try:
                os.kill(server_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass

    threading.Thread(target=watch, daemon=True, name="kzgraph-server-watch").start()


#: Text that takes a query to the inspection (on its tokens, :func:`inspect_query_text`, for Oxigraph; rdflib's
#: parser for rdflib's engine): a SERVICE clause may be in it, or a
#: codepoint escape may hide one or a FROM. Anything else is parsed by Oxigraph alone, which never reaches
#: outside the store: it reads no file and fetches no graph. A FROM clause is inspected too (refused for a
#: graph the store does not hold, as it always was); the protocol's default-graph-uri and named-graph-uri
#: naming a graph the store does not hold give an empty graph (the W3C protocol tests expect an answer).
_INSPECT = re.compile(r"service|\\u|\\U", re.IGNORECASE)


def needs_inspection(text: str) -> bool:
    """Whether a query goes through the full inspection (see :data:`_INSPECT`) rather than Oxigraph alone."""
    return _INSPECT.search(text) is not None or mentions(text, "FROM")
_PLANS: OrderedDict[tuple[str, str | None, tuple[str, ...] | None, tuple[str, ...] | None], QueryPlan] = OrderedDict()


def _plan(engine: Engine, config: WorkerConfig, request: QueryRequest) -> QueryPlan:
    """A query inspected (SERVICE allow-list, FROM graphs), cached by its text and dataset."""
    default, named = request.get("default_graphs"), request.get("named_graphs")
    key = (request["query"], request.get("base"), None if default is None else tuple(default),
           None if named is None else tuple(named))
    plan = _PLANS.get(key)
    if plan is None:
        held = engine.graphs() | frozenset(default or ()) | frozenset(named or ())  # unknown graphs are empty
        # Oxigraph parses what it evaluates without a depth limit: its queries are inspected on their tokens
        inspect = inspect_query_text if isinstance(engine, OxigraphEngine) else inspect_query
        try:
            plan = inspect(request["query"], graphs=held, allowed_services=config.allowed_services,
                           base=request.get("base"), prefixes=config.prefixes, default_graphs=default,
                           named_graphs=named)
        except RecursionError:
            raise errors.QueryRefused("the query is nested too deeply for the inspection of its SERVICE "
                                      "clauses; write it without SERVICE, or less deeply nested") from None
        _PLANS[key] = plan
        if len(_PLANS) > 256:
            _PLANS.popitem(last=False)
    return plan


def _dataset(request: QueryRequest) -> QueryDataset | None:
    """The dataset of a query Oxigraph parses alone: the protocol's graphs, else the query's own FROM clauses
    (:meth:`QueryDataset` with neither), else the union of all graphs (None)."""
    default, named = request.get("default_graphs"), request.get("named_graphs")
    if default or named:
        return QueryDataset(tuple(default or ()), tuple(named or ()))
    return QueryDataset() if mentions(request["query"], "FROM") else None


def _bounded(answer: Answer, limit: int | None) -> Answer:
    """The answer, refused (:class:`ResultTooLarge`) when its terms hold more than ``limit`` characters: what
    the server would hold of it is bounded for any query (rdflib terms are strings)."""
    if limit is not None:
        cells: Iterable[object] = itertools.chain.from_iterable(answer.rows or answer.triples or ())
        size = sum(len(term) for term in cells if isinstance(term, str))
        if size > limit:
            raise ResultTooLarge(f"the answer holds more than {limit} characters, the limit of this endpoint for "
                                 "one result; add a LIMIT or select fewer or shorter values")
    return answer


def _oxigraph_input(engine: Engine, config: WorkerConfig, request: QueryRequest
                    ) -> tuple[str, str | None, QueryDataset | None]:
    """What Oxigraph evaluates: the text, base and dataset of the request as they are when the query needs no
    inspection, else those of its inspected plan."""
    if not needs_inspection(request["query"]):
        return request["query"], request.get("base"), _dataset(request)
    plan = _plan(engine, config, request)
    return plan.text, plan.base, None if plan.dataset.is_service_default else plan.dataset


def _evaluate(engine: Engine, config: WorkerConfig, request: QueryRequest, write: bool) -> Answer | Written:
    max_rows = request.get("max_rows")
    if isinstance(engine, OxigraphEngine):
        text, base, dataset = _oxigraph_input(engine, config, request)
        if write:
            return engine.run(text, base=base, dataset=dataset, media=request.get("media", {}), max_rows=max_rows,
                              max_bytes=request.get("max_bytes"))
        return _bounded(engine.evaluate_text(text, base=base, dataset=dataset, max_rows=max_rows),
                        request.get("max_bytes"))
    answer = engine.evaluate(_plan(engine, config, request), max_rows)
    if not write:
        return _bounded(answer, request.get("max_bytes"))
    media = request.get("media", {})
    if answer.form not in media:
        raise errors.NotAcceptable(f"a {answer.form} query has no answer in the media types the request accepts")
    body = serialize_result(answer.result(), media[answer.form])
    limit = request.get("max_bytes")
    if limit is not None and len(body) > limit:
        raise ResultTooLarge(f"the answer is longer than {limit} bytes, the limit of this endpoint for one "
                             "result; add a LIMIT or select fewer or shorter values")
    count = len(answer.rows or answer.triples or ())
    return Written(answer.form, media[answer.form], body, count, answer.truncated)


_OXIGRAPH_ERROR = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)


def syntax_error(error: SyntaxError, text: str, config: WorkerConfig) -> errors.QuerySyntaxError:
    """A syntax error that Oxigraph's parser found, in the words of rdflib's parser where it is affordable
    (a short query: it names the undeclared prefix, the token expected), else in Oxigraph's own."""
    if len(text) <= 10_000:
        try:
            inspect_query(text, graphs=(), prefixes=config.prefixes)
        except (errors.QuerySyntaxError, errors.QueryRefused) as described:
            if isinstance(described, errors.QuerySyntaxError) and "nested too deeply" not in str(described):
                return described
        except RecursionError:
            pass
    found = _OXIGRAPH_ERROR.match(str(error))
    if found:
        line, column, reason = found.groups()
        reason = reason if len(reason) <= 300 else reason[:300] + " …"
        return errors.QuerySyntaxError(f"SPARQL syntax error at line {line}, column {column}: {reason}")
    return errors.QuerySyntaxError(f"SPARQL syntax error: {error}")


def _answer(engine: Engine, config: WorkerConfig, request: QueryRequest, write: bool = False) -> Reply:
    try:
        return ("ok", _evaluate(engine, config, request, write))
    except (errors.QuerySyntaxError, errors.QueryRefused, errors.NotAcceptable, ResultTooLarge) as error:
        return ("error", portable(error))
    except errors.QueryError as error:
        return ("error", portable(error))
    except RecursionError:
        return ("error", errors.QueryRefused("the query is nested too deeply to evaluate"))
    except SyntaxError as error:  # Oxigraph's parser
        return ("error", syntax_error(error, request["query"], config))
    except MemoryError:
        return ("error", WorkerCrashed("the query needed more memory than a query worker may use"))
    except Exception as error:  # evaluation errors of the engines
        return ("error", errors.QueryError(f"query failed: {error}"))


#: Bytes of a streamed answer a worker sends in one piece, and triples written in one batch.
STREAM_CHUNK = 64 * 1024
STREAM_BATCH = 256
#: A piece of a streamed answer: ``("start", (form, media))``, ``("chunk", bytes)``, ``("end", (count, cut))``
#: with ``cut`` the words that say why the answer stops early (None: it is whole), or ``("error", error)``
#: instead of ``start`` for a query that is not answered at all.
StreamMessage = tuple[str, Any]


def _failure(error: BaseException, request: QueryRequest, config: WorkerConfig) -> errors.KzgraphError:
    """The kzgraph error to send the server for an error of evaluation (as :func:`_answer` words them)."""
    if isinstance(error, errors.KzgraphError):
        return portable(error)
    if isinstance(error, RecursionError):
        return errors.QueryRefused("the query is nested too deeply to evaluate")
    if isinstance(error, SyntaxError):  # Oxigraph's parser
        return syntax_error(error, request["query"], config)
    if isinstance(error, MemoryError):
        return WorkerCrashed("the query needed more memory than a query worker may use")
    return errors.QueryError(f"query failed: {error}")


OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def _lazy(engine: Engine, config: WorkerConfig, request: QueryRequest
          ) -> tuple[str, list[str], bool | Iterator[Sequence[OxTerm | None]] | Iterator[ox.Triple]]:
    """A query's form, variables and answer (a boolean, or solutions or triples as pyoxigraph terms, read lazily
    from Oxigraph, from a whole answer on rdflib's engine)."""
    if isinstance(engine, OxigraphEngine):
        text, base, dataset = _oxigraph_input(engine, config, request)
        form, answer = engine.lazy(text, base=base, dataset=dataset)
        if isinstance(answer, ox.QueryBoolean):
            return form, [], bool(answer)
        if isinstance(answer, ox.QuerySolutions):
            return form, [v.value for v in answer.variables], (tuple(solution) for solution in answer)
        return form, [], iter(answer)
    whole = engine.evaluate(_plan(engine, config, request), None)
    if whole.form == "ASK":
        return whole.form, [], bool(whole.boolean)
    if whole.form == "SELECT":
        return whole.form, list(whole.variables or []), (
            tuple(None if v is None else cast(OxTerm, to_ox(v)) for v in row) for row in whole.rows or [])
    return whole.form, [], (ox.Triple(*(cast(Any, to_ox(t)) for t in triple)) for triple in whole.triples or [])


def stream(engine: Engine, config: WorkerConfig, request: QueryRequest, send: Callable[[StreamMessage], None]) -> None:
    """Evaluate a query and send its answer in pieces of about :data:`STREAM_CHUNK` bytes, in the media type
    negotiated for its form (:class:`~kzgraph.sparql.serialization.StreamWriter`), every row: no row limit, but
    the byte limit (``max_bytes``) ends it after the last whole row within it, which the end says."""
    try:
        form, variables, answer = _lazy(engine, config, request)
        media = request.get("media", {})
        if form not in media:
            raise errors.NotAcceptable(f"a {form} query has no download in the media types the request accepts "
                                       f"({', '.join(sorted(set(media.values()))) or 'nothing'})")
        writer = StreamWriter(form, media[form], variables, prefixes=config.prefixes or None)
    except Exception as error:  # every error goes to the server as a kzgraph error
        send(("error", _failure(error, request, config)))
        return
    send(("start", (form, media[form])))
    limit, size, count, cut = request.get("max_bytes"), 0, 0, None
    pending: list[bytes] = []
    buffered = 0

    def add(piece: bytes) -> bool:
        nonlocal size, buffered
        if limit is not None and size + len(piece) > limit:
            return False
        size += len(piece)
        pending.append(piece)
        buffered += len(piece)
        if buffered >= STREAM_CHUNK:
            flush()
        return True

    def flush() -> None:
        nonlocal buffered
        if pending:
            send(("chunk", b"".join(pending)))
            pending.clear()
            buffered = 0

    def too_large() -> str:
        return (f"the answer reached {limit} bytes, this endpoint's limit for one answer, after {count} "
                f"{'rows' if form == 'SELECT' else 'triples'}; add a LIMIT, select fewer values or page with OFFSET")

    try:
        if isinstance(answer, bool):
            add(writer.boolean(answer))
            count = 1
        elif form == "SELECT":
            if not add(writer.head()):
                cut = too_large()
            else:
                for row in cast(Iterator[Sequence[OxTerm | None]], answer):
                    if not add(writer.row(row)):
                        cut = too_large()
                        break
                    count += 1
        else:
            triples = cast(Iterator[ox.Triple], answer)
            while cut is None:
                batch = list(itertools.islice(triples, STREAM_BATCH))
                if not batch:
                    break
                if add(writer.triples(batch)):
                    count += len(batch)
                    continue
                for triple in batch:  # the batch goes over the limit: as many of its triples as fit
                    if not add(writer.triples([triple])):
                        cut = too_large()
                        break
                    count += 1
    except Exception as error:  # an error while reading the answer ends it, said at its end
        cut = f"the evaluation stopped after {count} rows: {_failure(error, request, config)}"
    flush()
    send(("end", (count, cut)))


def serve(connection: Connection, config: WorkerConfig, snapshot: Snapshot) -> None:
    """A worker's life: load the snapshot, then answer requests until the connection closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops its workers itself
    die_with(config.server_pid)
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
        if kind in ("query", "write"):
            connection.send(_answer(engine, config, payload, write=kind == "write"))
        elif kind == "stream":
            stream(engine, config, payload, connection.send)
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

    def __init__(self, size: int, config: WorkerConfig, snapshot: Snapshot, startup_timeout: float = 300.0,
                 slow_seconds: float = 1.0):
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        self.size = size
        self.config = config
        self.startup_timeout = startup_timeout
        self._context = context()
        self._snapshot = snapshot
        # the worker that answered last answers next (LIFO): a lone client keeps one warm process busy rather
        # than waking each worker in turn
        self._idle: queue.LifoQueue[QueryWorker] = queue.LifoQueue()
        # requests awaiting an idle worker on an event loop (acall), woken one at a time as workers come back
        self._waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()
        self._waiters_lock = threading.Lock()
        self._closed = False
        # queries that ran long (or out of time) before, by text: they share at most size - 1 workers, so that
        # one worker is always left to every other query however many clients repeat a runaway query
        self.slow_seconds = slow_seconds
        self._slow: OrderedDict[str, None] = OrderedDict()
        self._slow_lock = threading.Lock()
        self.slow_lane = max(1, size - 1)
        self._slow_slots = threading.BoundedSemaphore(self.slow_lane)
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

    def is_slow(self, key: str) -> bool:
        """Whether a query of this text ran longer than ``slow_seconds`` (or out of time) before."""
        with self._slow_lock:
            return key in self._slow

    def _remember_slow(self, key: str) -> None:
        with self._slow_lock:
            self._slow[key] = None
            self._slow.move_to_end(key)
            if len(self._slow) > 4096:
                self._slow.popitem(last=False)

    def _answered(self, key: str | None, started: float) -> None:
        """Note a query that took longer than ``slow_seconds``, so that it no longer takes the last worker."""
        if key is not None and time.monotonic() - started > self.slow_seconds:
            self._remember_slow(key)

    def _timed_out(self, key: str | None, timeout: float | None) -> QueryTimeout:
        """Note a query stopped at the time limit, and the error its client gets."""
        if key is not None:
            self._remember_slow(key)
        after = f"after {timeout:g} s, " if timeout is not None else ""
        return QueryTimeout(f"the query was stopped {after}the time limit of this endpoint; simplify it or add a LIMIT")

    def call(self, message: Request, timeout: float | None, wait: float | None, key: str | None = None) -> Reply:
        """Send a request to an idle worker and return its reply.

        Raises :class:`QueryTimeout` when the worker does not answer within ``timeout`` seconds (it is
        killed and replaced), :class:`Overloaded` when no worker is free within ``wait`` seconds and
        :class:`WorkerCrashed` when the worker dies. ``key`` (a query's text) admits a query that ran long
        before to the slow lane only: at most ``size - 1`` workers at once.
        """
        if self._closed:
            raise Unavailable("the endpoint is shutting down")
        slow = key is not None and self.size > 1 and self.is_slow(key)
        if slow and not self._slow_slots.acquire(timeout=wait):
            raise Overloaded(f"this query ran long before; such queries share {self.slow_lane} of the {self.size} "
                             f"query workers, which stayed busy for {wait:g} s; try again later")
        try:
            return self._call(message, timeout, wait, key)
        finally:
            if slow:
                self._slow_slots.release()

    def _call(self, message: Request, timeout: float | None, wait: float | None, key: str | None,
              worker: QueryWorker | None = None) -> Reply:
        """:meth:`call` on an idle worker, or on ``worker``, already taken from the idle ones."""
        if worker is None:
            try:
                worker = self._idle.get(timeout=wait)
            except queue.Empty:
                raise Overloaded(f"all {self.size} query workers stayed busy for {wait:g} s; try again "
                                 "later") from None
        try:
            for attempt in (1, 2):  # a fresh worker may have missed a snapshot that a later write replaced
                try:
                    worker.ensure(self._snapshot, self.startup_timeout)
                    break
                except (TimeoutError, EOFError, OSError):
                    worker, code = self._replace(worker)
                    if attempt == 2:
                        raise WorkerCrashed(f"a query worker did not start (exit code {code}); try again") from None
            started = time.monotonic()
            try:
                reply = worker.call(message, timeout)
                self._answered(key, started)
                return reply
            except TimeoutError:
                worker, _ = self._replace(worker)
                raise self._timed_out(key, timeout) from None
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
                self._release(worker)

    async def acall(self, message: Request, timeout: float | None, wait: float | None,
                    key: str | None = None) -> Reply:
        """:meth:`call`, awaited on the event loop: unless the query is known to be slow, an idle worker is
        awaited, the request sent and the reply awaited without a thread (the worker's pipe watched by the
        loop); a worker not yet holding the current checkpoint gets it in a thread, and a slow query takes
        :meth:`call` in a thread."""
        if self._closed or (key is not None and self.size > 1 and self.is_slow(key)):
            return await asyncio.to_thread(self.call, message, timeout, wait, key)
        try:
            worker = self._idle.get_nowait()
        except queue.Empty:
            worker = await self._idle_worker(wait)
        if worker.generation != self._snapshot.generation:
            # not ready yet, or holding an older snapshot: this worker (not the next idle one, which would
            # leave this one never readied and every later request here in a thread) gets ready in a thread
            return await asyncio.to_thread(self._call, message, timeout, wait, key, worker)
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def readable() -> None:
            if not ready.done():
                ready.set_result(None)

        connection, healthy, started = worker.connection, False, time.monotonic()
        try:
            connection.send(message)
            loop.add_reader(connection.fileno(), readable)
            try:
                await asyncio.wait_for(ready, timeout)
            finally:
                loop.remove_reader(connection.fileno())
                # uvloop (libuv) leaves a watched descriptor non-blocking: a reply longer than the pipe's
                # buffer would then fail half-read, and so would a later blocking call on this worker
                os.set_blocking(connection.fileno(), True)
            reply = cast(Reply, connection.recv())
            healthy = True
            self._answered(key, started)
            return reply
        except TimeoutError:
            raise self._timed_out(key, timeout) from None
        except (EOFError, OSError):
            limit = self.config.memory_limit_mb
            hint = f" (more than the {limit} MB a query worker may use?)" if limit else ""
            raise WorkerCrashed(f"the query worker stopped while evaluating; the query probably needed too much "
                                f"memory{hint}") from None
        finally:
            if healthy and not self._closed:
                self._release(worker)
            else:  # stopped mid-query (time limit, a cancelled request) or dead: replaced off the event loop
                threading.Thread(target=self._recycle, args=(worker,), daemon=True).start()

    def _ready(self, worker: QueryWorker) -> QueryWorker:
        """The worker, or a fresh one in its place, ready with the current snapshot (blocking)."""
        for attempt in (1, 2):  # a fresh worker may have missed a snapshot that a later write replaced
            try:
                worker.ensure(self._snapshot, self.startup_timeout)
                return worker
            except (TimeoutError, EOFError, OSError):
                worker, code = self._replace(worker)
                if attempt == 2:
                    self._idle.put(worker)
                    raise WorkerCrashed(f"a query worker did not start (exit code {code}); try again") from None
        return worker

    async def astream(self, message: Request, timeout: float | None,
                      wait: float | None) -> AsyncGenerator[StreamMessage, None]:
        """Send a ``stream`` request to a worker and yield the pieces of its answer as they come (see
        :func:`stream`), the server holding one piece at a time; the worker's pipe gives back-pressure.

        A stream takes a place in the slow lane (at most ``size - 1`` workers stream at once, so one is always
        left to other queries), waiting at most ``wait`` seconds for it and for a worker (:class:`Overloaded`).
        ``timeout`` bounds the whole stream: past it the worker is killed and replaced and
        :class:`QueryTimeout` raised, as it is when the stream is closed before its end (the worker is stopped).
        """
        import asyncio

        if self._closed:
            raise Unavailable("the endpoint is shutting down")
        laned = self.size > 1
        if laned and not await asyncio.to_thread(self._slow_slots.acquire, True, wait):
            raise Overloaded(f"downloads share {self.slow_lane} of the {self.size} query workers, which stayed busy "
                             f"for {wait:g} s; try again later")
        try:
            try:
                worker = await asyncio.to_thread(self._idle.get, True, wait)
            except queue.Empty:
                raise Overloaded(f"all {self.size} query workers stayed busy for {wait:g} s; try again later") from None
            worker = await asyncio.to_thread(self._ready, worker)
            loop = asyncio.get_running_loop()
            deadline = None if timeout is None else loop.time() + timeout
            connection, healthy = worker.connection, False
            try:
                connection.send(message)
                while True:
                    ready: asyncio.Future[None] = loop.create_future()

                    def readable(ready: asyncio.Future[None] = ready) -> None:
                        if not ready.done():
                            ready.set_result(None)

                    loop.add_reader(connection.fileno(), readable)
                    try:
                        await asyncio.wait_for(ready, None if deadline is None else max(deadline - loop.time(), 0))
                    finally:
                        loop.remove_reader(connection.fileno())
                    # uvloop leaves a watched descriptor non-blocking; a piece longer than the pipe's buffer is
                    # read whole only in blocking mode
                    os.set_blocking(connection.fileno(), True)
                    piece = cast(StreamMessage, connection.recv())
                    if piece[0] in ("end", "error"):
                        healthy = True
                    yield piece
                    if healthy:
                        return
            except TimeoutError:
                raise self._timed_out(None, timeout) from None
            except (EOFError, OSError):
                limit = self.config.memory_limit_mb
                hint = f" (more than the {limit} MB a query worker may use?)" if limit else ""
                raise WorkerCrashed(f"the query worker stopped while writing the answer{hint}") from None
            finally:
                if healthy and not self._closed:
                    self._idle.put(worker)
                else:  # stopped mid-answer (time limit, a client gone) or dead: replaced off the event loop
                    threading.Thread(target=self._recycle, args=(worker,), daemon=True).start()
        finally:
            if laned:
                self._slow_slots.release()

    def _recycle(self, worker: QueryWorker) -> None:
        fresh, _ = self._replace(worker)
        if self._closed:
            fresh.stop()
        else:
            self._release(fresh)

    def _release(self, worker: QueryWorker) -> None:
        """Put a worker back among the idle ones, and wake a request awaiting one on an event loop."""
        self._idle.put(worker)
        self._wake_next()

    def _wake_next(self) -> None:
        with self._waiters_lock:
            while self._waiters:
                loop, waiter = self._waiters.popleft()
                if not waiter.done():
                    try:
                        loop.call_soon_threadsafe(self._wake, waiter)
                    except RuntimeError:  # its loop is closed
                        continue
                    return

    def _wake(self, waiter: asyncio.Future[None]) -> None:
        """On the waiter's loop: wake it, or, if it gave up meanwhile (timed out, cancelled), the next one."""
        if waiter.done():
            self._wake_next()
        else:
            waiter.set_result(None)

    async def _idle_worker(self, wait: float | None) -> QueryWorker:
        """An idle worker, awaited on the event loop (no thread) for at most ``wait`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = None if wait is None else loop.time() + wait
        while True:
            if self._closed:
                raise Unavailable("the endpoint is shutting down")
            try:
                return self._idle.get_nowait()
            except queue.Empty:
                pass
            waiter: asyncio.Future[None] = loop.create_future()
            with self._waiters_lock:
                self._waiters.append((loop, waiter))
            try:  # a worker that came back between the look above and the registration
                worker = self._idle.get_nowait()
            except queue.Empty:
                pass
            else:
                waiter.cancel()
                return worker
            remaining = None if deadline is None else deadline - loop.time()
            try:
                if remaining is not None and remaining <= 0:
                    raise TimeoutError
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                waiter.cancel()
                raise Overloaded(f"all {self.size} query workers stayed busy for {wait:g} s; try again "
                                 "later") from None
            except BaseException:  # cancelled: a wake-up it got goes to the next request waiting
                if waiter.done() and not waiter.cancelled():
                    self._wake_next()
                raise

    def close(self) -> None:
        """Stop every worker (those busy now are stopped when their request returns)."""
        self._closed = True
        with self._waiters_lock:
            waiting, self._waiters = list(self._waiters), deque()
        for loop, waiter in waiting:  # requests awaiting a worker learn that none will come
            if not waiter.done():
                with contextlib.suppress(RuntimeError):  # its loop is closed
                    loop.call_soon_threadsafe(self._wake, waiter)
        while True:
            try:
                self._idle.get_nowait().stop()
            except queue.Empty:
                return
