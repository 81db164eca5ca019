"""Cytoscape.js JSON writer: a :class:`~kzgraph.export.elements.GraphStream` as the elements JSON that
Cytoscape.js (``cy.json()``, "Notation for elements" in the Cytoscape.js documentation) and Cytoscape
desktop (File > Import > Network from File, "Cytoscape.js JSON") read, written element by element:

    {"format_version": "1.0", "generated_by": "kzgraph", "target_cytoscapejs_version": "~3",
     "data": {…graph attributes…}, "directed": …, "multigraph": …,
     "elements": {"nodes": [{"data": {"id": …, "name": …, …}}, …],
                  "edges": [{"data": {"id": …, "source": …, "target": …, …}}, …]}}

Values keep their JSON types (numbers, booleans, strings); missing values are left out. ``name`` repeats
the node's label, the column Cytoscape desktop labels nodes with.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import BinaryIO

from kzgraph.export.elements import GraphStream, typed

RESERVED = ("id", "source", "target")


def _without(data: Mapping[str, object], names: tuple[str, ...]) -> dict[str, object]:
    return {k: v for k, v in data.items() if k not in names}


def _dump(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")


def write(stream: GraphStream, out: BinaryIO) -> tuple[int, int]:
    """Write the graph to a binary file; return the numbers of nodes and edges written."""
    head = {"format_version": "1.0", "generated_by": "kzgraph", "target_cytoscapejs_version": "~3",
            "data": {"name": stream.name, **typed(stream.attributes, stream.graph_schema)},
            "directed": stream.directed, "multigraph": stream.multigraph}
    out.write(_dump(head)[:-1] + b',\n "elements": {"nodes": [')
    nodes = edges = 0
    for node in stream.nodes():
        data = {"id": node.id, **_without(typed(node.attributes, stream.node_schema), RESERVED)}
        if "label" in data:
            data.setdefault("name", data["label"])
        out.write((b",\n  " if nodes else b"\n  ") + _dump({"data": data}))
        nodes += 1
    out.write(b'\n ],\n "edges": [')
    for edge in stream.edges():
        data = {"id": edge.id, "source": edge.source, "target": edge.target,
                **_without(typed(edge.attributes, stream.edge_schema), RESERVED)}
        out.write((b",\n  " if edges else b"\n  ") + _dump({"data": data}))
        edges += 1
    out.write(b"\n ]}}\n")
    return nodes, edges
