"""Multivector metrics of a state's security cooperation, per year and per period.

The index functions (:func:`hhi`, :func:`effective_number`, :func:`largest_share`, :func:`evenness`) work on
plain mappings of amounts; :func:`yearly` and :func:`period` apply them to the facts of a graph (fetched
with :class:`kzgraph.analysis.projections.Facts`) and return one row (a dict) per year or period, each row with the
IRIs of the facts behind it. :func:`table` returns the same rows as a pandas DataFrame when pandas is
installed. The definitions and the treatment of undated facts are in docs/metrics.md.
"""

from __future__ import annotations

from kzgraph import errors

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import networkx as nx

from kzgraph.namespaces import STATE
from kzgraph.analysis.projections import Fact, Facts

UNCLASSIFIED = ""


class MetricsError(errors.UsageError, ValueError):
    """Metrics were asked for with a wrong state, window or input; the message says which."""


def _shares(amounts: Mapping[str, float]) -> dict[str, float]:
    for key, amount in amounts.items():
        if not isinstance(amount, (int, float)) or math.isnan(amount) or amount < 0:
            raise MetricsError(f"amount of {key!r} must be a non-negative number, not {amount!r}")
    total = float(sum(amounts.values()))
    if total <= 0:
        raise MetricsError("no positive amounts: the index is undefined for an empty distribution")
    return {key: amount / total for key, amount in amounts.items()}


def hhi(amounts: Mapping[str, float]) -> float:
    """Herfindahl–Hirschman index ``HHI = Σ s_i²`` of the shares ``s_i = x_i / Σ x``, in ``[1/n, 1]``.

    Hirschman, *National Power and the Structure of Foreign Trade* (1945); Herfindahl, *Concentration in
    the U.S. Steel Industry* (1950); Rhoades, "The Herfindahl-Hirschman index", Federal Reserve Bulletin
    79 (1993) 188–189. Here on the scale 0–1 (not 0–10,000).
    """
    return sum(share * share for share in _shares(amounts).values())


def effective_number(amounts: Mapping[str, float]) -> float:
    """Effective number of partners ``1 / HHI`` (Adelman, "Comment on the 'H' concentration measure as a
    numbers-equivalent", Review of Economics and Statistics 51 (1969) 99–101)."""
    return 1.0 / hhi(amounts)


def largest_share(amounts: Mapping[str, float]) -> float:
    """The largest share ``max_i s_i`` (the concentration ratio CR1; the dependency ratio on one partner)."""
    return max(_shares(amounts).values())


def evenness(amounts: Mapping[str, float], categories: int) -> float:
    """Normalised Shannon entropy ``J = H / ln K`` with ``H = -Σ s_i ln s_i`` over ``K`` categories.

    0 when everything falls in one category, 1 when all ``K`` categories have equal shares (Shannon, "A
    mathematical theory of communication", Bell System Technical Journal 27 (1948); Pielou, "The
    measurement of diversity in different types of biological collections", Journal of Theoretical
    Biology 13 (1966) 131–144). Categories with no amount may be left out of ``amounts``; ``K`` must be
    at least the number of categories given. With ``K = 1`` the evenness is 0.
    """
    shares = _shares(amounts)
    if categories < len(shares):
        raise MetricsError(f"{len(shares)} categories have amounts but only {categories} were declared")
    if categories <= 1:
        return 0.0
    entropy = -sum(share * math.log(share) for share in shares.values() if share > 0)
    return min(1.0, max(0.0, entropy / math.log(categories)))


def brokerage(graph: nx.Graph, node: str, group: Mapping[str, str]) -> int:
    """Pairs of ``node``'s neighbours that belong to different groups and are not linked to each other.

    The ego's brokerage between groups in the sense of Gould and Fernandez, "Structures of mediation: a
    formal approach to brokerage in transaction networks", Sociological Methodology 19 (1989) 89–126
    (the open two-paths u–ego–v whose ends lie in different groups; neighbours without a group are
    ignored).
    """
    neighbours = [n for n in graph.neighbors(node) if group.get(n)]
    return sum(1 for u, v in itertools.combinations(neighbours, 2)
               if group[u] != group[v] and not graph.has_edge(u, v))


@dataclass
class Tie:
    """One cooperation tie of a state: the partner, its vector, the relation and the facts behind it."""

    partner: str
    vector: str
    relation: str
    facts: list[str]
    documents: set[str] = field(default_factory=set)


