"""Evaluating inspected SPARQL on a copy of the store held in memory: the work a query worker does.

A worker loads a :class:`Snapshot` of the store — N-Quads with the blank-node labels as stored, plus the
list of named graphs, since N-Quads cannot carry an empty graph — into the engine of the store's backend:

* :class:`OxigraphEngine` (the ``oxigraph`` backends): pyoxigraph evaluates the text with the dataset given
  as its ``default_graph`` / ``named_graphs`` arguments, or the union of all graphs as the default graph;
* :class:`RdflibEngine` (``memory``): rdflib evaluates the inspected algebra, without its dataset clause, on
  a dataset built from the held graphs; rdflib's graph loading is switched off as well.

:class:`RemoteEngine` holds no copy: it sends the inspected text, with its dataset, to a remote SPARQL 1.1
store (:mod:`kzgraph.store.remote`), which evaluates it. Answers are plain, picklable values (:class:`Answer`)
that the parent turns into rdflib Results.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar, cast

import pyoxigraph as ox
from oxrdflib._converter import from_ox, to_ox
from rdflib import Dataset, Graph, URIRef, Variable
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.query import Result, ResultRow
from rdflib.term import Identifier, Node

from kzgraph.errors import NotAcceptable
from kzgraph.sparql.inspection import QueryDataset, QueryPlan
from kzgraph.sparql.serialization import Written, write_boolean, write_solutions, write_triples

if TYPE_CHECKING:
    from kzgraph.store.remote import RemoteKnowledgeGraph

Triple = tuple[Node, Node, Node]
#: A row of a SELECT answer: one term per variable, None where the variable is unbound.
Row = tuple[Identifier | None, ...]
_Item = TypeVar("_Item")


def _term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Identifier:
    """A pyoxigraph term as an rdflib term (oxrdflib's converter, typed for a single term)."""
    return cast(Identifier, from_ox(term))


class LimitedResult(Result):
    """An rdflib Result that knows whether a row limit cut it (``truncated``)."""

    truncated: bool = False


@dataclass(frozen=True)
class Snapshot:
    """A copy of the store on disk that workers read: ``path``, its named graphs, a generation.

    ``store`` True: ``path`` is an Oxigraph store (a checkpoint that nothing writes any more), which each
    worker opens read-only — nothing is loaded, and the operating system's page cache is shared by every
    worker; False: N-Quads that each worker loads into a store of its own (rdflib's backend).
    """

    path: str
    graphs: tuple[str, ...]
    generation: int
    store: bool = False


def named_graph_iris(store: ox.Store) -> frozenset[str]:
    """The IRIs of the named graphs of a pyoxigraph store (graphs named by blank nodes left out)."""
    return frozenset(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))


def dataset_graph_iris(dataset: Dataset) -> frozenset[str]:
    """The IRIs of the named graphs of an rdflib dataset (its default graph and blank-node names left out)."""
    return frozenset(str(g.identifier) for g in dataset.graphs()
                     if g.identifier != DATASET_DEFAULT_GRAPH_ID and isinstance(g.identifier, URIRef))


def rdflib_quads(dataset: Dataset, quads: Iterable[ox.Quad]) -> Iterator[tuple[Node, Node, Node, Graph]]:
    """pyoxigraph Quads as rdflib quads whose context is the dataset's graph of that name."""
    for quad in quads:
        graph = (dataset.default_graph if isinstance(quad.graph_name, ox.DefaultGraph)
                 else dataset.graph(_term(quad.graph_name)))
        yield _term(quad.subject), _term(quad.predicate), _term(quad.object), graph


def write_snapshot(dataset: Dataset, path: Path, generation: int) -> Snapshot:
    """Write every quad of a dataset, blank-node labels kept, and the names of its graphs."""
    inner = getattr(dataset.store, "_inner", None)
    if isinstance(inner, ox.Store):
        inner.dump(str(path), format=ox.RdfFormat.N_QUADS)
        graphs = named_graph_iris(inner)
    else:
        # oxrdflib types a quad's context as a Graph; it takes None (the default graph) as well
        quads = (cast(ox.Quad, to_ox((s, p, o, None if c == DATASET_DEFAULT_GRAPH_ID else c)))  # type: ignore[arg-type]
                 for s, p, o, c in dataset.quads((None, None, None, None)))
        ox.serialize(quads, str(path), format=ox.RdfFormat.N_QUADS)
        graphs = dataset_graph_iris(dataset)
    return Snapshot(str(path), tuple(sorted(graphs)), generation)


