"""Search by name on every page: English and German labels, alternative labels, acronyms; HTML for a browser,
JSON for tools; over uvicorn serving the real build."""

from __future__ import annotations

import functools

import httpx
import lxml.html
import pytest

from kzgraph.endpoint.app import create_app
from kzgraph.sparql import describe

from .helpers import serving

get = functools.partial(httpx.get, timeout=300)
BASE = "https://w3id.org/kzgraph/"
BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture(scope="module")
def server(real_graph):
    with serving(create_app(real_graph)) as url:
        yield url


@pytest.mark.parametrize("words, first", [
    ("Kazakhstan", "id/state/KAZ"), ("kasachstan", "id/state/KAZ"),  # English and German labels, any case
    ("CSTO", "id/org/CSTO"), ("OVKS", "id/org/CSTO"), ("ODKB", "id/org/CSTO"),  # acronyms in three languages
    ("SOZ", "id/org/SCO"), ("kasachisch", "id/state/KAZ"),  # a hidden label: the German adjective
])
def test_a_name_label_or_acronym_finds_its_resource_first(server, words, first):
    answer = get(server + "/search", params={"q": words})
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["hits"][0]["iri"] == BASE + first


def test_every_hit_holds_the_words_and_the_total_is_every_match(server, real_graph):
    body = get(server + "/search", params={"q": "csto"}).json()
    assert all("csto" in hit["matched"].lower() for hit in body["hits"])
    properties = " ".join(p.n3() for p in describe.SEARCH_PROPERTIES)
    matching = {str(r[0]) for r in real_graph.query(
        f"SELECT DISTINCT ?r WHERE {{ ?r ?p ?t VALUES ?p {{ {properties} }} "
        "FILTER(isIRI(?r) && CONTAINS(LCASE(STR(?t)), 'csto')) }")}
    assert body["total"] == len(matching) > len(body["hits"]) == describe.SEARCH_LIMIT and body["truncated"]


def test_every_page_has_the_search_box_and_a_browser_gets_a_page_of_links(server):
    for path in ("/", "/id/state/KAZ", "/ontology", "/metrics"):
        document = lxml.html.fromstring(get(server + path, headers=BROWSER).text)
        assert document.xpath(".//header//form[@action='/search']//input[@name='q']"), path
    page = lxml.html.fromstring(get(server + "/search", params={"q": "Partnerschaft"}, headers=BROWSER).text)
    links = page.xpath(".//table[contains(@class, 'search-results')]//td[1]/a/@href")
    assert "/id/programme/PfP" in links
    assert "match" in page.xpath("string(.//*[@id='search-total'])")


def test_an_empty_search_finds_nothing_and_says_nothing_wrong(server):
    assert get(server + "/search", params={"q": "  "}).json() == {"q": "  ", "total": 0, "truncated": False, "hits": []}