def ties(facts: Facts, state: str, start: int | None = None, end: int | None = None,
         as_of: int | None = None) -> list[Tie]:
    """The state's ties in a window: one per fact and partner (agreements, exercises, transfers in either
    direction, leases, training), plus one per organisation or programme it belongs to (however many
    membership facts say so)."""
    found = []
    for fact in facts.ties:
        if state in (fact.a, fact.b) and fact.a != fact.b and fact.in_window(start, end, as_of):
            partner = fact.b if fact.a == state else fact.a
            found.append(Tie(partner, facts.node(partner).vector, fact.relation, [fact.iri], set(fact.documents)))
    by_organisation: dict[str, list[Fact]] = {}
    for fact in facts.memberships:
        if fact.a == state and fact.in_window(start, end, as_of):
            by_organisation.setdefault(fact.b, []).append(fact)
    for organisation, group in sorted(by_organisation.items()):
        found.append(Tie(organisation, facts.node(organisation).vector, "membership",
                         sorted(f.iri for f in group), {d for f in group for d in f.documents}))
    return found


def supplier_amounts(facts: Facts, state: str, start=None, end=None, as_of=None) -> tuple[dict, str, list[str]]:
    """The state's arms imports per supplier in a window: ``(amounts, basis, fact IRIs)``.

    ``basis`` is ``"value <unit IRI>"`` when every transfer in the window has a stated value in one
    unit, else ``"count"`` (the number of transfer facts per supplier).
    """
    chosen = [f for f in facts.ties
              if f.relation == "transfer" and f.b == state and f.in_window(start, end, as_of)]
    units = {facts.values[f.iri][1] for f in chosen if f.iri in facts.values}
    by_value = bool(chosen) and all(f.iri in facts.values for f in chosen) and len(units) == 1
    amounts: Counter = Counter()
    for fact in chosen:
        amounts[fact.a] += facts.values[fact.iri][0] if by_value else 1
    basis = f"value {units.pop()}" if by_value else "count"
    return dict(amounts), basis, sorted(f.iri for f in chosen)


def resolve_state(facts: Facts, state: str) -> str:
    """The IRI of a state given as ISO 3166-1 alpha-3 code or IRI; MetricsError when the graph lacks it."""
    iri = str(STATE[state.upper()]) if re.fullmatch(r"[A-Za-z]{3}", state) else state
    if facts.node(iri).type != "State":
        raise MetricsError(f"no state {state!r} in the graph (give an ISO 3166-1 alpha-3 code such as KAZ)")
    return iri


def vectors(facts: Facts) -> dict[str, str]:
    """The policy vectors the graph assigns: column key (concept's local name) -> English label."""
    found = {}
    for node in facts.nodes.values():
        if node.vector_concept:
            key = node.vector_concept.rsplit("/", 1)[-1].removeprefix("vector-").replace("-", "_")
            found[key] = node.vector or key
    return dict(sorted(found.items()))


def simple_graph(graph: nx.Graph) -> nx.Graph:
    """The graph with parallel edges merged into one whose weight is their sum."""
    simple = nx.DiGraph() if graph.is_directed() else nx.Graph()
    simple.add_nodes_from(graph.nodes(data=True))
    for u, v, data in graph.edges(data=True):
        if simple.has_edge(u, v):
            simple[u][v]["weight"] += data["weight"]
        else:
            simple.add_edge(u, v, weight=data["weight"])
    return simple


def _cooperation_graph(facts: Facts, start, end, as_of) -> nx.Graph:
    """The cooperation projection collapsed to a simple graph whose weights add up over relations."""
    return simple_graph(facts.project("cooperation", start, end, as_of))


