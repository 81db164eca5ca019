"""Charts of the multivector metrics (matplotlib, Agg backend), each written as PNG and SVG, each saying
what it shows: the state, the window, the basis of its numbers and how many facts each year rests on.

* ``balance``: the shares of the state's cooperation ties per policy vector (stacked areas), the balance
  index and dependency ratio per year (hollow markers for thin years, docs/metrics.md), and the numbers
  of facts and sources behind each year;
* ``suppliers``: the share of each supplier in the year's arms imports (stacked bars; the eight largest
  suppliers of the window, the rest as "others"), the volume of each year on its basis (SIPRI TIV delivered
  or the number of delivered deals) and the effective number of suppliers;
* ``ego-network``: the state's ego network in the cooperation network of the window: the state in the
  centre, its partners on a circle grouped by policy vector and labelled with their names, edge width by
  the number of facts (the strongest partners only when there are many).

With several states each file name ends in the state's code (``balance-UZB.png``).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.figure import Figure

from kzgraph.analysis import metrics
from kzgraph.analysis.metrics import Row
from kzgraph.analysis.projections import Facts
from kzgraph.sparql.describe import Queryable

SUFFIXES = (".png", ".svg")
UNCLASSIFIED = "unclassified"
MAX_SUPPLIERS = 8
MAX_PARTNERS = 30
BASIS_TEXT = {"tiv": "SIPRI TIV delivered (millions), spread over the delivery years",
              "count": "delivered deals in the curated sources, each deal once"}
Colour = tuple[float, float, float, float]  # RGBA, each in [0, 1]


def _save(figure: Figure, folder: Path, stem: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{stem}{suffix}" for suffix in SUFFIXES]
    for path in paths:
        figure.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(figure)
    return paths


def _colours(labels: list[str]) -> dict[str, Colour]:
    palette = plt.get_cmap("tab10")
    return {label: palette(i % 10) for i, label in enumerate(labels)}


def vector_colours(vectors: list[str]) -> dict[str, Colour]:
    """One colour per policy vector (in the given order), light grey for unclassified partners."""
    colours = _colours(vectors)
    colours[UNCLASSIFIED] = (0.82, 0.82, 0.82, 1.0)
    return colours


def window_text(start: int | None, end: int | None, rows: list[Row] | None = None) -> str:
    """The window of a chart in words: ``1992–2024`` (the years shown when no window was given)."""
    years = [r["year"] for r in rows or [] if isinstance(r["year"], int)]
    first = start if start is not None else (min(years) if years else None)
    last = end if end is not None else (max(years) if years else None)
    if first is None and last is None:
        return "all years"
    return f"{first if first is not None else '…'}–{last if last is not None else '…'}"


def balance_chart(rows: list[Row], vectors: dict[str, str], folder: Path, state: str, window: str = "",
                  stem: str = "balance", view: str = "pooled") -> list[Path]:
    """Vector shares, the balance index and the facts and sources behind each year."""
    yearly = [r for r in rows if isinstance(r["year"], int)]
    years = [r["year"] for r in yearly]
    colours = vector_colours(list(vectors.values()))
    figure, (top, middle, bottom) = plt.subplots(3, 1, figsize=(11, 9), sharex=True, height_ratios=(3, 2, 1.4))
    stacks = [[r[f"share_{key}"] or 0 for r in yearly] for key in vectors]
    top.stackplot(years, stacks, labels=list(vectors.values()), colors=[colours[v] for v in vectors.values()],
                  alpha=0.85)
    top.set_ylim(0, 1)
    top.set_ylabel("share of tie weight")
    how = {"pooled": "all sources pooled", "source-mean": "every source weighing the same"}.get(view, view)
    top.set_title(f"{state}, {window}: cooperation ties per policy vector\n"
                  f"(ties in force or happening each year, weighted by the tie model; {how})")
    top.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    for key, label, marker in (("balance", "balance (normalised entropy)", "o"),
                               ("dependency", "dependency (largest vector share)", "s")):
        line, = middle.plot(years, [r[key] for r in yearly], label=label)
        for thin in (False, True):
            chosen = [(r["year"], r[key]) for r in yearly if r["thin"] == thin and r[key] is not None]
            if chosen:
                middle.scatter(*zip(*chosen, strict=True), marker=marker, s=28, zorder=3,
                               facecolors="white" if thin else line.get_color(), edgecolors=line.get_color())
    middle.scatter([], [], marker="o", facecolors="white", edgecolors="grey",
                   label="thin year (too few facts or sources)")
    middle.set_ylim(0, 1.05)
    middle.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    middle.grid(alpha=0.3)
    bottom.bar(years, [r["facts"] for r in yearly], color="0.55", label="facts")
    bottom.plot(years, [r["sources"] for r in yearly], color="black", marker=".", label="sources")
    bottom.set_ylabel("behind the year")
    bottom.set_xlabel("year")
    bottom.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    bottom.grid(alpha=0.3, axis="y")
    return _save(figure, folder, stem)


def supplier_chart(rows: list[Row], folder: Path, state: str, window: str = "", stem: str = "suppliers") -> list[Path]:
    """Supplier shares of arms imports per year, the volume on its basis and the effective number of
    suppliers."""
    yearly = [r for r in rows if isinstance(r["year"], int)]
    basis = next((r["arms_basis"] for r in rows), "count")
    totals: dict[str, float] = {}
    for r in yearly:
        for supplier, share in r["arms_supplier_shares"].items():
            totals[supplier] = totals.get(supplier, 0.0) + share * r["arms_volume"]
    largest = sorted(totals, key=lambda s: (-totals[s], s))[:MAX_SUPPLIERS]
    shown = largest + (["others"] if len(totals) > len(largest) else [])
    colours = _colours(largest)
    colours["others"] = (0.75, 0.75, 0.75, 1.0)
    figure, (axis, lower) = plt.subplots(2, 1, figsize=(11, 7.5), sharex=True, height_ratios=(3, 1.5))
    years = [r["year"] for r in yearly]
    bottoms = [0.0] * len(yearly)
    for supplier in shown:
        heights = [r["arms_supplier_shares"].get(supplier, 0.0) if supplier != "others" else
                   sum(v for k, v in r["arms_supplier_shares"].items() if k not in largest) for r in yearly]
        axis.bar(years, heights, bottom=bottoms, color=colours[supplier], label=supplier, width=0.8)
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    axis.set_ylim(0, 1)
    axis.set_ylabel("share of the year's imports")
    axis.set_title(f"{state}, {window}: arms imports by supplier\nbasis: {BASIS_TEXT[basis]}")
    other = axis.twinx()
    other.plot(years, [r["arms_effective_suppliers"] for r in yearly], color="black", marker="o",
               label="effective number of suppliers (1/HHI)")
    other.set_ylabel("effective number of suppliers")
    other.set_ylim(0, max([r["arms_effective_suppliers"] or 0 for r in yearly] + [1]) + 1)
    handles, labels = axis.get_legend_handles_labels()
    more, more_labels = other.get_legend_handles_labels()
    axis.legend(handles + more, labels + more_labels, loc="upper left", bbox_to_anchor=(1.08, 1), frameon=False)
    unit = "TIV (millions)" if basis == "tiv" else "deals"
    lower.bar(years, [r["arms_volume"] for r in yearly], color="0.45")
    lower.set_ylabel(unit)
    lower.set_xlabel("year")
    lower.grid(alpha=0.3, axis="y")
    for r in yearly:
        if r["arms_facts"]:
            lower.annotate(str(r["arms_facts"]), (r["year"], r["arms_volume"]), ha="center", va="bottom", fontsize=7)
    lower.set_title(f"volume per year ({unit}); the figure above each bar: "
                    f"{'register rows' if basis == 'tiv' else 'facts'} behind it", fontsize=9)
    return _save(figure, folder, stem)


def ego_layout(graph: nx.Graph[str], state: str) -> dict[str, tuple[float, float]]:
    """The ego in the centre, its partners on a circle in order of policy vector and then name, so that
    each vector is one arc of the circle and the labels do not pile up."""
    partners = sorted((n for n in graph if n != state),
                      key=lambda n: (graph.nodes[n].get("vector") or "~", graph.nodes[n].get("label", n)))
    layout = {state: (0.0, 0.0)}
    for i, n in enumerate(partners):
        angle = 2 * math.pi * i / max(len(partners), 1)
        layout[n] = (math.cos(angle), math.sin(angle))
    return layout


def ego_chart(graph: nx.Graph[str], state: str, folder: Path, title: str, colours: dict[str, Colour],
              stem: str = "ego-network") -> list[Path]:
    """The ego network: nodes coloured by policy vector and labelled with their names, the strongest
    partners only (by the weight of their ties with the state) when there are more than fit."""
    partners = sorted((n for n in graph if n != state), key=lambda n: -graph[state][n]["weight"])
    kept = partners[:MAX_PARTNERS]
    note = "" if len(kept) == len(partners) else f" — the {len(kept)} strongest of {len(partners)} partners"
    graph = graph.subgraph([state, *kept])
    vectors = [v for v in colours if any((d.get("vector") or UNCLASSIFIED) == v for _, d in graph.nodes(data=True))]
    figure, axis = plt.subplots(figsize=(12, 10))
    layout = ego_layout(graph, state)
    spokes = [(u, v) for u, v in graph.edges if state in (u, v)]
    others = [(u, v) for u, v in graph.edges if state not in (u, v)]
    nx.draw_networkx_edges(graph, layout, edgelist=others, ax=axis, width=0.5, alpha=0.15, edge_color="0.4")
    nx.draw_networkx_edges(graph, layout, edgelist=spokes, ax=axis, alpha=0.45, edge_color="0.3",
                           width=[0.6 + 1.2 * graph.edges[e]["weight"] ** 0.5 for e in spokes])
    own = graph.nodes[state].get("vector") or UNCLASSIFIED
    nx.draw_networkx_nodes(graph, layout, nodelist=[state], node_color=[colours.get(own, colours[UNCLASSIFIED])],
                           node_size=900, edgecolors="black", linewidths=1.5, ax=axis)
    for vector in vectors:
        nodes = [n for n, d in graph.nodes(data=True) if (d.get("vector") or UNCLASSIFIED) == vector and n != state]
        if nodes:
            nx.draw_networkx_nodes(graph, layout, nodelist=nodes, node_color=[colours[vector]], node_size=260,
                                   edgecolors="white", linewidths=1.5, label=vector, ax=axis)
    for n, (x, y) in layout.items():
        label = "\n".join(textwrap.wrap(graph.nodes[n].get("label") or n, 22))
        if n == state:
            axis.text(0, -0.13, label, ha="center", va="top", fontsize=10, fontweight="bold",
                      bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5})
            continue
        angle = math.degrees(math.atan2(y, x))
        flip = angle > 90 or angle < -90
        axis.text(x * 1.07, y * 1.07, label, fontsize=8, rotation=angle + (180 if flip else 0),
                  rotation_mode="anchor", ha="right" if flip else "left", va="center")
    if axis.get_legend_handles_labels()[0]:
        axis.legend(loc="upper left", bbox_to_anchor=(1.05, 1), frameon=False, markerscale=0.6)
    else:
        note += " — no partners in this window"
    axis.set_title(title + note + "\nedge width: facts behind the tie")
    axis.set_xlim(-1.6, 1.6)
    axis.set_ylim(-1.5, 1.5)
    axis.set_aspect("equal")
    axis.axis("off")
    return _save(figure, folder, stem)


def render(kg: Queryable, folder: Path, state: str = "KAZ", start: int | None = None, end: int | None = None, *,
           basis: str | None = None, include: Iterable[str] = (), view: str = "pooled",
           facts: Facts | None = None) -> list[Path]:
    """All charts for one state, or for several (``"KAZ,UZB"``), into ``folder``; returns the files."""
    facts = facts or Facts.fetch(kg)
    states = metrics.resolve_states(facts, state)
    options = metrics.Options(basis, tuple(include), view if view != "per-source" else "pooled")
    options.check()
    vectors = metrics.vectors(facts)
    positions = metrics.Positions(facts)
    written: list[Path] = []
    for iri in states:
        rows = metrics.yearly(facts, iri, start, end, options=options, positions=positions)
        label = facts.node(iri).label
        window = window_text(start, end, rows)
        suffix = "" if len(states) == 1 else f"-{facts.node(iri).iso or metrics._local(iri)}"
        ego = metrics.ego_network(facts, iri, start, end)
        written += balance_chart(rows, vectors, folder, label, window, f"balance{suffix}", options.view)
        written += supplier_chart(rows, folder, label, window, f"suppliers{suffix}")
        ego_window = window_text(start, end) if (start, end) != (None, None) else "all years, undated facts too"
        written += ego_chart(ego, iri, folder, f"{label}, {ego_window}: ego network of security cooperation",
                             vector_colours(list(vectors.values())), f"ego-network{suffix}")
    return written
