"""Projections of the RDF graph into networkx graphs, built from SPARQL results (so any store will do).

``project(kg, name, start=None, end=None, as_of=None)`` returns one of three graphs, where ``kg`` is
anything with ``.query(sparql)`` returning rdflib Results (a :class:`~kzgraph.store.KnowledgeGraph`, or an
rdflib ``Graph(store=SPARQLStore(url))`` over a remote endpoint):

``"cooperation"``
    :class:`networkx.MultiGraph` of states; one edge per pair of states and relation, keyed by the
    relation: ``agreement`` (both are parties), ``exercise`` (both take part), ``transfer`` (supplier and
    recipient; a company counts as its ``kz:country``), ``lease`` (lessor and lessee), ``training``
    (provider and recipient), ``partnership`` (a strategic partnership of two states: a ``kz:Membership``
    whose organisation is a state) and ``membership`` (members of the same organisation or programme at
    the same time).
``"membership"``
    strictly bipartite :class:`networkx.Graph`: states (node attribute ``bipartite=0``) linked to the
    organisations and programmes they belong to (``bipartite=1``); every role but applicant counts.
    Members that are not states (banks, agencies) and "organisations" that are states (partnerships) are
    not in it.
``"transfers"``
    :class:`networkx.DiGraph` of the curated arms transfers, supplier -> recipient (companies stand for
    their ``kz:country`` where the graph gives one; transfers within one state are left out).

Node keys are IRIs; node attributes ``label`` (English), ``type`` (most specific kz: class, e.g.
``"State"``), ``iri``, ``iso`` (ISO 3166-1 alpha-3 or ``""``) and ``vector`` (policy vector label or
``""``, from ``kz:policyVector``). Edge attributes: ``relation``, ``weight`` (float: the number of distinct
facts behind the edge; for ``membership`` edges of the cooperation network the number of organisations and
programmes in common), ``first_year`` and ``last_year`` (int, or None: ``last_year`` is None while the
edge is ongoing), ``dated`` (False when no fact behind the edge has a date), ``undated_facts``, ``spans``
(the periods in which the edge exists, ``(first, last)`` with ``last = inf`` while ongoing), ``sources``
(number of distinct source documents) and ``facts`` (sorted list of fact IRIs).

Time: **one definition of when a tie exists**, :meth:`Fact.span`, used by every window, every year row of
the metrics and every export (first and last year, GEXF spells). A fact's years are the first four
characters of its dates (docs/metrics.md lists which properties). The tie model
(``data/vectors/tie-model.csv``, :class:`TieModel`) says which relations are *intervals* (in force from a
start to an end, ongoing without an end: memberships, partnerships, treaties and agreements from their
entry into force, leases) and which are *events* (exercises, transfers, training, declarations: from
their first to their last year). A window ``start``/``end`` (inclusive years) keeps the facts whose span
meets it; ``as_of`` (a date or a year) keeps the intervals in force in that year and the events up to it.
An edge of common membership exists while both memberships are in force. **Undated facts are left out of
every window and kept in the all-time view** (no ``start``, ``end`` or ``as_of``), their edges marked
``dated=False``.

The SPARQL lives in ``analysis/queries/*.rq``.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NotRequired, TypedDict, cast

import networkx as nx
from rdflib import Literal
from rdflib.query import ResultRow

from kzgraph.errors import UsageError
from kzgraph.sparql.describe import Queryable
from kzgraph.store.loading import DATA_DIR

QUERY_DIR = Path(__file__).parent / "queries"
TIE_MODEL = DATA_DIR / "vectors" / "tie-model.csv"
NAMES = ("cooperation", "membership", "transfers")
RELATIONS = ("agreement", "exercise", "transfer", "lease", "training", "partnership", "membership")
KINDS = ("interval", "event")
KZ = "https://w3id.org/kzgraph/ontology#"
CONCEPT = "https://w3id.org/kzgraph/id/concept/"
REGISTER_GRAPH = "https://w3id.org/kzgraph/graph/import/sipri"
Span = tuple[float, float]  # first and last year; last = inf while ongoing


class ProjectionError(UsageError, ValueError):
    """A projection was asked for with a wrong name or window; the message says which."""


def sparql(name: str, folder: Path = QUERY_DIR) -> str:
    """The text of a query kept in ``folder`` as ``NAME.rq`` (by default a projection query in
    ``analysis/queries/``)."""
    return (folder / f"{name}.rq").read_text(encoding="utf-8")


def select(kg: Queryable, query: str) -> Iterator[ResultRow]:
    """The rows of a SELECT query, read as they come."""
    return (cast(ResultRow, row) for row in kg.query(query))


# --- the tie model ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TieRule:
    """What a tie of one relation (and, for agreements, one class) is: an interval or an event, and the
    weight one tie of it adds to its partner's vector (per year in force, or per year it happens)."""

    relation: str
    cls: str
    kind: str
    weight: float
    definition: str = ""


