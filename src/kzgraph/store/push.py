"""Uploading the last build to a remote SPARQL 1.1 store (``kzgraph push``).

The build's dump holds one named graph per source file plus ``graph/derived``; each goes to the graph of
the same name in the store, by one of two methods:

``update`` (the default)
    SPARQL 1.1 Update ``INSERT DATA`` (https://www.w3.org/TR/sparql11-update/, section 3.1.1),
    ``batch_size`` triples a request, the triples of several graphs in one request where a batch spans them.
``gsp``
    SPARQL 1.1 Graph Store HTTP Protocol ``POST`` of N-Triples into a graph
    (https://www.w3.org/TR/sparql11-http-rdf-update/, section 5.5), ``batch_size`` triples a request.

Blank nodes cannot cross requests: a blank node label stands for a fresh blank node in each request, and a
citation node is described in a data graph but typed (``a kz:Citation``) in the derived graph. Stores do
not help either (Virtuoso refuses blank nodes in ``INSERT DATA`` and fails on a template that puts one blank
node into two graphs). So both methods replace blank nodes by Skolem IRIs (RDF 1.1 Concepts, section 3.5)
under ``https://w3id.org/kzgraph/.well-known/genid/``, and kzgraph's remote knowledge graph turns them back
into blank nodes in every result (:func:`kzgraph.store.remote.as_local_term`).

Nothing already stored is lost or half-written. Every graph is first uploaded into a staging graph under
``https://w3id.org/kzgraph/staging/RUN/`` (outside kzgraph's graphs, so no query sees it); the staging
counts are checked against the local ones; then one update request ``MOVE``s each staging graph onto its
target (section 3.2.4: the target is replaced, so pushing again replaces and never duplicates) and drops
the kzgraph graphs that the build no longer has. If anything fails before that request, the staging graphs
are dropped and kzgraph's graphs in the store are as they were. Afterwards the triple count of every graph
in the store is checked against the dump.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ParamSpec

import httpx
import pyoxigraph

from kzgraph.errors import KzgraphError, QueryError, StoreError
from kzgraph.namespaces import BASE
from kzgraph.store.remote import GRAPH_PREFIX, SKOLEM_PREFIX, Endpoint, graph_sizes

_Params = ParamSpec("_Params")

METHODS = ("update", "gsp")
STAGING_PREFIX = BASE + "staging/"
DEFAULT_BATCH_SIZE = 2000

Quad = tuple[str, str, str, str]  # graph IRI, then subject, predicate, object in N-Triples syntax


class PushError(KzgraphError):
    """The store rejected the upload, or holds other counts than the dump after it; the message says which."""


@dataclass
class PushReport:
    """What a push did: the triples per graph now in the store, the requests it took and the time."""

    url: str
    method: str
    graphs: dict[str, int]
    batches: int
    seconds: float
    removed: list[str] = field(default_factory=list)

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def read_dump(path: Path) -> list[Quad]:
    """The quads of an N-Quads dump, terms in N-Triples syntax and blank nodes as Skolem IRIs; every quad
    must be in a kzgraph graph."""
    quads = []
    try:
        for quad in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.N_QUADS):
            graph = quad.graph_name
            if not isinstance(graph, pyoxigraph.NamedNode) or not graph.value.startswith(GRAPH_PREFIX):
                raise PushError(f"{path}: the triple {quad.triple} is not in a kzgraph graph ({GRAPH_PREFIX}…)")
            quads.append((graph.value, skolemized(str(quad.subject)), str(quad.predicate),
                          skolemized(str(quad.object))))
    except (SyntaxError, OSError) as error:
        raise PushError(f"{path}: {error}") from None
    return quads


def skolemized(term: str) -> str:
    """A blank node in N-Triples syntax as its Skolem IRI; other terms as they are."""
    return f"<{SKOLEM_PREFIX}{term[2:]}>" if term.startswith("_:") else term


def update_batches(quads: list[Quad], size: int) -> Iterator[list[Quad]]:
    """Batches of ``size`` quads (the last one smaller), in the order of the dump."""
    for start in range(0, len(quads), size):
        yield quads[start:start + size]


def gsp_batches(quads: list[Quad], size: int) -> Iterator[list[Quad]]:
    """Batches of at most ``size`` quads of one graph each."""
    by_graph: dict[str, list[Quad]] = defaultdict(list)
    for quad in quads:
        by_graph[quad[0]].append(quad)
    for graph_quads in by_graph.values():
        yield from update_batches(graph_quads, size)


def insert_data(batch: list[Quad], staging: Callable[[str], str]) -> str:
    """A SPARQL 1.1 ``INSERT DATA`` request for a batch, each quad going to the staging graph of its graph."""
    by_graph: dict[str, list[str]] = defaultdict(list)
    for g, s, p, o in batch:
        by_graph[g].append(f"    {s} {p} {o} .")
    blocks = [f"  GRAPH <{staging(g)}> {{\n" + "\n".join(lines) + "\n  }" for g, lines in by_graph.items()]
    return "INSERT DATA {\n" + "\n".join(blocks) + "\n}"


class GraphStore:
    """A SPARQL 1.1 Graph Store HTTP Protocol service: POST of N-Triples into a graph (section 5.5)."""

    def __init__(self, url: str, endpoint: Endpoint):
        self.url = url
        self.endpoint = endpoint

    def post(self, graph: str, triples: list[str]) -> None:
        credentials = self.endpoint.credentials
        body = ("\n".join(triples) + "\n").encode("utf-8")
        try:
            answer = httpx.post(self.url, params={"graph": graph}, content=body, auth=credentials.httpx_auth(),
                                headers={"Content-Type": "application/n-triples", **credentials.headers()},
                                timeout=self.endpoint.timeout)
        except httpx.TimeoutException:
            raise StoreError(f"{self.url} did not answer within {self.endpoint.timeout:g} s") from None
        except httpx.TransportError as error:
            raise StoreError(f"cannot reach the graph store at {self.url}: {error}") from None
        if answer.status_code in (401, 403):
            raise StoreError(f"{self.url} refused the credentials (HTTP {answer.status_code})")
        if answer.status_code == 404:
            raise StoreError(f"{self.url}: no graph store at this URL (HTTP 404)")
        if answer.status_code >= 400:
            text = " ".join(answer.text.split())[:600] or "no explanation given"
            raise QueryError(f"{self.url} rejected the upload into <{graph}> (HTTP {answer.status_code}): {text}")


def push(dump: Path, endpoint: Endpoint, method: str = "update", graph_store: str | None = None,
         batch_size: int = DEFAULT_BATCH_SIZE, progress: Callable[[int, int], None] | None = None) -> PushReport:
    """Upload a build's dump to the store behind ``endpoint``, replacing kzgraph's graphs there.

    ``graph_store`` is the Graph Store Protocol URL (needed by the ``gsp`` method). ``progress`` is called
    after every request with the number of triples sent so far and the total. Raises
    :class:`~kzgraph.errors.StoreError` when the store cannot be reached or refuses the credentials, and
    :class:`PushError` when it rejects the upload or does not hold what was sent.
    """
    if method not in METHODS:
        raise ValueError(f"unknown push method {method!r}; choose one of {', '.join(METHODS)}")
    if batch_size < 1:
        raise ValueError(f"the batch size must be at least 1, not {batch_size}")
    if method == "gsp" and not graph_store:
        raise ValueError("the gsp method needs the Graph Store Protocol URL (--graph-store)")
    started = time.perf_counter()
    quads = read_dump(dump)
    local: dict[str, int] = defaultdict(int)
    for g, *_ in quads:
        local[g] += 1
    run = f"{STAGING_PREFIX}{uuid.uuid4().hex}/"

    def staging(graph: str) -> str:
        return run + graph[len(GRAPH_PREFIX):]

    before = graph_sizes(endpoint)  # reachable, credentials accepted
    try:  # updates allowed?
        endpoint.update(f"DROP SILENT GRAPH <{run}>")
    except QueryError as error:
        raise PushError(f"the store rejected the upload: {error}; nothing was written") from None
    batches = list(update_batches(quads, batch_size) if method == "update" else gsp_batches(quads, batch_size))
    store = GraphStore(graph_store, endpoint) if method == "gsp" and graph_store else None
    sent, swapping = 0, False
    try:
        for batch in batches:
            if store is None:
                _rejected_as_push_error(endpoint.update, insert_data(batch, staging))
            else:
                _rejected_as_push_error(store.post, staging(batch[0][0]), [f"{s} {p} {o} ." for _, s, p, o in batch])
            sent += len(batch)
            if progress:
                progress(sent, len(quads))
        staged = graph_sizes(endpoint, run)
        expected = {staging(g): n for g, n in local.items()}
        if staged != expected:
            raise PushError(f"{endpoint.url} holds other counts than were sent: {_differences(expected, staged)}")
        removed = sorted(set(before) - set(local))
        swap = [f"MOVE SILENT GRAPH <{staging(g)}> TO GRAPH <{g}>" for g in sorted(local)]
        swap += [f"DROP SILENT GRAPH <{g}>" for g in removed]
        swapping = True
        _rejected_as_push_error(endpoint.update, " ;\n".join(swap))
    except BaseException as error:
        raise _after_failure(error, endpoint, run, [staging(g) for g in local], swapping) from None
    after = graph_sizes(endpoint)
    if after != dict(local):
        raise PushError(f"after the push {endpoint.url} holds other counts than the build: "
                        f"{_differences(dict(local), after)}")
    return PushReport(endpoint.url, method, dict(sorted(local.items())), len(batches),
                      time.perf_counter() - started, removed)


def _rejected_as_push_error(send: Callable[_Params, None], *args: _Params.args, **kwargs: _Params.kwargs) -> None:
    try:
        send(*args, **kwargs)
    except QueryError as error:
        raise PushError(f"the store rejected the upload: {error}") from None


def _differences(expected: dict[str, int], found: dict[str, int]) -> str:
    lines = [f"<{g}> {found.get(g, 0)} instead of {expected.get(g, 0)}"
             for g in sorted(set(expected) | set(found)) if expected.get(g, 0) != found.get(g, 0)]
    return "; ".join(lines[:5]) + (f"; and {len(lines) - 5} more" if len(lines) > 5 else "")


def _after_failure(error: BaseException, endpoint: Endpoint, run: str, staging_graphs: list[str],
                   swapping: bool) -> BaseException:
    """Drop the staging graphs after a failed push; the error to raise, saying what state the store is in."""
    try:
        endpoint.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in staging_graphs))
        cleanup = None
    except (StoreError, QueryError) as failure:
        cleanup = failure
    if not isinstance(error, (StoreError, PushError, QueryError)):
        return error  # an interrupt: staging graphs dropped if the store let us
    if swapping:
        note = (f"; the final MOVE request failed, so kzgraph's graphs at {endpoint.url} are unchanged if the "
                "store applies an update request as a whole, else partly replaced: push again")
    else:
        note = f"; kzgraph's graphs at {endpoint.url} are unchanged"
    if cleanup is not None:
        note += (f"; the staging graphs under <{run}> could not be removed ({cleanup}); they lie outside "
                 "kzgraph's graphs and no kzgraph query sees them")
    kind = StoreError if isinstance(error, StoreError) else PushError
    return kind(f"{error}{note}")
