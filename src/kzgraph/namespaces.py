"""The namespaces of kzgraph's ontology, resources and controlled vocabularies (docs/iri-scheme.md).

:data:`PREFIXES` is the one table of prefixes: the data files' headers (docs/data-model.md), the embedded
store (store/local.py), the remote stores' prologue (store/remote.py ``predeclared_prefixes``), the query
guard and inspection, the endpoint's pages and the exports all read it, so that every prefix of the IRI
scheme can be used in a query without declaring it.
"""

from rdflib import Namespace

BASE = "https://w3id.org/kzgraph/"
KZ = Namespace(BASE + "ontology#")
ID = Namespace(BASE + "id/")
CONCEPT = Namespace(BASE + "id/concept/")
SOURCE = Namespace(BASE + "id/source/")
STATE = Namespace(BASE + "id/state/")
GRAPH = Namespace(BASE + "graph/")
SHAPES = Namespace(BASE + "shapes#")

#: The IRI scheme's prefixes (docs/iri-scheme.md): ontology, shapes, vocabularies, sources, and one prefix
#: per kind of entity and fact, as the data files declare them.
PREFIXES = {
    "kz": KZ,
    "kzsh": SHAPES,
    "kzc": CONCEPT,
    "src": SOURCE,
    "state": STATE,
    "io": Namespace(BASE + "id/org/"),
    "prog": Namespace(BASE + "id/programme/"),
    "agency": Namespace(BASE + "id/agency/"),
    "person": Namespace(BASE + "id/person/"),
    "company": Namespace(BASE + "id/company/"),
    "place": Namespace(BASE + "id/place/"),
    "facility": Namespace(BASE + "id/facility/"),
    "formation": Namespace(BASE + "id/formation/"),
    "weapon": Namespace(BASE + "id/weapon/"),
    "series": Namespace(BASE + "id/exercise-series/"),
    "membership": Namespace(BASE + "id/membership/"),
    "tenure": Namespace(BASE + "id/tenure/"),
    "agreement": Namespace(BASE + "id/agreement/"),
    "ratification": Namespace(BASE + "id/ratification/"),
    "doctrine": Namespace(BASE + "id/document/"),
    "event": Namespace(BASE + "id/event/"),
    "exercise": Namespace(BASE + "id/exercise/"),
    "operation": Namespace(BASE + "id/operation/"),
    "contribution": Namespace(BASE + "id/contribution/"),
    "transfer": Namespace(BASE + "id/transfer/"),
    "training": Namespace(BASE + "id/training/"),
    "cooperation": Namespace(BASE + "id/cooperation/"),
    "lease": Namespace(BASE + "id/lease/"),
    "obs": Namespace(BASE + "id/observation/"),
    "claim": Namespace(BASE + "id/claim/"),
    "provision": Namespace(BASE + "id/provision/"),
}
