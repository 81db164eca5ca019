"""Import of the SIPRI Arms Transfers Database's trade register (docs/sipri.md).

    >>> from kzgraph.importers.sipri import read_register, register_triples, store_import
    >>> register = read_register("trade-register.csv")                # doctest: +SKIP
    >>> graph = register_triples(register)                             # doctest: +SKIP
    >>> result = store_import("trade-register.csv", "build/imports")   # doctest: +SKIP
    >>> result.status, result.rows, result.triples                     # doctest: +SKIP
    ('created', 29515, 840932)

Every row becomes a ``kz:ArmsTransfer`` in the named graph ``https://w3id.org/kzgraph/graph/import/sipri``,
citing its line of the register (``src:sipri-trade-register-{date}``), sharing the IRIs of the curated
states, organisations and weapon systems, and linked with ``kz:sameDealAs`` to the curated transfers
that tell of the same deal.
"""

from kzgraph.importers.sipri.convert import (
    IMPORT_GRAPH,
    Conversion,
    convert,
    document_iri,
    load_curated,
    register_triples,
    transfer_iris,
)
from kzgraph.importers.sipri.importer import DATA_NAME, MANIFEST_NAME, ImportResult, read_manifest, store_import
from kzgraph.importers.sipri.matching import REASONS, Curated, Match, MatchReport, Miss
from kzgraph.importers.sipri.register import COLUMNS, Register, RegisterRow, check_encoding, read_register, tiv_by_year
from kzgraph.importers.sipri.tables import (
    ACTORS_TABLE,
    CATEGORIES_TABLE,
    Actor,
    ActorTable,
    normalise_designation,
    slug,
)
from kzgraph.importers.sipri.verify import check_citations

__all__ = ["ACTORS_TABLE", "CATEGORIES_TABLE", "COLUMNS", "DATA_NAME", "IMPORT_GRAPH", "MANIFEST_NAME", "REASONS",
           "Actor", "ActorTable", "Conversion", "Curated", "ImportResult", "Match", "MatchReport", "Miss", "Register",
           "RegisterRow", "check_citations", "check_encoding", "convert", "document_iri", "load_curated",
           "normalise_designation", "read_manifest", "read_register", "register_triples", "slug", "store_import",
           "tiv_by_year", "transfer_iris"]
