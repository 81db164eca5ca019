"""Linked data: every kzgraph IRI resolves on a local uvicorn server over the real build, as HTML or RDF.

Expected values come from independent SPARQL queries on the same build, or from rdflib's own Concise
Bounded Description of the union graph, never from counts written into the test.
"""

from __future__ import annotations

import functools

import httpx
import lxml.html
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, SKOS, VOID, XSD

from kzgraph.build import statistics as stats
from kzgraph.build.pipeline import union_graph
from kzgraph.endpoint import templating as web
from kzgraph.endpoint.app import create_app
from kzgraph.endpoint.routes import linked_data as web_links
from kzgraph.store.local import open as open_store

from .helpers import serving

# A request waits as long as the machine needs; speed is measured in benchmarks/, not here.
get = functools.partial(httpx.get, timeout=300)

BASE = "https://w3id.org/kzgraph/"
KZ = Namespace(BASE + "ontology#")
BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
FACT = BASE + "id/membership/kaz-pfp-partner-1995"
RDF_FORMATS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
               "application/ld+json": "json-ld"}


@pytest.fixture(scope="module")
def server(real_graph):
    with serving(create_app(real_graph)) as url:
        yield url


@pytest.fixture(scope="module")
def union(real_graph):
    return union_graph(real_graph)


def page(server, path, **params):
    answer = get(server + path, params=params or None, headers=BROWSER)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    return lxml.html.fromstring(answer.text)


def rdf(server, path, media="text/turtle") -> Graph:
    answer = get(server + path, headers={"accept": media})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(media), answer.text
    return Graph().parse(data=answer.content, format=RDF_FORMATS[media])


def english(real_graph, iri, prop=RDFS.label) -> str:
    (label,) = [row[0] for row in real_graph.query(
        f"SELECT ?l WHERE {{ <{iri}> <{prop}> ?l FILTER(lang(?l) = 'en') }}")]
    return str(label)


def text(element) -> str:
    return " ".join(element.text_content().split())


# --- a state, an organisation, a concept ---------------------------------------------------------------------

def test_a_state_shows_its_english_label_other_languages_types_facts_and_incoming_links(server, real_graph):
    document = page(server, "/id/state/KAZ")
    assert text(document.xpath(".//h1")[0]) == english(real_graph, BASE + "id/state/KAZ") == "Kazakhstan"
    assert "Kasachstan" in text(document.xpath(".//main/p[not(@class)]")[0])
    assert "/ontology#State" in document.xpath(".//p[@class='types']/a/@href")
    rows = {text(tr.xpath("th")[0]) for tr in document.xpath(".//h2[.='Properties']/following-sibling::table[1]/tr")}
    assert "member of" not in rows, "the undated shortcuts are not shown as properties that read as current"
    members = {str(o) for (o,) in real_graph.query(f"SELECT ?o WHERE {{ <{BASE}id/state/KAZ> kz:memberOf ?o }}")}
    [shortcuts] = document.xpath(".//p[contains(@class, 'shortcuts')]")
    assert members <= {BASE + h[1:] for h in shortcuts.xpath(".//a/@href")}
    linking = {str(s) for (s,) in real_graph.query(
        f"SELECT DISTINCT ?s WHERE {{ ?s ?p <{BASE}id/state/KAZ> FILTER(isIRI(?s)) }}")}
    counts = {group: int(n) for group, n in (
        (table.get("data-group"), text(table.xpath("preceding-sibling::h2[1]/span[@class='count']")[0]))
        for table in document.xpath(".//table[@class='incoming']"))}
    assert sum(counts.values()) == len(linking), "every resource that links here is counted in one group"
    incoming = {BASE + h[1:] for h in document.xpath(".//table[@class='incoming']//td[1]/a/@href")}
    assert incoming <= linking
    assert len(incoming) == sum(min(n, web_links.page_size(g)) for g, n in counts.items()), "a page of each group"


def test_an_organisation_in_turtle_holds_its_labels_and_in_html_its_english_name(server, real_graph):
    graph = rdf(server, "/id/org/CSTO")
    name = english(real_graph, BASE + "id/org/CSTO")
    assert (URIRef(BASE + "id/org/CSTO"), RDFS.label, Literal(name, lang="en")) in graph
    assert text(page(server, "/id/org/CSTO").xpath(".//h1")[0]) == name


