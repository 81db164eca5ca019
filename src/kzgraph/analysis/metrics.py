"""Multivector metrics of a state's security cooperation, per year and per period.

The index functions (:func:`hhi`, :func:`effective_number`, :func:`largest_share`, :func:`evenness`,
:func:`brokerage`, :func:`gould_fernandez`, :func:`tiv_by_year`) work on plain mappings and graphs, one
measure per function; :func:`yearly` and :func:`period` apply them to the facts of a graph (fetched with
:class:`kzgraph.analysis.projections.Facts`) and return one row (a dict) per year or period and state, each row with
the numbers of facts and sources it rests on and the IRIs of those facts. :func:`compute` does it for one
state or several side by side; :func:`table` returns the rows as a pandas DataFrame. The definitions —
what a tie is, the tie model, the arms bases, the thin-year mark, the source views — are in
docs/metrics.md.
"""

from __future__ import annotations

import csv
import itertools
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from kzgraph.analysis.projections import STATUS_ORDER, Fact, Facts, Transfer
from kzgraph.errors import UnknownName, UsageError
from kzgraph.namespaces import STATE
from kzgraph.sparql.describe import Queryable
from kzgraph.store.loading import DATA_DIR

if TYPE_CHECKING:
    import pandas

SETTINGS = DATA_DIR / "settings" / "metrics.csv"
BASES = ("tiv", "count")
VIEWS = ("pooled", "source-mean", "per-source")
INCLUDE = ("ordered", "licensed-production", "licence-granted", "offered", "planned", "unknown", "aid")
PROJECTIONS = ("cooperation", "membership", "transfers")
# A row of metrics: fixed columns plus one ``share_{vector}`` and ``partners_{vector}`` per policy vector of the
# graph and one ``{projection}_{measure}`` per network measure, so its keys depend on the data (docs/metrics.md).
Row = dict[str, Any]
Position = dict[str, float | None]  # measure -> value of one node in one projection (see node_positions)
Window = tuple[int | None, int | None, int | None]  # start, end, as_of


class MetricsError(UsageError, ValueError):
    """Metrics were asked for with a wrong state, window or input; the message says which."""


class UnknownState(UnknownName, MetricsError):
    """A state the graph does not have."""


# --- the indices -----------------------------------------------------------------------------------

class Amounts(dict[str, float]):
    """Amount per key, a missing key counting 0 (a :class:`collections.Counter` of real amounts)."""

    def __missing__(self, key: str) -> float:
        return 0


def _shares(amounts: Mapping[str, float]) -> dict[str, float]:
    for key, amount in amounts.items():
        if not isinstance(amount, (int, float)) or math.isnan(amount) or amount < 0:
            raise MetricsError(f"amount of {key!r} must be a non-negative number, not {amount!r}")
    total = float(sum(amounts.values()))
    if total <= 0:
        raise MetricsError("no positive amounts: the index is undefined for an empty distribution")
    return {key: amount / total for key, amount in amounts.items()}


def shares(amounts: Mapping[str, float]) -> dict[str, float]:
    """The shares ``s_i = x_i / Σ x`` of a distribution of non-negative amounts (they sum to 1).

    >>> shares({"RUS": 3, "CHN": 1})
    {'RUS': 0.75, 'CHN': 0.25}
    """
    return _shares(amounts)


def hhi(amounts: Mapping[str, float]) -> float:
    """Herfindahl–Hirschman index ``HHI = Σ s_i²`` of the shares ``s_i = x_i / Σ x``, in ``[1/n, 1]``.

    Hirschman, *National Power and the Structure of Foreign Trade* (1945); Herfindahl, *Concentration in
    the U.S. Steel Industry* (1950); Rhoades, "The Herfindahl-Hirschman index", Federal Reserve Bulletin
    79 (1993) 188–189. Here on the scale 0–1 (not 0–10,000).

    >>> round(hhi({"RUS": 2, "CHN": 1}), 4)  # (2/3)² + (1/3)² = 5/9
    0.5556
    """
    return sum(share * share for share in _shares(amounts).values())


def effective_number(amounts: Mapping[str, float]) -> float:
    """Effective number of partners ``1 / HHI`` (Adelman, "Comment on the 'H' concentration measure as a
    numbers-equivalent", Review of Economics and Statistics 51 (1969) 99–101).

    >>> effective_number({"a": 1, "b": 1, "c": 1, "d": 1})
    4.0
    """
    return 1.0 / hhi(amounts)


def largest_share(amounts: Mapping[str, float]) -> float:
    """The largest share ``max_i s_i`` (the concentration ratio CR1; the dependency ratio on one partner).

    >>> largest_share({"RUS": 859, "CHN": 141})
    0.859
    """
    return max(_shares(amounts).values())


