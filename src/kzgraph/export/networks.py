"""The projections of docs/metrics.md as graph streams: their nodes with the network metrics of each node,
their edges, and for dynamic formats the periods in which each node and edge exists.

Node attributes: those of the projection (``label``, ``type``, ``iri``, ``iso``, ``vector``, and
``bipartite`` in the membership network) and the node's position in the whole projection, with the
definitions of :func:`kzgraph.analysis.metrics.position` applied to every node
(:func:`kzgraph.analysis.metrics.node_positions`): ``degree`` (distinct neighbours),
``weighted_degree`` (sum of edge weights over all relations), ``betweenness`` (normalised, unweighted
shortest paths; directed in the transfer network); in undirected networks also ``eigenvector``
(weighted, within the node's connected component; missing when the power iteration does not converge)
and ``brokerage`` (Gould and Fernandez 1989, between policy vectors); in the directed transfer network
``in_degree`` (suppliers) and ``out_degree`` (recipients).

Edge attributes: ``relation``, ``weight``, ``first_year``, ``last_year``, ``sources``, ``facts`` (IRIs),
and ``organisations`` (common memberships) or ``roles`` (membership network) where the projection has them.

Periods (:func:`periods`): a node or edge exists in a year when the projection of that single year
(``start = end = year``) holds it, so the periods follow the projection's own time rules. They are
computed in the time frame of the export: from ``start`` (default: the first year any fact names) to
``end`` or ``as_of`` (default: the last year any fact names), so ongoing memberships, leases and
training run to the end of the frame.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

import networkx as nx

from kzgraph.analysis import metrics
from kzgraph.analysis.projections import Facts, clip, merge
from kzgraph.build.statistics import DATASET
from kzgraph.export.elements import (
    Attributes,
    Dynamic,
    Edge,
    GraphStream,
    Node,
    Schema,
    Spell,
    declare,
    name_token,
    node_id,
)

INTERNAL = ("spans",)
UNDATED = ("keep", "omit")
EdgeKey = tuple[str, str, str]  # (source, target, relation): see edge_key
Key = TypeVar("Key")


def _dynamic_schema(dynamic: Mapping[Key, Dynamic]) -> Schema:
    """The type of each dynamic attribute, from all its values."""
    return declare({name: value} for values in dynamic.values() for name, periods in values.items()
                   for _, _, value in periods)


def edge_key(graph: nx.Graph[str], u: str, v: str, data: Mapping[str, Any]) -> EdgeKey:
    """(source, target, relation), the source first by IRI in undirected graphs."""
    if not graph.is_directed() and v < u:
        u, v = v, u
    return u, v, data["relation"]


def edge_id(key: EdgeKey) -> str:
    source, target, relation = key
    return f"{node_id(source)}--{name_token(str(relation))}--{node_id(target)}"


def time_frame(facts: Facts, start: int | None = None, end: int | None = None,
               as_of: int | None = None) -> tuple[int, int] | None:
    """The first and last year of an export's time frame, or None when no fact is dated."""
    if not facts.years:
        return None
    first = start if start is not None else facts.years[0]
    last = end if end is not None else max(facts.years[-1], first)  # ongoing facts reach past the last year
    if as_of is not None:
        last = as_of if end is None else min(end, as_of)
    return (first, last) if first <= last else None


def _cuts(facts: Facts, frame: tuple[int, int]) -> list[tuple[int, int]]:
    """The frame split at every year in which some fact starts or after which one ends: within each part
    no tie begins or ends, so one year's projection stands for the whole part."""
    first, last = frame
    cuts = {first}
    for fact in (*facts.ties, *facts.memberships):
        if fact.dated:
            low, high = fact.span
            cuts.add(int(low))
            if math.isfinite(high):
                cuts.add(int(high) + 1)
    ordered = sorted(c for c in cuts if first <= c <= last)
    return [(cut, ordered[i + 1] - 1 if i + 1 < len(ordered) else last) for i, cut in enumerate(ordered)]