def checkpoint(store: ox.Store, path: Path, generation: int) -> Snapshot:
    """A consistent, read-only copy of a persistent Oxigraph store at ``path`` (RocksDB's checkpoint: its files
    hard-linked where the file system allows it, so about as fast whatever the size of the store)."""
    store.flush()
    store.backup(str(path))
    return Snapshot(str(path), tuple(sorted(named_graph_iris(store))), generation, store=True)


def read_snapshot(snapshot: Snapshot) -> Iterator[ox.Quad]:
    """The quads of a snapshot as pyoxigraph Quads, blank-node labels kept."""
    return cast(Iterator[ox.Quad], ox.parse(path=snapshot.path, format=ox.RdfFormat.N_QUADS, rename_blank_nodes=False))


def oxigraph_store(snapshot: Snapshot) -> ox.Store:
    """A pyoxigraph store in memory holding a snapshot, its empty named graphs included."""
    store = ox.Store()
    if snapshot.store:
        store.bulk_extend(ox.Store.read_only(snapshot.path).quads_for_pattern(None, None, None, None))
    else:
        store.extend(read_snapshot(snapshot))
    for name in snapshot.graphs:
        store.add_graph(ox.NamedNode(name))
    return store


@dataclass
class Answer:
    """A query's answer as plain values: rows or triples of rdflib terms, or a boolean."""

    form: str
    variables: list[str] | None = None
    rows: list[Row] | None = None
    triples: list[Triple] | None = None
    boolean: bool | None = None
    truncated: bool = False

    def result(self) -> LimitedResult:
        """The answer as an rdflib Result, with ``truncated`` set when a row limit cut it."""
        if self.form == "ASK":
            result = LimitedResult("ASK")
            result.askAnswer = bool(self.boolean)
        elif self.form in ("CONSTRUCT", "DESCRIBE"):
            result = LimitedResult(self.form)
            graph = Graph()
            for triple in self.triples or ():
                graph.add(triple)
            result.graph = graph
        else:
            result = LimitedResult("SELECT")
            variables = [Variable(v) for v in self.variables or ()]
            result.vars = variables
            result.bindings = [{var: value for var, value in zip(variables, row, strict=False) if value is not None}
                               for row in self.rows or ()]
        result.truncated = self.truncated
        return result


def _limited(items: Iterable[_Item], max_rows: int | None) -> tuple[list[_Item], bool]:
    if max_rows is None:
        return list(items), False
    taken = list(itertools.islice(items, max_rows + 1))
    return taken[:max_rows], len(taken) > max_rows


def answer_of(result: Result, max_rows: int | None) -> Answer:
    """An rdflib Result as an :class:`Answer`, cut after ``max_rows`` rows (or triples)."""
    if result.type == "ASK":
        return Answer("ASK", boolean=bool(result.askAnswer))
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        triples, truncated = _limited(iter(result.graph or ()), max_rows)
        return Answer(result.type, triples=triples, truncated=truncated)
    result_vars = result.vars or []
    variables = [str(v) for v in result_vars]
    rows: Iterator[Row] = (tuple(cast(ResultRow, row)[v] for v in result_vars) for row in result)
    taken, truncated = _limited(rows, max_rows)
    return Answer("SELECT", variables=variables, rows=taken, truncated=truncated)


class Engine(Protocol):
    """What a worker evaluates with: the graphs it holds, a query's answer, a graph's triples."""

    name: str

    def graphs(self) -> frozenset[str]: ...

    def evaluate(self, plan: QueryPlan, max_rows: int | None) -> Answer: ...

    def graph_triples(self, name: str | None) -> list[Triple] | None: ...


