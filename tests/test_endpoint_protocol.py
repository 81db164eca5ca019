"""The SPARQL 1.1 Protocol of the endpoint on a real uvicorn server: every result format through
SPARQLWrapper, content negotiation, the dataset parameters, the service description, VoID, CORS and the
OpenAPI description through httpx."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import VOID
from rdflib.query import Result
from SPARQLWrapper import CSV, JSON, JSONLD, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from kzgraph.endpoint.app import create_app

from .helpers import serving

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
KZ = "https://w3id.org/kzgraph/ontology#"
ID = "https://w3id.org/kzgraph/id/"
GRAPH = "https://w3id.org/kzgraph/graph/"
MEMBERSHIPS = "SELECT ?org WHERE { state:KAZ kz:memberOf ?org } ORDER BY ?org"
ORGANISATIONS = [ID + "org/CSTO", ID + "org/SCO"]
CONSTRUCT = "CONSTRUCT { state:KAZ kz:memberOf ?org . ?org rdfs:label ?l } WHERE { state:KAZ kz:memberOf ?org . " \
            "?org rdfs:label ?l }"


@pytest.fixture(scope="module")
def endpoint(multivector_graph):
    with serving(create_app(multivector_graph)) as url:
        yield url


@pytest.fixture(scope="module")
def sparql(endpoint):
    def client(query: str, fmt: str) -> SPARQLWrapper:
        wrapper = SPARQLWrapper(f"{endpoint}/sparql")
        wrapper.setQuery(query)
        wrapper.setReturnFormat(fmt)
        return wrapper
    return client


def column(result: Result, name: str = "org") -> list[str]:
    return [str(row[name]) for row in result]


def test_select_as_sparql_json_through_sparqlwrapper(sparql):
    answer = sparql(MEMBERSHIPS, JSON).queryAndConvert()
    assert [b["org"]["value"] for b in answer["results"]["bindings"]] == ORGANISATIONS


def test_select_as_sparql_xml_through_sparqlwrapper(sparql):
    document = sparql(MEMBERSHIPS, XML).queryAndConvert()
    uris = [node.firstChild.nodeValue for node in document.getElementsByTagName("uri")]
    assert uris == ORGANISATIONS


def test_select_as_csv_through_sparqlwrapper(sparql):
    rows = list(csv.DictReader(io.StringIO(sparql(MEMBERSHIPS, CSV).queryAndConvert().decode("utf-8"))))
    assert [row["org"] for row in rows] == ORGANISATIONS


def test_select_as_tsv_through_sparqlwrapper_writes_terms_in_turtle_syntax(sparql):
    text = sparql('SELECT ?org ?label WHERE { state:KAZ kz:memberOf ?org . ?org rdfs:label ?label '
                  'FILTER(lang(?label) = "en") } ORDER BY ?org', TSV).queryAndConvert().decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "?org\t?label"
    assert lines[1].startswith(f"<{ORGANISATIONS[0]}>\t\"") and lines[1].endswith('"@en')


def test_ask_as_json_and_xml_through_sparqlwrapper(sparql):
    assert sparql("ASK { state:KAZ kz:memberOf io:SCO }", JSON).queryAndConvert()["boolean"] is True
    document = sparql("ASK { state:KAZ kz:memberOf io:NATO }", XML).queryAndConvert()
    assert document.getElementsByTagName("boolean")[0].firstChild.nodeValue == "false"


@pytest.mark.parametrize("fmt", [TURTLE, RDFXML, JSONLD])
def test_construct_in_each_rdf_format_through_sparqlwrapper_gives_the_same_graph(sparql, multivector_graph, fmt):
    answer = sparql(CONSTRUCT, fmt).query()
    graph = Graph().parse(data=answer.response.read(), format={TURTLE: "turtle", RDFXML: "xml", JSONLD: "json-ld"}[fmt])
    expected = multivector_graph.query(CONSTRUCT).graph
    assert graph.isomorphic(expected) and len(graph) == len(expected) > 2


def test_construct_as_n_triples_by_accept_header(endpoint, multivector_graph):
    answer = httpx.get(f"{endpoint}/sparql", params={"query": CONSTRUCT}, headers={"Accept": "application/n-triples"})
    assert answer.headers["content-type"] == "application/n-triples"
    assert Graph().parse(data=answer.text, format="nt").isomorphic(multivector_graph.query(CONSTRUCT).graph)


def test_describe_answers_a_graph(endpoint):
    answer = httpx.get(f"{endpoint}/sparql", params={"query": "DESCRIBE io:SCO"}, headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=answer.text, format="turtle")
    assert (URIRef(ID + "org/SCO"), None, None) in graph


def test_a_query_by_post_form_and_by_post_body_answers_like_get(endpoint):
    by_get = httpx.get(f"{endpoint}/sparql", params={"query": MEMBERSHIPS}).json()
    by_form = httpx.post(f"{endpoint}/sparql", data={"query": MEMBERSHIPS}).json()
    by_body = httpx.post(f"{endpoint}/sparql", content=MEMBERSHIPS.encode(),
                         headers={"Content-Type": "application/sparql-query"}).json()
    assert by_get == by_form == by_body and len(by_get["results"]["bindings"]) == 2


@pytest.mark.parametrize("accept, media", [
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/tab-separated-values;q=0.9, text/csv;q=0.8", "text/tab-separated-values"),
    ("application/*;q=0.2, text/csv;q=0.1", "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/html, */*;q=0.1", "application/sparql-results+json"),
])
def test_the_accept_header_with_q_values_chooses_the_result_format(endpoint, accept, media):
    answer = httpx.get(f"{endpoint}/sparql", params={"query": MEMBERSHIPS}, headers={"Accept": accept})
    assert answer.status_code == 200 and answer.headers["content-type"].split(";")[0] == media
    assert "Accept" in answer.headers["vary"]


@pytest.mark.parametrize("fmt, media", [("csv", "text/csv; charset=utf-8"),
                                        ("tsv", "text/tab-separated-values; charset=utf-8"),
                                        ("xml", "application/sparql-results+xml"),
                                        ("json", "application/sparql-results+json")])
def test_the_format_parameter_wins_over_accept_and_text_types_carry_their_charset(endpoint, fmt, media):
    answer = httpx.get(f"{endpoint}/sparql", params={"query": MEMBERSHIPS, "format": fmt},
                       headers={"Accept": "application/sparql-results+json"})
    assert answer.headers["content-type"] == media


def test_format_xml_means_rdf_xml_for_a_graph(endpoint):
    answer = httpx.get(f"{endpoint}/sparql", params={"query": CONSTRUCT, "format": "xml"})
    assert answer.headers["content-type"] == "application/rdf+xml"
    assert len(Graph().parse(data=answer.text, format="xml")) > 2


@pytest.mark.parametrize("query, accept", [(MEMBERSHIPS, "text/turtle"), (CONSTRUCT, "application/sparql-results+json"),
                                           ("ASK {}", "text/csv")])
def test_406_names_what_is_offered_when_nothing_acceptable_is(endpoint, query, accept):
    answer = httpx.get(f"{endpoint}/sparql", params={"query": query}, headers={"Accept": accept})
    assert answer.status_code == 406 and "offered" in answer.text


def test_a_relative_iri_resolves_against_the_endpoint(endpoint):
    answer = httpx.get(f"{endpoint}/sparql", params={"query": "SELECT ?x WHERE { BIND(<thing> AS ?x) }"})
    assert answer.json()["results"]["bindings"][0]["x"]["value"] == f"{endpoint}/thing"


def test_the_dataset_parameters_choose_graphs_the_store_holds(endpoint):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s a kz:Membership }"
    everything = httpx.get(f"{endpoint}/sparql", params={"query": query}).json()
    facts = httpx.get(f"{endpoint}/sparql", params={"query": query,
                                                   "default-graph-uri": GRAPH + "file/multivector"}).json()
    ontology = httpx.get(f"{endpoint}/sparql", params={"query": query,
                                                      "default-graph-uri": GRAPH + "ontology/kzgraph"}).json()
    count = lambda answer: int(answer["results"]["bindings"][0]["n"]["value"])  # noqa: E731
    assert count(everything) == count(facts) > 0 and count(ontology) == 0
    named = httpx.get(f"{endpoint}/sparql", params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                                                   "named-graph-uri": GRAPH + "derived"}).json()
    assert [b["g"]["value"] for b in named["results"]["bindings"]] == [GRAPH + "derived"]


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
def test_a_dataset_graph_the_store_does_not_hold_is_refused_with_400(endpoint, parameter):
    answer = httpx.get(f"{endpoint}/sparql", params={"query": "ASK {}", parameter: "http://example.org/elsewhere"})
    assert answer.status_code == 400
    assert "<http://example.org/elsewhere>" in answer.text and "holds no graph" in answer.text


def test_a_malformed_query_gets_400_with_the_line_and_column(endpoint):
    answer = httpx.get(f"{endpoint}/sparql",
                       params={"query": "SELECT ?x WHERE {\n  ?x a kz:Membership \n  FILTER(?x = }"})
    assert answer.status_code == 400 and "line 3" in answer.text and "column" in answer.text
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"


def test_an_undeclared_prefix_gets_400_naming_it(endpoint):
    answer = httpx.get(f"{endpoint}/sparql", params={"query": "SELECT * WHERE { ?s nope:p ?o }"})
    assert answer.status_code == 400 and "nope" in answer.text


@pytest.mark.parametrize("accept, fmt", [("text/turtle", "turtle"), ("application/rdf+xml", "xml"),
                                         ("application/ld+json", "json-ld"), ("application/n-triples", "nt")])
def test_the_service_description_in_each_rdf_format(endpoint, accept, fmt):
    answer = httpx.get(f"{endpoint}/sparql", headers={"Accept": accept})
    assert answer.status_code == 200 and answer.headers["content-type"].split(";")[0] == accept
    sd = Graph().parse(data=answer.text, format=fmt)
    service = URIRef(f"{endpoint}/sparql")
    assert (service, RDF.type, SD.Service) in sd and (service, SD.endpoint, service) in sd
    assert set(sd.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}  # read-only: no update language
    assert {SD.UnionDefaultGraph, SD.EmptyGraphs} <= set(sd.objects(service, SD.feature))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_TSV") in set(sd.objects(service, SD.resultFormat))


def test_the_service_description_lists_the_named_graphs_with_their_sizes(endpoint, multivector_graph):
    sd = Graph().parse(data=httpx.get(f"{endpoint}/sparql", headers={"Accept": "text/turtle"}).text, format="turtle")
    dataset = sd.value(URIRef(f"{endpoint}/sparql"), SD.defaultDataset)
    sizes = {str(sd.value(named, SD.name)): int(sd.value(sd.value(named, SD.graph), VOID.triples))
             for named in sd.objects(dataset, SD.namedGraph)}
    expected = {str(g.identifier): len(g) for g in multivector_graph.dataset.graphs()
                if str(g.identifier).startswith(GRAPH)}
    assert sizes == expected
    assert (dataset, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"), URIRef(f"{endpoint}/void")) in sd


@pytest.mark.parametrize("path", ["/void", "/.well-known/void"])
def test_the_void_description_names_the_endpoint_and_counts_the_triples(endpoint, multivector_graph, path):
    answer = httpx.get(endpoint + path, headers={"Accept": "application/ld+json"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/ld+json"
    void = Graph().parse(data=answer.text, format="json-ld")
    dataset = URIRef("https://w3id.org/kzgraph/dataset")
    assert (dataset, VOID.sparqlEndpoint, URIRef(f"{endpoint}/sparql")) in void
    assert int(void.value(dataset, VOID.triples)) == len(multivector_graph)
    assert not [d for d in void.objects(dataset, VOID.dataDump) if str(d).startswith("file:")]


def test_the_void_file_of_a_build_is_served(multivector_graph, tmp_path):
    (tmp_path / "void.ttl").write_text('<https://w3id.org/kzgraph/dataset> <http://rdfs.org/ns/void#triples> 12345 .\n')
    with serving(create_app(multivector_graph, void=tmp_path / "void.ttl", workers=1)) as url:
        void = Graph().parse(data=httpx.get(f"{url}/void", headers={"Accept": "text/turtle"}).text, format="turtle")
    assert void.value(URIRef("https://w3id.org/kzgraph/dataset"), VOID.triples) == Literal(12345)


def test_cors_lets_a_browser_application_query_from_another_origin(endpoint):
    simple = httpx.get(f"{endpoint}/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert simple.headers["access-control-allow-origin"] == "*"
    preflight = httpx.options(f"{endpoint}/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200 and "POST" in preflight.headers["access-control-allow-methods"]


def test_the_openapi_description_is_served_and_no_page_loads_assets_from_the_internet(endpoint):
    spec = httpx.get(f"{endpoint}/openapi.json").json()
    assert {"/sparql", "/rdf-graphs/service", "/void", "/metrics"} <= set(spec["paths"])
    for page in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        answer = httpx.get(endpoint + page)
        assert answer.status_code == 404 and "cdn" not in answer.text.lower()


def test_predeclared_prefixes_are_those_of_the_store(endpoint):
    answer = httpx.get(f"{endpoint}/sparql",
                       params={"query": "SELECT ?label WHERE { io:SCO skos:prefLabel|rdfs:label ?label } LIMIT 1"})
    assert answer.status_code == 200 and json.loads(answer.text)["results"]["bindings"]
