"""GEXF writer: a :class:`~kzgraph.export.elements.GraphStream` as GEXF 1.3, written incrementally.

Follows the GEXF 1.3 specification (https://gexf.net, "GEXF 1.3 primer" and schema): the root ``<gexf
version="1.3">`` in the namespace ``http://gexf.net/1.3``; ``<meta>`` with creator and description; one
``<graph defaultedgetype=…>``; ``<attributes class="node|edge">`` declaring every attribute (``id``,
``title``, ``type``) before any ``<attvalue>`` uses it; then ``<nodes>`` and ``<edges>``. The node label
and the edge ``weight`` and ``label`` are XML attributes of the elements, the other attributes
``<attvalue for=… value=…>``.

Time (section "Dynamics"): a stream with a time frame becomes a graph with ``mode="dynamic"``,
``timeformat="date"`` and the frame as ``start``/``end``; every node and edge that has periods carries
``<spells>``, one ``<spell start=… end=…>`` per period, from 1 January of its first year to 31 December
of its last. Elements without periods (known from undated facts only) have no spells and so are present
throughout, as the specification defines.

Values that change from year to year (the weight of an edge, the degree of a node in each year's
projection) are dynamic attribute values: ``<attvalue for=… value=… start=… end=…>`` (section "Dynamics",
"dynamic attributes"), one per period of equal value; the edge's ``weight`` XML attribute stays the total
of the export's window, and its dynamic attribute ``weight`` gives the weight of each year.

Edges of a multigraph carry their relation as ``kind`` (GEXF 1.3 parallel edges of different kinds).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import BinaryIO

from lxml import etree

from kzgraph.export.elements import Dynamic, Edge, GraphStream, Node, Spell, as_float, name_token, text, typed
from kzgraph.export.xmlstream import element, newline, write_each
from kzgraph.export.xmlstream import write as write_element

NS = "http://gexf.net/1.3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{NS} http://gexf.net/1.3/gexf.xsd"
TYPES = {"boolean": "boolean", "int": "integer", "long": "long", "double": "double", "string": "string"}


def first_day(year: int) -> str:
    return f"{year:04d}-01-01"


def last_day(year: int) -> str:
    return f"{year:04d}-12-31"


def _spells(parent: etree._Element, spells: list[Spell]) -> None:
    if spells:
        holder = etree.SubElement(parent, "spells")
        for first, last in spells:
            holder.append(element("spell", {"start": first_day(first), "end": last_day(last)}))


def attribute_ids(schema: Mapping[str, str], skip: tuple[str, ...]) -> dict[str, str]:
    """The GEXF attribute id of each attribute of a schema written as an ``<attvalue>`` (not in ``skip``)."""
    return {name: name_token(name) for name in schema if name not in skip}


def _attvalues(parent: etree._Element, attributes: Mapping[str, object], schema: Mapping[str, str],
               ids: Mapping[str, str], dynamic: Dynamic | None = None,
               dynamic_schema: Mapping[str, str] | None = None) -> None:
    dynamic_schema = dynamic_schema or {}
    values = {k: v for k, v in typed(attributes, schema).items() if k in ids and k not in dynamic_schema}
    changes = [(name, first, last, value) for name, periods in (dynamic or {}).items() if name in ids
               for first, last, value in periods]
    if values or changes:
        holder = etree.SubElement(parent, "attvalues")
        for name, value in values.items():
            holder.append(element("attvalue", {"for": ids[name], "value": text(value)}))
        for name, first, last, value in changes:
            value = typed({name: value}, dynamic_schema)[name]
            holder.append(element("attvalue", {"for": ids[name], "value": text(value),
                                               "start": first_day(first), "end": last_day(last)}))


def _node(node: Node, stream: GraphStream, ids: dict[str, str]) -> etree._Element:
    label = node.attributes.get("label")
    made = element("node", {"id": node.id, "label": text(label) if label else node.id})
    _attvalues(made, node.attributes, stream.node_schema, ids, node.dynamic, stream.node_dynamic_schema)
    _spells(made, node.spells)
    return made


def _edge(edge: Edge, stream: GraphStream, ids: dict[str, str]) -> etree._Element:
    relation = edge.attributes.get("relation")
    weight = edge.attributes.get("weight")
    made = element("edge", {
        "id": edge.id, "source": edge.source, "target": edge.target,
        "label": text(relation) if relation else None,
        "kind": text(relation) if relation and stream.multigraph else None,
        "weight": text(as_float(weight)) if weight is not None else None,
    })
    _attvalues(made, edge.attributes, stream.edge_schema, ids, edge.dynamic, stream.edge_dynamic_schema)
    _spells(made, edge.spells)
    return made


def description(stream: GraphStream) -> str:
    """The graph-level attributes as one line of text (GEXF has no typed graph attributes)."""
    details = "; ".join(f"{k}={text(v)}" for k, v in stream.attributes.items() if v is not None)
    return f"kzgraph {stream.name}" + (f" ({details})" if details else "")


def write(stream: GraphStream, out: BinaryIO) -> tuple[int, int]:
    """Write the graph to a binary file; return the numbers of nodes and edges written."""
    node_ids = attribute_ids(stream.node_schema, skip=("label",))  # the label and the weight are XML
    edge_ids = attribute_ids(stream.edge_schema, skip=("weight",))  # attributes of the element itself
    dynamic = stream.time is not None
    node_ids.update(attribute_ids(stream.node_dynamic_schema, ()) if dynamic else {})
    edge_ids.update(attribute_ids(stream.edge_dynamic_schema, ()) if dynamic else {})  # per-year weight
    node_types = {**stream.node_schema, **(stream.node_dynamic_schema if dynamic else {})}
    edge_types = {**stream.edge_schema, **(stream.edge_dynamic_schema if dynamic else {})}
    graph_attributes = {"defaultedgetype": "directed" if stream.directed else "undirected",
                        "mode": "dynamic" if stream.time else "static"}
    if stream.time:
        graph_attributes.update(timeformat="date", start=first_day(stream.time[0]), end=last_day(stream.time[1]))
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{NS}}}gexf", {f"{{{XSI}}}schemaLocation": SCHEMA_LOCATION, "version": "1.3"},
                        nsmap={None: NS, "xsi": XSI}):
            meta = element("meta")
            meta.append(element("creator", text="kzgraph"))
            meta.append(element("description", text=description(stream)))
            write_element(xf, meta, 1)
            newline(xf, 1)
            with xf.element("graph", graph_attributes):
                for kind, schema, ids in (("node", node_types, node_ids), ("edge", edge_types, edge_ids)):
                    declared = element("attributes", {"class": kind})
                    for name, ident in ids.items():
                        declared.append(element("attribute", {"id": ident, "title": name,
                                                              "type": TYPES[schema[name]]}))
                    write_element(xf, declared, 2)
                newline(xf, 2)
                with xf.element("nodes"):
                    nodes = write_each(xf, "node", stream.nodes(), lambda n: _node(n, stream, node_ids), 3)
                    newline(xf, 2)
                newline(xf, 2)
                with xf.element("edges"):
                    edges = write_each(xf, "edge", stream.edges(), lambda e: _edge(e, stream, edge_ids), 3)
                    newline(xf, 2)
                newline(xf, 1)
            newline(xf, 0)
    return nodes, edges
