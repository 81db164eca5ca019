"""Charts of the multivector metrics (matplotlib, Agg backend), each written as PNG and SVG.

* ``balance``: the shares of cooperation ties per policy vector (stacked areas) and the balance index and
  dependency ratio per year;
* ``suppliers``: the share of each supplier in the year's arms imports (stacked bars) with the effective
  number of suppliers;
* ``ego``: the state's ego network in the cooperation network (nodes coloured by vector, edge width by
  the number of facts).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402

from kzgraph.analysis import metrics  # noqa: E402
from kzgraph.analysis.projections import Facts  # noqa: E402

SUFFIXES = (".png", ".svg")


def _save(figure, folder: Path, stem: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{stem}{suffix}" for suffix in SUFFIXES]
    for path in paths:
        figure.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(figure)
    return paths


def _colours(labels: list[str]) -> dict[str, tuple]:
    palette = plt.get_cmap("tab10")
    return {label: palette(i % 10) for i, label in enumerate(labels)}


UNCLASSIFIED = "unclassified"


def vector_colours(vectors: list[str]) -> dict[str, tuple]:
    """One colour per policy vector (in the given order), light grey for unclassified partners."""
    colours = _colours(vectors)
    colours[UNCLASSIFIED] = (0.82, 0.82, 0.82, 1.0)
    return colours


def balance_chart(rows: list[dict], vectors: dict[str, str], folder: Path, state: str) -> list[Path]:
    """Vector shares and the balance index per year."""
    years = [r["year"] for r in rows if isinstance(r["year"], int)]
    yearly = [r for r in rows if isinstance(r["year"], int)]
    colours = vector_colours(list(vectors.values()))
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(11, 7.5), sharex=True, height_ratios=(3, 2))
    stacks = [[r[f"share_{key}"] or 0 for r in yearly] for key in vectors]
    top.stackplot(years, stacks, labels=list(vectors.values()), colors=[colours[v] for v in vectors.values()],
                  alpha=0.85)
    top.set_ylim(0, 1)
    top.set_ylabel("share of cooperation ties")
    top.set_title(f"{state}: cooperation ties per policy vector")
    top.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    bottom.plot(years, [r["balance"] for r in yearly], marker="o", label="balance (normalised entropy)")
    bottom.plot(years, [r["dependency"] for r in yearly], marker="s", label="dependency (largest vector share)")
    bottom.set_ylim(0, 1.05)
    bottom.set_xlabel("year")
    bottom.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    bottom.grid(alpha=0.3)
    return _save(figure, folder, "balance")


def supplier_chart(rows: list[dict], folder: Path, state: str) -> list[Path]:
    """Supplier shares of arms imports per year and the effective number of suppliers."""
    yearly = [r for r in rows if isinstance(r["year"], int)]
    suppliers = sorted({s for r in yearly for s in r["supplier_shares"]})
    colours = _colours(suppliers)
    figure, axis = plt.subplots(figsize=(11, 5.5))
    bottoms = [0.0] * len(yearly)
    years = [r["year"] for r in yearly]
    for supplier in suppliers:
        heights = [r["supplier_shares"].get(supplier, 0.0) for r in yearly]
        axis.bar(years, heights, bottom=bottoms, color=colours[supplier], label=supplier, width=0.8)
        bottoms = [b + h for b, h in zip(bottoms, heights)]
    axis.set_ylim(0, 1)
    axis.set_ylabel("share of arms imports")
    axis.set_xlabel("year")
    axis.set_title(f"{state}: arms suppliers per year (share of transfer facts, or of value where stated)")
    other = axis.twinx()
    other.plot(years, [r["effective_suppliers"] for r in yearly], color="black", marker="o",
               label="effective number of suppliers (1/HHI)")
    other.set_ylabel("effective number of suppliers")
    other.set_ylim(0, max([r["effective_suppliers"] or 0 for r in yearly] + [1]) + 1)
    handles, labels = axis.get_legend_handles_labels()
    more, more_labels = other.get_legend_handles_labels()
    axis.legend(handles + more, labels + more_labels, loc="upper left", bbox_to_anchor=(1.08, 1), frameon=False)
    return _save(figure, folder, "suppliers")


def ego_chart(graph: nx.Graph, state: str, folder: Path, title: str, colours: dict[str, tuple]) -> list[Path]:
    """The ego network: nodes coloured by policy vector, edges as wide as their number of facts."""
    vectors = [v for v in colours if any((d.get("vector") or UNCLASSIFIED) == v for _, d in graph.nodes(data=True))]
    figure, axis = plt.subplots(figsize=(10, 8))
    layout = nx.spring_layout(graph, weight="weight", seed=1)
    widths = [0.5 + 2 * (d["weight"] ** 0.5) / 2 for _, _, d in graph.edges(data=True)]
    nx.draw_networkx_edges(graph, layout, ax=axis, width=widths, alpha=0.35)
    for vector in vectors:
        nodes = [n for n, d in graph.nodes(data=True) if (d.get("vector") or UNCLASSIFIED) == vector]
        sizes = [1100 if n == state else 380 for n in nodes]
        edges = ["black" if n == state else "white" for n in nodes]
        nx.draw_networkx_nodes(graph, layout, nodelist=nodes, node_color=[colours[vector]], node_size=sizes,
                               edgecolors=edges, linewidths=1.5, label=vector, ax=axis)
    nx.draw_networkx_labels(graph, layout, labels={n: d.get("iso") or d.get("label", n)
                                                   for n, d in graph.nodes(data=True)}, font_size=8, ax=axis)
    axis.legend(loc="upper left", bbox_to_anchor=(1.0, 1), frameon=False, markerscale=0.6)
    axis.set_title(title)
    axis.axis("off")
    return _save(figure, folder, "ego-network")


def render(kg, folder: Path, state: str = "KAZ", start: int | None = None, end: int | None = None) -> list[Path]:
    """All charts for a state into ``folder``; returns the files written."""
    facts = Facts.fetch(kg)
    iri = metrics.resolve_state(facts, state)
    rows = metrics.yearly(facts, state, start, end)
    label = facts.node(iri).label
    window = "all years" if start is None and end is None else f"{start or ''}-{end or ''}"
    ego = metrics.ego_network(facts, iri, start, end)
    vectors = metrics.vectors(facts)
    return (balance_chart(rows, vectors, folder, label) + supplier_chart(rows, folder, label)
            + ego_chart(ego, iri, folder, f"{label}: ego network of security cooperation ({window})",
                        vector_colours(list(vectors.values()))))
