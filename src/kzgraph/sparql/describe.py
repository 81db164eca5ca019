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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, cast

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, VOID
from rdflib.query import Result, ResultRow
from rdflib.term import Identifier, Node

from kzgraph import errors
from kzgraph.namespaces import BASE, KZ, PREFIXES
from kzgraph.sparql.catalogue import ABSOLUTE_IRI

__all__ = [
    "INCOMING_LIMIT",
    "KZ",
    "LABEL_PROPERTIES",
    "ONTOLOGY",
    "SECTIONS",
    "SHORTCUTS",
    "Citation",
    "Description",
    "Item",
    "NotAnIri",
    "Queryable",
    "Section",
    "bind_prefixes",
    "cbd",
    "checked_iri",
    "citations",
    "cited_lines",
    "complete",
    "describe",
    "describe_graph",
    "describe_in",
    "describe_ontology",
    "describe_profile",
    "graph_of",
    "incoming",
    "incoming_query",
    "iri_of_path",
    "is_known",
    "labels",
    "local_path",
    "named_graphs",
    "ontology_terms",
    "profile",
    "profile_items",
    "select_rows",
    "shown_iris",
    "year_of",
]

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


#: The labels of IRIs, as :func:`labels` finds them.
Labels = Mapping[URIRef, list[Literal]]
#: An incoming link: the subject, the property and, through a blank node, the property from it (else None).
Link = tuple[URIRef, URIRef, URIRef | None]


