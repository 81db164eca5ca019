"""Statistics of a built dataset: the VoID description (W3C VoID, §4 "Statistics") and the coverage report."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, VOID, XSD
from rdflib.query import ResultRow

from kzgraph.build.derive import DERIVED_GRAPH
from kzgraph.namespaces import BASE, KZ
from kzgraph.sparql.describe import Queryable, select_rows

if TYPE_CHECKING:
    from kzgraph.validation.validator import Report

DATASET = BASE + "dataset"

CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?entity) AS ?n) WHERE { ?entity a ?class . FILTER(isIRI(?entity)) }
GROUP BY ?class ORDER BY ?class
"""
PROPERTY_COUNTS = """
SELECT ?property (COUNT(*) AS ?n) WHERE { ?s ?property ?o } GROUP BY ?property ORDER BY ?property
"""
TOTALS = """
SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) WHERE { GRAPH ?g { ?s ?p ?o } }
"""
ENTITIES = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER(isIRI(?s)) }"
FACTS_PER_SOURCE = """
PREFIX kz: <https://w3id.org/kzgraph/ontology#>
SELECT ?document ?class (COUNT(DISTINCT ?fact) AS ?n) WHERE {
  ?fact kz:citation/kz:document ?document .
  GRAPH ?g { ?fact a ?class }
  FILTER(?g != <%s>)
} GROUP BY ?document ?class ORDER BY ?document ?class
"""
CITATIONS_PER_SOURCE = """
PREFIX kz: <https://w3id.org/kzgraph/ontology#>
SELECT ?document (COUNT(DISTINCT ?citation) AS ?citations) (COUNT(DISTINCT ?fact) AS ?facts) WHERE {
  ?fact kz:citation ?citation . ?citation kz:document ?document .
} GROUP BY ?document ORDER BY ?document
"""


@dataclass
class Summary:
    triples: int
    entities: int
    classes: dict[str, int] = field(default_factory=dict)
    properties: dict[str, int] = field(default_factory=dict)
    facts_per_source: dict[str, dict[str, int]] = field(default_factory=dict)
    citations_per_source: dict[str, tuple[int, int]] = field(default_factory=dict)
    generated: str = ""


def _short(iri: str) -> str:
    if iri.startswith(str(KZ)):
        return "kz:" + iri[len(str(KZ)):]
    return iri


def _rows(kg: Queryable, sparql: str) -> list[ResultRow]:
    return select_rows(kg.query(sparql))


def summarise(kg: Queryable) -> Summary:
    # a count is an xsd:integer literal; int() reads its lexical form
    (totals,) = _rows(kg, TOTALS)
    (entities,) = _rows(kg, ENTITIES)
    summary = Summary(triples=int(str(totals[0])), entities=int(str(entities[0])),
                      generated=datetime.now(UTC).replace(microsecond=0).isoformat())
    summary.classes = {str(c): int(str(n)) for c, n in _rows(kg, CLASS_COUNTS)}
    summary.properties = {str(p): int(str(n)) for p, n in _rows(kg, PROPERTY_COUNTS)}
    per_source: dict[str, dict[str, int]] = defaultdict(dict)
    for document, cls, n in _rows(kg, FACTS_PER_SOURCE % DERIVED_GRAPH):
        per_source[str(document)][str(cls)] = int(str(n))
    summary.facts_per_source = dict(per_source)
    summary.citations_per_source = {str(d): (int(str(c)), int(str(f)))
                                    for d, c, f in _rows(kg, CITATIONS_PER_SOURCE)}
    return summary


