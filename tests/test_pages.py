"""The HTML query page at `/`, served by uvicorn over the real build and read with httpx as a browser would."""

from __future__ import annotations

import functools
from urllib.parse import parse_qs, urlsplit

import httpx
import lxml.html
import pytest
from fastapi import FastAPI

from kzgraph.endpoint.app import create_app
from kzgraph.endpoint.routes import pages
from kzgraph.sparql import queries as query_module
from kzgraph.sparql.catalogue import load_catalogue
from kzgraph.store.local import open as open_store

from .helpers import serving

# A request waits as long as the machine needs; speed is measured in benchmarks/, not here.
get = functools.partial(httpx.get, timeout=300)
post = functools.partial(httpx.post, timeout=300)

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
CATALOGUE = load_catalogue(query_module.QUERIES_DIR)
MEMBERSHIPS = """PREFIX kz: <https://w3id.org/kzgraph/ontology#>
SELECT ?organisation WHERE { <https://w3id.org/kzgraph/id/state/KAZ> kz:memberOf ?organisation }
ORDER BY ?organisation"""


@pytest.fixture(scope="module")
def server(real_graph):
    with serving(create_app(real_graph)) as url:
        yield url


def html(answer: httpx.Response):
    assert answer.headers["content-type"].startswith("text/html")
    return lxml.html.fromstring(answer.text)


def result_cells(document) -> list[list[str]]:
    """The text of every data cell of the result table, row by row."""
    return [[cell.text_content().strip() for cell in row.findall("td")]
            for row in document.xpath(".//table[@class='results']//tr")[1:]]


def test_the_page_offers_a_query_form_and_links_to_the_service_description_catalogue_void_and_openapi(server):
    document = html(get(server + "/", headers=BROWSER))
    form = document.xpath(".//form[.//textarea]")[0]
    assert form.get("action").endswith("/") and document.xpath(".//textarea[@name='query']")
    assert document.xpath(".//button[@type='submit']")
    links = {a.get("href") for a in document.xpath(".//a")}
    assert {"/sparql", "/queries", "/dataset", "/openapi.json", "/ontology"} <= links


def test_the_page_loads_nothing_from_elsewhere(server):
    document = html(get(server + "/", headers=BROWSER))
    loaded = document.xpath(".//script/@src | .//link/@href | .//img/@src | .//iframe/@src")
    assert all(src.startswith("/") and not src.startswith("//") for src in loaded), loaded
    for src in loaded:
        assert get(server + src).status_code == 200, src
    for style in document.xpath(".//style"):
        assert "@import" not in style.text and "url(" not in style.text


def test_a_query_in_the_url_is_answered_as_a_table_with_the_rows_of_the_store(server, real_graph):
    document = html(get(server + "/", params={"query": MEMBERSHIPS}, headers=BROWSER))
    expected = [str(row.organisation) for row in real_graph.query(MEMBERSHIPS)]
    links = [row.xpath(".//td//a")[0].get("title") for row in document.xpath(".//table[@class='results']//tr")[1:]]
    assert links == expected and len(expected) > 5
    assert document.xpath(".//textarea")[0].text.strip() == MEMBERSHIPS.strip()


def test_result_iris_under_the_base_link_to_the_local_server(server):
    document = html(get(server + "/", params={"query": MEMBERSHIPS}, headers=BROWSER))
    hrefs = {a.get("href") for a in document.xpath(".//table[@class='results']//a")}
    assert "/id/org/CSTO" in hrefs


def test_a_query_sent_by_form_post_is_answered_like_one_in_the_url(server):
    by_get = get(server + "/", params={"query": MEMBERSHIPS}, headers=BROWSER)
    by_post = post(server + "/", data={"query": MEMBERSHIPS}, headers=BROWSER)
    assert by_post.status_code == 200
    assert result_cells(html(by_post)) == result_cells(html(by_get))


def test_a_form_in_another_encoding_than_url_encoding_is_refused_with_415(server):
    answer = post(server + "/", content=MEMBERSHIPS, headers={"content-type": "application/sparql-query"})
    assert answer.status_code == 415
    assert "application/x-www-form-urlencoded" in html(answer).xpath(".//*[@id='error']")[0].text_content()


def test_a_bad_query_is_shown_with_the_parsers_message_and_status_400(server):
    bad = "SELECT ?x WHERE { ?x ?y }"
    endpoint = get(server + "/sparql", params={"query": bad})
    assert endpoint.status_code == 400 and "line 1" in endpoint.text
    answer = get(server + "/", params={"query": bad}, headers=BROWSER)
    assert answer.status_code == 400
    document = html(answer)
    assert document.xpath(".//*[@id='error']")[0].text_content() == endpoint.text.strip()
    assert document.xpath(".//textarea")[0].text.strip() == bad, "the query stays in the form to be mended"