class TieModel:
    """The tie model of ``data/vectors/tie-model.csv`` (docs/metrics.md, "What a tie is"): one rule per
    relation, or per relation and kz: class (``agreement,Treaty`` …). A researcher changes the kinds and
    weights in that file (or passes another to :meth:`load`), not in code.

    >>> model = TieModel([TieRule("lease", "", "interval", 1.0), TieRule("agreement", "Declaration", "event", 0.5),
    ...                   TieRule("agreement", "", "interval", 1.0)])
    >>> model.rule("agreement", ("Agreement", "Declaration")).kind, model.rule("agreement", ("Treaty",)).kind
    ('event', 'interval')
    """

    def __init__(self, rules: list[TieRule], path: Path | None = None):
        self.rules = {(r.relation, r.cls): r for r in rules}
        self.path = path

    @classmethod
    def load(cls, path: Path | str | None = None) -> TieModel:
        path = Path(path) if path is not None else TIE_MODEL
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.DictReader(handle))
        except OSError as error:
            raise UsageError(f"cannot read the tie model {path}: {error.strerror or error}") from None
        rules: list[TieRule] = []
        for number, row in enumerate(rows, start=2):
            try:
                kind, weight = row["kind"].strip(), float(row["weight"])
                if kind not in KINDS or weight < 0 or math.isnan(weight):
                    raise ValueError
            except (KeyError, TypeError, ValueError, AttributeError):
                raise UsageError(f"{path}:{number}: each row needs relation, class, kind (interval or event) "
                                 f"and a non-negative weight; got {dict(row)}") from None
            rules.append(TieRule(row["relation"].strip(), (row.get("class") or "").strip(), kind, weight,
                                 (row.get("definition") or "").strip()))
        return cls(rules, path)

    def rule(self, relation: str, classes: tuple[str, ...] = ()) -> TieRule:
        """The rule of the most specific class that has one (classes other than the relation's generic
        class first), else the relation's rule, else an event of weight 1."""
        specific = [c for c in classes if (relation, c) in self.rules]
        specific.sort(key=lambda c: c == "Agreement")
        if specific:
            return self.rules[(relation, specific[0])]
        return self.rules.get((relation, "")) or TieRule(relation, "", "event", 1.0, "not in the tie model")


