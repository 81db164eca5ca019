"""Every prefix of the IRI scheme (kzgraph.namespaces.PREFIXES, docs/iri-scheme.md) works without a
PREFIX line wherever a query is typed: the command line, the SPARQL endpoint and the query page. That the
scheme's table documents each prefix is tested with the research questions."""

from __future__ import annotations

import csv
import io

import httpx
import lxml.html
import pytest

from kzgraph.endpoint.app import create_app
from kzgraph.namespaces import PREFIXES

from .helpers import kzgraph, serving

#: One query that names a term of every prefix, and the IRIs it must answer with.
TERMS = " ".join(f"{prefix}:x" for prefix in PREFIXES)
EVERY_PREFIX = f"SELECT ?term WHERE {{ VALUES ?term {{ {TERMS} }} }}"
EXPECTED = sorted(f"{namespace}x" for namespace in PREFIXES.values())


@pytest.fixture(scope="module")
def server(multivector_graph):
    with serving(create_app(multivector_graph)) as url:
        yield url


def test_every_prefix_works_on_the_command_line(fixture_build):
    result = kzgraph("query", "--format", "csv", EVERY_PREFIX, build_dir=fixture_build)
    assert result.returncode == 0, result.stderr
    assert sorted(row["term"] for row in csv.DictReader(io.StringIO(result.stdout))) == EXPECTED


def test_every_prefix_works_at_the_sparql_endpoint(server):
    answer = httpx.get(f"{server}/sparql", params={"query": EVERY_PREFIX},
                       headers={"accept": "application/sparql-results+json"}, timeout=300)
    assert answer.status_code == 200, answer.text
    assert sorted(b["term"]["value"] for b in answer.json()["results"]["bindings"]) == EXPECTED


def test_every_prefix_works_on_the_query_page(server):
    answer = httpx.get(f"{server}/", params={"query": EVERY_PREFIX}, headers={"accept": "text/html"}, timeout=300)
    assert answer.status_code == 200
    page = lxml.html.fromstring(answer.text)
    shown = sorted(cell.xpath(".//a")[0].get("title")
                   for cell in page.xpath(".//table[@class='results']//tr/td[1]"))
    assert shown == EXPECTED