def _add(changes: list[tuple[int, int, object]], first: int, last: int, value: object) -> None:
    """Append a period with a value, joined to the previous one when it follows it with the same value."""
    if changes and changes[-1][1] + 1 == first and changes[-1][2] == value:
        changes[-1] = (changes[-1][0], last, value)
    else:
        changes.append((first, last, value))


def yearly_values(facts: Facts, name: str,
                  frame: tuple[int, int]) -> tuple[dict[EdgeKey, list[tuple[int, int, object]]], dict[str, Dynamic]]:
    """Per-year values for a dynamic export: for each edge key its weight in the projection of each year
    (the facts, or the organisations in common, in force that year), for each node its degree and weighted
    degree in the year's projection; as ``(first, last, value)`` periods, equal years joined."""
    edge_weights: dict[EdgeKey, list[tuple[int, int, object]]] = {}
    node_values: dict[str, Dynamic] = {}
    for first, last in _cuts(facts, frame):
        year = facts.project(name, first, first)
        for u, v, data in year.edges(data=True):
            _add(edge_weights.setdefault(edge_key(year, u, v, data), []), first, last, data["weight"])
        simple = metrics.simple_graph(year)
        for n in simple:
            values = node_values.setdefault(n, {"year_degree": [], "year_weighted_degree": []})
            _add(values["year_degree"], first, last, simple.degree(n))
            _add(values["year_weighted_degree"], first, last, float(simple.degree(n, weight="weight")))
    return edge_weights, node_values


def periods(graph: nx.Graph[str], frame: tuple[int, int]) -> tuple[dict[str, list[Spell]], dict[EdgeKey, list[Spell]]]:
    """The periods (first and last year) in which each node and each edge key of a projection exists
    within the frame: an edge's ``spans`` (the one definition of when a tie exists,
    :meth:`kzgraph.analysis.projections.Fact.span`) cut to the frame, a node's the union of its edges' periods."""
    edge_spells: dict[EdgeKey, list[Spell]] = {}
    node_spans: dict[str, list[Spell]] = {}
    edges: Iterable[tuple[str, str, object, dict[str, Any]]] = (
        graph.edges(keys=True, data=True) if isinstance(graph, nx.MultiGraph)
        else ((u, v, None, d) for u, v, d in graph.edges(data=True)))
    for u, v, _, data in edges:
        spells = clip(data.get("spans", []), frame)
        if spells:
            edge_spells[edge_key(graph, u, v, data)] = spells
            for n in (u, v):
                node_spans.setdefault(n, []).extend(spells)
    return {n: [(int(a), int(b)) for a, b in merge(s)] for n, s in node_spans.items()}, edge_spells


def network(facts: Facts, name: str, start: int | None = None, end: int | None = None,
            as_of: int | None = None, state: str | None = None, dynamic: bool = True,
            undated: str = "keep") -> GraphStream:
    """Projection ``name`` of the facts in a window as a graph stream (see the module docstring).

    ``state`` (ISO 3166-1 alpha-3 code or IRI) keeps only the state's ego network: the state, its
    neighbours and the edges among them; metrics still describe positions in the whole projection.
    ``dynamic`` adds the periods of each element and the per-year weights and degrees (used by GEXF).
    ``undated="omit"`` leaves out the edges that no dated fact supports (``dated`` false), and the nodes
    left without an edge, so that a timeline shows only what has a time.
    """
    if undated not in UNDATED:
        raise ValueError(f"undated must be one of {', '.join(UNDATED)}, not {undated!r}")
    graph = facts.project(name, start, end, as_of)
    position = metrics.node_positions(graph)
    attributes: Attributes = {"projection": name, "from": start, "to": end, "as_of": as_of, "dataset": DATASET}
    if undated == "omit":
        attributes["undated"] = "omitted"
        graph = _dated_only(graph)
    if state is not None:
        iri = metrics.resolve_state(facts, state)
        attributes["state"] = iri
        view = graph.to_undirected(as_view=True) if graph.is_directed() else graph
        graph = graph.subgraph(nx.ego_graph(view, iri) if iri in graph else [])
    frame = time_frame(facts, start, end, as_of) if dynamic else None
    node_spells, edge_spells = periods(graph, frame) if frame else ({}, {})
    weights, node_values = yearly_values(facts.within(start, end, as_of), name, frame) if frame else ({}, {})
    dynamic_edges: dict[EdgeKey, Dynamic] = {key: {"weight": values} for key, values in weights.items()}
    return from_networkx(graph, name, attributes, position, node_spells, edge_spells, frame,
                         node_values, dynamic_edges)