def test_a_concept_shows_its_english_preferred_label_and_what_uses_it(server, real_graph):
    concept = BASE + "id/concept/role-observer"
    document = page(server, "/id/concept/role-observer")
    assert text(document.xpath(".//h1")[0]) == english(real_graph, concept, SKOS.prefLabel)
    users = {str(s) for (s,) in real_graph.query(f"SELECT ?s WHERE {{ ?s kz:role <{concept}> }}")}
    shown = {BASE + h[1:] for h in document.xpath(".//table[@class='incoming']//td[1]/a/@href")}
    assert users and users <= shown


# --- a fact and its sources ----------------------------------------------------------------------------------

def citations(real_graph, fact):
    return sorted((english(real_graph, str(d)), int(a), int(b)) for d, a, b in real_graph.query(
        f"SELECT ?d ?a ?b WHERE {{ <{fact}> kz:citation [ kz:document ?d ; kz:lineStart ?a ; kz:lineEnd ?b ] }}"))


def test_a_fact_page_shows_each_source_document_with_its_line_range(server, real_graph):
    expected = citations(real_graph, FACT)
    assert len(expected) >= 2
    document = page(server, "/id/membership/kaz-pfp-partner-1995")
    shown = [text(li) for li in document.xpath(".//ul[@class='sources']/li")]
    assert sorted(shown) == sorted(f"{label}, lines {start}–{end}" if start != end else f"{label}, line {start}"
                                   for label, start, end in expected)
    nested = document.xpath(".//table[@class='nested']")
    assert len(nested) == len(expected), "each citation is shown inline as well"


def test_a_fact_in_turtle_parses_and_holds_its_citations(server, real_graph):
    graph = rdf(server, "/id/membership/kaz-pfp-partner-1995")
    held = sorted((english(real_graph, str(graph.value(c, KZ.document))), int(graph.value(c, KZ.lineStart)),
                   int(graph.value(c, KZ.lineEnd))) for c in graph.objects(URIRef(FACT), KZ.citation))
    assert held == citations(real_graph, FACT)


def test_incoming_facts_show_their_sources_too(server, real_graph):
    document = page(server, "/id/programme/PfP")
    rows = [row for row in document.xpath(".//table[@class='incoming']//tr[td]") if text(row.xpath("td[5]")[0])]
    assert rows
    for row in rows[:5]:
        fact = BASE + row.xpath("td[1]/a/@href")[0][1:]
        shown = text(row.xpath("td[5]")[0])
        for label, start, end in citations(real_graph, fact):
            assert label in shown and ('line ' + str(start) if start == end else f'lines {start}–{end}') in shown


def simple(graph: Graph) -> Graph:
    """The graph with ``"x"^^xsd:string`` written as the simple literal ``"x"``: the same term in RDF 1.1
    (RDF 1.1 Concepts §3.3), which JSON-LD writes without its datatype but rdflib tells apart."""
    out = Graph()
    for s, p, o in graph:
        out.add((s, p, Literal(str(o)) if isinstance(o, Literal) and o.datatype == XSD.string else o))
    return out


# --- RDF formats --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/id/membership/kaz-pfp-partner-1995", "/id/state/KAZ", "/id/concept/role-observer"])
def test_every_rdf_format_parses_to_the_concise_bounded_description(server, union, path):
    expected = simple(union.cbd(URIRef(BASE + path[1:])))
    for media in RDF_FORMATS:
        assert isomorphic(simple(rdf(server, path, media)), expected), media


@pytest.mark.parametrize("accept, media", [
    (BROWSER["accept"], "text/html"), ("*/*", "text/turtle"), (None, "text/turtle"),
    ("application/ld+json", "application/ld+json"),
    ("application/rdf+xml;q=0.5, text/html;q=0.1", "application/rdf+xml"),
])
def test_the_format_is_negotiated_by_accept(server, accept, media):
    answer = get(server + "/id/state/KAZ", headers={"accept": accept} if accept else {})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(media)
    assert "Accept" in answer.headers["vary"]


@pytest.mark.parametrize("path", ["/id/state/KAZ", "/queries", "/queries/csto-members-timeline"])
def test_a_format_nobody_offers_gets_406_that_names_the_offer_and_varies_by_accept(server, path):
    answer = get(server + path, headers={"accept": "image/png"})
    assert answer.status_code == 406 and "Accept" in answer.headers["vary"]
    assert "image/png" in answer.text


