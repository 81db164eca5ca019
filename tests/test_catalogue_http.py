"""The named-query catalogue over HTTP (`/queries`, `/queries/{name}`), on a uvicorn server over the real build.

Each named query answered over HTTP must give the rows `kzgraph.sparql.queries` gives on the same build (the answers
themselves are checked in tests/test_catalogue.py); parameters are bound by the catalogue, never spliced.
"""

from __future__ import annotations

import csv
import functools
import io
import xml.etree.ElementTree as ElementTree

import httpx
import lxml.html
import pytest
from fastapi import FastAPI
from rdflib.query import Result

from kzgraph.endpoint.app import create_app
from kzgraph.endpoint.routes import catalogue as catalogue_api
from kzgraph.sparql.catalogue import load_catalogue
from kzgraph.sparql.queries import QUERIES_DIR, resolve
from kzgraph.store.local import open as open_store

from .helpers import serving

# A request waits as long as the machine needs; speed is measured in benchmarks/, not here.
get = functools.partial(httpx.get, timeout=300)

CATALOGUE = load_catalogue(QUERIES_DIR)
BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
SPARQL_JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def server(real_graph):
    with serving(create_app(real_graph)) as url:
        yield url


def rows_of(answer: httpx.Response) -> list[tuple]:
    """The rows of a SPARQL JSON answer as rdflib terms."""
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(SPARQL_JSON)
    result = Result.parse(io.BytesIO(answer.content), format="json")
    return [tuple(row[var] for var in result.vars) for row in result]


def expected_rows(kg, name, **params) -> list[tuple]:
    result = kg.query(resolve(name, params=params))
    return [tuple(row[var] for var in result.vars) for row in result]


# --- the list -----------------------------------------------------------------------------------------------

def test_the_list_gives_every_query_with_title_description_parameters_and_the_url_that_runs_it(server):
    answer = get(server + "/queries")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    listed = {record["name"]: record for record in answer.json()}
    assert list(listed) == list(CATALOGUE)
    for name, named in CATALOGUE.items():
        record = listed[name]
        assert (record["title"], record["description"]) == (named.title, named.description)
        assert record["parameters"] == [{"name": p.name, "type": p.type, "default": p.default, "description": p.doc}
                                        for p in named.parameters]
        assert record["url"] == f"{server}/queries/{name}"


def test_the_list_is_a_page_for_browsers_and_by_format_html(server):
    for answer in (get(server + "/queries", headers=BROWSER),
                   get(server + "/queries", params={"format": "html"})):
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
        links = {a.get("href") for a in lxml.html.fromstring(answer.text).xpath(".//a")}
        assert {f"{server}/queries/{name}" for name in CATALOGUE} <= links
    assert get(server + "/queries", params={"format": "json"}, headers=BROWSER).json()[0]["name"]


def test_a_list_format_that_is_not_offered_gets_406(server):
    assert get(server + "/queries", params={"format": "csv"}).status_code == 406
    assert get(server + "/queries", headers={"accept": "text/csv"}).status_code == 406


# --- running a query ----------------------------------------------------------------------------------------

# the register's queries answer over the curated data with the register imported (test below)
CURATED = sorted(name for name in CATALOGUE if not name.startswith("register-"))
REGISTER = sorted(name for name in CATALOGUE if name.startswith("register-"))


@pytest.mark.parametrize("name", CURATED)
def test_every_named_query_over_http_gives_the_rows_of_kzgraph_query(server, real_graph, name):
    rows = rows_of(get(f"{server}/queries/{name}"))
    assert rows == expected_rows(real_graph, name)
    assert rows, f"{name} answers rows on the real data"


def test_the_registers_named_queries_over_http_give_the_rows_of_kzgraph_query(real_register_graph):
    with serving(create_app(real_register_graph, workers=1)) as url:
        for name in REGISTER:
            rows = rows_of(get(f"{url}/queries/{name}"))
            assert rows == expected_rows(real_register_graph, name)
            assert rows, f"{name} answers rows on the curated data with the register"


@pytest.mark.parametrize("name, params", [
    ("memberships-over-time", {"state": "state:UZB"}),
    ("agreements-by-year", {"from_year": "1992", "to_year": "1994"}),
    ("exercises-by-framework", {"framework": "<https://w3id.org/kzgraph/id/org/CSTO>"}),
    ("organisations-of-state-by-year", {"state": "https://w3id.org/kzgraph/id/state/KAZ", "year": "1995"}),
])
def test_parameters_in_the_query_string_are_bound_as_kzgraph_query_binds_them(server, real_graph, name, params):
    rows = rows_of(get(f"{server}/queries/{name}", params=params))
    assert rows == expected_rows(real_graph, name, **params)
    assert rows != expected_rows(real_graph, name), "the parameters change the answer"


def test_an_empty_value_counts_as_not_given(server, real_graph):
    rows = rows_of(get(f"{server}/queries/memberships-over-time", params={"state": ""}))
    assert rows == expected_rows(real_graph, "memberships-over-time")


@pytest.mark.parametrize("accept, media", [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("*/*", SPARQL_JSON),
])
def test_answers_are_negotiated_like_the_sparql_endpoint(server, accept, media):
    answer = get(f"{server}/queries/csto-members-timeline", headers={"accept": accept})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(media)
    assert "Accept" in answer.headers["vary"]
    if media == "text/csv":
        assert next(csv.reader(io.StringIO(answer.text)))[0] == "member"
    if media.endswith("+xml"):
        assert ElementTree.fromstring(answer.content).tag.endswith("sparql")


