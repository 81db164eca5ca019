"""What every store kzgraph runs on offers: the :class:`Store` protocol that every operation takes.

The embedded stores (:class:`kzgraph.store.local.KnowledgeGraph`: Oxigraph in memory or on disk, rdflib's
memory store) and the remote one (:class:`kzgraph.store.remote.RemoteKnowledgeGraph`, a SPARQL 1.1 store
behind SPARQLWrapper) all answer SPARQL 1.1 over the union of their named graphs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from rdflib.query import Result


@runtime_checkable
class Store(Protocol):
    """A kzgraph dataset queried with SPARQL 1.1; its default graph is the union of its named graphs."""

    backend: str

    def query(self, sparql: str, bindings: Mapping[Any, Any] | None = None) -> Result:
        """Evaluate a SPARQL 1.1 query; ``bindings`` pre-bind variables (rdflib terms)."""
        ...

    def __len__(self) -> int:
        """The number of triples in the named graphs."""
        ...

    def is_empty(self) -> bool:
        ...

    def close(self) -> None:
        ...