def evenness(amounts: Mapping[str, float], categories: int) -> float:
    """Normalised Shannon entropy ``J = H / ln K`` with ``H = -Σ s_i ln s_i`` over ``K`` categories.

    0 when everything falls in one category, 1 when all ``K`` categories have equal shares (Shannon, "A
    mathematical theory of communication", Bell System Technical Journal 27 (1948); Pielou, "The
    measurement of diversity in different types of biological collections", Journal of Theoretical
    Biology 13 (1966) 131–144). Categories with no amount may be left out of ``amounts``; ``K`` must be
    at least the number of categories given. With ``K = 1`` the evenness is 0.

    >>> evenness({"R": 1, "C": 1}, 2), evenness({"R": 5}, 4)
    (1.0, 0.0)
    """
    shares_ = _shares(amounts)
    if categories < len(shares_):
        raise MetricsError(f"{len(shares_)} categories have amounts but only {categories} were declared")
    if categories <= 1:
        return 0.0
    entropy = -sum(share * math.log(share) for share in shares_.values() if share > 0)
    return min(1.0, max(0.0, entropy / math.log(categories)))


def tiv_by_year(tiv: float, years: Iterable[int]) -> dict[int, float]:
    """A delivered volume spread in equal parts over its years of delivery (the SIPRI register gives the
    TIV of a deal's deliveries and the years they fell in, not the TIV of each year).

    >>> tiv_by_year(660.0, [2019, 2020, 2021, 2022])
    {2019: 165.0, 2020: 165.0, 2021: 165.0, 2022: 165.0}
    >>> tiv_by_year(5.0, [])
    {}
    """
    years = sorted(set(years))
    return {year: tiv / len(years) for year in years} if years else {}


ROLES = ("coordinator", "itinerant", "gatekeeper", "representative", "liaison")


def gould_fernandez(graph: nx.Graph[str], node: str, group: Mapping[str, str]) -> dict[str, int]:
    """The ego's brokerage roles of Gould and Fernandez ("Structures of mediation: a formal approach to
    brokerage in transaction networks", Sociological Methodology 19 (1989) 89–126): the open two-paths
    ``u → ego → v`` (``u ≠ v``, no edge ``u → v``) counted by the groups of ``u``, ego and ``v``:
    coordinator (all three in one group), itinerant (``u``, ``v`` in one group, ego in another),
    gatekeeper (ego in ``v``'s group, ``u`` outside), representative (ego in ``u``'s group, ``v`` outside),
    liaison (three groups). An undirected graph counts as a reciprocal directed one (each unordered pair
    twice, so gatekeeper = representative). Nodes without a group form the group ``""``.

    >>> g = nx.DiGraph([("r1", "ego"), ("ego", "c"), ("c2", "ego"), ("ego", "r2")])
    >>> gould_fernandez(g, "ego", {"r1": "R", "r2": "R", "c": "C", "c2": "C", "ego": "C"})
    {'coordinator': 1, 'itinerant': 1, 'gatekeeper': 1, 'representative': 1, 'liaison': 0}
    """
    directed = graph if isinstance(graph, nx.DiGraph) else graph.to_directed(as_view=True)
    roles = dict.fromkeys(ROLES, 0)
    own = group.get(node, "")
    for u in directed.predecessors(node):
        for v in directed.successors(node):
            if u in (v, node) or v == node or directed.has_edge(u, v):
                continue
            gu, gv = group.get(u, ""), group.get(v, "")
            if gu == gv:
                roles["coordinator" if gu == own else "itinerant"] += 1
            elif own == gv:
                roles["gatekeeper"] += 1
            elif own == gu:
                roles["representative"] += 1
            else:
                roles["liaison"] += 1
    return roles


def brokerage(graph: nx.Graph[str], node: str, group: Mapping[str, str]) -> int:
    """Open two-paths through ``node`` whose ends belong to different groups: in an undirected graph the
    unordered pairs of neighbours of different groups that are not linked, in a directed one the paths
    ``u → node → v`` without an edge ``u → v``. The brokerage across groups of Gould and Fernandez (1989),
    i.e. their gatekeeper, representative and liaison roles together; neighbours without a group are
    ignored. In a bipartite network (states and organisations) no two neighbours are linked, and the
    number is that of the node's pairs of affiliations in different groups.

    >>> g = nx.Graph([("ego", "r1"), ("ego", "r2"), ("ego", "c"), ("ego", "w"), ("c", "w")])
    >>> brokerage(g, "ego", {"r1": "R", "r2": "R", "c": "C", "w": "W"})  # r1-c, r1-w, r2-c, r2-w
    4
    """
    if isinstance(graph, nx.DiGraph):
        return sum(1 for u in graph.predecessors(node) for v in graph.successors(node)
                   if u != v and group.get(u) and group.get(v) and group[u] != group[v]
                   and not graph.has_edge(u, v))
    neighbours = [n for n in graph.neighbors(node) if group.get(n)]
    return sum(1 for u, v in itertools.combinations(neighbours, 2)
               if group[u] != group[v] and not graph.has_edge(u, v))


