"""GraphML writer: a :class:`~kzgraph.export.elements.GraphStream` as GraphML 1.0, written incrementally.

Implements the GraphML Primer (http://graphml.graphdrawing.org/primer/graphml-primer.html): the root
``<graphml>`` in the namespace ``http://graphml.graphdrawing.org/xmlns`` with its ``xsi:schemaLocation``
(section 2.1), one ``<key>`` per attribute with ``for``, ``attr.name`` and ``attr.type`` before the graph
(section 4.2, "Declaring GraphML-Attributes"), then ``<graph edgedefault=…>`` with its ``<data>``, the
``<node>`` and the ``<edge>`` elements (sections 2.2–2.4). Ids and attribute names are XML name tokens, as
the GraphML XML Schema requires. A missing value has no ``<data>`` element (no ``<default>`` is
declared).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import BinaryIO

from lxml import etree

from kzgraph.export.elements import GraphStream, name_token, text, typed
from kzgraph.export.xmlstream import element, newline, write_each
from kzgraph.export.xmlstream import write as write_element

NS = "http://graphml.graphdrawing.org/xmlns"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{NS} http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"


def key_ids(schema: Mapping[str, str], prefix: str) -> dict[str, str]:
    """Attribute name -> ``<key>`` id (``{prefix}.{name}``, made unique)."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for name in schema:
        candidate = base = f"{prefix}.{name_token(name)}"
        number = 1
        while candidate in taken:
            number += 1
            candidate = f"{base}.{number}"
        taken.add(candidate)
        ids[name] = candidate
    return ids


def _data(parent: etree._Element, attributes: Mapping[str, object], schema: Mapping[str, str],
          ids: Mapping[str, str]) -> etree._Element:
    """The node or edge element with a ``<data>`` child for each of its attributes."""
    for name, value in typed(attributes, schema).items():
        parent.append(element("data", {"key": ids[name]}, text(value)))
    return parent


def write(stream: GraphStream, out: BinaryIO) -> tuple[int, int]:
    """Write the graph to a binary file; return the numbers of nodes and edges written."""
    graph_schema = stream.graph_schema
    schemas = (("graph", "g", graph_schema), ("node", "n", stream.node_schema), ("edge", "e", stream.edge_schema))
    ids = {domain: key_ids(schema, prefix) for domain, prefix, schema in schemas}
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{NS}}}graphml", {f"{{{XSI}}}schemaLocation": SCHEMA_LOCATION},
                        nsmap={None: NS, "xsi": XSI}):
            for domain, _, schema in schemas:
                for name, kind in schema.items():
                    write_element(xf, element("key", {"id": ids[domain][name], "for": domain,
                                                      "attr.name": name_token(name), "attr.type": kind}), 1)
            newline(xf, 1)
            with xf.element("graph", {"id": name_token(stream.name),
                                      "edgedefault": "directed" if stream.directed else "undirected"}):
                for name, value in typed(stream.attributes, graph_schema).items():
                    write_element(xf, element("data", {"key": ids["graph"][name]}, text(value)), 2)
                nodes = write_each(xf, "node", stream.nodes(), lambda node: _data(
                    element("node", {"id": node.id}), node.attributes, stream.node_schema, ids["node"]), 2)
                edges = write_each(xf, "edge", stream.edges(), lambda edge: _data(
                    element("edge", {"id": edge.id, "source": edge.source, "target": edge.target}),
                    edge.attributes, stream.edge_schema, ids["edge"]), 2)
                newline(xf, 1)
            newline(xf, 0)
    return nodes, edges
