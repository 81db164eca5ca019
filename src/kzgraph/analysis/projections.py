"""Projections of the RDF graph into networkx graphs, built from SPARQL results (so any store will do).

``project(kg, name, start=None, end=None, as_of=None)`` returns one of three graphs, where ``kg`` is
anything with ``.query(sparql)`` returning rdflib Results (a :class:`~kzgraph.store.local.KnowledgeGraph`, or an
rdflib ``Graph(store=SPARQLStore(url))`` over a remote endpoint):

``"cooperation"``
    :class:`networkx.MultiGraph` of states; one edge per pair of states and relation, keyed by the
    relation: ``agreement`` (both are parties), ``exercise`` (both take part), ``transfer`` (supplier and
    recipient; a company counts as its ``kz:country``), ``lease`` (lessor and lessee), ``training``
    (provider and recipient) and ``membership`` (members of the same organisation or programme at the
    same time).
``"membership"``
    bipartite :class:`networkx.Graph`: states (node attribute ``bipartite=0``) linked to the
    organisations and programmes they belong to (``bipartite=1``); every role but applicant counts.
``"transfers"``
    :class:`networkx.DiGraph` of arms transfers, supplier -> recipient (companies stand for their
    ``kz:country`` where the graph gives one; transfers within one state are left out).

Node keys are IRIs; node attributes ``label`` (English), ``type`` (most specific kz: class, e.g.
``"State"``), ``iri``, ``iso`` (ISO 3166-1 alpha-3 or ``""``) and ``vector`` (policy vector label or
``""``, from ``kz:policyVector``). Edge attributes: ``relation``, ``weight`` (float: the number of distinct
facts behind the edge; for ``membership`` edges of the cooperation network the number of organisations and
programmes in common), ``first_year`` and ``last_year`` (int or None), ``sources`` (number of distinct
source documents) and ``facts`` (sorted list of fact IRIs).

Time: a fact's years are the first four characters of its dates (docs/metrics.md lists which properties).
Events (agreements, exercises, transfers) last from their first to their last year; memberships, leases
and training without an end date are ongoing. Windows ``start``/``end`` (inclusive years) keep the facts
whose years meet the window; ``as_of`` (a date or a year) keeps the memberships, leases and training in
force in that year and the events up to it. **Undated facts are left out of every window and kept in the
all-time view** (no ``start``, ``end`` or ``as_of``).

The SPARQL lives in ``sparql/projections/*.rq``.
"""

from __future__ import annotations

from kzgraph import errors

import datetime as dt
import itertools
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import networkx as nx

QUERY_DIR = Path(__file__).parent / "queries"
NAMES = ("cooperation", "membership", "transfers")
RELATIONS = ("agreement", "exercise", "transfer", "lease", "training", "membership")
DURATIVE = frozenset({"membership", "lease", "training"})
KZ = "https://w3id.org/kzgraph/ontology#"


class ProjectionError(errors.UsageError, ValueError):
    """A projection was asked for with a wrong name or window; the message says which."""


def sparql(name: str, folder: Path = QUERY_DIR) -> str:
    """The text of a query kept in ``folder`` as ``NAME.rq`` (by default a projection query in
    ``sparql/projections/``)."""
    return (folder / f"{name}.rq").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Fact:
    """One fact behind a tie: its IRI, relation, the two agents, its years and its source documents."""

    iri: str
    relation: str
    a: str
    b: str
    first: int | None
    last: int | None
    documents: frozenset[str]
    roles: tuple[str, ...] = ()

    @property
    def dated(self) -> bool:
        return self.first is not None or self.last is not None

    @property
    def span(self) -> tuple[float, float]:
        """(earliest, latest) year; ongoing durative facts end at +inf. Only for dated facts."""
        low = self.first if self.first is not None else self.last
        if self.last is not None:
            high = self.last
        else:
            high = math.inf if self.relation in DURATIVE else self.first
        return low, high

    def in_window(self, start: int | None = None, end: int | None = None, as_of: int | None = None) -> bool:
        """Whether the fact belongs to the window (see the module docstring)."""
        if start is None and end is None and as_of is None:
            return True
        if not self.dated:
            return False
        low, high = self.span
        if as_of is not None:
            if low > as_of or (self.relation in DURATIVE and high < as_of):
                return False
        return (end is None or low <= end) and (start is None or high >= start)