def node_positions(graph: nx.Graph) -> dict[str, dict]:
    """The position of every node of a projection, as :func:`position` defines it for a state: degree,
    weighted degree, normalised betweenness (unweighted shortest paths), and in an undirected network
    eigenvector centrality (weighted, within the node's connected component; None if the power iteration
    does not converge) and vector brokerage, in a directed one in- and out-degree. Parallel edges count
    once for the degree, with their weights summed."""
    simple = simple_graph(graph)
    betweenness = nx.betweenness_centrality(simple)
    undirected = simple.to_undirected(as_view=True) if simple.is_directed() else simple
    found = {n: {"degree": undirected.degree(n), "weighted_degree": float(simple.degree(n, weight="weight")),
                 "betweenness": betweenness[n]} for n in simple}
    if simple.is_directed():
        for n in simple:
            found[n].update(in_degree=simple.in_degree(n), out_degree=simple.out_degree(n))
        return found
    vectors = {n: d.get("vector", "") for n, d in simple.nodes(data=True)}
    for component in nx.connected_components(simple):
        try:
            centrality = nx.eigenvector_centrality(simple.subgraph(component), max_iter=1000, weight="weight")
        except nx.PowerIterationFailedConvergence:  # reported as missing rather than as a wrong number
            centrality = {}
        for n in component:
            found[n]["eigenvector"] = centrality.get(n)
            found[n]["brokerage"] = brokerage(simple, n, vectors)
    return found


def position(facts: Facts, state: str, start=None, end=None, as_of=None) -> dict:
    """Degree, weighted degree, betweenness and eigenvector centrality and vector brokerage of the state
    in the cooperation network of the window (Freeman, "Centrality in social networks: conceptual
    clarification", Social Networks 1 (1979) 215–239; Bonacich, "Power and centrality", American Journal
    of Sociology 92 (1987) 1170–1182). Betweenness is normalised and counts unweighted shortest paths;
    eigenvector centrality is weighted and computed in the state's connected component (None if the power
    iteration does not converge)."""
    graph = _cooperation_graph(facts, start, end, as_of)
    if state not in graph:
        return {"degree": 0, "weighted_degree": 0.0, "betweenness": 0.0, "eigenvector": 0.0, "brokerage": 0}
    return node_positions(graph)[state]


def ego_network(facts: Facts, state: str, start=None, end=None, as_of=None) -> nx.Graph:
    """The state, its partners in the cooperation network of the window and the ties among them."""
    graph = _cooperation_graph(facts, start, end, as_of)
    if state not in graph:
        graph.add_node(state, **facts.node(state).attributes())
    return nx.ego_graph(graph, state)


def row(facts: Facts, state: str, label, start=None, end=None, as_of=None) -> dict:
    """All metrics of one year or period (``label``) for the state."""
    columns = vectors(facts)
    keys = {label_: key for key, label_ in columns.items()}
    found = ties(facts, state, start, end, as_of)
    per_vector = Counter(keys[t.vector] for t in found if t.vector in keys)
    fact_iris = sorted({iri for t in found for iri in t.facts})
    result: dict = {"year": label, "ties": len(found), "facts": len(fact_iris),
                    "sources": len({d for t in found for d in t.documents})}
    total = sum(per_vector.values())
    for key in columns:
        result[f"share_{key}"] = per_vector[key] / total if total else None
    result["unclassified"] = len(found) - total
    result["balance"] = evenness(per_vector, len(columns)) if total else None
    result["dependency"] = largest_share(per_vector) if total else None
    largest = max(per_vector.values(), default=0)
    result["top_vector"] = " / ".join(columns[k] for k in columns if total and per_vector[k] == largest)
    amounts, basis, transfers = supplier_amounts(facts, state, start, end, as_of)
    result["imports"] = float(sum(amounts.values()))
    result["suppliers"] = len(amounts)
    result["hhi"] = hhi(amounts) if amounts else None
    result["effective_suppliers"] = effective_number(amounts) if amounts else None
    top = max(sorted(amounts), key=amounts.get) if amounts else None
    result["top_supplier"] = facts.node(top).label if top else ""
    result["top_supplier_share"] = largest_share(amounts) if amounts else None
    result["hhi_basis"] = basis if amounts else ""
    result["supplier_shares"] = {facts.node(s).label: a / sum(amounts.values()) for s, a in sorted(amounts.items())}
    memberships = [t for t in found if t.relation == "membership"]
    result["memberships"] = "; ".join(sorted(_local(t.partner) for t in memberships))
    result["membership_vectors"] = len({t.vector for t in memberships if t.vector})
    result.update(position(facts, state, start, end, as_of))
    result["fact_iris"] = fact_iris
    result["source_iris"] = sorted({d for t in found for d in t.documents})
    return result


