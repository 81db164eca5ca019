"""Checks of exported files shared by the export tests: GraphML against the GraphML XML Schema, GEXF
against the rules of the GEXF 1.3 specification, and readers that return what a file holds.

GEXF: :func:`gexf_errors` validates a file against the GEXF 1.3 XML Schema (gexf.xsd with dynamics.xsd and
viz.xsd, read from ``shared/reference/gexf-1.3`` beside the repository or below ``$KZGRAPH_SHARED``; the
test skips where no copy is there), and :func:`gexf_problems` checks what the GEXF 1.3 primer and grammar
(gexf.rng with dynamics.rng, the RELAX NG form of the schema) require of the documents kzgraph writes
beyond what the schema can say, one rule per line:

1. the root is ``gexf`` in the namespace ``http://gexf.net/1.3`` with ``version="1.3"``, and every element
   is in that namespace;
2. the root holds an optional ``meta`` and then exactly one ``graph``;
3. ``graph`` has ``defaultedgetype`` directed, undirected or mutual and ``mode`` static, dynamic or slice; a
   dynamic graph has ``timeformat`` integer, double, date or dateTime, and ``start`` <= ``end`` when given;
4. ``graph`` holds ``attributes`` elements, then ``nodes``, then ``edges``, and nothing else;
5. each ``attributes`` has ``class`` node or edge; each ``attribute`` an ``id`` unique in its class, a
   ``title`` and a ``type`` of the GEXF 1.3 types;
6. each ``attvalue`` names (``for``) an attribute declared for its class, and its ``value`` is of that type;
7. node ids are unique, edge ids are unique, every edge's ``source`` and ``target`` is a node id, and
   ``weight`` is a number;
8. each ``spell`` has ``start`` and ``end`` in the graph's time format with ``start`` <= ``end``, inside
   the graph's ``start``/``end``; the spells of one element are in order and do not overlap;
9. every element carries only the XML attributes the grammar defines for it (``xsi:schemaLocation`` on
   the root aside, which XML Schema validation always allows): ``mode`` on ``attributes``, for one, is a
   GEXF 1.2 attribute that the 1.3 grammar no longer has.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from functools import lru_cache
from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]


def shared_reference(*parts: str) -> Path:
    """A file of the shared reference folder: ``shared/`` beside the repository (as CI lays it), else
    ``$KZGRAPH_SHARED`` (a work tree elsewhere)."""
    beside = ROOT.parent.joinpath("shared", "reference", *parts)
    if beside.exists() or not os.environ.get("KZGRAPH_SHARED"):
        return beside
    return Path(os.environ["KZGRAPH_SHARED"]).joinpath("reference", *parts)


GRAPHML_XSD = shared_reference("graphml-xsd", "graphml.xsd")
GEXF_XSD = shared_reference("gexf-1.3", "gexf.xsd")
GEXF = "http://gexf.net/1.3"
GEXF_TYPES = {"integer", "long", "double", "float", "boolean", "bigdecimal", "biginteger", "byte", "char",
              "short", "liststring", "listboolean", "listinteger", "listlong", "listfloat", "listdouble",
              "listbyte", "listshort", "listbigdecimal", "listbiginteger", "listchar", "string", "anyURI"}
TIMED = {"start", "end", "timestamp"}
GEXF_ATTRIBUTES = {  # element -> the XML attributes gexf.rng and dynamics.rng of GEXF 1.3 define for it
    "gexf": {"version", "variant", "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"},
    "meta": {"lastmodifieddate"}, "creator": set(), "keywords": set(), "description": set(),
    "graph": {"defaultedgetype", "idtype", "timeformat", "mode", "timerepresentation", "timezone"} | TIMED,
    "attributes": {"class"}, "attribute": {"id", "title", "type"}, "default": set(), "options": set(),
    "nodes": {"count"}, "edges": {"count"},
    "node": {"id", "label", "pid", "intervals", "timestamps"} | TIMED,
    "edge": {"id", "type", "label", "source", "target", "weight", "kind", "intervals", "timestamps"} | TIMED,
    "attvalues": set(), "attvalue": {"for", "value"} | TIMED,
    "spells": set(), "spell": TIMED, "parents": set(), "parent": {"for"},
}
TIME_FORMATS = {"integer": int, "double": float, "date": dt.date.fromisoformat,
                "dateTime": dt.datetime.fromisoformat}


def edge_key(u: str, v: str, relation: str, directed: bool) -> tuple[str, str, str]:
    """An edge as (source, target, relation); in an undirected graph the smaller end first."""
    return (u, v, relation) if directed else (*sorted((u, v)), relation)


@lru_cache(maxsize=1)
def graphml_schema() -> etree.XMLSchema:
    """The GraphML 1.0 XML Schema from ../shared (graphml.xsd redefines graphml-structure.xsd, which
    imports xlink.xsd, all read from the same folder: nothing is fetched)."""
    if not GRAPHML_XSD.is_file():
        pytest.skip(f"the GraphML XML Schema is not at {GRAPHML_XSD} (../shared/reference/graphml-xsd)")
    return etree.XMLSchema(etree.parse(str(GRAPHML_XSD)))


def graphml_errors(path: Path) -> list[str]:
    """The schema violations of a GraphML file (empty when it is valid)."""
    schema = graphml_schema()
    if schema.validate(etree.parse(str(path))):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


@lru_cache(maxsize=1)
def gexf_schema() -> etree.XMLSchema:
    """The GEXF 1.3 XML Schema (gexf.xsd includes dynamics.xsd and imports viz.xsd from its folder)."""
    if not GEXF_XSD.is_file():
        pytest.skip(f"the GEXF 1.3 XML Schema is not at {GEXF_XSD} (shared/reference/gexf-1.3)")
    return etree.XMLSchema(etree.parse(str(GEXF_XSD)))


def gexf_errors(path: Path) -> list[str]:
    """The GEXF 1.3 schema violations of a file (empty when it is valid)."""
    schema = gexf_schema()
    if schema.validate(etree.parse(str(path))):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def _parses(kind: str, value: str) -> bool:
    try:
        if kind in ("integer", "long", "byte", "short", "biginteger"):
            int(value)
        elif kind in ("double", "float", "bigdecimal"):
            float(value)
        elif kind == "boolean":
            return value in ("true", "false", "1", "0")
        return True
    except ValueError:
        return False


def gexf_problems(path: Path) -> list[str]:
    """The departures of a GEXF file from the GEXF 1.3 rules in the module docstring."""
    problems: list[str] = []
    root = etree.parse(str(path)).getroot()
    q = lambda tag: f"{{{GEXF}}}{tag}"  # noqa: E731
    if root.tag != q("gexf") or root.get("version") != "1.3":
        return [f"root is {root.tag} version {root.get('version')}, not GEXF 1.3"]
    foreign = {e.tag for e in root.iter() if isinstance(e.tag, str) and not e.tag.startswith(f"{{{GEXF}}}")}
    if foreign:
        problems.append(f"elements outside the GEXF namespace: {sorted(foreign)}")
    for element in root.iter():
        name = etree.QName(element).localname if isinstance(element.tag, str) else None
        if name in GEXF_ATTRIBUTES and set(element.attrib) - GEXF_ATTRIBUTES[name]:
            problems.append(f"line {element.sourceline}: {name} has attributes the GEXF 1.3 grammar does not "
                            f"define: {sorted(set(element.attrib) - GEXF_ATTRIBUTES[name])}")
        elif name is not None and name not in GEXF_ATTRIBUTES:
            problems.append(f"line {element.sourceline}: element {name!r} is not in the GEXF 1.3 grammar")
    children = [c.tag for c in root]
    if children not in ([q("graph")], [q("meta"), q("graph")]):
        problems.append(f"the root holds {children}, not an optional meta and one graph")
    graph = root.find(q("graph"))
    if graph is None:
        return problems
    if graph.get("defaultedgetype", "undirected") not in ("directed", "undirected", "mutual"):
        problems.append(f"defaultedgetype {graph.get('defaultedgetype')!r}")
    mode = graph.get("mode", "static")
    if mode not in ("static", "dynamic", "slice"):
        problems.append(f"mode {mode!r}")
    parse_time = None
    if mode == "dynamic":
        timeformat = graph.get("timeformat")
        if timeformat not in TIME_FORMATS:
            problems.append(f"timeformat {timeformat!r} of a dynamic graph")
        else:
            parse_time = TIME_FORMATS[timeformat]
    frame = [parse_time(graph.get(a)) if parse_time and graph.get(a) else None for a in ("start", "end")]
    if None not in frame and frame[0] > frame[1]:
        problems.append(f"the graph starts after it ends: {frame}")
    order = [c.tag for c in graph]
    expected = sorted(order, key=lambda t: [q("attributes"), q("nodes"), q("edges")].index(t)
                      if t in (q("attributes"), q("nodes"), q("edges")) else 99)
    if order != expected or not set(order) <= {q("attributes"), q("nodes"), q("edges")}:
        problems.append(f"graph children out of order or unknown: {order}")
    declared: dict[str, dict[str, str]] = {"node": {}, "edge": {}}
    for attributes in graph.findall(q("attributes")):
        kind = attributes.get("class")
        if kind not in declared:
            problems.append(f"attributes of class {kind!r}")
            continue
        for attribute in attributes.findall(q("attribute")):
            ident, title, type_ = attribute.get("id"), attribute.get("title"), attribute.get("type")
            if not ident or not title or type_ not in GEXF_TYPES or ident in declared[kind]:
                problems.append(f"{kind} attribute id={ident!r} title={title!r} type={type_!r}")
            declared[kind][ident] = type_

    def spells_ok(owner: str, element) -> None:
        spells = element.find(q("spells"))
        if spells is None:
            return
        if parse_time is None:
            problems.append(f"{owner} has spells in a static graph")
            return
        previous = None
        for spell in spells.findall(q("spell")):
            try:
                start, end = parse_time(spell.get("start")), parse_time(spell.get("end"))
            except (TypeError, ValueError):
                problems.append(f"{owner}: spell {dict(spell.attrib)} not in the time format")
                continue
            if start > end or (frame[0] and start < frame[0]) or (frame[1] and end > frame[1]):
                problems.append(f"{owner}: spell {start}..{end} reversed or outside the graph's time")
            if previous is not None and start <= previous:
                problems.append(f"{owner}: spells overlap or are out of order at {start}")
            previous = end

    def attvalues_ok(owner: str, kind: str, element) -> None:
        for value in element.iterfind(f"{q('attvalues')}/{q('attvalue')}"):
            key = value.get("for")
            if key not in declared[kind]:
                problems.append(f"{owner}: attvalue for undeclared attribute {key!r}")
            elif not _parses(declared[kind][key], value.get("value", "")):
                problems.append(f"{owner}: {key}={value.get('value')!r} is not {declared[kind][key]}")

    node_ids: set[str] = set()
    for node in graph.iterfind(f"{q('nodes')}/{q('node')}"):
        ident = node.get("id")
        if not ident or ident in node_ids:
            problems.append(f"node id {ident!r} missing or repeated")
        node_ids.add(ident)
        attvalues_ok(f"node {ident}", "node", node)
        spells_ok(f"node {ident}", node)
    edge_ids: set[str] = set()
    for edge in graph.iterfind(f"{q('edges')}/{q('edge')}"):
        ident = edge.get("id")
        if not ident or ident in edge_ids:
            problems.append(f"edge id {ident!r} missing or repeated")
        edge_ids.add(ident)
        if edge.get("source") not in node_ids or edge.get("target") not in node_ids:
            problems.append(f"edge {ident}: source or target is not a node")
        if edge.get("weight") is not None and not _parses("double", edge.get("weight")):
            problems.append(f"edge {ident}: weight {edge.get('weight')!r}")
        attvalues_ok(f"edge {ident}", "edge", edge)
        spells_ok(f"edge {ident}", edge)
    return problems


def cyjs_problems(path: Path) -> list[str]:
    """Departures of a Cytoscape.js JSON file from the documented structure (docs/export.md)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    if not {"data", "directed", "multigraph", "elements"} <= set(document):
        problems.append(f"top-level keys {sorted(document)}")
    elements = document.get("elements", {})
    nodes, edges = elements.get("nodes", []), elements.get("edges", [])
    ids = [n["data"]["id"] for n in nodes]
    if len(set(ids)) != len(ids):
        problems.append("repeated node ids")
    edge_ids = [e["data"]["id"] for e in edges]
    if len(set(edge_ids)) != len(edge_ids):
        problems.append("repeated edge ids")
    known = set(ids)
    for edge in edges:
        data = edge["data"]
        if data.get("source") not in known or data.get("target") not in known:
            problems.append(f"edge {data.get('id')}: source or target is not a node")
    return problems