@dataclass(frozen=True)
class Citation:
    """One source passage of a fact: the document, the inclusive line range, the document's file name."""

    document: URIRef
    line_start: int | None
    line_end: int | None
    file: str | None = None


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
SELECT ?fact ?document ?lineStart ?lineEnd ?file WHERE {
  VALUES ?fact { %s }
  ?fact %s ?citation . ?citation %s ?document .
  OPTIONAL { ?citation %s ?lineStart }
  OPTIONAL { ?citation %s ?lineEnd }
  OPTIONAL { ?document %s ?file }
}
ORDER BY ?fact ?document ?lineStart ?lineEnd
"""


def citations(kg: Queryable, terms: Iterable[Node]) -> dict[URIRef, list[Citation]]:
    """The citations (document, first and last line) of each fact, in document and line order."""
    facts = sorted({f for f in terms if isinstance(f, URIRef) and ABSOLUTE_IRI.fullmatch(str(f))})
    if not facts:
        return {}
    query = CITATIONS % (_values(facts), KZ.citation.n3(), KZ.document.n3(), KZ.lineStart.n3(), KZ.lineEnd.n3(),
                         KZ.fileName.n3())
    found: dict[URIRef, list[Citation]] = defaultdict(list)
    for row in select_rows(kg.query(query)):
        file = row.get("file")
        citation = Citation(cast(URIRef, row.document), _int(row.get("lineStart")), _int(row.get("lineEnd")),
                            str(file) if file is not None else None)
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
        description.labels = graph_labels(kg, name)
    return description


GRAPH_LABELS = """
SELECT ?resource ?label WHERE {
  { SELECT DISTINCT ?resource WHERE { GRAPH %s { ?resource ?p ?o } FILTER(isIRI(?resource)) } }
  ?resource %s ?label
}
"""


def graph_labels(kg: Queryable, name: URIRef) -> dict[URIRef, list[Literal]]:
    """The labels of the subjects of a named graph, with a query as short however large the graph (a list of
    thousands of IRIs would be longer than a guarded or remote store accepts)."""
    query = GRAPH_LABELS % (checked_iri(str(name)).n3(), "|".join(p.n3() for p in LABEL_PROPERTIES))
    found: dict[URIRef, list[Literal]] = defaultdict(list)
    for row in select_rows(kg.query(query)):
        label, resource = row.label, cast(URIRef, row.resource)
        if isinstance(label, Literal) and label not in found[resource]:
            found[resource].append(label)
    return dict(found)


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



# --- The profile of a resource: the facts that name it, grouped and dated -------------------------------

#: Properties derived by the build from memberships (shortcuts without dates); a page shows the dated
#: memberships instead and names these as what they are.
SHORTCUTS = frozenset(KZ[name] for name in (
    "memberOf", "observerOf", "partnerOf", "chairOf", "participatesIn",
    "formerMemberOf", "formerObserverOf", "formerPartnerOf", "formerChairOf", "formerlyParticipatedIn"))

#: Where a fact begins and ends, in order of preference.
START_PROPERTIES = tuple(KZ[name] for name in (
    "startDate", "signingDate", "date", "entryIntoForceDate", "adoptionDate", "foundingDate", "orderYear",
    "deliveryStartYear", "deliveryYear", "year", "periodStart"))
END_PROPERTIES = tuple(KZ[name] for name in ("endDate", "deliveryEndYear", "periodEnd"))
#: What an item of a profile shows beside its label and dates.
DETAIL_PROPERTIES = tuple(KZ[name] for name in (
    "member", "organisation", "role", "supplier", "recipient", "trainingProvider", "weaponSystem",
    "weaponCategory", "quantity", "numberOrdered", "numberDelivered", "tivOrder", "tivDelivered",
    "transferStatus", "lessor", "lessee", "facility", "durationYears", "value", "unit", "unitMultiplier",
    "indicator", "counterpart", "treatyStatus", "agreement", "ratifyingParty", "claimedBy", "participant",
    "personnel", "exerciseSeries", "withinFramework", "positionTitle", "person", "dateQualifier"))


@dataclass(frozen=True)
class Section:
    """A group of a profile: its key (for paging and JSON), title, and the classes whose facts it holds."""

    key: str
    title: str
    classes: tuple[URIRef, ...]


#: The groups of a profile, in the order a page shows them; a fact goes to the first group of its classes.
SECTIONS = (
    Section("memberships", "Memberships", (KZ.Membership,)),
    Section("agreements", "Agreements and ratifications", (KZ.Agreement, KZ.Ratification)),
    Section("exercises", "Exercises, operations and contributions",
            (KZ.MilitaryExercise, KZ.ExerciseSeries, KZ.Operation, KZ.Contribution, KZ.Event)),
    Section("transfers", "Arms transfers and military-technical cooperation", (KZ.MilitaryTechnicalCooperation,)),
    Section("leases", "Leases", (KZ.Lease,)),
    Section("figures", "Figures", (KZ.Observation,)),
    Section("documents", "Doctrines and documents", (KZ.Document,)),
    Section("positions", "Positions", (KZ.Tenure,)),
    Section("claims", "Claims and assessments", (KZ.Claim, KZ.Assessment)),
    Section("other", "Other resources that link here", ()),
)


@dataclass
class Item:
    """One fact (or other resource) of a profile: how it links to the resource, its dates and details."""

    iri: URIRef
    section: str
    links: list[URIRef] = field(default_factory=list)  # the properties by which it names the resource
    types: list[URIRef] = field(default_factory=list)
    start: Literal | None = None
    end: Literal | None = None
    details: dict[URIRef, list[Node]] = field(default_factory=dict)

    @property
    def start_year(self) -> int | None:
        return year_of(self.start)

    @property
    def end_year(self) -> int | None:
        return year_of(self.end)


def year_of(value: Node | None) -> int | None:
    """The year of a date, gYearMonth, gYear or integer literal (``"2011-12-20"`` -> 2011), else None."""
    if not isinstance(value, Literal):
        return None
    text = str(value).strip()
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("-")[:4]
    return sign * int(digits) if len(digits) == 4 and digits.isdigit() else None


PROFILE_LINKS = """
SELECT DISTINCT ?subject ?property WHERE {
  { ?subject ?property %(iri)s FILTER(isIRI(?subject)) }
  UNION
  { ?subject ?property ?node . ?node ?via %(iri)s FILTER(isBlank(?node) && isIRI(?subject)) }
}
"""

PROFILE_DETAILS = """
SELECT ?subject ?property ?value WHERE {
  { SELECT DISTINCT ?subject WHERE {
    { ?subject ?link %(iri)s FILTER(isIRI(?subject)) }
    UNION
    { ?subject ?link ?node . ?node ?via %(iri)s FILTER(isBlank(?node) && isIRI(?subject)) } } }
  VALUES ?property { %(properties)s }
  ?subject ?property ?value
}
"""


def profile_items(kg: Queryable, iri: str) -> dict[str, list[Item]]:
    """Every resource that names ``iri`` (directly or through a blank node, as a citation names a source),
    grouped by :data:`SECTIONS` (every group present, perhaps empty), in the order of the links query.

    Two queries however many facts, each as short as the resource's IRI allows: the links, and the dates and
    details of every linked resource.
    """
    resource = checked_iri(iri)
    items: dict[URIRef, Item] = {}
    for row in select_rows(kg.query(PROFILE_LINKS % {"iri": resource.n3()})):
        subject = cast(URIRef, row.subject)
        item = items.setdefault(subject, Item(subject, "other"))
        if row.property not in item.links:
            item.links.append(cast(URIRef, row.property))
    wanted = (RDF.type, *START_PROPERTIES, *END_PROPERTIES, *DETAIL_PROPERTIES)
    if items:
        query = PROFILE_DETAILS % {"iri": resource.n3(), "properties": _values(wanted)}
        for row in select_rows(kg.query(query)):
            item = items[cast(URIRef, row.subject)]
            prop, value = cast(URIRef, row.property), cast(Node, row.value)
            if prop == RDF.type:
                item.types.append(cast(URIRef, value))
            else:
                item.details.setdefault(prop, []).append(value)
    grouped: dict[str, list[Item]] = {section.key: [] for section in SECTIONS}
    for item in items.values():
        item.start = _first(item.details, START_PROPERTIES)
        item.end = _first(item.details, END_PROPERTIES)
        item.section = next((s.key for s in SECTIONS if any(c in item.types for c in s.classes)), "other")
        grouped[item.section].append(item)
    for group in grouped.values():  # by start year (undated last), then date, then IRI
        group.sort(key=lambda i: (i.start_year is None, i.start_year or 0, str(i.start or ""), str(i.iri)))
    return grouped


def item_terms(items: Iterable[Item]) -> set[Node]:
    """Every term the items show: themselves, their links, types and details."""
    shown: set[Node] = set()
    for item in items:
        shown |= {item.iri, *item.links, *item.types, *item.details}
        shown |= {v for values in item.details.values() for v in values}
    return shown


def profile(kg: Queryable, iri: str) -> tuple[dict[str, list[Item]], dict[URIRef, list[Literal]]]:
    """The profile of a resource (:func:`profile_items`) with the labels of everything it shows: three queries."""
    grouped = profile_items(kg, iri)
    return grouped, labels(kg, item_terms(i for items in grouped.values() for i in items))


#: Chooses the items of a group a page shows (its page of them), given the group's key and sorted items.
Pick = Callable[[str, list[Item]], list[Item]]


def describe_profile(kg: Queryable, iri: str, pick: Pick) -> tuple[Description, dict[str, list[Item]]]:
    """A resource's description and profile for its page, in five queries: the CBD, the links to it, their
    details, the citations of the resource and of the items ``pick`` chooses (with their documents' file
    names), and the labels of everything shown. ``description.incoming`` holds every resource that links
    here (``incoming_total`` their number)."""
    resource = checked_iri(iri)
    description = Description(resource, cbd(kg, resource))
    grouped = profile_items(kg, iri)
    description.incoming = [(i.iri, p, None) for items in grouped.values() for i in items for p in i.links]
    description.incoming_total = sum(len(items) for items in grouped.values())
    if not description.known:
        return description, grouped
    picked = [i for key, items in grouped.items() for i in pick(key, items)]
    description.citations = citations(kg, {i.iri for i in picked} | {resource})
    documents = {c.document for cited in description.citations.values() for c in cited}
    description.labels = labels(kg, item_terms(picked) | shown_iris(description.graph) | {resource} | documents)
    return description, grouped


def _first(details: dict[URIRef, list[Node]], properties: tuple[URIRef, ...]) -> Literal | None:
    """The first literal value of the first of ``properties`` that has one (each removed from ``details``)."""
    found = None
    for prop in properties:
        for value in details.pop(prop, []):
            if found is None and isinstance(value, Literal):
                found = value
    return found


# --- Search by label -------------------------------------------------------------------------------------

#: The properties a search looks in: labels in any language, alternative and hidden labels (a state's German
#: adjective), acronyms, German names.
SEARCH_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, DCTERMS.title, KZ.acronym,
                     KZ.germanName)
SEARCH_LIMIT = 50
#: Among equally good matches, which property matched decides: names and acronyms before a fact's German name.
SEARCH_RANK = {KZ.acronym: 0, RDFS.label: 1, SKOS.prefLabel: 1, DCTERMS.title: 1, SKOS.altLabel: 2,
               SKOS.hiddenLabel: 3, KZ.germanName: 3}

SEARCH = """
SELECT ?resource ?text ?property (SAMPLE(?type) AS ?kind) WHERE {
  VALUES ?property { %(properties)s }
  ?resource ?property ?text .
  FILTER(isIRI(?resource) && CONTAINS(LCASE(STR(?text)), %(needle)s))
  OPTIONAL { ?resource a ?type FILTER(STRSTARTS(STR(?type), %(kz)s)) }
}
GROUP BY ?resource ?text ?property
"""


@dataclass(frozen=True)
class Hit:
    """A resource found by a search, the text that matched, by which property (``via``), and how well."""

    iri: URIRef
    text: Literal
    via: URIRef  # the property that matched
    kind: URIRef | None
    rank: int

    @property
    def key(self) -> tuple[int, int, int, str, str]:
        """How good a hit is, best first: the kind of match, the property, the length of the text."""
        return (self.rank, SEARCH_RANK.get(self.via, 4), len(str(self.text)), str(self.text).lower(),
                str(self.iri))


def search(kg: Queryable, words: str, limit: int = SEARCH_LIMIT) -> tuple[list[Hit], int]:
    """Resources whose labels, alternative labels, acronyms or German names contain ``words`` (any case),
    best first: exact matches, then those that begin with the words, then the rest; among these names and
    acronyms before alternative labels and German names, shorter texts first; one hit per resource.
    Returns up to ``limit`` hits and how many resources matched."""
    needle = " ".join(words.split()).lower()
    if not needle:
        return [], 0
    query = SEARCH % {"properties": _values(SEARCH_PROPERTIES), "needle": Literal(needle).n3(),
                      "kz": Literal(str(KZ)).n3()}
    best: dict[URIRef, Hit] = {}
    for row in select_rows(kg.query(query)):
        text = cast(Literal, row.text)
        lowered = str(text).lower()
        rank = 0 if lowered == needle else 1 if lowered.startswith(needle) else 2
        hit = Hit(cast(URIRef, row.resource), text, cast(URIRef, row.property),
                  cast("URIRef | None", row.get("kind")), rank)
        known = best.get(hit.iri)
        if known is None or hit.key < known.key:
            best[hit.iri] = hit
    ranked = sorted(best.values(), key=lambda h: h.key)
    return ranked[:limit], len(ranked)


# --- Cited lines, read from the sources folder at run time ----------------------------------------------

#: The most lines of a cited passage a page shows (a longer one is cut, and says so).
CITED_LINES_LIMIT = 40


def cited_lines(folder: Path | None, name: str | None, start: int | None, end: int | None,
                limit: int = CITED_LINES_LIMIT) -> tuple[list[tuple[int, str]], str | None]:
    """The lines ``start``..``end`` (1-based, inclusive) of a source document in the sources folder, at most
    ``limit`` of them, and a note when they cannot be shown in full (or at all) saying why."""
    if start is None:
        return [], "the citation gives no line numbers"
    if folder is None or name is None:
        return [], "no sources folder is configured" if folder is None else "the graph gives no file name"
    path = Path(folder) / name
    if Path(name).name != name or not path.is_file():
        return [], f"{name} is not in the sources folder"
    last = end if end is not None and end >= start else start
    lines: list[tuple[int, str]] = []
    with path.open(encoding="utf-8", errors="replace") as text:
        for number, line in enumerate(text, start=1):
            if number > last or len(lines) >= limit:
                break
            if number >= start:
                lines.append((number, line.rstrip("\n")))
    note = None
    if not lines:
        note = f"{name} has fewer than {start} lines"
    elif last - start + 1 > len(lines):
        note = f"lines {start}–{start + len(lines) - 1} of {start}–{last} shown"
    return lines, note
