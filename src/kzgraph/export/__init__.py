"""Exports for network tools: the projections (docs/metrics.md) and the whole knowledge graph as a
property graph, written as GraphML, GEXF 1.3 or Cytoscape.js JSON (docs/export.md).

    from kzgraph.export import export
    export(kg, "graphml", "cooperation.graphml", projection="cooperation", start=1992, end=2014)
    export(kg, "gexf", "kg.gexf", graph="kg")

One module per job: :mod:`.networks` and :mod:`.property_graph` turn a store into a
:class:`~.elements.GraphStream` (attributes declared first, elements yielded one by one);
:mod:`.graphml`, :mod:`.gexf` and :mod:`.cyjs` write a stream incrementally. :func:`export` writes to a
temporary file beside the target and renames it into place, so that a failure leaves no half-written file
and keeps an existing one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypedDict, Unpack

from kzgraph.analysis.metrics import MetricsError
from kzgraph.analysis.projections import NAMES, Facts, ProjectionError, as_year, check_projection
from kzgraph.errors import UsageError
from kzgraph.export import cyjs, gexf, graphml
from kzgraph.export.elements import GraphStream
from kzgraph.export.networks import UNDATED, network
from kzgraph.export.property_graph import property_graph
from kzgraph.sparql.describe import Queryable

WRITERS = {"graphml": graphml.write, "gexf": gexf.write, "cyjs": cyjs.write}
FORMATS = tuple(WRITERS)
GRAPHS = ("kg",)


class ExportError(UsageError, ValueError):
    """An export was asked for with a wrong format, graph, window or output; the message says which."""


@dataclass(frozen=True)
class ExportResult:
    path: Path | None
    format: str
    nodes: int
    edges: int


def write(stream: GraphStream, fmt: str, out: BinaryIO) -> tuple[int, int]:
    """Write a graph stream in format ``fmt`` to a binary file; return the numbers of nodes and edges."""
    if fmt not in WRITERS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return WRITERS[fmt](stream, out)


@contextlib.contextmanager
def atomic(path: Path) -> Iterator[BinaryIO]:
    """A binary file that replaces ``path`` only when the block succeeds (temporary file, then rename)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ExportError(f"cannot write {path}: the folder {path.parent} does not exist")
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a folder")
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def check(fmt: str, projection: str | None = None, graph: str | None = None, start: int | None = None,
          end: int | None = None, as_of: int | str | dt.date | None = None, state: str | None = None,
          undated: str = "keep") -> None:
    """Raise :class:`ExportError` for options that cannot go together or name nothing (before any store
    is opened)."""
    if fmt not in WRITERS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if undated not in UNDATED:
        raise ExportError(f"unknown choice for undated ties {undated!r}; choose one of {', '.join(UNDATED)}")
    if graph is not None:
        if graph not in GRAPHS:
            raise ExportError(f"unknown graph {graph!r}; give --graph kg for the whole knowledge graph, "
                              f"or --projection {'|'.join(NAMES)}")
        if projection is not None:
            raise ExportError("give either a projection or --graph kg, not both")
        if any(v is not None for v in (start, end, as_of, state)) or undated != "keep":
            raise ExportError("the whole knowledge graph is exported without a time window, state or choice "
                              "of undated ties; drop --from, --to, --as-of, --state and --undated, or export a "
                              "projection")
        return
    try:
        check_projection(projection or "cooperation", start, end)
        as_year(as_of)
    except ProjectionError as error:
        raise ExportError(str(error)) from None


class Options(TypedDict, total=False):
    """The keyword options of :func:`export` (those of :func:`stream`)."""

    projection: str | None
    graph: str | None
    start: int | None
    end: int | None
    as_of: int | str | dt.date | None
    state: str | None
    undated: str


def stream(kg: Queryable, fmt: str = "graphml", *, projection: str | None = None, graph: str | None = None,
           start: int | None = None, end: int | None = None, as_of: int | str | dt.date | None = None,
           state: str | None = None, undated: str = "keep") -> GraphStream:
    """The graph stream to export: projection ``projection`` (default ``cooperation``) in a window, the
    ego network of ``state`` in it, or with ``graph="kg"`` the whole knowledge graph. ``undated="omit"``
    leaves out the edges no dated fact supports (see :func:`.networks.network`)."""
    check(fmt, projection, graph, start, end, as_of, state, undated)
    if graph is not None:
        return property_graph(kg)
    try:
        return network(Facts.fetch(kg), projection or "cooperation", start, end, as_year(as_of), state,
                       dynamic=fmt == "gexf", undated=undated)
    except (ProjectionError, MetricsError) as error:
        raise ExportError(str(error)) from None


def export(kg: Queryable, fmt: str, output: str | Path, **options: Unpack[Options]) -> ExportResult:
    """Export to the file ``output`` atomically (see :func:`stream` for the options)."""
    chosen = stream(kg, fmt, **options)
    with atomic(Path(output)) as out:
        nodes, edges = write(chosen, fmt, out)
    return ExportResult(Path(output), fmt, nodes, edges)