@pytest.mark.parametrize("format_name", ["xml", "tsv"])
def test_xml_and_tsv_answers_hold_the_same_rows_with_unbound_values_left_empty(server, real_graph, format_name):
    answer = get(f"{server}/queries/csto-members-timeline", params={"format": format_name})
    parsed = Result.parse(io.BytesIO(answer.content), format=format_name)
    rows = [tuple(row[var] for var in parsed.vars) for row in parsed]
    expected = expected_rows(real_graph, "csto-members-timeline")
    assert rows == expected and any(None in row for row in expected)


def test_format_in_the_query_string_wins_and_is_no_query_parameter(server, real_graph):
    answer = get(f"{server}/queries/memberships-over-time",
                       params={"state": "state:UZB", "format": "csv"}, headers=BROWSER)
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["membership"] for r in rows] == [str(row[0]) for row in expected_rows(real_graph, "memberships-over-time",
                                                                                   state="state:UZB")]


def test_no_catalogue_parameter_is_named_like_a_reserved_query_string_key():
    for named in CATALOGUE.values():
        assert not {p.name for p in named.parameters} & catalogue_api.RESERVED, named.name


def test_browsers_get_a_page_with_the_parameter_form_the_result_table_and_the_query_as_run(server, real_graph):
    answer = get(f"{server}/queries/memberships-over-time", params={"state": "state:UZB"}, headers=BROWSER)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    document = lxml.html.fromstring(answer.text)
    assert document.xpath(".//input[@name='state']/@value") == ["state:UZB"]
    rows = document.xpath(".//table[@class='results']//tr")[1:]
    assert len(rows) == len(expected_rows(real_graph, "memberships-over-time", state="state:UZB"))
    assert "VALUES ?state { <https://w3id.org/kzgraph/id/state/UZB> }" in document.xpath(".//pre")[0].text


# --- refusals -----------------------------------------------------------------------------------------------

def test_an_unknown_query_is_404(server):
    answer = get(f"{server}/queries/no-such-query")
    assert answer.status_code == 404 and "no-such-query" in answer.text
    assert get(f"{server}/queries/no-such-query", headers=BROWSER).status_code == 404


@pytest.mark.parametrize("params, named", [
    ({"country": "state:KAZ"}, "country"),                       # no parameter of the query
    ({"state": "Kazakhstan"}, "state"),                          # not an IRI
    ({"state": "<https://w3id.org/kzgraph/id/state/KAZ> } ?s ?p ?o . {"}, "state"),
])
def test_an_unknown_parameter_or_a_bad_value_is_400_naming_the_parameter(server, params, named):
    answer = get(f"{server}/queries/memberships-over-time", params=params)
    assert answer.status_code == 400 and f"'{named}'" in answer.text


def test_a_year_that_tries_to_extend_the_query_is_refused(server):
    answer = get(f"{server}/queries/agreements-by-year", params={"from_year": "1992 } UNION { ?s ?p ?o"})
    assert answer.status_code == 400 and "'from_year'" in answer.text and "not a year" in answer.text


def test_a_parameter_given_twice_is_400(server):
    answer = get(f"{server}/queries/memberships-over-time?state=state:KAZ&state=state:UZB")
    assert answer.status_code == 400 and "'state'" in answer.text and "twice" in answer.text


def test_a_browser_sees_the_refusal_on_the_page_with_status_400(server):
    answer = get(f"{server}/queries/memberships-over-time", params={"state": "<b>bold</b>"}, headers=BROWSER)
    assert answer.status_code == 400
    document = lxml.html.fromstring(answer.text)
    assert "'state'" in document.xpath(".//*[@id='error']")[0].text_content()
    assert document.xpath(".//input[@name='state']/@value") == ["<b>bold</b>"] and "<b>bold" not in answer.text


ECHO = """# title: Echo
# description: Gives back the text it is given.
# param: text string default nothing — any text
SELECT ?text (STRLEN(?text) AS ?length)
WHERE {
}
ORDER BY ?text
"""


@pytest.fixture(scope="module")
def echo_server(tmp_path_factory):
    """An app whose catalogue is one query with a string parameter, over an empty store."""
    folder = tmp_path_factory.mktemp("catalogue")
    (folder / "echo.rq").write_text(ECHO, encoding="utf-8")
    app = FastAPI()
    app.include_router(catalogue_api.router)
    app.state.kg = open_store("memory")
    app.dependency_overrides[catalogue_api.get_catalogue] = lambda: load_catalogue(folder)
    with serving(app) as url:
        yield url


@pytest.mark.parametrize("value", ['"} DROP ALL #', '" . } SELECT * WHERE { ?s ?p ?o } #', "\\\" ) } #", "<x> ' \n"])
def test_a_string_value_that_tries_to_end_the_literal_is_bound_as_that_very_string(echo_server, value):
    answer = get(f"{echo_server}/queries/echo", params={"text": value})
    [(text, length)] = rows_of(answer)
    assert str(text) == value and int(length) == len(value)


def test_a_string_with_tabs_quotes_and_newlines_comes_back_whole_in_tsv(echo_server):
    value = 'a\tb "c"\nd\\'
    answer = get(f"{echo_server}/queries/echo", params={"text": value, "format": "tsv"})
    assert answer.status_code == 200 and answer.text.count("\n") == 2
    [row] = list(Result.parse(io.BytesIO(answer.content), format="tsv"))
    assert str(row[0]) == value