# --- settings --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    """Thresholds of ``data/settings/metrics.csv``: a row resting on fewer facts or sources is *thin*."""

    min_facts: int = 3
    min_sources: int = 2

    @classmethod
    def load(cls, path: Path | str | None = None) -> Settings:
        path = Path(path) if path is not None else SETTINGS
        if not path.is_file():
            return cls()
        with path.open(encoding="utf-8", newline="") as handle:
            values = {row["setting"].strip(): row["value"].strip() for row in csv.DictReader(handle)}
        try:
            return cls(**{k: int(v) for k, v in values.items() if k in cls.__dataclass_fields__})
        except ValueError:
            raise UsageError(f"{path}: the thresholds must be whole numbers, not {values}") from None

    def thin(self, facts: int, sources: int) -> bool:
        return facts < self.min_facts or sources < self.min_sources


# --- ties ------------------------------------------------------------------------------------------

@dataclass
class Tie:
    """One cooperation tie of a state: the partner, its vector, the relation, its kind and weight (tie
    model) and the facts behind it."""

    partner: str
    vector: str
    relation: str
    facts: list[str]
    documents: set[str] = field(default_factory=set)
    kind: str = "event"
    weight: float = 1.0


def ties(facts: Facts, state: str, start: int | None = None, end: int | None = None,
         as_of: int | None = None) -> list[Tie]:
    """The state's ties in a window (docs/metrics.md, "What a tie is"): one per fact and partner
    (agreements, partnerships, exercises, transfers in either direction, leases, training), plus one per
    organisation or programme it belongs to (however many membership facts say so). A year row uses the
    window of that year, so an interval tie counts in every year it is in force and an event in the
    years it happens."""
    found = []
    for fact in facts.ties:
        if state in (fact.a, fact.b) and fact.a != fact.b and fact.in_window(start, end, as_of):
            partner = fact.b if fact.a == state else fact.a
            found.append(Tie(partner, facts.node(partner).vector, fact.relation, [fact.iri], set(fact.documents),
                             fact.kind, fact.weight))
    by_organisation: dict[str, list[Fact]] = {}
    for fact in facts.state_memberships():
        if fact.a == state and fact.in_window(start, end, as_of):
            by_organisation.setdefault(fact.b, []).append(fact)
    for organisation, group in sorted(by_organisation.items()):
        found.append(Tie(organisation, facts.node(organisation).vector, "membership",
                         sorted(f.iri for f in group), {d for f in group for d in f.documents},
                         group[0].kind, max(f.weight for f in group)))
    return found


def vector_amounts(found: list[Tie], keys: Mapping[str, str]) -> Amounts:
    """The summed tie weights per vector column key (``keys``: vector label -> column key)."""
    amounts = Amounts()
    for tie in found:
        if tie.vector in keys:
            amounts[keys[tie.vector]] += tie.weight
    return amounts


def source_mean_shares(found: list[Tie], keys: Mapping[str, str]) -> dict[str, float]:
    """The vector shares with every source document weighing the same: the shares of each document's ties
    (a tie counts for every document its facts cite), averaged over the documents that have classified
    ties. A trend that a single prolific document makes disappears here; one the documents agree on stays.

    >>> t = [Tie("RUS", "R", "x", ["f1"], {"d1"}), Tie("USA", "W", "x", ["f2"], {"d2"}),
    ...      Tie("GBR", "W", "x", ["f3"], {"d2"}), Tie("FRA", "W", "x", ["f4"], {"d2"})]
    >>> source_mean_shares(t, {"R": "r", "W": "w"})  # d1: r 1; d2: w 1 -> 0.5 each (pooled: 0.25/0.75)
    {'r': 0.5, 'w': 0.5}
    """
    per_document: dict[str, Amounts] = defaultdict(Amounts)
    for tie in found:
        if tie.vector in keys:
            for document in tie.documents or {""}:
                per_document[document][keys[tie.vector]] += tie.weight
    usable = [c for c in per_document.values() if sum(c.values()) > 0]
    if not usable:
        return {}
    mean = Amounts()
    for amounts in usable:
        for key, share in _shares(amounts).items():
            mean[key] += share / len(usable)
    return dict(mean)


# --- arms ------------------------------------------------------------------------------------------

@dataclass
class Deal:
    """Curated transfers that are one deal (joined by ``kz:sameDealAs``): supplier, recipient, the status
    of its most advanced fact, whether it is aid, its years and the facts and documents behind it."""

    supplier: str
    recipient: str
    status: str
    aid: bool
    years: tuple[int, int] | None
    facts: list[str]
    documents: set[str]


