"""Derived triples: the SPARQL CONSTRUCT rules in ontology/derivations/, applied in file-name order.

Each rule sees the data and the triples that earlier rules derived; the results go to one named graph
(``graph/derived``) so that they can be told apart from curated triples and rebuilt at will.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from .loading import ONTOLOGY_DIR
from .namespaces import GRAPH

DERIVED_GRAPH = GRAPH["derived"]
RULES_DIR = ONTOLOGY_DIR / "derivations"


def rules(folder: Path = RULES_DIR) -> list[Path]:
    return sorted(folder.glob("*.rq"))


def derive(store) -> Graph:
    """Apply every rule to a :class:`~kzgraph.store.KnowledgeGraph`; return the graph of derived triples."""
    derived = store.graph(DERIVED_GRAPH)
    for rule in rules():
        result = store.query(rule.read_text(encoding="utf-8"))
        derived.addN((s, p, o, derived) for s, p, o in result)
    return derived
