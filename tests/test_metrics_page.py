"""The metrics page: /metrics as HTML for a browser (charts and table for any state and window), JSON and CSV
for tools as before; linked from the home page."""

from __future__ import annotations

import functools

import httpx
import lxml.html
import pytest

from kzgraph.analysis import metrics
from kzgraph.endpoint.app import create_app

from .helpers import serving

get = functools.partial(httpx.get, timeout=300)
BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture(scope="module")
def server(real_graph):
    with serving(create_app(real_graph)) as url:
        yield url


def test_a_browser_gets_the_charts_and_the_table_of_the_window_it_asks_for(server, real_graph):
    answer = get(server + "/metrics", params={"state": "KAZ", "from": 2005, "to": 2012}, headers=BROWSER)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    document = lxml.html.fromstring(answer.text)
    expected = metrics.compute(real_graph, "KAZ", 2005, 2012)
    rows = document.xpath(".//table[@class='metrics-table']//tr[td]")
    assert len(rows) == len(expected)
    assert [r.xpath("td[1]")[0].text for r in rows] == [str(e["year"]) for e in expected]
    assert [r.xpath("td[2]")[0].text for r in rows] == [str(e["facts"]) for e in expected]
    charts = document.xpath(".//svg[@class='metrics-chart']")
    assert len(charts) == 3
    russia = charts[0].xpath(".//path[@data-key='share_russia']")[0].get("d")
    assert russia.count("L") == len([e for e in expected if isinstance(e["year"], int)]) - 1, "a point per year"
    assert document.xpath(".//input[@name='from']/@value") == ["2005"]


def test_tools_still_get_json_and_csv(server, real_graph):
    rows = get(server + "/metrics", params={"from": 2010, "to": 2011}).json()
    assert rows == metrics.compute(real_graph, "KAZ", 2010, 2011)
    csv = get(server + "/metrics", params={"from": 2010, "to": 2011, "format": "csv"}, headers=BROWSER)
    assert csv.headers["content-type"].startswith("text/csv")


def test_a_bad_state_is_shown_on_the_page_with_400(server):
    answer = get(server + "/metrics", params={"state": "NOWHERE"}, headers=BROWSER)
    assert answer.status_code == 400
    assert "NOWHERE" in lxml.html.fromstring(answer.text).xpath("string(.//*[@id='error'])")


def test_the_home_page_links_the_metrics_page(server):
    document = lxml.html.fromstring(get(server + "/", headers=BROWSER).text)
    assert "/metrics" in document.xpath(".//main//a/@href")
