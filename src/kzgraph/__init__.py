"""kzgraph: an open knowledge graph of Kazakhstan's international security cooperation.

The public API::

    from kzgraph import KZGraph

    kg = KZGraph()                 # the project in the current folder (or --project / KZGRAPH_PROJECT)
    kg.build()
    for row in kg.query("SELECT ?org WHERE { state:KAZ kz:memberOf ?org }"):
        print(row.org)

:class:`KZGraph` is the one application object the command line and the endpoint drive too; its settings
are :class:`Settings`, its project :class:`Project`, its stores follow :class:`Store`, and every error it
raises is a :class:`KzgraphError` (:mod:`kzgraph.errors`).
"""

from kzgraph.app import KZGraph
from kzgraph.errors import (
    KzgraphError,
    MissingPrerequisite,
    NoBuildError,
    QueryError,
    QuerySyntaxError,
    QueryTimeout,
    StoreError,
    Unavailable,
    UnknownQueryName,
    UsageError,
)
from kzgraph.project import Project
from kzgraph.settings import Settings
from kzgraph.store.base import Store

__version__ = "0.1.0"

__all__ = ["KZGraph", "KzgraphError", "MissingPrerequisite", "NoBuildError", "Project", "QueryError",
           "QuerySyntaxError", "QueryTimeout", "Settings", "Store", "StoreError", "Unavailable",
           "UnknownQueryName", "UsageError", "__version__"]