def _local(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def year_range(facts: Facts, state: str) -> tuple[int, int] | None:
    """The first and last year that the state's dated ties name, or None when it has none."""
    found = [y for f in itertools.chain(facts.ties, facts.memberships) if state in (f.a, f.b) and f.dated
             for y in f.span if math.isfinite(y)]
    return (int(min(found)), int(max(found))) if found else None


def _check_window(start, end) -> None:
    if start is not None and end is not None and start > end:
        raise MetricsError(f"the window starts after it ends: from {start} to {end}")


def yearly(facts: Facts, state: str = "KAZ", start: int | None = None, end: int | None = None) -> list[dict]:
    """One row of metrics per year from ``start`` to ``end`` (default: the years the state's facts name)."""
    _check_window(start, end)
    iri = resolve_state(facts, state)
    known = year_range(facts, iri)
    if known is None and (start is None or end is None):
        return []
    first = start if start is not None else known[0]
    last = end if end is not None else known[1]
    return [row(facts, iri, year, year, year) for year in range(first, last + 1)]


def period(facts: Facts, state: str = "KAZ", start: int | None = None, end: int | None = None,
           as_of: int | None = None) -> dict:
    """One row of metrics for a whole period (``"all"`` when there is no window: undated facts count)."""
    _check_window(start, end)
    iri = resolve_state(facts, state)
    if as_of is not None:
        label = f"as of {as_of}"
    elif start is None and end is None:
        label = "all"
    else:
        label = f"{'' if start is None else start}-{'' if end is None else end}"
    return row(facts, iri, label, start, end, as_of)


def compute(kg, state: str = "KAZ", start: int | None = None, end: int | None = None,
            as_of: int | None = None) -> list[dict]:
    """Year rows and a final period row for a state, from any store with ``.query()``."""
    facts = Facts.fetch(kg)
    if as_of is not None:
        return [period(facts, state, as_of=as_of)]
    return yearly(facts, state, start, end) + [period(facts, state, start, end)]


def table(rows: Iterable[dict]):
    """The rows as a pandas DataFrame (when pandas is installed), else as a list of dicts."""
    rows = list(rows)
    try:
        import pandas
    except ImportError:  # pragma: no cover - pandas is a dependency, but the API works without it
        return rows
    return pandas.DataFrame(rows)


FORMATS = ("table", "csv", "json")
TABLE_COLUMNS = [  # (row key, heading) of the text table; csv and json have every column
    ("year", "year"), ("ties", "ties"), ("facts", "facts"), ("sources", "src"), ("balance", "balance"),
    ("dependency", "dep."), ("top_vector", "top vector"), ("imports", "imports"), ("hhi", "HHI"),
    ("effective_suppliers", "N eff"), ("top_supplier", "top supplier"), ("top_supplier_share", "share"),
    ("membership_vectors", "memb. vectors"), ("degree", "degree"), ("betweenness", "betw."),
    ("brokerage", "brokerage"),
]


def _flat(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.6g}"
    if isinstance(value, list):
        return " ".join(value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={v:.6g}" for k, v in value.items())
    return str(value)


def render(rows: list[dict], fmt: str, title: str = "") -> str:
    """The rows as a text table, CSV (lists space-separated) or JSON (every value as it is)."""
    if fmt not in FORMATS:
        raise MetricsError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "json":
        import json

        return json.dumps(rows, indent=2, ensure_ascii=False, default=str) + "\n"
    if fmt == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["year"], lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: _flat(v) for k, v in r.items()} for r in rows)
        return buffer.getvalue()
    import io

    from rich.console import Console
    from rich.table import Table

    table = Table(title=title or None, show_lines=False)
    for _, heading in TABLE_COLUMNS:
        table.add_column(heading, overflow="fold")
    for r in rows:
        cells = []
        for key, _ in TABLE_COLUMNS:
            value = r.get(key)
            text = f"{value:.3f}" if isinstance(value, float) and key not in ("imports", "weighted_degree") else _flat(value)
            if key == "hhi" and r.get("hhi_basis", "").startswith("value"):
                text += " (value)"
            cells.append(text)
        table.add_row(*cells)
    table.caption = ("ties: facts per partner plus organisations belonged to; HHI by number of transfer facts "
                     "unless marked (value); every fact IRI: --format json")
    buffer = io.StringIO()
    Console(file=buffer, width=200, color_system=None).print(table)
    return buffer.getvalue()