class OxigraphEngine:
    """pyoxigraph's in-memory store and SPARQL engine."""

    name = "oxigraph"

    def __init__(self, snapshot: Snapshot, prefixes: dict[str, str]):
        if snapshot.store:
            self.store = ox.Store.read_only(snapshot.path)
            self._graphs = frozenset(snapshot.graphs)
        else:
            self.store = oxigraph_store(snapshot)
            self._graphs = named_graph_iris(self.store)  # an engine's store does not change after loading
        self.prefixes = prefixes

    def run(self, text: str, *, base: str | None, dataset: QueryDataset | None, media: dict[str, str],
            max_rows: int | None, max_bytes: int | None) -> Written:
        """Evaluate a query text (Oxigraph parses it) and write its answer in the media type negotiated for
        its form (``media``: form -> media type; a form without one is :class:`NotAcceptable`).

        ``dataset`` None: the service's default, the union of all graphs (unless the query has FROM clauses,
        which Oxigraph then applies); else the protocol's graphs, a graph the store lacks being empty.
        """
        answer = self._query(text, base, dataset)
        if isinstance(answer, ox.QueryBoolean):
            return write_boolean(bool(answer), _media(media, "ASK"))
        if isinstance(answer, ox.QueryTriples):
            form = "DESCRIBE" if _is_describe(text) else "CONSTRUCT"
            return write_triples(form, answer, _media(media, form), max_rows, max_bytes, self.prefixes)
        variables = [v.value for v in answer.variables]
        return write_solutions(variables, answer, _media(media, "SELECT"), max_rows, max_bytes)

    def graphs(self) -> frozenset[str]:
        return self._graphs

    def evaluate(self, plan: QueryPlan, max_rows: int | None) -> Answer:
        dataset = None if plan.dataset.is_service_default else plan.dataset
        return self.evaluate_text(plan.text, base=plan.base, dataset=dataset, max_rows=max_rows)

    def _query(self, text: str, base: str | None,
               dataset: QueryDataset | None) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        if dataset is None:
            return self.store.query(text, base_iri=base, prefixes=self.prefixes, use_default_graph_as_union=True)
        if dataset.is_service_default:
            return self.store.query(text, base_iri=base, prefixes=self.prefixes)
        default: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [ox.NamedNode(g) for g in dataset.default or ()]
        named: list[ox.NamedNode | ox.BlankNode] = [ox.NamedNode(g) for g in dataset.named or ()]
        return self.store.query(text, base_iri=base, prefixes=self.prefixes, default_graph=default,
                                named_graphs=named)

    def evaluate_text(self, text: str, *, base: str | None, dataset: QueryDataset | None,
                      max_rows: int | None) -> Answer:
        """Evaluate a query text (Oxigraph parses it) on a dataset as :meth:`run` takes it."""
        answer = self._query(text, base, dataset)
        if isinstance(answer, ox.QueryBoolean):
            return Answer("ASK", boolean=bool(answer))
        if isinstance(answer, ox.QueryTriples):
            triples, truncated = _limited((cast(Triple, from_ox(t)) for t in answer), max_rows)
            return Answer("DESCRIBE" if _is_describe(text) else "CONSTRUCT", triples=triples, truncated=truncated)
        variables = [v.value for v in answer.variables]
        rows, truncated = _limited((tuple(None if value is None else _term(value) for value in solution)
                                    for solution in answer), max_rows)
        return Answer("SELECT", variables=variables, rows=rows, truncated=truncated)

    def graph_triples(self, name: str | None) -> list[Triple] | None:
        """The triples of a named graph (``None``: the store's unnamed graph), or None if there is no such graph."""
        if name is None:
            graph: ox.NamedNode | ox.DefaultGraph = ox.DefaultGraph()
        else:
            graph = ox.NamedNode(name)
            if not self.store.contains_named_graph(graph):
                return None
        return [(_term(q.subject), _term(q.predicate), _term(q.object))
                for q in self.store.quads_for_pattern(None, None, None, graph)]


def _media(media: dict[str, str], form: str) -> str:
    if form not in media:
        offered = ", ".join(sorted(set(media.values()))) or "nothing"
        raise NotAcceptable(f"a {form} query has no answer in the media types the request accepts ({offered})")
    return media[form]


# Strings (long ones first), IRIs and comments: what :func:`skeleton` blanks out of a query's text.
_OPAQUE = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
                     r'|<[^<>"{}|^`\\\s]*>|#[^\n]*')
_FORM = re.compile(r"(?<![\w?$:])(SELECT|ASK|CONSTRUCT|DESCRIBE)(?![\w:])", re.IGNORECASE)


def skeleton(text: str) -> str:
    """A query's text with its strings, IRIs and comments blanked out: what is left are its keywords,
    variables, prefixed names and punctuation (a cheap look at a query, never a parse)."""
    return _OPAQUE.sub(" ", text)