def test_ask_and_construct_results_are_shown_too(server):
    ask = html(get(server + "/", params={"query": "ASK { ?s a <https://w3id.org/kzgraph/ontology#State> }"}))
    assert "Answer: yes" in ask.text_content()
    kaz = "<https://w3id.org/kzgraph/id/state/KAZ>"
    construct = html(get(server + "/", params={"query": f"CONSTRUCT {{ {kaz} ?p ?o }} WHERE {{ {kaz} ?p ?o }}"}))
    header = [th.text for th in construct.xpath(".//table[@class='results']//th")]
    assert header == ["subject", "predicate", "object"]
    assert len(construct.xpath(".//table[@class='results']//tr")) > 10


def test_every_catalogue_example_fills_the_form_and_runs_or_opens_the_named_query(server):
    document = html(get(server + "/", headers=BROWSER))
    examples = document.xpath(".//ul[@class='examples']/li")
    assert len(examples) == len(CATALOGUE)
    for item, named in zip(examples, CATALOGUE.values(), strict=True):
        run_link, named_link = item.xpath(".//a")
        assert parse_qs(urlsplit(run_link.get("href")).query)["query"] == [named.bind({})]
        assert named_link.get("href") == f"/queries/{named.name}"
    first = next(iter(CATALOGUE.values()))
    ran = html(get(server + examples[0].xpath(".//a")[0].get("href"), headers=BROWSER))
    assert ran.xpath(".//textarea")[0].text.strip() == first.bind({}).strip()
    assert result_cells(ran), f"the example {first.name} answers rows on the real data"


def test_results_link_to_the_download_of_every_row(server):
    document = html(get(server + "/", params={"query": MEMBERSHIPS}, headers=BROWSER))
    downloads = [a.get("href") for a in document.xpath(".//*[@id='downloads']//a")]
    assert all(link.startswith("/sparql/download?") for link in downloads)
    formats = [parse_qs(urlsplit(link).query)["format"][0] for link in downloads]
    assert formats == ["csv", "tsv", "json", "xml"]
    assert parse_qs(urlsplit(downloads[0]).query)["query"] == [MEMBERSHIPS]


def test_a_graph_downloads_whole_as_turtle_or_n_triples_and_the_page_says_the_other_syntaxes_are_cut(server):
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
    document = html(get(server + "/", params={"query": construct}, headers=BROWSER))
    links = {a.text: a.get("href") for a in document.xpath(".//*[@id='downloads']//a")}
    assert links["Turtle"].startswith("/sparql/download?") and links["N-Triples"].startswith("/sparql/download?")
    assert links["JSON-LD"].startswith("/sparql?") and "cut at its row limit" in \
        document.xpath("string(.//*[@id='downloads'])")


TRICKY = '<script>alert("x")</script> & "quoted"'


def test_values_and_queries_with_markup_are_escaped(server):
    escaped = TRICKY.replace('"', '\\"')
    query = f'SELECT ?label WHERE {{ BIND("{escaped}" AS ?label) }}'
    answer = get(server + "/", params={"query": query}, headers=BROWSER)
    assert answer.status_code == 200
    assert "<script>" not in answer.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quoted&#34;" in answer.text
    assert result_cells(html(answer)) == [[TRICKY]]
    assert html(answer).xpath(".//textarea")[0].text.strip() == query


def test_a_bad_query_with_markup_is_escaped_in_the_error_too(server):
    answer = get(server + "/", params={"query": "SELECT <script>x</script>"}, headers=BROWSER)
    assert answer.status_code == 400 and "<script>" not in answer.text


def test_the_page_works_on_any_store_given_as_app_state_kg():
    app = FastAPI()
    app.include_router(pages.router)
    app.state.kg = open_store("memory")
    with serving(app) as url:
        answer = get(url + "/", params={"query": "ASK { ?s ?p ?o }"})
    assert answer.status_code == 200 and "Answer: no" in html(answer).text_content()


def test_without_a_store_the_page_answers_503():
    app = FastAPI()
    app.include_router(pages.router)
    with serving(app) as url:
        assert get(url + "/").status_code == 503


def test_the_openapi_description_linked_from_the_page_lists_the_pages(server):
    paths = get(server + "/openapi.json").json()["paths"]
    assert {"/", "/queries", "/queries/{name}", "/id/{path}", "/ontology", "/graph/{path}", "/dataset"} <= set(paths)


# --- truthful limits -----------------------------------------------------------------------------------------

EVERYTHING = "SELECT * WHERE { ?s ?p ?o }"
ORDERED = "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isIRI(?s)) } ORDER BY ?s ?p ?o LIMIT 2500"


