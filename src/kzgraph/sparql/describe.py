"""Linked data: what the graph says about one of its IRIs, gathered with a few SPARQL queries.

Every kzgraph IRI lives under ``https://w3id.org/kzgraph/`` (docs/iri-scheme.md); a local server answers
for it at the same path (:func:`local_path`, :func:`iri_of_path`). A :class:`Description` of a resource
holds

* its Concise Bounded Description (CBD, W3C Member Submission "CBD", §2): the triples whose subject is the
  resource and, recursively, those of the blank nodes among their objects (the citations of a fact). It is
  the answer to SPARQL ``DESCRIBE <iri>`` (SPARQL 1.1 Query §16.4 leaves the form of the description to
  the engine; Oxigraph and rdflib both answer with the CBD). The RDF formats serve exactly this graph;
* the incoming links: named resources that point to it, directly or through one blank node (a fact that
  cites a source document through its citation);
* the labels (``rdfs:label``, ``skos:prefLabel``, ``dcterms:title``) of every IRI shown, and the citations
  (document and line range, ``kz:citation [ kz:document; kz:lineStart; kz:lineEnd ]``) of every fact shown.

Every query goes through the store's ``.query(sparql)``; nothing scans the graph in Python. Every result
is read to its end: a pyoxigraph result left half-read is freed by the garbage collector, perhaps on
another thread than the one that made it, which pyoxigraph refuses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, cast

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS, VOID
from rdflib.query import Result, ResultRow
from rdflib.term import Identifier, Node

from kzgraph import errors
from kzgraph.namespaces import BASE, KZ, PREFIXES
from kzgraph.sparql.catalogue import ABSOLUTE_IRI

__all__ = ["INCOMING_LIMIT", "KZ", "LABEL_PROPERTIES", "ONTOLOGY", "Citation", "Description", "NotAnIri",
           "Queryable", "bind_prefixes", "cbd", "checked_iri", "citations", "complete", "describe",
           "describe_graph", "describe_in", "describe_ontology", "graph_of", "incoming", "incoming_query",
           "iri_of_path", "is_known", "labels", "local_path", "named_graphs", "ontology_terms", "select_rows",
           "shown_iris"]

ONTOLOGY = URIRef(str(KZ))  # the ontology's own IRI is the namespace ``…/ontology#``
INCOMING_LIMIT = 200
LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, DCTERMS.title)


class NotAnIri(errors.UsageError, ValueError):
    """The text cannot stand in a SPARQL query as an IRI (it holds spaces, quotes, braces or brackets)."""


class Queryable(Protocol):
    """What answers SPARQL: a store (:class:`~kzgraph.store.local.KnowledgeGraph`, the endpoint's guarded
    store, a remote store) or an rdflib graph."""

    def query(self, sparql: str, /) -> Result: ...


def select_rows(result: Result) -> list[ResultRow]:
    """The rows of a SELECT result, read to its end."""
    return [cast(ResultRow, row) for row in result]


def graph_of(result: Result) -> Graph:
    """The graph of a CONSTRUCT or DESCRIBE result."""
    if result.graph is None:
        raise errors.QueryError(f"a {result.type} query answered without a graph")
    return result.graph


def checked_iri(text: str) -> URIRef:
    """An IRI safe to write into SPARQL as ``<…>`` (the IRIREF production of SPARQL 1.1 Query §19.8)."""
    if not ABSOLUTE_IRI.fullmatch(text):
        raise NotAnIri(f"{text!r} is not an absolute IRI")
    return URIRef(text)


def local_path(iri: str) -> str | None:
    """The path at which a local server describes an IRI under the kzgraph base, else None.

    ``https://w3id.org/kzgraph/id/state/KAZ`` -> ``/id/state/KAZ``; a fragment is kept
    (``…/ontology#Membership`` -> ``/ontology#Membership``), since a browser never sends it.
    """
    return "/" + iri[len(BASE):] if iri.startswith(BASE) else None


def iri_of_path(path: str) -> str:
    """The kzgraph IRI a local path stands for: ``id/state/KAZ`` -> ``https://w3id.org/kzgraph/id/state/KAZ``."""
    return BASE + path.lstrip("/")


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes (docs/iri-scheme.md) so that Turtle and JSON-LD stay readable."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, replace=True)
    graph.bind("void", VOID)
    return graph


#: An incoming link: the subject, the property and, through a blank node, the property from it (else None).
Link = tuple[URIRef, URIRef, URIRef | None]


@dataclass(frozen=True)
class Citation:
    """One source passage of a fact: the document and the inclusive line range."""

    document: URIRef
    line_start: int | None
    line_end: int | None


@dataclass
class Description:
    """What the graph says about one resource (or, for the ontology, a set of resources)."""

    iri: URIRef
    graph: Graph
    incoming: list[Link] = field(default_factory=list)
    incoming_total: int = 0
    labels: dict[URIRef, list[Literal]] = field(default_factory=dict)
    citations: dict[URIRef, list[Citation]] = field(default_factory=dict)

    @property
    def known(self) -> bool:
        return len(self.graph) > 0 or self.incoming_total > 0


def _values(terms: Iterable[Node]) -> str:
    return " ".join(term.n3() for term in terms)


def cbd(kg: Queryable, iri: URIRef) -> Graph:
    """The Concise Bounded Description of a resource: ``DESCRIBE <iri>`` on the store."""
    return bind_prefixes(graph_of(kg.query(f"DESCRIBE {checked_iri(str(iri)).n3()}")))


def is_known(kg: Queryable, iri: str) -> bool:
    """Whether the graph has a triple with the IRI as subject or object."""
    term = checked_iri(iri).n3()
    return bool(kg.query(f"ASK {{ {{ {term} ?p ?o }} UNION {{ ?s ?p {term} }} }}").askAnswer)


INCOMING = """{
  { ?subject ?property %(iri)s FILTER(!isBlank(?subject)) }
  UNION
  { ?subject ?property ?node . ?node ?via %(iri)s FILTER(isBlank(?node) && !isBlank(?subject)) }
}"""


def incoming_query(iri: str) -> str:
    """The SPARQL query for every incoming link of a resource, ordered by property (see :func:`incoming`)."""
    pattern = INCOMING % {"iri": checked_iri(str(iri)).n3()}
    return f"SELECT DISTINCT ?subject ?property ?via WHERE {pattern}\nORDER BY ?property ?via ?subject\n"


def incoming(kg: Queryable, iri: URIRef, limit: int = INCOMING_LIMIT) -> tuple[list[Link], int]:
    """Up to ``limit`` incoming links ``(subject, property, via)`` ordered by property, and their total.

    ``via`` is the property from the blank node to the resource when the link goes through one blank node
    (``?fact kz:citation [ kz:document <source> ]`` gives ``(fact, kz:citation, kz:document)``), else None.
    """
    query = incoming_query(iri)
    rows: list[Link] = [(cast(URIRef, row.subject), cast(URIRef, row.property), cast("URIRef | None", row.get("via")))
                        for row in select_rows(kg.query(query + f"LIMIT {limit + 1}"))]  # IRIs (not blank)
    if len(rows) <= limit:
        return rows, len(rows)
    [(total,)] = select_rows(kg.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {query} }}"))
    return rows[:limit], int(total)


