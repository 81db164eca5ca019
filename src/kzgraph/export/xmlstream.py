"""Incremental XML writing shared by the GraphML and GEXF writers (lxml's ``etree.xmlfile``).

Each node or edge is built as a small element, indented, written and dropped, so that memory does not grow
with the graph. Elements are created without a namespace and written inside the root element, which
declares the format's namespace as the default one: they belong to it when the file is read.
"""

from __future__ import annotations

from lxml import etree


def element(tag: str, attributes: dict | None = None, text: str | None = None) -> etree._Element:
    """An element with string attributes (None values left out) and optional text."""
    made = etree.Element(tag, {k: v for k, v in (attributes or {}).items() if v is not None})
    if text is not None:
        made.text = text
    return made


def write(xf, made: etree._Element, level: int) -> None:
    """Write one element indented at ``level`` (two spaces each), followed by a line break."""
    etree.indent(made, space="  ", level=level)
    made.tail = "\n" + "  " * level
    xf.write(made)