def test_a_result_cut_by_the_row_limit_says_so_and_gives_the_real_count(real_graph):
    with serving(create_app(real_graph, max_rows=100)) as url:
        document = html(get(url + "/", params={"query": EVERYTHING}, headers=BROWSER))
    [(count,)] = list(real_graph.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
    assert document.xpath("string(.//*[@id='result-count'])").startswith("100 rows")
    cut = document.xpath("string(.//*[@id='result-cut'])")
    assert "cut the result at 100 rows" in cut and f"the query has {int(count)} rows in all" in cut


def test_a_long_result_is_paged(server, real_graph):
    expected = [[str(v) for v in row] for row in real_graph.query(ORDERED)]
    first = html(get(server + "/", params={"query": ORDERED}, headers=BROWSER))
    assert first.xpath("string(.//*[@id='result-count'])") == "2500 rows; the first 1000 are shown."
    assert not first.xpath(".//*[@id='result-cut']"), "not cut by the row limit: the query's own LIMIT"
    [second] = [a.get("href") for a in first.xpath(".//p[@class='pager']/a") if a.text == "2"]
    page2 = html(get(server + second, headers=BROWSER))
    assert page2.xpath("string(.//*[@id='result-count'])") == "2500 rows; rows 1001–2000 are shown."
    links = [row.xpath(".//td[1]//@title | .//td[1]//span/@title")[:1] or [row.xpath("string(td[1])").strip()]
             for row in page2.xpath(".//table[@class='results']//tr[td]")]
    assert [link[0] for link in links] == [row[0] for row in expected[1000:2000]]


def test_the_download_link_of_a_cut_result_gives_every_row(real_graph):
    [(count,)] = list(real_graph.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
    with serving(create_app(real_graph, max_rows=100)) as url:
        document = html(get(url + "/", params={"query": EVERYTHING}, headers=BROWSER))
        assert "give all of them" in document.xpath("string(.//*[@id='result-cut'])")
        [csv_link] = [a.get("href") for a in document.xpath(".//*[@id='downloads']//a") if a.text == "CSV"]
        with httpx.stream("GET", url + csv_link, timeout=300) as answer:
            lines = b"".join(answer.iter_bytes()).decode().splitlines()
    assert answer.status_code == 200 and len(lines) - 1 == int(count) > 100


TYPED = """# title: Resources of a type
# description: Every subject with an object of a property, for the paging of a long named query.
# param: p iri — the property
SELECT ?s ?o
WHERE {
  ?s ?p ?o FILTER(isIRI(?s))
}
ORDER BY ?s ?o
"""
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def test_a_named_query_page_pages_through_its_rows_keeping_its_parameters(real_graph, tmp_path):
    from kzgraph.endpoint.routes.catalogue import get_catalogue

    (tmp_path / "typed.rq").write_text(TYPED, encoding="utf-8")
    catalogue = load_catalogue(tmp_path)
    expected = [[str(v) for v in row] for row in real_graph.query(catalogue["typed"].bind({"p": RDF_TYPE}))]
    limit = 1500
    assert len(expected) > limit
    app = create_app(real_graph, max_rows=limit)
    app.dependency_overrides[get_catalogue] = lambda: catalogue
    with serving(app) as url:
        first = html(get(url + "/queries/typed", params={"p": RDF_TYPE}, headers=BROWSER))
        assert first.xpath("string(.//*[@id='result-count'])") == (
            f"{limit} rows (the row limit; {len(expected)} in all); the first 1000 are shown.")
        assert f"the query has {len(expected)} rows in all" in first.xpath("string(.//*[@id='result-cut'])")
        [second] = [a.get("href") for a in first.xpath(".//p[@class='pager']/a") if a.text == "2"]
        assert parse_qs(urlsplit(second).query) == {"p": [RDF_TYPE], "page": ["2"]}
        assert [a.get("rel") for a in first.xpath(".//p[@class='pager']/a[@rel]")] == ["next"]
        page2 = html(get(url + "/queries/typed" + second, headers=BROWSER))
        assert page2.xpath("string(.//*[@id='result-count'])").endswith(f"rows 1001–{limit} are shown.")
        shown = [row.xpath(".//td[1]//@title | .//td[1]//span/@title")[:1] or [row.xpath("string(td[1])").strip()]
                 for row in page2.xpath(".//table[@class='results']//tr[td]")]
        assert [s[0] for s in shown] == [row[0] for row in expected[1000:limit]]
        [download] = [a.get("href") for a in first.xpath(".//*[@id='downloads']//a") if a.text == "CSV"]
        assert parse_qs(urlsplit(download).query) == {"p": [RDF_TYPE], "format": ["csv"]}
        with httpx.stream("GET", url + download, timeout=300) as answer:
            lines = b"".join(answer.iter_bytes()).decode().splitlines()
        assert len(lines) - 1 == len(expected), "the download gives every row, past the row limit"
