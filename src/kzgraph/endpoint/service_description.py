"""The endpoint's descriptions of itself: a SPARQL 1.1 Service Description and the VoID description.

:func:`service_description` follows https://www.w3.org/TR/sparql11-service-description/ (§3): the service
(``sd:Service``) with its ``sd:endpoint``, the languages it supports (``sd:SPARQL11Query``, and
``sd:SPARQL11Update`` only when writes are enabled), the result formats it writes (W3C format IRIs,
https://www.w3.org/ns/formats/), its features (``sd:UnionDefaultGraph``: the default graph is the union of
the named graphs; ``sd:EmptyGraphs``: the store keeps empty named graphs; ``sd:BasicFederatedQuery`` only
when SERVICE has an allow-list) and its default dataset with every named graph and its triple count. The
dataset is the one the VoID description describes (``<https://w3id.org/kzgraph/dataset>``), linked to it
with ``rdfs:seeAlso``.

:func:`void_description` is the VoID description that ``kzgraph build`` writes
(:mod:`kzgraph.build.statistics`), or the same statistics computed from the store when there is no such file
or the store has changed since, with the endpoint as ``void:sparqlEndpoint`` (VoID §3.4) and without the
build's local file paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import VOID

from kzgraph.build.statistics import DATASET
from kzgraph.sparql.describe import Queryable, select_rows
from kzgraph.sparql.media_types import GRAPH_TYPES, RESULT_TYPES

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ENTAILMENT = Namespace("http://www.w3.org/ns/entailment/")

# The W3C format IRI of each media type the endpoint writes.
FORMAT_IRIS = {
    "application/sparql-results+json": FORMATS.SPARQL_Results_JSON,
    "application/sparql-results+xml": FORMATS.SPARQL_Results_XML,
    "text/csv": FORMATS.SPARQL_Results_CSV,
    "text/tab-separated-values": FORMATS.SPARQL_Results_TSV,
    "text/turtle": FORMATS.Turtle,
    "application/n-triples": FORMATS["N-Triples"],
    "application/rdf+xml": FORMATS.RDF_XML,
    "application/ld+json": FORMATS["JSON-LD"],
}


def service_description(endpoint: str, graphs: Mapping[str, int], *, updates: bool, federated: bool,
                        void: str | None = None) -> Graph:
    """The service description of the endpoint at ``endpoint``; ``graphs`` maps graph names to triples."""
    sd = Graph()
    sd.bind("sd", SD)
    sd.bind("void", VOID)
    service, dataset, default = URIRef(endpoint), URIRef(DATASET), BNode()
    sd.add((service, RDF.type, SD.Service))
    sd.add((service, SD.endpoint, service))
    sd.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if updates:
        sd.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    for media in [*RESULT_TYPES, *GRAPH_TYPES]:
        sd.add((service, SD.resultFormat, FORMAT_IRIS[media]))
    sd.add((service, SD.feature, SD.UnionDefaultGraph))
    sd.add((service, SD.feature, SD.EmptyGraphs))
    if federated:
        sd.add((service, SD.feature, SD.BasicFederatedQuery))
    sd.add((service, SD.defaultEntailmentRegime, ENTAILMENT.Simple))
    sd.add((service, SD.defaultDataset, dataset))
    sd.add((dataset, RDF.type, SD.Dataset))
    sd.add((dataset, RDF.type, VOID.Dataset))
    if void:
        sd.add((dataset, RDFS.seeAlso, URIRef(void)))
    sd.add((dataset, SD.defaultGraph, default))
    sd.add((default, RDF.type, SD.Graph))
    sd.add((default, RDFS.comment, Literal("The union of the named graphs.", lang="en")))
    sd.add((default, VOID.triples, Literal(sum(graphs.values()))))
    for name, triples in sorted(graphs.items()):
        named, graph = BNode(), BNode()
        sd.add((dataset, SD.namedGraph, named))
        sd.add((named, RDF.type, SD.NamedGraph))
        sd.add((named, SD.name, URIRef(name)))
        sd.add((named, SD.graph, graph))
        sd.add((graph, RDF.type, SD.Graph))
        sd.add((graph, VOID.triples, Literal(triples)))
    return sd


GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def graph_sizes(kg: Queryable, names: Iterable[str]) -> dict[str, int]:
    """Triples per named graph (empty graphs with 0), counted by the store."""
    sizes = {str(name): 0 for name in names}
    for name, n in select_rows(kg.query(GRAPH_SIZES)):
        sizes[str(name)] = int(str(n))  # the lexical form of the xsd:integer count
    return sizes


def void_description(kg: Queryable, endpoint: str, file: Path | None = None) -> Graph:
    """The VoID description: the build's file if given, else computed from the store; with the endpoint."""
    from kzgraph.build import statistics as stats

    void = Graph()
    if file is not None and file.is_file():
        void.parse(file, format="turtle")
    else:
        void = stats.void_graph(stats.summarise(kg), Path("kzgraph.nq"))
    dataset = URIRef(DATASET)
    for dump in list(void.objects(dataset, VOID.dataDump)):
        if str(dump).startswith("file:"):
            void.remove((dataset, VOID.dataDump, dump))
    void.add((dataset, VOID.sparqlEndpoint, URIRef(endpoint)))
    return void