# --- facts and their time ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Fact:
    """One fact behind a tie: its IRI, relation, the two agents, its years, its source documents, and
    from the tie model its kind (``interval`` or ``event``) and weight.

    >>> lease = Fact("l", "lease", "KAZ", "RUS", 1994, None, frozenset(), kind="interval")
    >>> lease.span, lease.exists_in(2024), lease.in_window(2000, 2001)
    ((1994, inf), True, True)
    >>> exercise = Fact("e", "exercise", "KAZ", "USA", 2011, None, frozenset())
    >>> exercise.span, exercise.exists_in(2012)
    ((2011, 2011), False)
    """

    iri: str
    relation: str
    a: str
    b: str
    first: int | None
    last: int | None
    documents: frozenset[str]
    roles: tuple[str, ...] = ()
    kind: str = "event"
    weight: float = 1.0
    classes: tuple[str, ...] = ()

    @property
    def dated(self) -> bool:
        return self.first is not None or self.last is not None

    @property
    def ongoing(self) -> bool:
        return self.dated and self.kind == "interval" and self.last is None

    @property
    def span(self) -> Span:
        """(first, last) year in which the fact exists; an interval without an end lasts (``inf``), an
        event without one lasts its first year, a fact with an end only lasts that year. Dated facts only (an
        undated fact has ``(nan, nan)``, no known time, as in :func:`overlap`)."""
        low = self.first if self.first is not None else self.last
        if low is None:
            return (math.nan, math.nan)
        high = max(self.last, low) if self.last is not None else math.inf if self.kind == "interval" else low
        return low, high

    def exists_in(self, year: int) -> bool:
        """Whether the fact exists in ``year`` (the one definition that windows and exports share)."""
        if not self.dated:
            return False
        low, high = self.span
        return low <= year <= high

    def in_window(self, start: int | None = None, end: int | None = None, as_of: int | None = None) -> bool:
        """Whether the fact belongs to the window (see the module docstring)."""
        if start is None and end is None and as_of is None:
            return True
        if not self.dated:
            return False
        return span_in_window(self.span, start, end, as_of, self.kind == "interval")


def span_in_window(span: Span, start: int | None, end: int | None, as_of: int | None, interval: bool) -> bool:
    """Whether a span meets the window ``[start, end]`` and, with ``as_of``, is in force in that year (an
    interval) or began by then (an event)."""
    low, high = span
    if as_of is not None and (low > as_of or (interval and high < as_of)):
        return False
    return (end is None or low <= end) and (start is None or high >= start)


def merge(spans: Iterable[Span]) -> list[Span]:
    """Overlapping or adjacent spans joined, in order.

    >>> merge([(2011, 2011), (1994, 2000), (2001, 2003), (2010, math.inf)])
    [(1994, 2003), (2010, inf)]
    """
    merged: list[list[float]] = []
    for low, high in sorted(spans):
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return [(int(low), high if math.isinf(high) else int(high)) for low, high in merged]


def overlap(x: Fact, y: Fact) -> Span | None:
    """The span in which both facts exist (None when they never do at once); for an undated fact,
    ``(nan, nan)``: assumed to overlap, at no known time."""
    if not (x.dated and y.dated):
        return (math.nan, math.nan)
    (a0, a1), (b0, b1) = x.span, y.span
    low, high = max(a0, b0), min(a1, b1)
    return (low, high) if low <= high else None


# --- arms transfers --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Transfer:
    """A curated arms transfer with what the arms metrics need: status and terms (SKOS local names without
    their scheme prefix: ``delivered``, ``free-of-charge``), order and delivery years, documents."""

    iri: str
    supplier: str
    recipient: str
    statuses: tuple[str, ...]
    terms: tuple[str, ...]
    order: int | None
    delivery_start: int | None
    delivery_end: int | None
    date: int | None
    documents: frozenset[str]

    @property
    def status(self) -> str:
        """The transfer's status: the most advanced one it is given (delivered > licensed-production >
        ordered > offered > planned > cancelled); without one, ``delivered`` when it has delivery years,
        else ``unknown``."""
        for status in STATUS_ORDER:
            if status in self.statuses:
                return status
        if self.delivery_start is not None or self.delivery_end is not None:
            return "delivered"
        return "unknown"

    @property
    def aid(self) -> bool:
        return "free-of-charge" in self.terms

    @property
    def years(self) -> tuple[int, int] | None:
        """Delivery years when the transfer has them, else the years of its order or date."""
        low = self.delivery_start if self.delivery_start is not None else self.delivery_end
        if low is not None:
            return low, max(low, self.delivery_end if self.delivery_end is not None else low)
        known = [y for y in (self.order, self.date) if y is not None]
        return (min(known), max(known)) if known else None