def _dated_only(graph: nx.Graph[str]) -> nx.Graph[str]:
    """The graph without its undated edges and the nodes they leave alone."""
    kept = graph.copy()
    if isinstance(graph, nx.MultiGraph):
        kept.remove_edges_from([(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True)
                                if not d.get("dated", True)])
    else:
        kept.remove_edges_from([(u, v) for u, v, d in graph.edges(data=True) if not d.get("dated", True)])
    kept.remove_nodes_from([n for n in graph if kept.degree(n) == 0])
    return kept


def from_networkx(graph: nx.Graph[str], name: str, attributes: Attributes | None = None,
                  extra: Mapping[str, Mapping[str, object]] | None = None,
                  node_spells: Mapping[str, list[Spell]] | None = None,
                  edge_spells: Mapping[EdgeKey, list[Spell]] | None = None,
                  time: tuple[int, int] | None = None, node_dynamic: Mapping[str, Dynamic] | None = None,
                  edge_dynamic: Mapping[EdgeKey, Dynamic] | None = None) -> GraphStream:
    """Any networkx graph whose node keys are IRIs as a graph stream: node attributes (plus ``extra[n]``),
    edge attributes, and optionally the periods of nodes and of edge keys (:func:`edge_key`). Edges are
    told apart by their ``relation`` attribute (the key of a multigraph when they have none). Nodes are
    written in the order of their ids, edges in the order of their keys. ``node_dynamic[n]`` and
    ``edge_dynamic[key]`` map an attribute name to its ``(first, last, value)`` periods (dynamic formats).
    The edge attribute ``spans`` (the periods of :mod:`kzgraph.analysis.projections`, open-ended while ongoing) is
    written as the element's periods, not as an attribute."""
    extra, node_spells, edge_spells = extra or {}, node_spells or {}, edge_spells or {}
    node_dynamic, edge_dynamic = node_dynamic or {}, edge_dynamic or {}

    def node_attributes(n: str) -> Attributes:
        return {**graph.nodes[n], **extra.get(n, {})}

    def edge_attributes(data: Mapping[str, object]) -> Attributes:
        return {k: v for k, v in data.items() if k not in INTERNAL}

    def keyed() -> list[tuple[EdgeKey, dict[str, Any]]]:
        if isinstance(graph, nx.MultiGraph):
            found = [(edge_key(graph, u, v, {"relation": data.get("relation", k)}), data)
                     for u, v, k, data in graph.edges(keys=True, data=True)]
        else:
            found = [(edge_key(graph, u, v, {"relation": data.get("relation", "")}), data)
                     for u, v, data in graph.edges(data=True)]
        return sorted(found, key=lambda item: item[0])

    def nodes() -> Iterator[Node]:
        for n in sorted(graph.nodes, key=node_id):
            yield Node(node_id(n), node_attributes(n), node_spells.get(n, []), node_dynamic.get(n, {}))

    def edges() -> Iterator[Edge]:
        for key, data in keyed():
            yield Edge(edge_id(key), node_id(key[0]), node_id(key[1]), edge_attributes(data),
                       edge_spells.get(key, []), edge_dynamic.get(key, {}))

    return GraphStream(
        name=name, directed=graph.is_directed(), multigraph=graph.is_multigraph(), attributes=attributes or {},
        node_schema=declare(node_attributes(n) for n in graph.nodes),
        edge_schema=declare(edge_attributes(data) for _, _, data in graph.edges(data=True)),
        nodes=nodes, edges=edges, time=time,
        node_dynamic_schema=_dynamic_schema(node_dynamic), edge_dynamic_schema=_dynamic_schema(edge_dynamic),
    )
