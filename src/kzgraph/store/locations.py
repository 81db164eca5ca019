"""Where a resource is defined: the data file and line of its first statement as a subject.

Curators fix what a validation report names; this index points them to the place. Turtle files are
scanned line by line for statements that start in the first column with a prefixed name or an IRI
(the layout the data files use); blank nodes (citations) are located at the fact that cites them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph

from kzgraph.namespaces import KZ

PREFIX = re.compile(r"@prefix\s+([\w-]*):\s*<([^>]*)>\s*\.", re.IGNORECASE)
SUBJECT = re.compile(r"^(<[^>]+>|[A-Za-z][\w-]*:[^\s;,]*)\s")


@dataclass(frozen=True)
class Location:
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


def subject_lines(path: Path) -> dict[str, int]:
    """The first line on which each IRI stands as the subject of a statement in a Turtle file."""
    prefixes: dict[str, str] = {}
    lines: dict[str, int] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        declaration = PREFIX.match(line)
        if declaration:
            prefixes[declaration.group(1)] = declaration.group(2)
            continue
        match = SUBJECT.match(line)
        if not match:
            continue
        token = match.group(1)
        if token.startswith("<"):
            iri = token[1:-1]
        else:
            prefix, _, local = token.partition(":")
            if prefix not in prefixes:
                continue
            iri = prefixes[prefix] + local.replace("\\", "")
        lines.setdefault(iri, number)
    return lines


class LocationIndex:
    """Maps resources to the data files and lines where they are defined."""

    def __init__(self, files: list[Path]):
        self._index: dict[str, Location] = {}
        for path in files:
            if path.suffix != ".ttl":
                continue
            for iri, line in subject_lines(path).items():
                self._index.setdefault(iri, Location(path, line))

    def locate(self, node: str, graph: Graph | None = None) -> Location | None:
        """The location of an IRI, or of the fact that cites a blank-node citation."""
        if node in self._index:
            return self._index[node]
        if graph is not None:
            fact = graph.value(None, KZ.citation, BNode(node))
            if fact is not None:
                return self._index.get(str(fact))
        return None
