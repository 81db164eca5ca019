"""Resource pages that lead with what matters, served by uvicorn over the real build and read as a browser
would: a state's memberships as a dated timeline, its facts grouped, dated and paged, the same as JSON; a
fact's cited lines read from the sources folder; a source document's page."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import httpx
import lxml.html
import pytest

from kzgraph.endpoint.app import create_app
from kzgraph.endpoint.routes import linked_data as web_links

from .helpers import serving

get = functools.partial(httpx.get, timeout=300)
BASE = "https://w3id.org/kzgraph/"
BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
#: The source documents: KZGRAPH_SOURCES, else ../shared/seeds beside the repository (as the build finds them).
SEEDS = Path(os.environ.get("KZGRAPH_SOURCES") or Path(__file__).resolve().parents[2] / "shared" / "seeds")
KZ_MEMBERSHIPS = f"""PREFIX kz: <https://w3id.org/kzgraph/ontology#>
SELECT DISTINCT ?m ?start ?end WHERE {{ ?m a kz:Membership ; ?by <{BASE}id/state/KAZ> .
  OPTIONAL {{ ?m kz:startDate ?start }} OPTIONAL {{ ?m kz:endDate ?end }} }}"""


@pytest.fixture(scope="module")
def server(real_graph):
    with serving(create_app(real_graph, sources=SEEDS)) as url:
        yield url


@pytest.fixture(scope="module")
def no_sources(real_graph, tmp_path_factory):
    with serving(create_app(real_graph, sources=tmp_path_factory.mktemp("empty-sources"))) as url:
        yield url


def page(url: str, path: str) -> lxml.html.HtmlElement:
    answer = get(url + path, headers=BROWSER)
    assert answer.status_code == 200, answer.text
    return lxml.html.fromstring(answer.text)


def text(element) -> str:
    return " ".join(element.text_content().split())


def test_kazakhstans_memberships_come_first_each_with_its_dates(server, real_graph):
    document = page(server, "/id/state/KAZ")
    groups = [table.get("data-group") for table in document.xpath(".//table[@class='incoming']")]
    assert groups[:2] == ["memberships", "agreements"]
    assert {"exercises", "transfers", "leases", "figures", "claims"} <= set(groups)
    expected = {str(m): (s, e) for m, s, e in real_graph.query(KZ_MEMBERSHIPS)}
    assert len(expected) > 10
    [table] = document.xpath(".//table[@data-group='memberships']")
    shown = {BASE + row.xpath("td[1]/a/@href")[0][1:]: text(row.xpath("td[2]")[0]) for row in table.xpath(".//tr[td]")}
    assert set(expected) <= set(shown)
    for membership, (start, end) in expected.items():
        dates = shown[membership]
        if start is None:
            assert dates == "undated" or dates.startswith("until")
        elif end is None:
            assert dates == f"since {start} (no end recorded)"
        else:
            assert dates == (str(start) if str(start) == str(end) else f"{start} – {end}")


def test_the_timeline_draws_a_bar_per_dated_membership_and_tells_past_from_open(server, real_graph):
    document = page(server, "/id/state/KAZ")
    [svg] = document.xpath(".//div[@class='timeline-box']/svg")
    bars = svg.xpath(".//rect[contains(@class, 'bar')]")
    dated = [(s, e) for _, s, e in real_graph.query(KZ_MEMBERSHIPS) if s is not None]
    assert len(bars) == len(dated)
    past = [bar for bar in bars if "past" in bar.get("class").split()]
    assert len(past) == sum(1 for _, e in dated if e is not None) > 0
    assert len(bars) - len(past) == sum(1 for _, e in dated if e is None) > 0
    undated = len(list(real_graph.query(KZ_MEMBERSHIPS))) - len(dated)
    if undated:
        [note] = document.xpath(".//p[contains(@class, 'undated')]")
        assert len(note.xpath(".//a")) == undated


def test_the_transfers_and_figures_are_grouped_and_counted(server, real_graph):
    document = page(server, "/id/state/KAZ")
    for group, cls in (("transfers", "MilitaryTechnicalCooperation"), ("leases", "Lease")):
        [n] = list(real_graph.query(f"""PREFIX kz: <https://w3id.org/kzgraph/ontology#>
            SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a kz:{cls} ; ?p <{BASE}id/state/KAZ> }}"""))
        [count] = document.xpath(f".//section[@id='{group}']/h2/span[@class='count']")
        assert int(text(count)) == int(n[0]) > 0


def test_a_group_larger_than_a_page_is_paged_and_says_where_it_was_cut(server):
    document = page(server, "/id/state/KAZ")
    [section] = document.xpath(".//section[@id='figures']")
    total = int(text(section.xpath("h2/span[@class='count']")[0]))
    assert total > web_links.page_size('figures')
    assert f"1–{web_links.page_size('figures')} of {total}" in text(section)
    [following] = section.xpath(".//a[@rel='next']/@href")
    second = page(server, "/id/state/KAZ" + following.split("#")[0])
    [section2] = second.xpath(".//section[@id='figures']")
    assert f"{web_links.page_size('figures') + 1}–" in text(section2)


def test_the_profile_is_served_as_json_with_totals_and_paging(server):
    answer = get(server + "/profile/id/state/KAZ")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert body["label"] == "Kazakhstan"
    groups = {g["key"]: g for g in body["groups"]}
    memberships = groups["memberships"]["items"]
    csto = [m for m in memberships if m["iri"].endswith("kaz-csto-founding-member-1992")]
    assert csto and csto[0]["start"] == "1992-05-15" and csto[0]["end"] is None
    assert csto[0]["details"]["kz:organisation"][0]["iri"] == BASE + "id/org/CSTO"
    html_count = int(text(page(server, "/id/state/KAZ").xpath(".//section[@id='figures']/h2/span")[0]))
    assert groups["figures"]["total"] == html_count
    paged = get(server + "/profile/id/state/KAZ", params={"group": "figures", "size": 10, "page": 2}).json()
    [figures] = paged["groups"]
    assert len(figures["items"]) == 10 and figures["truncated"]
    assert [i["iri"] for i in figures["items"]] == [i["iri"] for i in groups["figures"]["items"][10:20]]
    assert get(server + "/profile/id/state/KAZ", params={"group": "nothing"}).status_code == 400
    assert get(server + "/profile/id/state/NOPE").status_code == 404


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source documents are not beside the repository")
def test_a_fact_page_shows_the_cited_lines_of_its_source_document(server, real_graph):
    fact = "id/membership/kaz-pfp-partner-1995"
    [(name, start, end)] = list(real_graph.query(f"""PREFIX kz: <https://w3id.org/kzgraph/ontology#>
        SELECT ?name ?a ?b WHERE {{ <{BASE}{fact}> kz:citation [ kz:document ?d ; kz:lineStart ?a ; kz:lineEnd ?b ] .
        ?d kz:fileName ?name }} ORDER BY ?a LIMIT 1"""))
    lines = (SEEDS / str(name)).read_text(encoding="utf-8").splitlines()[int(start) - 1:int(end)]
    document = page(server, "/" + fact)
    [first] = document.xpath(".//figure[@class='cited'][1]//pre[@class='passage']")
    numbers = [int(n) for n in first.xpath("span[@class='ln']/text()")]
    assert numbers == list(range(int(start), int(end) + 1))
    shown = first.text_content().splitlines()
    assert [line[len(str(n)):] for line, n in zip(shown, numbers, strict=True)] == lines


def test_without_the_source_document_the_page_says_why_the_lines_are_missing(no_sources):
    document = page(no_sources, "/id/membership/kaz-pfp-partner-1995")
    assert not document.xpath(".//pre[@class='passage']")
    assert "is not in the sources folder" in text(document.xpath(".//figure[@class='cited']")[0])


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source documents are not beside the repository")
def test_a_citation_links_to_the_passage_on_the_source_page(server):
    document = page(server, "/id/state/KAZ")
    [link] = document.xpath(".//table[@data-group='memberships']//a[@class='passage-link']/@href")[:1]
    source = page(server, link.split("#")[0])
    start, end = link.split("lines=")[1].split("#")[0].split("-")
    numbers = [int(n) for n in source.xpath(".//pre[@class='passage']/span[@class='ln']/text()")]
    assert numbers == list(range(int(start), int(end) + 1))


def test_a_source_page_gives_title_publisher_date_kind_and_says_what_is_not_recorded(server):
    document = page(server, "/id/source/bicc-country-report-2025")
    card = {text(dt): text(dd) for dt, dd in zip(document.xpath(".//dl[@class='source-card']/dt"),
                                                document.xpath(".//dl[@class='source-card']/dd"), strict=True)}
    assert card["title"] == "Länderbericht Kasachstan @de"
    assert card["publisher"].startswith("Bonn International Centre for Conflict Studies")
    assert card["date"].startswith("2025")
    assert card["kind"] and card["URL"] == "not recorded in the data"


def test_the_transfers_group_sums_the_registers_tiv_where_transfers_give_it():
    from rdflib import XSD, Literal, URIRef

    from kzgraph.sparql.describe import KZ, Item

    def transfer(name, *tiv):
        details = {KZ.tivDelivered: list(tiv)} if tiv else {}
        return Item(URIRef(BASE + "id/transfer/" + name), "transfers", details=details)

    items = [transfer("a", Literal("12.5", datatype=XSD.decimal)), transfer("b", Literal(3)), transfer("c")]
    assert web_links._tiv(items) == "15.5 million TIV delivered over 2 register deals"
    assert web_links._tiv(items[2:]) is None, "no sum where no transfer gives a TIV"


def test_every_shortcut_the_ontology_declares_is_shown_as_a_shortcut(real_graph):
    from kzgraph.sparql.describe import SHORTCUTS

    declared = {row[0] for row in real_graph.query("""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?p WHERE { ?p skos:definition ?d FILTER(STRSTARTS(STR(?d), "Shortcut")) }""")}
    assert declared and declared <= SHORTCUTS