STATUS_ORDER = ("delivered", "licensed-production", "ordered", "licence-granted", "offered", "planned",
                "cancelled", "unknown")


@dataclass(frozen=True)
class RegisterRow:
    """One row of the SIPRI trade register import: supplier, recipient, TIV delivered (millions) and the
    years of delivery."""

    iri: str
    supplier: str
    recipient: str
    tiv: float
    years: tuple[int, ...]
    documents: frozenset[str] = frozenset()


# --- nodes -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Node:
    iri: str
    label: str
    type: str
    iso: str
    vector: str
    vector_concept: str

    def attributes(self) -> dict[str, str]:
        return {"label": self.label, "type": self.type, "iri": self.iri, "iso": self.iso, "vector": self.vector}


def _text(term: object) -> str:
    return "" if term is None else str(term)


def _year(term: Literal | str | int | None) -> int | None:
    if term is None:
        return None
    try:
        return int(term.toPython()) if isinstance(term, Literal) else int(term)
    except (TypeError, ValueError):
        return None


def _concepts(text: str) -> tuple[str, ...]:
    """Space-separated concept IRIs as their local names without the scheme prefix (``status-``…)."""
    found: list[str] = []
    for iri in text.split():
        local = iri.rsplit("/", 1)[-1]
        found.append(local.split("-", 1)[1] if local.startswith(("status-", "terms-")) else local)
    return tuple(sorted(found))


def check_projection(name: str, start: int | None = None, end: int | None = None) -> None:
    """Raise :class:`ProjectionError` for an unknown projection or a window that starts after it ends."""
    if name not in NAMES:
        raise ProjectionError(f"unknown projection {name!r}; choose one of {', '.join(NAMES)}")
    if start is not None and end is not None and start > end:
        raise ProjectionError(f"the window starts after it ends: from {start} to {end}")


class _Rule(TypedDict):
    """What the tie model adds to a fact (keyword arguments of :class:`Fact`)."""

    kind: str
    weight: float
    classes: tuple[str, ...]


class _RegisterEntry(TypedDict):
    """A register row while its years are gathered (register.rq answers one row per year of delivery)."""

    supplier: str
    recipient: str
    tiv: float
    years: set[int]
    documents: set[str]


class EdgeAttributes(TypedDict):
    """The attributes of an edge of a projection (see the module docstring)."""

    relation: str
    weight: float
    first_year: int | None
    last_year: int | None
    dated: bool
    undated_facts: int
    spans: list[Span]
    sources: int
    facts: list[str]
    organisations: NotRequired[list[str]]