def query_form(text: str) -> str | None:
    """The form of a query (SELECT, ASK, CONSTRUCT, DESCRIBE) by its first form keyword outside strings, IRIs
    and comments, or None when there is none (the parser then says what is wrong). Remembered for the last
    1,024 queries of up to 4,096 characters: an endpoint sees the same few queries again and again."""
    return _cached_form(text) if len(text) <= 4096 else _query_form(text)


def _query_form(text: str) -> str | None:
    found = _FORM.search(skeleton(text))
    return found.group(1).upper() if found else None


_cached_form = lru_cache(maxsize=1024)(_query_form)


def mentions(text: str, keyword: str) -> bool:
    """Whether a keyword appears in a query's text outside its strings, IRIs and comments."""
    return re.search(rf"(?<![\w?$:]){keyword}(?![\w:])", skeleton(text), re.IGNORECASE) is not None


def _is_describe(text: str) -> bool:
    """Whether a query that answered triples is a DESCRIBE (else a CONSTRUCT)."""
    return query_form(text) == "DESCRIBE"


class RdflibEngine:
    """rdflib's in-memory dataset and SPARQL engine."""

    name = "memory"

    def __init__(self, snapshot: Snapshot, prefixes: dict[str, str]):
        import rdflib.plugins.sparql

        rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # never fetch a graph (the inspection refuses first)
        self.dataset = Dataset(default_union=True)
        for name in snapshot.graphs:
            self.dataset.graph(URIRef(name))
        self.dataset.addN(rdflib_quads(self.dataset, read_snapshot(snapshot)))
        self._graphs = dataset_graph_iris(self.dataset)  # an engine's dataset does not change after loading
        self.prefixes = prefixes

    def graphs(self) -> frozenset[str]:
        return self._graphs

    def _view(self, plan: QueryPlan) -> Dataset:
        """A dataset of the plan's graphs: their merge as the default graph, the named ones by name."""
        view = Dataset(default_union=False)
        for name in plan.dataset.default or ():
            for triple in self.dataset.graph(URIRef(name)):
                view.default_graph.add(triple)
        for name in plan.dataset.named or ():
            named = view.graph(URIRef(name))
            for triple in self.dataset.graph(URIRef(name)):
                named.add(triple)
        return view

    def evaluate(self, plan: QueryPlan, max_rows: int | None) -> Answer:
        import rdflib.plugins.sparql

        # rdflib reads the default graph as the union of all graphs when this switch is on (Query §13.1)
        union = plan.dataset.is_service_default
        rdflib.plugins.sparql.SPARQL_DEFAULT_GRAPH_UNION = union
        target = self.dataset if union else self._view(plan)
        return answer_of(target.query(plan.algebra, base=plan.base), max_rows)

    def graph_triples(self, name: str | None) -> list[Triple] | None:
        if name is None:
            return list(self.dataset.default_graph)
        if name not in self.graphs():
            return None
        return list(self.dataset.graph(URIRef(name)))


def load_engine(backend: str, snapshot: Snapshot, prefixes: dict[str, str]) -> Engine:
    """The engine of a backend (``oxigraph`` or ``memory``) holding a snapshot."""
    if backend == "memory":
        return RdflibEngine(snapshot, prefixes)
    return OxigraphEngine(snapshot, prefixes)


class RemoteEngine:
    """A remote SPARQL 1.1 store (:class:`~kzgraph.store.remote.RemoteKnowledgeGraph`) evaluating inspected queries.

    The dataset of the plan is sent as the protocol's ``default-graph-uri`` / ``named-graph-uri``
    (Protocol §2.1.4); the service default is kzgraph's graphs, as default and as named graphs. The store
    applies its own time limits; the client waits for the knowledge graph's timeout.
    """

    name = "remote"

    def __init__(self, kg: RemoteKnowledgeGraph):
        self.kg = kg

    def graphs(self) -> frozenset[str]:
        return frozenset(self.kg.graphs)

    def evaluate(self, plan: QueryPlan, max_rows: int | None) -> Answer:
        dataset = plan.dataset
        text = f"BASE <{plan.base}>\n{plan.text}" if plan.base else plan.text
        if dataset.is_service_default:
            result = self.kg.query(text)
        else:
            result = self.kg.query(text, default_graphs=dataset.default or (), named_graphs=dataset.named or ())
        return answer_of(result, max_rows)

    def graph_triples(self, name: str | None) -> list[Triple] | None:
        if name is None or name not in self.graphs():
            return None
        text = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"
        return list(self.kg.query(text, default_graphs=(), named_graphs=(name,)).graph or ())
