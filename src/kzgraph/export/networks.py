"""The projections of docs/metrics.md as graph streams: their nodes with the network metrics of each node,
their edges, and for dynamic formats the periods in which each node and edge exists.

Node attributes: those of the projection (``label``, ``type``, ``iri``, ``iso``, ``vector``, and
``bipartite`` in the membership network) and the node's position in the whole projection, with the
definitions of :func:`kzgraph.analysis.metrics.position` applied to every node (:func:`kzgraph.analysis.metrics.node_positions`): ``degree`` (distinct neighbours),
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
from collections.abc import Iterator

import networkx as nx

from kzgraph.analysis import metrics
from kzgraph.analysis.projections import Facts
from kzgraph.build.statistics import DATASET
from kzgraph.export.elements import Edge, GraphStream, Node, Spell, declare, name_token, node_id

def edge_key(graph: nx.Graph, u: str, v: str, data: dict) -> tuple[str, str, str]:
    """(source, target, relation), the source first by IRI in undirected graphs."""
    if not graph.is_directed() and v < u:
        u, v = v, u
    return u, v, data["relation"]


def edge_id(key: tuple[str, str, str]) -> str:
    source, target, relation = key
    return f"{node_id(source)}--{name_token(str(relation))}--{node_id(target)}"


def _append(spells: list[Spell], first: int, last: int) -> None:
    if spells and spells[-1][1] + 1 == first:
        spells[-1] = (spells[-1][0], last)
    else:
        spells.append((first, last))


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


def periods(facts: Facts, name: str, frame: tuple[int, int]) -> tuple[dict[str, list[Spell]], dict[tuple, list[Spell]]]:
    """The periods (first and last year) in which each node and each edge key of projection ``name``
    exists within the frame. The projection is cut once per year at which some fact starts or ends
    (nothing changes in between)."""
    first, last = frame
    cuts = {first}
    for fact in (*facts.ties, *facts.memberships):
        if fact.dated:
            low, high = fact.span
            cuts.add(int(low))
            if math.isfinite(high):
                cuts.add(int(high) + 1)
    cuts = sorted(c for c in cuts if first <= c <= last)
    node_spells: dict[str, list[Spell]] = {}
    edge_spells: dict[tuple, list[Spell]] = {}
    for index, cut in enumerate(cuts):
        until = cuts[index + 1] - 1 if index + 1 < len(cuts) else last
        year = facts.project(name, cut, cut)
        for n in year:
            _append(node_spells.setdefault(n, []), cut, until)
        for u, v, data in year.edges(data=True):
            _append(edge_spells.setdefault(edge_key(year, u, v, data), []), cut, until)
    return node_spells, edge_spells


def network(facts: Facts, name: str, start: int | None = None, end: int | None = None,
            as_of: int | None = None, state: str | None = None, dynamic: bool = True) -> GraphStream:
    """Projection ``name`` of the facts in a window as a graph stream (see the module docstring).

    ``state`` (ISO 3166-1 alpha-3 code or IRI) keeps only the state's ego network: the state, its
    neighbours and the edges among them; metrics still describe positions in the whole projection.
    ``dynamic`` adds the periods of each element (used by GEXF).
    """
    graph = facts.project(name, start, end, as_of)
    position = metrics.node_positions(graph)
    attributes = {"projection": name, "from": start, "to": end, "as_of": as_of, "dataset": DATASET}
    if state is not None:
        iri = metrics.resolve_state(facts, state)
        attributes["state"] = iri
        view = graph.to_undirected(as_view=True) if graph.is_directed() else graph
        graph = graph.subgraph(nx.ego_graph(view, iri) if iri in graph else [])
    frame = time_frame(facts, start, end, as_of) if dynamic else None
    node_spells, edge_spells = periods(facts, name, frame) if frame else ({}, {})
    return from_networkx(graph, name, attributes, position, node_spells, edge_spells, frame)


def from_networkx(graph: nx.Graph, name: str, attributes: dict | None = None, extra: dict | None = None,
                  node_spells: dict | None = None, edge_spells: dict | None = None,
                  time: tuple[int, int] | None = None) -> GraphStream:
    """Any networkx graph whose node keys are IRIs as a graph stream: node attributes (plus ``extra[n]``),
    edge attributes, and optionally the periods of nodes and of edge keys (:func:`edge_key`). Edges are
    told apart by their ``relation`` attribute (the key of a multigraph when they have none). Nodes are
    written in the order of their ids, edges in the order of their keys."""
    extra, node_spells, edge_spells = extra or {}, node_spells or {}, edge_spells or {}

    def node_attributes(n: str) -> dict:
        return {**graph.nodes[n], **extra.get(n, {})}

    def keyed() -> list[tuple[tuple, dict]]:
        if graph.is_multigraph():
            found = [(edge_key(graph, u, v, {"relation": data.get("relation", k)}), data)
                     for u, v, k, data in graph.edges(keys=True, data=True)]
        else:
            found = [(edge_key(graph, u, v, {"relation": data.get("relation", "")}), data)
                     for u, v, data in graph.edges(data=True)]
        return sorted(found, key=lambda item: item[0])

    def nodes() -> Iterator[Node]:
        for n in sorted(graph.nodes, key=node_id):
            yield Node(node_id(n), node_attributes(n), node_spells.get(n, []))

    def edges() -> Iterator[Edge]:
        for key, data in keyed():
            yield Edge(edge_id(key), node_id(key[0]), node_id(key[1]), data, edge_spells.get(key, []))

    return GraphStream(
        name=name, directed=graph.is_directed(), multigraph=graph.is_multigraph(), attributes=attributes or {},
        node_schema=declare(node_attributes(n) for n in graph.nodes),
        edge_schema=declare(data for _, _, data in graph.edges(data=True)),
        nodes=nodes, edges=edges, time=time,
    )
