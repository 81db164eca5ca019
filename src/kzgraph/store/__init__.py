"""The stores kzgraph runs on, behind one protocol (:class:`kzgraph.store.base.Store`).

:func:`open` opens one: Oxigraph in memory (the default), rdflib's memory store (``"memory"``), a persistent
Oxigraph store (a folder), or a remote SPARQL 1.1 store (an http(s) URL).
"""

from kzgraph.errors import StoreError
from kzgraph.store.base import Store
from kzgraph.store.local import KnowledgeGraph, open

__all__ = ["KnowledgeGraph", "Store", "StoreError", "open"]
