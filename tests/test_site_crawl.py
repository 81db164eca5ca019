"""A bounded crawl of the whole site, as a browser follows it: every internal link from the home page (anchors,
styles, scripts, images, icons, forms' targets aside) answers without a 4xx or 5xx status."""

from __future__ import annotations

import collections
import time
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
import lxml.html
import pytest

from kzgraph.endpoint.app import create_app
from kzgraph.errors import QueryTooLong

from .helpers import serving

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
#: How far the crawl goes: pages fetched, and seconds (a bound on the work, never a measure of speed).
MAX_PAGES = 700
MAX_SECONDS = 600
#: Query-string keys of links not worth following twice in a crawl: each group's pages, runs of queries.
ONCE_PER_PATH = ("memberships", "agreements", "exercises", "transfers", "leases", "figures", "documents",
                 "positions", "claims", "other", "lines")


def links(base: str, document) -> list[str]:
    found = document.xpath(".//a/@href | .//link/@href | .//script/@src | .//img/@src | .//iframe/@src")
    return [urldefrag(urljoin(base, href))[0] for href in found]


def key(url: str) -> str:
    """What makes two links the same for the crawl: paged variants of a page count once."""
    parts = urlsplit(url)
    name = parts.query.split("=", 1)[0]
    return parts.path + ("?" + name if name in ONCE_PER_PATH else "?" + parts.query if parts.query else "")


@pytest.fixture(scope="module")
def site(real_graph):
    with serving(create_app(real_graph)) as url:
        yield url


def test_no_internal_link_of_the_site_is_broken(site):
    origin = urlsplit(site).netloc
    queue = collections.deque([(site + "/", "(start)")])
    seen = {key(site + "/")}
    broken: list[tuple[str, int, str]] = []
    fetched, started = 0, time.monotonic()
    with httpx.Client(timeout=300, headers=BROWSER) as client:
        while queue and fetched < MAX_PAGES and time.monotonic() - started < MAX_SECONDS:
            url, referrer = queue.popleft()
            answer = client.get(url)
            fetched += 1
            if answer.status_code >= 400:
                broken.append((url, answer.status_code, referrer))
                continue
            if not answer.headers.get("content-type", "").startswith("text/html"):
                continue
            for link in links(str(answer.url), lxml.html.fromstring(answer.text)):
                parts = urlsplit(link)
                if parts.scheme in ("http", "https") and parts.netloc == origin and key(link) not in seen:
                    seen.add(key(link))
                    queue.append((link, url))
    assert fetched > 100, "the crawl reached a good part of the site"
    assert not broken, "\n".join(f"{status} {url} (linked from {referrer})" for url, status, referrer in broken)


def test_the_links_that_were_broken_answer(site):
    with httpx.Client(timeout=300, headers=BROWSER) as client:
        assert client.get(site + "/favicon.ico").status_code == 200
        assert client.get(site + "/favicon.ico").content[:4] == b"\0\0\1\0", "an ICO file"
        vocab = client.get(site + "/vocab", follow_redirects=False)
        assert vocab.status_code == 303 and vocab.headers["location"] == "/ontology"
        assert client.get(site + "/vocab", follow_redirects=True).status_code == 200
        sparql = client.get(site + "/sparql")
        assert sparql.status_code == 200 and sparql.headers["content-type"].startswith("text/html")
        assert "SPARQL" in lxml.html.fromstring(sparql.text).xpath("string(.//h1)")
        tools = client.get(site + "/sparql", headers={"accept": "text/turtle"})
        assert tools.headers["content-type"].startswith("text/turtle"), "tools still get the service description"
        derived = client.get(site + "/graph/derived")
        assert derived.status_code == 200


class ShortQueriesOnly:
    """A store that refuses, as the guard does at its length limit, any query longer than ``limit``."""

    def __init__(self, kg, limit: int) -> None:
        self.kg, self.limit, self.longest = kg, limit, 0

    def query(self, sparql, **dataset):
        self.longest = max(self.longest, len(sparql))
        if len(sparql) > self.limit:
            raise QueryTooLong(f"the query is {len(sparql)} characters long")
        return self.kg.query(sparql, **dataset)


@pytest.mark.parametrize("path", ["/graph/derived", "/id/state/KAZ", "/id/source/dissertation-diversification"])
def test_pages_of_large_graphs_and_resources_ask_no_query_longer_than_the_guard_accepts(real_graph, path):
    app = create_app(real_graph)
    app.state.store = store = ShortQueriesOnly(app.state.store, 100_000)
    with serving(app) as url:
        assert httpx.get(url + path, headers=BROWSER, timeout=300).status_code == 200
    assert 0 < store.longest <= 50_000, "well within the limit, however many facts name the resource"