@dataclass(frozen=True)
class Node:
    iri: str
    label: str
    type: str
    iso: str
    vector: str
    vector_concept: str

    def attributes(self) -> dict:
        return {"label": self.label, "type": self.type, "iri": self.iri, "iso": self.iso, "vector": self.vector}


def _text(term) -> str:
    return "" if term is None else str(term)


def _year(term) -> int | None:
    if term is None:
        return None
    try:
        return int(term.toPython()) if hasattr(term, "toPython") else int(term)
    except (TypeError, ValueError):
        return None


def check_projection(name: str, start: int | None = None, end: int | None = None) -> None:
    """Raise :class:`ProjectionError` for an unknown projection or a window that starts after it ends."""
    if name not in NAMES:
        raise ProjectionError(f"unknown projection {name!r}; choose one of {', '.join(NAMES)}")
    if start is not None and end is not None and start > end:
        raise ProjectionError(f"the window starts after it ends: from {start} to {end}")


class Facts:
    """The facts and agents of a graph, fetched once with the queries in ``sparql/projections``."""

    def __init__(self, ties: list[Fact], memberships: list[Fact], nodes: dict[str, Node],
                 values: dict[str, tuple[float, str]] | None = None):
        self.ties = ties
        self.memberships = memberships
        self.nodes = nodes
        self.values = values or {}

    @classmethod
    def fetch(cls, kg) -> "Facts":
        ties = [Fact(str(r.fact), str(r.relation), str(r.a), str(r.b), _year(r.first), _year(r.last),
                     frozenset(_text(r.documents).split()))
                for r in kg.query(sparql("ties"))]
        memberships = [Fact(str(r.fact), "membership", str(r.member), str(r.organisation), _year(r.first),
                            _year(r.last), frozenset(_text(r.documents).split()),
                            tuple(sorted(role.rsplit("/", 1)[-1].removeprefix("role-")
                                         for role in _text(r.roles).split())))
                       for r in kg.query(sparql("memberships"))]
        nodes = {}
        for r in kg.query(sparql("nodes")):
            iri = str(r.node)
            kind = _text(r.type)
            nodes[iri] = Node(iri, _text(r.label) or _local(iri), kind[len(KZ):] if kind.startswith(KZ) else kind,
                              _text(r.iso), _text(r.vector), _text(r.vectorConcept))
        values = {}
        for r in kg.query(sparql("transfer-values")):
            try:
                amount = float(r.value) * 10 ** int(r.multiplier or 0)
            except (TypeError, ValueError):
                continue
            values[str(r.fact)] = (amount, _text(r.unit))
        return cls(ties, memberships, nodes, values)

    @cached_property
    def years(self) -> list[int]:
        """Every year that a fact's dates name, ascending."""
        found = {y for f in itertools.chain(self.ties, self.memberships) for y in (f.first, f.last) if y is not None}
        return sorted(found)

    def node(self, iri: str) -> Node:
        return self.nodes.get(iri) or Node(iri, _local(iri), "", "", "", "")

    def is_state(self, iri: str) -> bool:
        return self.node(iri).type == "State"

    def project(self, name: str, start: int | None = None, end: int | None = None,
                as_of: int | None = None) -> nx.Graph:
        """The projection ``name`` of these facts, cut to a window (see :func:`project`)."""
        check_projection(name, start, end)
        keep = [f for f in self.ties if f.in_window(start, end, as_of)]
        members = [f for f in self.memberships if f.in_window(start, end, as_of)]
        if name == "transfers":
            graph = nx.DiGraph(name="transfers")
            self._add_edges(graph, [f for f in keep if f.relation == "transfer"], directed=True)
        elif name == "membership":
            graph = nx.Graph(name="membership")
            chosen = [f for f in members if self.is_state(f.a)]
            self._add_edges(graph, chosen)
            for fact in chosen:
                graph.nodes[fact.a]["bipartite"] = 0
                graph.nodes[fact.b]["bipartite"] = 1
            for u, v, data in graph.edges(data=True):
                data["roles"] = sorted({r for f in chosen if f.iri in data["facts"] for r in f.roles})
        else:
            graph = nx.MultiGraph(name="cooperation")
            self._add_edges(graph, [f for f in keep if self.is_state(f.a) and self.is_state(f.b)], multi=True)
            self._add_common_memberships(graph, [f for f in members if self.is_state(f.a)])
        graph.graph.update(start=start, end=end, as_of=as_of)
        return graph

    def _add_node(self, graph: nx.Graph, iri: str) -> None:
        if iri not in graph:
            graph.add_node(iri, **self.node(iri).attributes())

    def _add_edges(self, graph: nx.Graph, facts: list[Fact], directed: bool = False, multi: bool = False) -> None:
        groups: dict[tuple, list[Fact]] = {}
        for fact in facts:
            pair = (fact.a, fact.b) if directed else tuple(sorted((fact.a, fact.b)))
            groups.setdefault((*pair, fact.relation), []).append(fact)
        for (u, v, relation), group in groups.items():
            self._add_node(graph, u)
            self._add_node(graph, v)
            attributes = edge_attributes(relation, group, weight=len({f.iri for f in group}))
            if multi:
                graph.add_edge(u, v, key=relation, **attributes)
            else:
                graph.add_edge(u, v, **attributes)

    def _add_common_memberships(self, graph: nx.MultiGraph, memberships: list[Fact]) -> None:
        """Edges ``membership`` between states that belonged to the same organisation at the same time."""
        by_organisation: dict[str, list[Fact]] = {}
        for fact in memberships:
            by_organisation.setdefault(fact.b, []).append(fact)
        shared: dict[tuple[str, str], dict[str, list[Fact]]] = {}
        for organisation, group in by_organisation.items():
            for x, y in itertools.combinations(group, 2):
                if x.a == y.a or not _overlap(x, y):
                    continue
                pair = tuple(sorted((x.a, y.a)))
                shared.setdefault(pair, {}).setdefault(organisation, []).extend((x, y))
        for (u, v), organisations in shared.items():
            self._add_node(graph, u)
            self._add_node(graph, v)
            group = [f for facts in organisations.values() for f in facts]
            attributes = edge_attributes("membership", group, weight=len(organisations))
            attributes["organisations"] = sorted(organisations)
            graph.add_edge(u, v, key="membership", **attributes)


