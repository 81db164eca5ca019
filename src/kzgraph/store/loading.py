"""Finding and parsing the project's RDF files, with errors that name the file and line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph, URIRef

from kzgraph.errors import ParseError
from kzgraph.namespaces import GRAPH
from kzgraph.project import DEFAULT_ROOT

# the folders of the project packaged with kzgraph (a caller working on another project passes its own)
PROJECT_ROOT = DEFAULT_ROOT
ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
DATA_DIR = PROJECT_ROOT / "data"
RDF_SUFFIXES = {".ttl": "turtle", ".trig": "trig", ".nt": "nt", ".nq": "nquads", ".jsonld": "json-ld", ".rdf": "xml"}


__all__ = ["DATA_DIR", "ONTOLOGY_DIR", "ParseError", "data_files", "graph_name", "load_dataset", "load_files",
           "ontology_files", "parse_file", "project_files"]


def ontology_files(ontology_dir: Path = ONTOLOGY_DIR) -> list[Path]:
    """The ontology and its vocabularies (not the shapes, which are loaded by validation)."""
    return sorted(p for p in ontology_dir.glob("*.ttl"))


def data_files(folder: Path = DATA_DIR) -> list[Path]:
    """Every RDF file below data/, in a stable order; build outputs and reports are not data."""
    return sorted(p for p in folder.rglob("*") if p.suffix in RDF_SUFFIXES and p.is_file())


def project_files(data: list[Path] | None = None, data_dir: Path = DATA_DIR,
                  ontology_dir: Path | None = None) -> list[Path]:
    """Ontology files, then the given data files, or all of ``data_dir`` when none are given.

    Given files are checked together with data/sources.ttl and data/reference/, which they link to. The
    ontology is the one beside ``data_dir`` (``ontology_dir``, by default ``data_dir/../ontology``).
    """
    ontology = ontology_files(ontology_dir or data_dir.parent / "ontology")
    if data is None:
        return ontology + data_files(data_dir)
    context = [data_dir / "sources.ttl", *data_files(data_dir / "reference")]
    chosen = [Path(p).resolve() for p in data]
    return ontology + [p for p in context if p.resolve() not in chosen] + chosen


def graph_name(path: Path, root: Path | None = None) -> URIRef:
    """The named graph a file's triples go to: graph/ontology/<name> or graph/data/<relative path>, relative
    to the project folder ``root`` (by default the packaged project); other files: graph/file/<name>."""
    path = path.resolve()
    root = (root or PROJECT_ROOT).resolve()
    for folder, kind in ((root / "ontology", "ontology"), (root / "data", "data")):
        try:
            relative = path.relative_to(folder)
        except ValueError:
            continue
        return GRAPH[f"{kind}/{relative.with_suffix('').as_posix()}"]
    return GRAPH[f"file/{path.stem}"]


def _line_of(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def parse_file(path: Path, into: Graph) -> None:
    """Parse one file into a graph, turning the parser's exception into a ParseError."""
    fmt = RDF_SUFFIXES.get(path.suffix)
    if fmt is None:
        raise ParseError(path, None, f"unknown RDF file type {path.suffix!r}")
    try:
        into.parse(path, format=fmt)
    except FileNotFoundError:
        raise ParseError(path, None, "file not found") from None
    except Exception as error:  # rdflib's parsers raise many exception types
        message = " ".join(str(error).split())
        raise ParseError(path, _line_of(message), message) from None


def load_files(files: list[Path]) -> Graph:
    """Parse files into one in-memory graph (for checks that need no store)."""
    graph = Graph()
    for path in files:
        parse_file(path, graph)
    return graph


def load_dataset(files: list[Path], dataset: Dataset, seen: set[Any] | None = None,
                 root: Path | None = None) -> Dataset:
    """Parse each file into its own named graph of the dataset.

    A triple that an earlier file already stated is not added again (``seen`` holds the triples loaded
    so far), so every triple stands in exactly one named graph, the first file that states it. The union
    of the named graphs, which kzgraph queries as its default graph, is then a set, as an RDF merge is:
    engines that form that union as a multiset (Oxigraph does) return no duplicate solutions.
    """
    seen = set() if seen is None else seen
    for path in files:
        parsed = Graph()
        parse_file(path, parsed)
        target = dataset.graph(graph_name(path, root))
        new = [triple for triple in parsed if triple not in seen]
        seen.update(new)
        target.addN((s, p, o, target) for s, p, o in new)
    return dataset
