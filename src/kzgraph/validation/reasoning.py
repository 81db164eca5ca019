"""OWL 2 DL reasoning with HermiT (shipped by owlready2; needs a Java runtime).

``check_consistency`` loads the ontology (and optionally data) into owlready2 and runs HermiT. An
inconsistent ontology raises :class:`Inconsistent`; unsatisfiable classes are returned by name.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from rdflib import Graph

from kzgraph.errors import DataError


class Inconsistent(DataError):
    """HermiT found the ontology (with the data) inconsistent."""


def check_consistency(graph: Graph) -> list[str]:
    """Run HermiT over a graph; return the IRIs of unsatisfiable classes (empty when all are satisfiable)."""
    import owlready2  # owlready2 ships no type information (ignored in the mypy configuration)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ontology.nt"
        graph.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        ontology = world.get_ontology(path.as_uri()).load()
        try:
            with ontology:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as error:
            raise Inconsistent(str(error)) from None
        return sorted(str(cls.iri) for cls in world.inconsistent_classes())


#: Datatypes of the OWL 2 datatype map (OWL 2 Structural Specification §4) that the data uses.
OWL2_DATATYPE_MAP_EXCLUDES = {
    "http://www.w3.org/2001/XMLSchema#gYear",
    "http://www.w3.org/2001/XMLSchema#gYearMonth",
    "http://www.w3.org/2001/XMLSchema#date",
}


def for_dl_reasoning(graph: Graph) -> Graph:
    """The graph without literals whose datatype is outside the OWL 2 datatype map (xsd:date, xsd:gYear,
    xsd:gYearMonth), which HermiT rejects; dates are checked by the SHACL shapes instead."""
    from rdflib import Literal

    kept = Graph()
    for triple in graph:
        obj = triple[2]
        if isinstance(obj, Literal) and obj.datatype is not None and str(obj.datatype) in OWL2_DATATYPE_MAP_EXCLUDES:
            continue
        kept.add(triple)
    return kept