def labels(kg: Queryable, terms: Iterable[Node]) -> dict[URIRef, list[Literal]]:
    """The label literals (LABEL_PROPERTIES) of each IRI, with one query for all of them."""
    iris = sorted({iri for iri in terms if isinstance(iri, URIRef) and ABSOLUTE_IRI.fullmatch(str(iri))})
    found: dict[URIRef, list[Literal]] = defaultdict(list)
    if not iris:
        return {}
    query = ("SELECT ?resource ?label WHERE {{ VALUES ?resource {{ {} }} ?resource {} ?label }}"
             .format(_values(iris), "|".join(p.n3() for p in LABEL_PROPERTIES)))
    for row in select_rows(kg.query(query)):
        label, resource = row.label, cast(URIRef, row.resource)
        if isinstance(label, Literal) and label not in found[resource]:
            found[resource].append(label)
    return dict(found)


CITATIONS = """
SELECT ?fact ?document ?lineStart ?lineEnd WHERE {
  VALUES ?fact { %s }
  ?fact %s ?citation . ?citation %s ?document .
  OPTIONAL { ?citation %s ?lineStart }
  OPTIONAL { ?citation %s ?lineEnd }
}
ORDER BY ?fact ?document ?lineStart ?lineEnd
"""


def citations(kg: Queryable, terms: Iterable[Node]) -> dict[URIRef, list[Citation]]:
    """The citations (document, first and last line) of each fact, in document and line order."""
    facts = sorted({f for f in terms if isinstance(f, URIRef) and ABSOLUTE_IRI.fullmatch(str(f))})
    if not facts:
        return {}
    query = CITATIONS % (_values(facts), KZ.citation.n3(), KZ.document.n3(), KZ.lineStart.n3(), KZ.lineEnd.n3())
    found: dict[URIRef, list[Citation]] = defaultdict(list)
    for row in select_rows(kg.query(query)):
        citation = Citation(cast(URIRef, row.document), _int(row.get("lineStart")), _int(row.get("lineEnd")))
        fact = cast(URIRef, row.fact)
        if citation not in found[fact]:
            found[fact].append(citation)
    return dict(found)


