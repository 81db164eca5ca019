"""What every export format writes: a graph as a stream of typed nodes and edges.

A :class:`GraphStream` declares its attributes (name and type) before it yields a single node or edge, so
that writers can put the GraphML ``<key>`` and GEXF ``<attributes>`` declarations first and then write the
elements one by one, without holding the document in memory.

Types are those of GraphML's ``attr.type`` (GraphML Primer, section 4.2, "Declaring GraphML-Attributes"):
``boolean``, ``int``, ``long``, ``double`` and ``string``. :func:`declare` chooses one type per attribute
from all its values: booleans stay ``boolean``, integers ``int`` (``long`` beyond 32 bits), numbers with a
fraction ``double`` (integers mixed with them too), everything else ``string``. Lists are joined with
single spaces (they hold IRIs or slugs, which contain none). Missing values (None, NaN) are left out.

Node ids are compact forms of IRIs (:func:`node_id`), valid XML name tokens as GraphML requires
(``xs:NMTOKEN``, XML 1.0 section 2.3).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import SupportsFloat, SupportsIndex

from kzgraph.namespaces import ID

BASE = str(ID)
INT32 = range(-(2**31), 2**31)
_KZGRAPH_ID = re.compile(r"https://w3id\.org/kzgraph/id/([a-z][a-z-]*)/([A-Za-z0-9.-]+)")
_NOT_NMTOKEN = re.compile(r"[^A-Za-z0-9._:-]")
Attributes = dict[str, object]  # attribute name -> value (bool, int, float, str, a list of them, or None)


def node_id(iri: str) -> str:
    """The id of a resource in every export: ``{kind}:{slug}`` for ``https://w3id.org/kzgraph/id/{kind}/{slug}``
    (``state:KAZ``, ``org:CSTO``, ``membership:kaz-csto``); any other IRI behind an underscore, with each
    character that an XML name token cannot hold (and ``_`` itself) written as ``_`` and the two hex digits
    of each of its UTF-8 bytes: ``_http:_2F_2Fxmlns.com_2Ffoaf_2F0.1_2FPerson``. Both forms are reversible
    (:func:`iri_of`) and cannot collide (only the second starts with ``_``).
    """
    match = _KZGRAPH_ID.fullmatch(iri)
    if match:
        return f"{match.group(1)}:{match.group(2)}"
    escaped = _NOT_NMTOKEN.sub(lambda m: "".join(f"_{b:02X}" for b in m.group().encode("utf-8")),
                               iri.replace("_", "_5F"))
    return "_" + escaped


def iri_of(identifier: str) -> str:
    """The IRI behind a :func:`node_id`."""
    if not identifier.startswith("_"):
        kind, slug = identifier.split(":", 1)
        return f"{BASE}{kind}/{slug}"
    raw = re.sub(rb"_([0-9A-F]{2})", lambda m: bytes([int(m.group(1), 16)]), identifier[1:].encode("utf-8"))
    return raw.decode("utf-8")


def name_token(name: str) -> str:
    """An attribute name as an XML name token (GraphML's ``attr.name`` is ``xs:NMTOKEN``)."""
    return _NOT_NMTOKEN.sub("_", name) or "_"


def missing(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def kind_of(value: object) -> str:
    """The attribute type a single value asks for."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "int" if value in INT32 else "long"
    if isinstance(value, float):
        return "double"
    return "string"


def widen(a: str | None, b: str) -> str:
    """The type that holds values of both types."""
    if a is None or a == b:
        return b
    numbers = ("int", "long", "double")
    if a in numbers and b in numbers:
        return max(a, b, key=numbers.index)
    return "string"


def flatten(value: object) -> object:
    """Lists, tuples and sets as space-joined text; other values unchanged."""
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return " ".join(sorted(str(v) for v in value))
    return value


def coerce(value: object, kind: str) -> object:
    """A value as the Python value of its declared type (int, float, bool or str)."""
    value = flatten(value)
    if kind == "double":
        return as_float(value)
    if kind in ("int", "long", "boolean"):
        return value
    return value if isinstance(value, str) else text(value)


def as_float(value: object) -> float:
    """A number (or its text) as a float, as ``float()`` reads it."""
    if isinstance(value, (SupportsFloat, SupportsIndex, str, bytes)):
        return float(value)
    raise TypeError(f"float() argument must be a string or a real number, not '{type(value).__name__}'")


def text(value: object) -> str:
    """The XML text of a value (XML Schema Part 2 lexical forms: ``true``/``false``, shortest round-trip
    decimal for doubles)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


class Schema(dict[str, str]):
    """Attribute name -> type, in the order the attributes were first seen."""

    def observe(self, attributes: Mapping[str, object]) -> None:
        for name, value in attributes.items():
            if not missing(value):
                self[name] = widen(self.get(name), kind_of(flatten(value)))


def declare(attribute_maps: Iterable[Mapping[str, object]]) -> Schema:
    """The schema of a sequence of attribute dicts (the first pass of a two-pass export)."""
    schema = Schema()
    for attributes in attribute_maps:
        schema.observe(attributes)
    return schema


def typed(attributes: Mapping[str, object], schema: Mapping[str, str]) -> Attributes:
    """The attributes of one element as values of their declared types, missing ones left out."""
    return {name: coerce(value, schema[name]) for name, value in attributes.items()
            if not missing(value) and name in schema}


Spell = tuple[int, int]  # first and last year, both inclusive


Dynamic = dict[str, list[tuple[int, int, object]]]  # attribute -> (first year, last year, value) periods


@dataclass
class Node:
    id: str
    attributes: Attributes
    spells: list[Spell] = field(default_factory=list)
    dynamic: Dynamic = field(default_factory=dict)


@dataclass
class Edge:
    id: str
    source: str
    target: str
    attributes: Attributes
    spells: list[Spell] = field(default_factory=list)
    dynamic: Dynamic = field(default_factory=dict)


@dataclass
class GraphStream:
    """A graph to write: its kind, graph-level attributes, attribute schemas, and the elements as
    iterables (called once per writer, so that sources can run their queries lazily).

    ``time`` is ``(first, last)`` year of the time frame of a dynamic graph (spells lie within it), or None
    for a static graph. ``node_dynamic_schema`` and ``edge_dynamic_schema`` declare the attributes whose
    values change from year to year (each element's ``dynamic`` periods; written by GEXF only).
    """

    name: str
    directed: bool
    multigraph: bool
    attributes: Attributes
    node_schema: dict[str, str]
    edge_schema: dict[str, str]
    nodes: Callable[[], Iterator[Node]]
    edges: Callable[[], Iterator[Edge]]
    time: tuple[int, int] | None = None
    node_dynamic_schema: dict[str, str] = field(default_factory=dict)
    edge_dynamic_schema: dict[str, str] = field(default_factory=dict)

    @property
    def graph_schema(self) -> Schema:
        return declare([self.attributes])