def deals(facts: Facts, state: str | None = None) -> list[Deal]:
    """The curated transfers (to ``state`` when given) joined into deals: transfers linked by
    ``kz:sameDealAs`` (directly, or through a register row both are linked to) are one deal, told by
    however many documents. A deal takes the status of its most advanced fact (delivered before ordered
    before offered before planned) and the years of the facts with that status."""
    joined: nx.Graph[str] = nx.Graph()
    chosen = [t for t in facts.transfers if state is None or t.recipient == state]
    joined.add_nodes_from(t.iri for t in chosen)
    by_iri = {t.iri: t for t in chosen}
    joined.add_edges_from(facts.same_deal)
    found: list[Deal] = []
    for component in nx.connected_components(joined):
        group: list[Transfer] = sorted((by_iri[i] for i in component if i in by_iri), key=lambda t: t.iri)
        if not group:
            continue
        status = min((t.status for t in group), key=STATUS_ORDER.index)
        best = [t for t in group if t.status == status]
        spans = [t.years for t in best if t.years] or [t.years for t in group if t.years]
        years = (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None
        found.append(Deal(best[0].supplier, best[0].recipient, status, any(t.aid for t in group), years,
                          [t.iri for t in group], {d for t in group for d in t.documents}))
    return sorted(found, key=lambda d: d.facts)


def counted(deal: Deal, include: Iterable[str] = ()) -> bool:
    """Whether a deal is a delivery for the count basis: delivered and not aid, unless ``include`` asks for
    other statuses (``ordered``, ``offered``, ``planned``, ``licensed-production`` …) or ``aid``."""
    include = set(include)
    return (deal.status == "delivered" or deal.status in include) and (not deal.aid or "aid" in include)


def _in_window(years: tuple[int, int] | None, start: int | None, end: int | None, as_of: int | None) -> bool:
    if start is None and end is None and as_of is None:
        return True
    if years is None:
        return False
    low, high = years
    if as_of is not None and low > as_of:
        return False
    return (end is None or low <= end) and (start is None or high >= start)


@dataclass
class Arms:
    """A state's arms imports in a window on one basis: amount per supplier, and what they rest on."""

    basis: str
    amounts: dict[str, float]
    facts: list[str]
    documents: set[str]


def arms_imports(facts: Facts, state: str, start: int | None = None, end: int | None = None,
                 as_of: int | None = None, basis: str = "count", include: Iterable[str] = ()) -> Arms:
    """The state's arms imports per supplier in a window (docs/metrics.md, "Arms"):

    * ``basis="tiv"``: the TIV delivered (millions of SIPRI trend-indicator values) of the register rows
      with the state as recipient, each row's TIV spread in equal parts over its delivery years
      (:func:`tiv_by_year`), summed over the years of the window (the all-time view adds rows without
      delivery years too);
    * ``basis="count"``: the curated deals (:func:`deals`) delivered to the state in the window, each deal
      once however many documents tell it; offers, plans, orders, licensed production and aid only when
      ``include`` names them.
    """
    if basis not in BASES:
        raise MetricsError(f"unknown basis {basis!r}; choose one of {', '.join(BASES)}")
    amounts = Amounts()
    used: list[str] = []
    documents: set[str] = set()
    if basis == "tiv":
        everything = start is None and end is None and as_of is None
        for row in facts.register:
            if row.recipient != state or row.supplier == state:
                continue
            if everything:
                volume = row.tiv
            else:
                volume = sum(v for y, v in tiv_by_year(row.tiv, row.years).items()
                             if _in_window((y, y), start, end, as_of))
            if volume > 0 or (everything and row.tiv == 0 and row.years):
                amounts[row.supplier] += volume
                used.append(row.iri)
                documents |= row.documents
    else:
        for deal in deals(facts, state):
            if counted(deal, include) and _in_window(deal.years, start, end, as_of):
                amounts[deal.supplier] += 1
                used.extend(deal.facts)
                documents |= deal.documents
    return Arms(basis, {k: v for k, v in amounts.items() if v > 0}, sorted(set(used)), documents)


def default_basis(facts: Facts) -> str:
    """``tiv`` when the build has the register import, else ``count``."""
    return "tiv" if facts.register else "count"


# --- states, vectors, networks ----------------------------------------------------------------------

def resolve_state(facts: Facts, state: str) -> str:
    """The IRI of a state given as ISO 3166-1 alpha-3 code or IRI; :class:`UnknownState` when the graph
    lacks it."""
    iri = str(STATE[state.strip().upper()]) if re.fullmatch(r"\s*[A-Za-z]{3}\s*", state) else state.strip()
    if facts.node(iri).type != "State":
        raise UnknownState(f"no state {state!r} in the graph (give an ISO 3166-1 alpha-3 code such as KAZ)")
    return iri


def resolve_states(facts: Facts, states: str | Iterable[str]) -> list[str]:
    """Several states: a comma-separated string (``"KAZ,UZB,TKM"``) or a list of codes or IRIs."""
    given = [s for s in (states.split(",") if isinstance(states, str) else states) if s.strip()]
    if not given:
        raise MetricsError("no state given (give ISO 3166-1 alpha-3 codes such as KAZ,UZB)")
    return list(dict.fromkeys(resolve_state(facts, s) for s in given))


def vectors(facts: Facts) -> dict[str, str]:
    """The policy vectors the graph assigns: column key (concept's local name) -> English label."""
    found: dict[str, str] = {}
    for node in facts.nodes.values():
        if node.vector_concept:
            key = node.vector_concept.rsplit("/", 1)[-1].removeprefix("vector-").replace("-", "_")
            found[key] = node.vector or key
    return dict(sorted(found.items()))


def simple_graph(graph: nx.Graph[str]) -> nx.Graph[str]:
    """The graph with parallel edges merged into one whose weight is their sum."""
    simple: nx.Graph[str] = nx.DiGraph() if graph.is_directed() else nx.Graph()
    simple.add_nodes_from(graph.nodes(data=True))
    for u, v, data in graph.edges(data=True):
        if simple.has_edge(u, v):
            simple[u][v]["weight"] += data["weight"]
        else:
            simple.add_edge(u, v, weight=data["weight"])
    return simple


def node_positions(graph: nx.Graph[str]) -> dict[str, Position]:
    """The position of every node of a projection: degree, weighted degree, normalised betweenness
    (unweighted shortest paths; Freeman, "Centrality in social networks: conceptual clarification",
    Social Networks 1 (1979) 215–239) and brokerage across policy vectors (:func:`brokerage`); in an
    undirected network also eigenvector centrality (weighted, within the node's connected component;
    Bonacich, "Power and centrality", American Journal of Sociology 92 (1987) 1170–1182; None if the power
    iteration does not converge), in a directed one in- and out-degree. Parallel edges count once for the
    degree, with their weights summed. In the bipartite membership network betweenness is that of the
    two-mode graph (Borgatti and Everett, "Network analysis of 2-mode data", Social Networks 19 (1997)
    243–269): a state lies between organisations and the other members.

    >>> star = nx.Graph([("k", "a"), ("k", "b")], name="x")
    >>> nx.set_edge_attributes(star, 1.0, "weight")
    >>> node_positions(star)["k"]["betweenness"], node_positions(star)["k"]["degree"]
    (1.0, 2)
    """
    simple = simple_graph(graph)
    betweenness = nx.betweenness_centrality(simple)
    undirected = simple.to_undirected(as_view=True) if simple.is_directed() else simple
    groups = {n: d.get("vector", "") for n, d in simple.nodes(data=True)}
    found: dict[str, Position] = {
        n: {"degree": undirected.degree(n), "weighted_degree": float(simple.degree(n, weight="weight")),
            "betweenness": betweenness[n], "brokerage": brokerage(simple, n, groups)} for n in simple}
    if isinstance(simple, nx.DiGraph):
        for n in simple:
            found[n].update(in_degree=simple.in_degree(n), out_degree=simple.out_degree(n))
        return found
    for component in nx.connected_components(simple):
        try:
            centrality = nx.eigenvector_centrality(simple.subgraph(component), max_iter=1000, weight="weight")
        except nx.PowerIterationFailedConvergence:  # reported as missing rather than as a wrong number
            centrality = {}
        for n in component:
            found[n]["eigenvector"] = centrality.get(n)
    return found


MEASURES = {"cooperation": ("degree", "weighted_degree", "betweenness", "eigenvector", "brokerage"),
            "membership": ("degree", "betweenness", "eigenvector", "brokerage"),
            "transfers": ("in_degree", "out_degree", "betweenness", "brokerage")}


class Positions:
    """The node positions in each projection of a window, computed once per window and shared by every
    state's row."""

    def __init__(self, facts: Facts):
        self.facts = facts
        self._cache: dict[tuple[str, int | None, int | None, int | None], dict[str, Position]] = {}

    def of(self, name: str, start: int | None = None, end: int | None = None,
           as_of: int | None = None) -> dict[str, Position]:
        key = (name, start, end, as_of)
        if key not in self._cache:
            self._cache[key] = node_positions(self.facts.project(name, start, end, as_of))
        return self._cache[key]

    def row(self, state: str, start: int | None = None, end: int | None = None,
            as_of: int | None = None) -> Position:
        """``{projection}_{measure}`` for the state in each projection (0 when it is not in it)."""
        found: Position = {}
        for name, measures in MEASURES.items():
            position: Position = self.of(name, start, end, as_of).get(state, {})
            for measure in measures:
                absent: float | None = {"eigenvector": None, "betweenness": 0.0, "weighted_degree": 0.0}.get(measure, 0)
                found[f"{name}_{measure}"] = position.get(measure, absent)
        return found


def position(facts: Facts, state: str, start: int | None = None, end: int | None = None,
             as_of: int | None = None) -> Position:
    """The state's position in the cooperation network of the window (see :func:`node_positions`)."""
    graph = simple_graph(facts.project("cooperation", start, end, as_of))
    if state not in graph:
        return {"degree": 0, "weighted_degree": 0.0, "betweenness": 0.0, "eigenvector": 0.0, "brokerage": 0}
    return node_positions(graph)[state]


def ego_network(facts: Facts, state: str, start: int | None = None, end: int | None = None,
                as_of: int | None = None) -> nx.Graph[str]:
    """The state, its partners in the cooperation network of the window and the ties among them."""
    graph = simple_graph(facts.project("cooperation", start, end, as_of))
    if state not in graph:
        graph.add_node(state, **facts.node(state).attributes())
    ego: nx.Graph[str] = nx.ego_graph(graph, state)
    return ego


# --- rows ------------------------------------------------------------------------------------------

@dataclass
class Options:
    """How rows are computed: the arms basis, what deliveries include, the source view, the thresholds."""

    basis: str | None = None
    include: tuple[str, ...] = ()
    view: str = "pooled"
    settings: Settings = field(default_factory=Settings.load)

    def check(self) -> None:
        if self.basis is not None and self.basis not in BASES:
            raise MetricsError(f"unknown basis {self.basis!r}; choose one of {', '.join(BASES)}")
        if self.view not in VIEWS:
            raise MetricsError(f"unknown view {self.view!r}; choose one of {', '.join(VIEWS)}")
        unknown = sorted(set(self.include) - set(INCLUDE))
        if unknown:
            raise MetricsError(f"cannot include {', '.join(unknown)}; choose from {', '.join(INCLUDE)}")


def _vector_columns(result: Row, found: list[Tie], columns: dict[str, str], view: str) -> None:
    keys = {label: key for key, label in columns.items()}
    amounts = vector_amounts(found, keys)
    total = sum(amounts.values())
    if view == "source-mean":
        mean = source_mean_shares(found, keys)
        share = {key: mean.get(key, 0.0) if mean else None for key in columns}
    else:
        share = {key: amounts[key] / total if total else None for key in columns}
    for key in columns:
        result[f"share_{key}"] = share[key]
    for key, label in columns.items():
        result[f"partners_{key}"] = len({t.partner for t in found if t.vector == label})
    result["unclassified"] = sum(1 for t in found if t.vector not in keys)
    present = {k: v for k, v in share.items() if v}
    result["balance"] = evenness(present, len(columns)) if present else None
    result["dependency"] = max(present.values()) if present else None
    largest = result["dependency"]
    result["top_vector"] = " / ".join(columns[k] for k in columns
                                      if present and math.isclose(present.get(k, 0.0), largest))


def _arms_columns(result: Row, facts: Facts, state: str, window: Window, options: Options, basis: str) -> None:
    arms = arms_imports(facts, state, *window, basis=basis, include=options.include)
    amounts = arms.amounts
    result["arms_basis"] = basis
    result["arms_volume"] = float(sum(amounts.values())) if basis == "tiv" else int(sum(amounts.values()))
    result["arms_facts"] = len(arms.facts)
    result["arms_sources"] = len(arms.documents)
    result["arms_thin"] = len(arms.facts) < options.settings.min_facts if arms.facts else None
    result["arms_suppliers"] = len(amounts)
    result["arms_hhi"] = hhi(amounts) if amounts else None
    result["arms_effective_suppliers"] = effective_number(amounts) if amounts else None
    total = sum(amounts.values())
    largest = max(amounts.values(), default=0)
    result["arms_top_supplier"] = " / ".join(sorted(facts.node(s).label for s, a in amounts.items()
                                                    if math.isclose(a, largest)))
    result["arms_top_share"] = largest_share(amounts) if amounts else None
    result["arms_supplier_shares"] = {facts.node(s).label: a / total for s, a in
                                      sorted(amounts.items(), key=lambda item: (-item[1], item[0]))}
    result["arms_fact_iris"] = arms.facts


def row(facts: Facts, state: str, label: int | str, start: int | None = None, end: int | None = None,
        as_of: int | None = None, *, options: Options | None = None, positions: Positions | None = None,
        source: str | None = None) -> Row:
    """All metrics of one year or period (``label``) for the state (``source``: only the ties whose facts
    cite that document, for the per-source view)."""
    options = options or Options()
    columns = vectors(facts)
    found = ties(facts, state, start, end, as_of)
    if source is not None:
        found = [t for t in found if source in t.documents]
    fact_iris = sorted({iri for t in found for iri in t.facts})
    documents = sorted({d for t in found for d in t.documents})
    result: Row = {"state": facts.node(state).iso or state, "year": label}
    if source is not None:
        result["source"] = source
    result.update(facts=len(fact_iris), sources=len(documents),
                  thin=options.settings.thin(len(fact_iris), len(documents)),
                  ties=len(found), tie_weight=float(sum(t.weight for t in found)))
    _vector_columns(result, found, columns, options.view)
    _arms_columns(result, facts, state, (start, end, as_of), options, options.basis or default_basis(facts))
    memberships = [t for t in found if t.relation == "membership"]
    result["memberships"] = "; ".join(sorted(_local(t.partner) for t in memberships))
    result["membership_vectors"] = len({t.vector for t in memberships if t.vector})
    result.update((positions or Positions(facts)).row(state, start, end, as_of))
    result["fact_iris"] = fact_iris
    result["source_iris"] = documents
    return result


def _local(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def year_range(facts: Facts, state: str, basis: str = "count") -> tuple[int, int] | None:
    """The first and last year that the state's dated ties, memberships and arms imports name (on the
    register basis also the years of its register deliveries), or None when it has none."""
    found = [y for f in itertools.chain(facts.ties, facts.memberships) if state in (f.a, f.b) and f.dated
             for y in f.span if math.isfinite(y)]
    found += [y for t in facts.transfers if t.recipient == state and t.years for y in t.years]
    if basis == "tiv":
        found += [y for r in facts.register if r.recipient == state for y in r.years]
    return (int(min(found)), int(max(found))) if found else None


def _check_window(start: int | None, end: int | None) -> None:
    if start is not None and end is not None and start > end:
        raise MetricsError(f"the window starts after it ends: from {start} to {end}")


def _rows(facts: Facts, state: str, label: int | str, start: int | None, end: int | None, as_of: int | None,
          options: Options, positions: Positions) -> list[Row]:
    if options.view != "per-source":
        return [row(facts, state, label, start, end, as_of, options=options, positions=positions)]
    documents = sorted({d for t in ties(facts, state, start, end, as_of) for d in t.documents})
    return [row(facts, state, label, start, end, as_of, options=options, positions=positions, source=d)
            for d in documents]


def yearly(facts: Facts, state: str = "KAZ", start: int | None = None, end: int | None = None, *,
           options: Options | None = None, positions: Positions | None = None) -> list[Row]:
    """One row of metrics per year from ``start`` to ``end`` (default: the years the state's facts name)."""
    _check_window(start, end)
    options = options or Options()
    iri = resolve_state(facts, state)
    known = year_range(facts, iri, options.basis or default_basis(facts))
    if known is None:
        if start is None or end is None:
            return []
        first, last = start, end
    else:
        first = start if start is not None else known[0]
        last = end if end is not None else known[1]
    positions = positions or Positions(facts)
    return [r for year in range(first, last + 1) for r in _rows(facts, iri, year, year, year, None, options, positions)]


def period(facts: Facts, state: str = "KAZ", start: int | None = None, end: int | None = None,
           as_of: int | None = None, *, options: Options | None = None, positions: Positions | None = None) -> Row:
    """One row of metrics for a whole period (``"all"`` when there is no window: undated facts count).
    With the per-source view, the pooled row (use :func:`period_rows` for one row per source)."""
    return period_rows(facts, state, start, end, as_of, options=options, positions=positions)[0]


def period_rows(facts: Facts, state: str = "KAZ", start: int | None = None, end: int | None = None,
                as_of: int | None = None, *, options: Options | None = None,
                positions: Positions | None = None) -> list[Row]:
    _check_window(start, end)
    options = options or Options()
    iri = resolve_state(facts, state)
    if as_of is not None:
        label = f"as of {as_of}"
    elif start is None and end is None:
        label = "all"
    else:
        label = f"{'' if start is None else start}-{'' if end is None else end}"
    pooled = Options(options.basis, options.include, "pooled", options.settings)
    chosen = options if options.view != "per-source" else pooled
    found = _rows(facts, iri, label, start, end, as_of, chosen, positions or Positions(facts))
    return found if options.view != "per-source" else found + _rows(facts, iri, label, start, end, as_of, options,
                                                                     positions or Positions(facts))


def compute(kg: Queryable, state: str | Iterable[str] = "KAZ", start: int | None = None, end: int | None = None,
            as_of: int | None = None, *, basis: str | None = None, include: Iterable[str] = (),
            view: str = "pooled", facts: Facts | None = None) -> list[Row]:
    """Year rows and a final period row for one state or several (``"KAZ,UZB"``), from any store with
    ``.query()``: for each state its year rows, then its period row (one row with ``as_of``)."""
    options = Options(basis, tuple(include), view)
    options.check()
    _check_window(start, end)
    facts = facts or Facts.fetch(kg)
    if basis == "tiv" and not facts.register:
        raise MetricsError("the basis tiv needs the SIPRI register import in the build (docs/sipri.md); "
                           "use --basis count for the curated deals")
    states = resolve_states(facts, state)
    positions = Positions(facts)
    rows: list[Row] = []
    for iri in states:
        if as_of is not None:
            rows += period_rows(facts, iri, as_of=as_of, options=options, positions=positions)
        else:
            rows += yearly(facts, iri, start, end, options=options, positions=positions)
            rows += period_rows(facts, iri, start, end, options=options, positions=positions)
    return rows


def table(rows: Iterable[Row]) -> pandas.DataFrame | list[Row]:
    """The rows as a pandas DataFrame (when pandas is installed), else as a list of dicts."""
    rows = list(rows)
    try:
        import pandas
    except ImportError:  # pragma: no cover - pandas is a dependency, but the API works without it
        return rows
    return pandas.DataFrame(rows)


# --- output ----------------------------------------------------------------------------------------

FORMATS = ("table", "csv", "json")
TABLE_COLUMNS = [  # (row key, heading) of the text table; csv and json have every column
    ("year", "year"), ("facts", "facts"), ("sources", "src"), ("thin", "thin"), ("ties", "ties"),
    ("balance", "balance"), ("dependency", "dep."), ("top_vector", "top vector"),
    ("arms_volume", "arms {unit}"), ("arms_facts", "arms {facts}"), ("arms_hhi", "HHI"),
    ("arms_effective_suppliers", "N eff"), ("arms_top_supplier", "top supplier"), ("arms_top_share", "share"),
    ("membership_vectors", "memb. vectors"), ("cooperation_degree", "coop. degree"),
    ("cooperation_betweenness", "coop. betw."), ("membership_betweenness", "memb. betw."),
    ("cooperation_brokerage", "coop. brokerage"),
]
SIDE_BY_SIDE = [("facts", "facts"), ("thin", "thin"), ("balance", "balance"), ("top_vector", "top vector"),
                ("arms_volume", "arms"), ("arms_hhi", "HHI"), ("arms_top_supplier", "top supplier"),
                ("arms_top_share", "share")]
UNITS = {"tiv": ("TIV m", "rows"), "count": ("deals", "facts")}


def _flat(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.6g}"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={v:.6g}" for k, v in value.items())
    return str(value)


def _cell(key: str, value: object) -> str:
    if isinstance(value, float) and key not in ("arms_volume", "cooperation_weighted_degree"):
        return f"{value:.3f}"
    if key == "arms_volume" and isinstance(value, float):
        return f"{value:.1f}"
    return _flat(value)


def render(rows: list[Row], fmt: str, title: str = "") -> str:
    """The rows as a text table (several states side by side), CSV (lists space-separated) or JSON (every
    value as it is)."""
    if fmt not in FORMATS:
        raise MetricsError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "json":
        import json

        return json.dumps(rows, indent=2, ensure_ascii=False, default=str) + "\n"
    if fmt == "csv":
        import csv as csv_module
        import io

        buffer = io.StringIO()
        names = list(dict.fromkeys(k for r in rows for k in r)) if rows else ["state", "year"]
        writer = csv_module.DictWriter(buffer, fieldnames=names, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: _flat(v) for k, v in r.items()} for r in rows)
        return buffer.getvalue()
    import io

    from rich.console import Console
    from rich.table import Table

    basis = next((r["arms_basis"] for r in rows), "count")
    unit, backing = UNITS[basis]
    states = list(dict.fromkeys(r["state"] for r in rows))
    table_ = Table(title=title or None, show_lines=False)
    if len(states) > 1:
        by_key = {(r["state"], r["year"]): r for r in rows if "source" not in r}
        labels = list(dict.fromkeys(r["year"] for r in rows))
        table_.add_column("year", no_wrap=True)
        for state in states:
            for _, heading in SIDE_BY_SIDE:
                heading = f"arms ({unit})" if heading == "arms" else heading
                table_.add_column(f"{state} {heading}", no_wrap=True)
        for label in labels:
            cells = [str(label)]
            for state in states:
                r = by_key.get((state, label), {})
                cells += [_cell(key, r.get(key)) for key, _ in SIDE_BY_SIDE]
            table_.add_row(*cells)
    else:
        columns = ([("source", "source")] if any("source" in r for r in rows) else []) + TABLE_COLUMNS
        for _, heading in columns:
            table_.add_column(heading.format(unit=f"({unit})", facts=backing), overflow="fold")
        for r in rows:
            table_.add_row(*(_cell(key, r.get(key)) for key, _ in columns))
    table_.caption = (f"ties: facts per partner plus organisations belonged to, weighted by the tie model; "
                      f"facts/src: what the ties rest on (thin: fewer than the thresholds of data/settings); "
                      f"arms basis {basis}: " + ("SIPRI TIV delivered, millions" if basis == "tiv"
                                                 else "curated deals delivered, each once") +
                      "; every fact IRI: --format json")
    buffer = io.StringIO()
    Console(file=buffer, width=max(200, 24 * len(table_.columns)), color_system=None).print(table_)
    return buffer.getvalue()
