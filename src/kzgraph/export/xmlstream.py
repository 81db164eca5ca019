"""Incremental XML writing shared by the GraphML and GEXF writers (lxml's ``etree.xmlfile``).

Each node or edge is built as a small element, indented, written and dropped, so that memory does not grow
with the graph. Elements are created without a namespace and written inside the root element, which
declares the format's namespace as the default one: they belong to it when the file is read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Protocol, TypeVar

from lxml import etree


class XmlFile(Protocol):
    """What the writer of ``etree.xmlfile`` offers here (lxml ships no type stubs)."""

    def write(self, *data: str | etree._Element) -> None: ...


class Identified(Protocol):
    """A node or an edge: anything with an id to name it in errors."""

    @property
    def id(self) -> str: ...


Item = TypeVar("Item", bound=Identified)


def element(tag: str, attributes: Mapping[str, str | None] | None = None, text: str | None = None) -> etree._Element:
    """An element with string attributes (None values left out) and optional text."""
    made = etree.Element(tag, {k: v for k, v in (attributes or {}).items() if v is not None})
    if text is not None:
        made.text = text
    return made


def write(xf: XmlFile, made: etree._Element, level: int) -> None:
    """Write one element on a new line, indented at ``level`` (two spaces each)."""
    etree.indent(made, space="  ", level=level)
    newline(xf, level)
    xf.write(made)


def newline(xf: XmlFile, level: int) -> None:
    """Start a new line indented at ``level``, for the opening or closing tag of an element written there."""
    xf.write("\n" + "  " * level)


def write_each(xf: XmlFile, kind: str, items: Iterable[Item], build: Callable[[Item], etree._Element],
               level: int) -> int:
    """Write ``build(item)`` for every item (a node or an edge, named in errors by ``kind`` and its id),
    each on its own line at ``level``; return how many were written."""
    count = 0
    for item in items:
        with located(kind, item.id):
            made = build(item)
        write(xf, made, level)
        count += 1
    return count


@contextlib.contextmanager
def located(kind: str, identifier: str) -> Iterator[None]:
    """Name the node or edge whose values XML cannot hold (control characters, lone surrogates)."""
    try:
        yield
    except ValueError as error:
        raise ValueError(f"{kind} {identifier}: {error}") from None