def _overlap(x: Fact, y: Fact) -> bool:
    """Whether two memberships were in force at the same time; undated ones are assumed to overlap."""
    if not (x.dated and y.dated):
        return True
    (a0, a1), (b0, b1) = x.span, y.span
    return a0 <= b1 and b0 <= a1


def edge_attributes(relation: str, facts: list[Fact], weight: float) -> dict:
    lows = [f.span[0] for f in facts if f.dated]
    highs = [f.span[1] for f in facts if f.dated and math.isfinite(f.span[1])]
    return {
        "relation": relation,
        "weight": float(weight),
        "first_year": int(min(lows)) if lows else None,
        "last_year": int(max(highs)) if highs else None,
        "sources": len({d for f in facts for d in f.documents}),
        "facts": sorted({f.iri for f in facts}),
    }


def _local(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def as_year(value: int | str | dt.date | None) -> int | None:
    """A year from an int, an ISO date string (``"2014"``, ``"2014-05"``, ``"2014-05-01"``) or a date."""
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, dt.date):
        return value.year
    text = str(value).strip()
    if len(text) >= 4 and text[:4].isdigit() and (len(text) == 4 or text[4] == "-"):
        return int(text[:4])
    raise ProjectionError(f"not a date or year: {value!r} (expected YYYY, YYYY-MM or YYYY-MM-DD)")


def project(kg, name: str, start: int | None = None, end: int | None = None, *,
            as_of: int | str | dt.date | None = None) -> nx.Graph:
    """The projection ``name`` ("cooperation", "membership" or "transfers") of the graph behind ``kg``.

    ``start``/``end`` are inclusive years; ``as_of`` a date or year (see the module docstring).
    """
    if name not in NAMES:
        raise ProjectionError(f"unknown projection {name!r}; choose one of {', '.join(NAMES)}")
    return Facts.fetch(kg).project(name, start, end, as_year(as_of))