def _int(term: Identifier | None) -> int | None:
    try:
        return int(term) if term is not None else None
    except ValueError:
        return None


def shown_iris(graph: Graph) -> set[URIRef]:
    """Every IRI in a description graph (subjects, properties, objects): the IRIs a page shows."""
    return {term for triple in graph for term in triple if isinstance(term, URIRef)}


def complete(kg: Queryable, description: Description) -> Description:
    """Fill in the labels of every IRI shown and the citations of every fact shown."""
    subjects: set[Node] = {s for s, _, _ in description.incoming}
    iris: set[Node] = {*shown_iris(description.graph), *subjects, *(p for _, p, _ in description.incoming)}
    iris |= {v for _, _, v in description.incoming if v is not None} | {description.iri}
    description.citations = citations(kg, subjects | {description.iri})
    iris |= {c.document for cited in description.citations.values() for c in cited}
    description.labels = labels(kg, iris)
    return description


def describe(kg: Queryable, iri: str, incoming_limit: int = INCOMING_LIMIT) -> Description:
    """The description of one resource: its CBD, incoming links, labels and citations.

    ``description.known`` is False when the graph has no triple with the IRI as subject or object.
    """
    resource = checked_iri(iri)
    description = Description(resource, cbd(kg, resource))
    description.incoming, description.incoming_total = incoming(kg, resource, incoming_limit)
    if not description.known:
        return description
    return complete(kg, description)


ONTOLOGY_TERMS = """
DESCRIBE ?term WHERE { ?term ?property ?value FILTER(isIRI(?term) && STRSTARTS(STR(?term), %s)) }
"""


def describe_ontology(kg: Queryable) -> Description:
    """The ontology with every term: the CBDs of ``…/ontology#`` and of every ``…/ontology#Term``."""
    graph = bind_prefixes(graph_of(kg.query(ONTOLOGY_TERMS % Literal(str(KZ)).n3())))
    return complete(kg, Description(ONTOLOGY, graph))


def ontology_terms(description: Description) -> list[URIRef]:
    """The terms of the ontology in a description of it, the ontology itself first, then by local name."""
    terms = {s for s in description.graph.subjects() if isinstance(s, URIRef) and str(s).startswith(str(KZ))}
    return sorted(terms, key=lambda t: (t != ONTOLOGY, str(t)[len(str(KZ)):].lower()))


def named_graphs(kg: Queryable) -> list[URIRef]:
    """The names of the store's named graphs, in order."""
    return sorted(cast(URIRef, row[0]) for row in select_rows(kg.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")))


def describe_graph(kg: Queryable, iri: str) -> Description:
    """A named graph as a resource: its triples (as the SPARQL 1.1 Graph Store Protocol would serve them).

    ``known`` is False when the store has no named graph of that name (or an empty one).
    """
    name = checked_iri(iri)
    graph = bind_prefixes(graph_of(kg.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {name.n3()} {{ ?s ?p ?o }} }}")))
    description = Description(name, graph)
    if len(graph):
        description.labels = labels(kg, {s for s in graph.subjects() if isinstance(s, URIRef)})
    return description


def describe_in(graph: Graph, kg: Queryable, iri: str, whole: bool = False) -> Description:
    """The description of a resource of a graph held outside the store (the VoID): its CBD in that graph
    (or, with ``whole``, the whole graph), the links to it from that graph, and labels from the store and
    the graph."""
    resource = checked_iri(iri)
    description = Description(resource, bind_prefixes(Graph()))
    for triple in graph if whole else graph.cbd(resource):
        description.graph.add(triple)
    links: list[Link] = [(cast(URIRef, s), cast(URIRef, p), None)  # subjects not blank, properties: IRIs
                         for s, p in graph.subject_predicates(resource) if not isinstance(s, BNode)]
    description.incoming = sorted(links, key=lambda row: (str(row[1]), str(row[0])))
    description.incoming_total = len(description.incoming)
    shown: set[Node] = {*shown_iris(description.graph), *(s for s, _, _ in description.incoming)}
    description.labels = {**labels(kg, shown), **labels(graph, shown)}
    return description