def test_the_format_parameter_wins_over_accept_and_an_unoffered_format_is_406(server):
    answer = get(server + "/id/state/KAZ", params={"format": "nt"}, headers=BROWSER)
    assert answer.headers["content-type"].startswith("application/n-triples")
    assert get(server + "/id/state/KAZ", headers={"accept": "application/json"}).status_code == 406
    assert get(server + "/id/state/KAZ", params={"format": "csv"}).status_code == 406


# --- unknown IRIs -------------------------------------------------------------------------------------------

def test_an_unknown_iri_is_404_with_a_page_that_suggests_resources_of_the_same_kind(server):
    answer = get(server + "/id/state/KAZZ", headers=BROWSER)
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    document = lxml.html.fromstring(answer.text)
    assert BASE + "id/state/KAZZ" in text(document)
    assert "/id/state/KAZ" in document.xpath(".//main//li/a/@href")


@pytest.mark.parametrize("path", ["/id/state/KAZZ", "/id/nothing", "/id/state/K%3EAZ", "/graph/nothing",
                                  "/dataset/nothing"])
def test_unknown_iris_are_404_for_tools_too(server, path):
    answer = get(server + path, headers={"accept": "text/turtle"})
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/plain")


def test_an_iri_known_only_as_an_object_resolves_with_its_incoming_links(server):
    assert len(rdf(server, "/ontology/1.0.0")) == 0
    document = page(server, "/ontology/1.0.0")
    assert document.xpath(".//table[@class='incoming']//td[1]/a/@href") == ["/ontology#"]


# --- every link resolves ------------------------------------------------------------------------------------

def test_every_local_link_of_a_fact_page_resolves(server):
    document = page(server, "/id/membership/kaz-pfp-partner-1995")
    links = {h.split("#")[0] for h in document.xpath(".//main//a/@href")
             if h.startswith(("/id/", "/ontology", "/graph/", "/dataset"))}
    assert len(links) >= 5
    for link in sorted(links):
        assert get(server + link, headers={"accept": "text/turtle"}).status_code == 200, link


# --- the ontology, named graphs and the dataset -------------------------------------------------------------

def test_the_ontology_serves_every_term_and_its_page_has_an_anchor_for_each(server, real_graph):
    terms = {str(s) for (s,) in real_graph.query(
        f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), '{KZ}')) }}")}
    graph = rdf(server, "/ontology")
    assert {str(s) for s in graph.subjects() if str(s).startswith(str(KZ))} == terms
    assert (URIRef(str(KZ)), RDF.type, URIRef("http://www.w3.org/2002/07/owl#Ontology")) in graph
    document = page(server, "/ontology")
    anchors = set(document.xpath(".//section/@id"))
    assert {t[len(str(KZ)):] for t in terms if t != str(KZ)} <= anchors
    membership = document.xpath(".//section[@id='Membership']")[0]
    assert text(membership.xpath(".//h2")[0]).startswith(english(real_graph, KZ.Membership))


def test_links_to_ontology_terms_point_at_their_anchor(server):
    document = page(server, "/id/state/KAZ")
    assert "/ontology#isoCode" in document.xpath(".//table//th/a/@href")
    assert "/ontology#member" in document.xpath(".//table[@class='incoming']//td[3]/a/@href")
    assert "/ontology#memberOf" in document.xpath(".//p[contains(@class, 'shortcuts')]//a/@href")


