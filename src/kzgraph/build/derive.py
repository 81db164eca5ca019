"""Derived triples: the SPARQL CONSTRUCT rules in ontology/derivations/, applied in file-name order.

Each rule sees the data and the triples that earlier rules derived; the results go to one named graph
(``graph/derived``) so that they can be told apart from curated triples and rebuilt at will.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from rdflib import Graph
from rdflib.term import Node

from kzgraph.namespaces import GRAPH
from kzgraph.store.loading import ONTOLOGY_DIR

if TYPE_CHECKING:
    from kzgraph.store.local import KnowledgeGraph

Triple = tuple[Node, Node, Node]

DERIVED_GRAPH = GRAPH["derived"]
RULES_DIR = ONTOLOGY_DIR / "derivations"


def rules(folder: Path = RULES_DIR) -> list[Path]:
    return sorted(folder.glob("*.rq"))


def derive(store: KnowledgeGraph, seen: set[Triple] | None = None, folder: Path = RULES_DIR) -> Graph:
    """Apply every rule to a :class:`~kzgraph.store.local.KnowledgeGraph`; return the graph of derived triples.

    Only triples that no source file states (``seen``: the triples loaded so far) are added, so that each
    triple stands in one named graph. ``folder`` holds the rules (the project's ontology/derivations).
    """
    seen = set(store.dataset.triples((None, None, None))) if seen is None else seen
    derived = store.graph(DERIVED_GRAPH)
    for rule in rules(folder):
        constructed = cast("list[Triple]", list(store.query(rule.read_text(encoding="utf-8"))))  # CONSTRUCT rules
        new = [triple for triple in constructed if triple not in seen]
        seen.update(new)
        derived.addN((s, p, o, derived) for s, p, o in new)
    return derived