class Facts:
    """The facts and agents of a graph, fetched once with the queries in ``analysis/queries``.

    ``ties``: pairwise facts (agreements, exercises, transfers, leases, training, partnerships);
    ``memberships``: memberships of agents in organisations and programmes; ``transfers``: the curated
    arms transfers with status and delivery years; ``register``: the rows of the SIPRI register import
    (empty when the build has none); ``same_deal``: pairs of transfers that are one deal.
    """

    def __init__(self, ties: list[Fact], memberships: list[Fact], nodes: dict[str, Node],
                 transfers: list[Transfer] | None = None, register: list[RegisterRow] | None = None,
                 same_deal: list[tuple[str, str]] | None = None, model: TieModel | None = None):
        self.ties = ties
        self.memberships = memberships
        self.nodes = nodes
        self.transfers = transfers or []
        self.register = register or []
        self.same_deal = same_deal or []
        self.model = model

    @classmethod
    def fetch(cls, kg: Queryable, model: TieModel | None = None) -> Facts:
        model = model or TieModel.load()
        nodes: dict[str, Node] = {}
        for r in select(kg, sparql("nodes")):
            iri = str(r.node)
            kind = _text(r.type)
            nodes[iri] = Node(iri, _text(r.label) or _local(iri), kind[len(KZ):] if kind.startswith(KZ) else kind,
                              _text(r.iso), _text(r.vector), _text(r.vectorConcept))

        def typed(relation: str, classes: tuple[str, ...] = ()) -> _Rule:
            rule = model.rule(relation, classes)
            return {"kind": rule.kind, "weight": rule.weight, "classes": classes}

        register = cls._register(kg)
        skip = {row.iri for row in register}  # the register rows are volumes, never ties or curated deals
        classes: dict[str, set[str]] = {}
        for r in select(kg, sparql("agreement-classes")):
            classes.setdefault(str(r.fact), set()).add(str(r["class"])[len(KZ):])
        ties: list[Fact] = []
        for r in select(kg, sparql("ties")):
            if str(r.fact) in skip:
                continue
            found = tuple(sorted(classes.get(str(r.fact), ()))) if str(r.relation) == "agreement" else ()
            ties.append(Fact(str(r.fact), str(r.relation), str(r.a), str(r.b), _year(r.first), _year(r.last),
                             frozenset(_text(r.documents).split()), **typed(str(r.relation), found)))
        memberships: list[Fact] = []
        for r in select(kg, sparql("memberships")):
            member, organisation = str(r.member), str(r.organisation)
            roles = tuple(sorted(role.rsplit("/", 1)[-1].removeprefix("role-") for role in _text(r.roles).split()))
            common = (str(r.fact), member, organisation, _year(r.first), _year(r.last),
                      frozenset(_text(r.documents).split()), roles)
            if nodes.get(organisation) and nodes[organisation].type == "State":
                a, b = sorted((member, organisation))  # a strategic partnership: a tie of two states
                ties.append(Fact(common[0], "partnership", a, b, *common[3:], **typed("partnership")))
            else:
                memberships.append(Fact(common[0], "membership", member, organisation, *common[3:],
                                        **typed("membership")))
        concepts: dict[str, list[str]] = {}
        for r in select(kg, sparql("transfer-concepts")):
            concepts.setdefault(str(r.fact), []).append(str(r.concept))
        transfers: list[Transfer] = []
        for r in select(kg, sparql("transfers")):
            if str(r.fact) in skip:
                continue
            named = concepts.get(str(r.fact), [])
            transfers.append(Transfer(
                str(r.fact), str(r.a), str(r.b),
                _concepts(" ".join(c for c in named if c.rsplit("/", 1)[-1].startswith("status-"))),
                _concepts(" ".join(c for c in named if c.rsplit("/", 1)[-1].startswith("terms-"))),
                _year(r.orderYear), _year(r.deliveryStart), _year(r.deliveryEnd), _year(r.dateYear),
                frozenset(_text(r.documents).split())))
        same_deal = [(str(r.x), str(r.y)) for r in select(kg, sparql("same-deal"))]
        return cls(ties, memberships, nodes, transfers, register, same_deal, model)

    @staticmethod
    def _register(kg: Queryable) -> list[RegisterRow]:
        """The register rows, their years joined (register.rq answers one row per year of delivery)."""
        rows: dict[str, _RegisterEntry] = {}
        for r in select(kg, sparql("register")):
            try:
                tiv = float(r.tiv)
            except (TypeError, ValueError):
                continue
            row = rows.setdefault(str(r.row), {"supplier": str(r.supplier), "recipient": str(r.recipient),
                                               "tiv": tiv, "years": set(), "documents": set()})
            year = _text(r.year)[:4]  # an xsd:gYear, possibly with a time zone
            if year.isdigit():
                row["years"].add(int(year))
            if r.document is not None:
                row["documents"].add(str(r.document))
        return [RegisterRow(iri, d["supplier"], d["recipient"], d["tiv"], tuple(sorted(d["years"])),
                            frozenset(d["documents"])) for iri, d in sorted(rows.items())]

    @cached_property
    def years(self) -> list[int]:
        """Every year that a fact's dates name, ascending."""
        found = {y for f in itertools.chain(self.ties, self.memberships) for y in (f.first, f.last) if y is not None}
        return sorted(found)

    def node(self, iri: str) -> Node:
        return self.nodes.get(iri) or Node(iri, _local(iri), "", "", "", "")

    def is_state(self, iri: str) -> bool:
        return self.node(iri).type == "State"

    def within(self, start: int | None = None, end: int | None = None, as_of: int | None = None) -> Facts:
        """The same facts cut to a window (the ties and memberships that meet it; all the rest kept)."""
        return Facts([f for f in self.ties if f.in_window(start, end, as_of)],
                     [f for f in self.memberships if f.in_window(start, end, as_of)], self.nodes, self.transfers,
                     self.register, self.same_deal, self.model)

    def state_memberships(self) -> list[Fact]:
        """Memberships of states in organisations and programmes (the membership network's edges)."""
        return [f for f in self.memberships if self.is_state(f.a) and not self.is_state(f.b)]

    def project(self, name: str, start: int | None = None, end: int | None = None,
                as_of: int | None = None) -> nx.Graph[str]:
        """The projection ``name`` of these facts, cut to a window (see :func:`project`)."""
        check_projection(name, start, end)
        keep = [f for f in self.ties if f.in_window(start, end, as_of)]
        members = [f for f in self.state_memberships() if f.in_window(start, end, as_of)]
        graph: nx.Graph[str]
        if name == "transfers":
            graph = nx.DiGraph(name="transfers")
            self._add_edges(graph, [f for f in keep if f.relation == "transfer"], directed=True)
        elif name == "membership":
            graph = nx.Graph(name="membership")
            self._add_edges(graph, members)
            for fact in members:
                graph.nodes[fact.a]["bipartite"] = 0
                graph.nodes[fact.b]["bipartite"] = 1
            for _, _, data in graph.edges(data=True):
                data["roles"] = sorted({r for f in members if f.iri in data["facts"] for r in f.roles})
        else:
            cooperation: nx.MultiGraph[str] = nx.MultiGraph(name="cooperation")
            self._add_edges(cooperation, [f for f in keep if self.is_state(f.a) and self.is_state(f.b)], multi=True)
            self._add_common_memberships(cooperation, members, start, end, as_of)
            graph = cooperation
        graph.graph.update(start=start, end=end, as_of=as_of)
        return graph

    def _add_node(self, graph: nx.Graph[str], iri: str) -> None:
        if iri not in graph:
            graph.add_node(iri, **self.node(iri).attributes())

    def _add_edges(self, graph: nx.Graph[str], facts: list[Fact], directed: bool = False,
                   multi: bool = False) -> None:
        groups: dict[tuple[str, str, str], list[Fact]] = {}
        for fact in facts:
            a, b = (fact.a, fact.b) if directed else sorted((fact.a, fact.b))
            groups.setdefault((a, b, fact.relation), []).append(fact)
        for (u, v, relation), group in groups.items():
            self._add_node(graph, u)
            self._add_node(graph, v)
            attributes = edge_attributes(relation, group, weight=len({f.iri for f in group}))
            if multi:
                graph.add_edge(u, v, key=relation, **attributes)
            else:
                graph.add_edge(u, v, **attributes)

    def _add_common_memberships(self, graph: nx.MultiGraph[str], memberships: list[Fact], start: int | None = None,
                                end: int | None = None, as_of: int | None = None) -> None:
        """Edges ``membership`` between states that belonged to the same organisation at the same time
        (within the window: the time both memberships were in force must meet it)."""
        by_organisation: dict[str, list[Fact]] = {}
        for fact in memberships:
            by_organisation.setdefault(fact.b, []).append(fact)
        windowed = not (start is None and end is None and as_of is None)
        shared: dict[tuple[str, str], dict[str, list[tuple[Fact, Fact, Span]]]] = {}
        for organisation, group in by_organisation.items():
            for x, y in itertools.combinations(group, 2):
                both = overlap(x, y) if x.a != y.a else None
                if both is None or (windowed and (math.isnan(both[0])
                                                  or not span_in_window(both, start, end, as_of, True))):
                    continue
                a, b = sorted((x.a, y.a))
                shared.setdefault((a, b), {}).setdefault(organisation, []).append((x, y, both))
        for (u, v), organisations in shared.items():
            self._add_node(graph, u)
            self._add_node(graph, v)
            triples = [t for found in organisations.values() for t in found]
            group = [f for x, y, _ in triples for f in (x, y)]
            spans = [s for _, _, s in triples if not math.isnan(s[0])]
            attributes = edge_attributes("membership", group, weight=len(organisations), spans=spans)
            attributes["undated_facts"] = sum(1 for _, _, s in triples if math.isnan(s[0]))
            attributes["organisations"] = sorted(organisations)
            graph.add_edge(u, v, key="membership", **attributes)