def void_graph(summary: Summary, dump: Path) -> Graph:
    """A VoID description of the dataset with class and property partitions (VoID §4.5, §4.6)."""
    graph = Graph()
    graph.bind("void", VOID)
    graph.bind("dcterms", DCTERMS)
    dataset = URIRef(DATASET)
    graph.add((dataset, RDF.type, VOID.Dataset))
    title = "kzgraph: Kazakhstan's international security cooperation"
    graph.add((dataset, DCTERMS.title, Literal(title, lang="en")))
    graph.add((dataset, DCTERMS.modified, Literal(summary.generated, datatype=XSD.dateTime)))
    graph.add((dataset, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    graph.add((dataset, VOID.vocabulary, URIRef(str(KZ))))
    graph.add((dataset, VOID.uriSpace, Literal(BASE + "id/")))
    graph.add((dataset, VOID.dataDump, URIRef(dump.resolve().as_uri())))
    for predicate, value in ((VOID.triples, summary.triples), (VOID.entities, summary.entities),
                             (VOID.classes, len(summary.classes)), (VOID.properties, len(summary.properties))):
        graph.add((dataset, predicate, Literal(value)))
    for index, (cls, n) in enumerate(summary.classes.items()):
        partition = URIRef(f"{DATASET}/class-partition/{index}")
        graph.add((dataset, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], URIRef(cls)))
        graph.add((partition, VOID.entities, Literal(n)))
    for index, (prop, n) in enumerate(summary.properties.items()):
        partition = URIRef(f"{DATASET}/property-partition/{index}")
        graph.add((dataset, VOID.propertyPartition, partition))
        graph.add((partition, VOID.property, URIRef(prop)))
        graph.add((partition, VOID.triples, Literal(n)))
    return graph


#: Why the warnings of each shape are left as warnings: the sources' own gaps, not curation errors.
WARNING_EXPLANATIONS = {
    "ObservationShape": "The cited passage gives the figure without that detail (year, unit or number); the "
                        "figure is kept as given, and undated figures stay out of time series.",
    "AgreementShape": "The cited passage names the agreement without all its parties, or they are not curated "
                      "yet.",
    "EventShape": "The cited passage gives no date for the event or operation.",
    "MilitaryExerciseShape": "The cited passage names the exercise without its participants.",
    "DocumentShape": "The cited passage names the document without saying who adopted it.",
    "OrganisationBodyShape": "The cited passage does not say which organisation the body belongs to.",
    "AgencyShape": "The cited passage does not say which state the agency belongs to.",
    "TemporalShape": "The document gives two signing dates for the agreement; both are kept, each with its "
                     "citation.",
    "ArmsTransferShape": "The cited passage describes the transfer without naming a weapon system.",
}


def warnings_markdown(report: Report) -> list[str]:
    """A section listing the validation warnings and infos by shape, each with its explanation."""
    by_shape: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for result in report.results:
        if result.severity != "Violation":
            by_shape[((result.shape or "").rsplit("#", 1)[-1], result.severity, result.message)].append(result.focus)
    out = ["## Validation warnings", ""]
    if not by_shape:
        return [*out, "None.", ""]
    out += ["Warnings and infos do not block the build. Each is explained here.", "",
            "| shape | severity | nodes | rule | why it stands |", "|---|---|---:|---|---|"]
    for (shape, severity, message), focus in sorted(by_shape.items()):
        why = WARNING_EXPLANATIONS.get(shape, "See the nodes' curation notes.")
        out.append(f"| {shape} | {severity} | {len(focus)} | {message} | {why} |")
    return [*out, ""]


def coverage_markdown(summary: Summary, report: Report | None = None) -> str:
    """The coverage report: entities per kzgraph class, facts per source document and class, and the
    validation warnings with their explanations."""
    out = ["# kzgraph coverage report", "",
           f"Generated by `kzgraph build`: {summary.triples} triples, {summary.entities} entities.", "",
           "## Entities per class", "",
           "Counts include sub-classes (a treaty is also counted as an agreement and as a fact).", "",
           "| class | entities |", "|---|---:|"]
    for cls, n in sorted(summary.classes.items()):
        if cls.startswith(str(KZ)):
            out.append(f"| {_short(cls)} | {n} |")
    out += ["", "## Facts per source document", "",
            "Nodes that cite the document, by their asserted (most specific) class.", ""]
    for document in sorted(summary.facts_per_source):
        citations, facts = summary.citations_per_source.get(document, (0, 0))
        out += [f"### <{document}>", "", f"{facts} nodes with {citations} citations.", "",
                "| class | nodes |", "|---|---:|"]
        for cls, n in sorted(summary.facts_per_source[document].items()):
            out.append(f"| {_short(cls)} | {n} |")
        out.append("")
    if report is not None:
        out += warnings_markdown(report)
    return "\n".join(out) + "\n"