def test_a_named_graph_serves_its_triples_and_lists_its_resources(server, real_graph):
    name = BASE + "graph/data/dissertation/ch4-csto"
    [(count,)] = list(real_graph.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"))
    assert len(rdf(server, "/graph/data/dissertation/ch4-csto", "application/n-triples")) == int(count) > 0
    subjects = {str(s) for (s,) in real_graph.query(
        f"SELECT DISTINCT ?s WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} FILTER(isIRI(?s)) }}")}
    document = page(server, "/graph/data/dissertation/ch4-csto")
    assert {BASE + h[1:] for h in document.xpath(".//main//li/a/@href")} == subjects


def test_the_dataset_is_described_in_void_computed_from_the_store(server, real_graph):
    graph = rdf(server, "/dataset")
    dataset = URIRef(BASE + "dataset")
    assert (dataset, RDF.type, VOID.Dataset) in graph
    assert int(graph.value(dataset, VOID.triples)) == stats.summarise(real_graph).triples
    assert graph.value(dataset, VOID.sparqlEndpoint) == URIRef(server + "/sparql")
    assert graph.value(dataset, VOID.dataDump) is None
    document = page(server, "/dataset")
    partitions = [h for h in document.xpath(".//main//a/@href") if h.startswith("/dataset/class-partition/")]
    assert partitions
    assert page(server, partitions[0]).xpath(".//h1")


# --- a few queries, escaping --------------------------------------------------------------------------------

class CountingStore:
    """A store that counts the queries it is asked; it offers nothing but ``.query``."""

    def __init__(self, kg):
        self.kg, self.queries = kg, []

    def query(self, sparql, **dataset):
        self.queries.append(sparql)
        return self.kg.query(sparql, **dataset)


def test_a_resource_page_runs_a_few_queries_on_the_store(real_graph):
    app = create_app(real_graph)
    app.state.store = store = CountingStore(app.state.store)  # resource pages are the project's own reads
    with serving(app) as url:
        for path in ("/id/state/KAZ", "/id/source/dissertation-diversification", "/id/membership/kaz-pfp-partner-1995"):
            store.queries.clear()
            assert get(url + path, headers=BROWSER).status_code == 200
            assert 1 <= len(store.queries) <= 5, (path, len(store.queries))


def test_a_long_list_of_incoming_links_is_cut_and_its_total_given(server, real_graph):
    source = BASE + "id/source/dissertation-diversification"
    [(total,)] = list(real_graph.query(f"""SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?q WHERE {{
        {{ ?s ?p <{source}> FILTER(!isBlank(?s)) }} UNION
        {{ ?s ?p ?b . ?b ?q <{source}> FILTER(isBlank(?b) && !isBlank(?s)) }} }} }}"""))
    document = page(server, "/id/source/dissertation-diversification")
    for table in document.xpath(".//table[@class='incoming']"):
        count = int(text(table.xpath("preceding-sibling::h2[1]/span[@class='count']")[0]))
        group = table.get("data-group")
        size = web_links.page_size(group)
        assert len(table.xpath(".//tr[td]")) == min(count, size)
        if count > size:
            assert f"1–{size} of {count}" in text(table.getparent())
            following = page(server, f"/id/source/dissertation-diversification?{group}=2")
            [again] = following.xpath(f".//table[@data-group='{group}']")
            assert {tuple(r.xpath("td[1]/a/@href")) for r in again.xpath(".//tr[td]")}.isdisjoint(
                {tuple(r.xpath("td[1]/a/@href")) for r in table.xpath(".//tr[td]")}), "page 2 holds other facts"
    assert "resources link here in all" in text(document)
    [everything] = document.xpath(".//a[.='all of them as a query']/@href")
    listed = page(server, everything)
    assert f"{int(total)} rows" in text(listed)
    assert len(listed.xpath(".//table[@class='results']//tr[td]")) == min(int(total), web.TABLE_LIMIT)


TRICKY = '<script>alert("x")</script> & "Tom & Jerry"'


@pytest.fixture(scope="module")
def tricky_server():
    """A store with one resource whose label and values hold markup, and a javascript: IRI."""
    kg = open_store("oxigraph")
    graph = kg.graph(URIRef(BASE + "graph/test"))
    person = URIRef(BASE + "id/person/tricky")
    graph.add((person, RDFS.label, Literal(TRICKY, lang="en")))
    graph.add((person, KZ.description, Literal('a < b && c > "d"')))
    graph.add((person, RDFS.seeAlso, URIRef("javascript:alert(1)")))
    with serving(create_app(kg)) as url:
        yield url


def test_labels_and_values_with_markup_are_escaped_and_odd_iris_are_not_links(tricky_server):
    answer = get(tricky_server + "/id/person/tricky", headers=BROWSER)
    assert answer.status_code == 200
    assert "<script>" not in answer.text and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in answer.text
    document = lxml.html.fromstring(answer.text)
    assert text(document.xpath(".//h1")[0]) == TRICKY
    assert 'a < b && c > "d"' in text(document)
    assert not [h for h in document.xpath(".//a/@href") if h.lower().startswith("javascript:")]
    assert "javascript:alert(1)" in text(document)