def edge_attributes(relation: str, facts: list[Fact], weight: float,
                    spans: list[Span] | None = None) -> EdgeAttributes:
    """The attributes of an edge from its facts: the spans in which it exists (by default those of its
    dated facts, merged), and from them its first and last year (None while ongoing)."""
    merged = merge(spans if spans is not None else [f.span for f in facts if f.dated])
    return {
        "relation": relation,
        "weight": float(weight),
        "first_year": int(merged[0][0]) if merged else None,
        "last_year": int(merged[-1][1]) if merged and math.isfinite(merged[-1][1]) else None,
        "dated": bool(merged),
        "undated_facts": sum(1 for f in {f.iri: f for f in facts}.values() if not f.dated),
        "spans": merged,
        "sources": len({d for f in facts for d in f.documents}),
        "facts": sorted({f.iri for f in facts}),
    }


def clip(spans: list[Span], frame: tuple[int, int]) -> list[tuple[int, int]]:
    """The spans cut to a time frame (ongoing spans run to its end).

    >>> clip([(1994, 2003), (2010, math.inf)], (2000, 2020))
    [(2000, 2003), (2010, 2020)]
    """
    first, last = frame
    return [(int(max(low, first)), int(min(high, last))) for low, high in spans if low <= last and high >= first]


def _local(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


#: A year, a month or a day: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.
AS_OF = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def as_year(value: int | str | dt.date | None) -> int | None:
    """A year from an int, an ISO date string (``"2014"``, ``"2014-05"``, ``"2014-05-01"``) or a date; a
    string that is not a real year, month or day is a :class:`ProjectionError` that says why.

    >>> as_year("2014-02-28")
    2014
    >>> as_year("2014-02-30")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kzgraph.analysis.projections.ProjectionError: not a date or year: '2014-02-30' (...): day is out of range for month
    """
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, dt.date):
        return value.year
    text = str(value).strip()
    match = AS_OF.fullmatch(text)
    problem = "" if match else "not of that form"
    if match and match.group(2) and not 1 <= int(match.group(2)) <= 12:
        problem = f"there is no month {match.group(2)}"
    elif match and match.group(3):
        try:
            dt.date.fromisoformat(text)
        except ValueError as error:
            problem = str(error)
    if problem:
        raise ProjectionError(f"not a date or year: {value!r} (expected YYYY, YYYY-MM or YYYY-MM-DD): {problem}")
    return int(text[:4])


def project(kg: Queryable, name: str, start: int | None = None, end: int | None = None, *,
            as_of: int | str | dt.date | None = None) -> nx.Graph[str]:
    """The projection ``name`` ("cooperation", "membership" or "transfers") of the graph behind ``kg``.

    ``start``/``end`` are inclusive years; ``as_of`` a date or year (see the module docstring).
    """
    if name not in NAMES:
        raise ProjectionError(f"unknown projection {name!r}; choose one of {', '.join(NAMES)}")
    return Facts.fetch(kg).project(name, start, end, as_year(as_of))
