"""The namespaces of kzgraph's ontology, resources and controlled vocabularies (docs/iri-scheme.md)."""

from rdflib import Namespace

BASE = "https://w3id.org/kzgraph/"
KZ = Namespace(BASE + "ontology#")
ID = Namespace(BASE + "id/")
CONCEPT = Namespace(BASE + "id/concept/")
SOURCE = Namespace(BASE + "id/source/")
STATE = Namespace(BASE + "id/state/")
GRAPH = Namespace(BASE + "graph/")

PREFIXES = {
    "kz": KZ,
    "kzc": CONCEPT,
    "src": SOURCE,
    "state": STATE,
    "io": Namespace(BASE + "id/org/"),
    "prog": Namespace(BASE + "id/programme/"),
}
