"""kzgraph on real remote SPARQL stores: the build pushed to an Oxigraph server and to Virtuoso, each
started here on free 127.0.0.1 ports, answers every named query exactly as the embedded store does."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from rdflib import BNode, Literal

from kzgraph.analysis import metrics, projections
from kzgraph.sparql.catalogue import load_catalogue
from kzgraph.sparql.queries import QUERIES_DIR
from kzgraph.store import local as store_module
from kzgraph.store.local import StoreError
from kzgraph.store.push import STAGING_PREFIX, PushError, push, read_dump
from kzgraph.store.remote import Credentials, Endpoint, graph_sizes

from . import remote_stores
from .helpers import kzgraph

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("remote-stores")]

CATALOGUE = load_catalogue(QUERIES_DIR)
STORES = ("oxigraph", "virtuoso")


def push_endpoint(server, **credentials) -> Endpoint:
    """Where a push goes: the store's query and update URLs, with its credentials (or others)."""
    query_url = server.update_url if server.auth else server.query_url
    return Endpoint(query_url, server.update_url, Credentials(**(credentials or server.auth)))


def local_counts(dump) -> dict[str, int]:
    return dict(Counter(graph for graph, *_ in read_dump(dump)))


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory, real_build):
    """An Oxigraph server holding the build, pushed with the Graph Store Protocol."""
    server = remote_stores.oxigraph(tmp_path_factory.mktemp("oxigraph")).start()
    try:
        server.report = push(real_build.dump, push_endpoint(server), method="gsp",
                             graph_store=server.graph_store_url)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def virtuoso_server(tmp_path_factory, real_build):
    """Virtuoso holding the build, pushed with SPARQL Update through its authenticated endpoint."""
    if remote_stores.virtuoso_binary() is None:
        pytest.fail("virtuoso-t not found: run scripts/install-system-deps.sh")
    server = remote_stores.virtuoso(tmp_path_factory.mktemp("virtuoso")).start()
    try:
        server.report = push(real_build.dump, push_endpoint(server), method="update")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module", params=STORES)
def server(request):
    return request.getfixturevalue(f"{request.param}_server")


@pytest.fixture(scope="module")
def remote(server):
    """The knowledge graph in the remote store, read without credentials through its query URL."""
    return store_module.open(server.query_url, credentials=Credentials())


def test_a_push_reports_and_leaves_the_triple_count_of_every_graph_of_the_build(server, real_build):
    expected = local_counts(real_build.dump)
    assert server.report.graphs == expected and server.report.triples == sum(expected.values())
    assert graph_sizes(push_endpoint(server)) == expected


def test_the_remote_knowledge_graph_has_as_many_triples_as_the_embedded_one(remote, real_graph):
    assert len(remote) == len(real_graph) > 30000


def terms(result) -> list[tuple]:
    """Result rows as comparable terms: kind, lexical form, datatype and language of each; a blank node
    is only a blank node (its label is local to the result, SPARQL 1.1 Query section 4.1.4)."""
    def term(value):
        if value is None:
            return None
        if isinstance(value, BNode):
            return ("bnode",)
        if isinstance(value, Literal):
            return ("literal", str(value), value.datatype, value.language)
        return (type(value).__name__, str(value))
    return [tuple(term(row[var]) for var in result.vars) for row in result]


# the remote stores hold the curated build; the register's queries are compared with the CSV in
# tests/importers/test_sipri_queries.py and over HTTP in tests/test_catalogue_http.py
@pytest.mark.parametrize("name", sorted(name for name in CATALOGUE if not name.startswith("register-")))
def test_every_named_query_answers_identically_on_the_embedded_and_the_remote_store(name, remote, real_graph):
    sparql = CATALOGUE[name].bind({})
    here, there = real_graph.query(sparql), remote.query(sparql)
    assert there.vars == here.vars
    if re.search(r"^ORDER BY", sparql, re.MULTILINE):
        assert terms(there) == terms(here)
    else:
        assert Counter(terms(there)) == Counter(terms(here))
    assert terms(here), f"{name} answers nothing, so the comparison proves nothing"


def test_citation_nodes_are_blank_nodes_that_keep_their_type_from_the_derived_graph(remote, real_graph):
    sparql = "SELECT ?c ?d WHERE { ?c a kz:Citation ; kz:document ?d }"
    here, there = list(real_graph.query(sparql)), list(remote.query(sparql))
    assert len(there) == len(here) > 2000
    assert all(isinstance(row.c, BNode) for row in there)


def test_graphs_come_back_as_rdflib_graphs_with_the_same_triples(remote, real_graph):
    sparql = "CONSTRUCT { state:KAZ ?p ?o } WHERE { state:KAZ ?p ?o }"
    here, there = real_graph.query(sparql), remote.query(sparql)
    assert there.type == "CONSTRUCT" and set(there.graph) == set(here.graph) and len(here.graph) > 10
    assert remote.query("ASK { state:KAZ kz:memberOf io:CSTO }").askAnswer is True


def test_metrics_on_the_oxigraph_server_equal_the_local_ones(oxigraph_server, real_graph):
    remote = store_module.open(oxigraph_server.query_url, credentials=Credentials())
    here, there = metrics.compute(real_graph, "KAZ"), metrics.compute(remote, "KAZ")
    _same_rows(there, here)


def _same_rows(there, here) -> None:
    """Equal rows; floats to 1e-9 relative: eigenvector centralities are sums that networkx adds up in the
    order the projection query returned its rows, and stores order the rows of an unordered query freely."""
    assert len(there) == len(here) >= 35  # a row per year from the first dated fact, and the period
    for far, near in zip(there, here, strict=True):
        assert far.keys() == near.keys()
        for key, value in near.items():
            if isinstance(value, float):
                assert far[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
            else:
                assert far[key] == value, key


def test_metrics_on_virtuoso_equal_the_local_ones(virtuoso_server, real_graph):
    remote = store_module.open(virtuoso_server.query_url, credentials=Credentials())
    _same_rows(metrics.compute(remote, "KAZ"), metrics.compute(real_graph, "KAZ"))


def concatenations_as_sets(result) -> Counter:
    """Rows as comparable terms, with the space-separated lists that GROUP_CONCAT builds read as sets:
    GROUP_CONCAT has no defined order (SPARQL 1.1 Query, section 18.5.1, GroupConcat)."""
    concatenated = [str(var) in ("documents", "roles", "classes", "statuses", "termsList", "years")
                    for var in result.vars]
    return Counter(tuple((term[0], frozenset(term[1].split()), *term[2:]) if as_set and term else term
                         for term, as_set in zip(row, concatenated, strict=True)) for row in terms(result))


@pytest.mark.parametrize("name", sorted(path.stem for path in projections.QUERY_DIR.glob("*.rq")))
def test_every_projection_query_answers_identically_on_the_embedded_and_the_remote_store(name, remote,
                                                                                         real_graph):
    sparql = projections.sparql(name)
    here, there = real_graph.query(sparql), remote.query(sparql)
    assert there.vars == here.vars
    assert concatenations_as_sets(there) == concatenations_as_sets(here)
    if not terms(here) and name in ("register", "same-deal"):
        pytest.skip(f"{name} reads the SIPRI register import and its links, which this build does not have")
    assert terms(here), f"{name} answers nothing, so the comparison proves nothing"


def test_kzgraph_query_with_a_store_url_answers_from_the_remote_store(virtuoso_server, tmp_path):
    result = kzgraph("query", "pfp-accession-claims", "--format", "csv", "--store", virtuoso_server.query_url,
                     build_dir=tmp_path)  # no local build: the remote store is queried, not loaded
    assert result.returncode == 0, result.stderr
    # one membership, and the two sources' start years kept side by side as claims
    lines = result.stdout.splitlines()
    assert any(line.startswith("1994,") and "membership/kaz-pfp-partner-1995" in line for line in lines)
    assert any(line.startswith("1995,") and "membership/kaz-pfp-partner-1995" in line for line in lines)


def test_a_push_with_a_wrong_password_exits_3_and_leaves_the_pushed_graphs_intact(virtuoso_server, real_build):
    before = graph_sizes(push_endpoint(virtuoso_server))
    result = kzgraph("push", virtuoso_server.update_url, "--user", "dba", "--password", "wrong", "--auth", "digest",
                     build_dir=real_build.folder.parent)
    assert result.returncode == 3 and "refused the credentials" in result.stderr
    assert virtuoso_server.update_url in result.stderr
    assert graph_sizes(push_endpoint(virtuoso_server)) == before == local_counts(real_build.dump)


def test_a_store_that_refuses_updates_rejects_the_push_with_exit_1(virtuoso_server, real_build):
    result = kzgraph("push", virtuoso_server.query_url, build_dir=real_build.folder.parent)
    assert result.returncode == 1 and "rejected the upload" in result.stderr
    assert "nothing was written" in result.stderr and virtuoso_server.query_url in result.stderr


def test_pushing_again_replaces_the_graphs_and_drops_those_the_build_no_longer_has(oxigraph_server, real_build):
    endpoint = push_endpoint(oxigraph_server)
    stale = "https://w3id.org/kzgraph/graph/data/withdrawn-file"
    endpoint.update(f"INSERT DATA {{ GRAPH <{stale}> {{ <urn:x:s> <urn:x:p> 'gone' }} }}")
    result = kzgraph("push", oxigraph_server.query_url, "--update-url", oxigraph_server.update_url,
                     "--batch-size", "10000", build_dir=real_build.folder.parent)
    assert result.returncode == 0, result.stderr
    assert f"pushed {sum(local_counts(real_build.dump).values())} triples" in result.stdout
    assert stale in result.stdout
    assert graph_sizes(endpoint) == local_counts(real_build.dump)


def test_a_store_that_stops_midway_leaves_the_previously_pushed_data_intact(oxigraph_server, real_build):
    endpoint = push_endpoint(oxigraph_server)
    before = graph_sizes(endpoint)

    def stop_after_the_first_batch(sent, total):
        oxigraph_server.stop()

    try:
        with pytest.raises(StoreError, match="unchanged") as failure:
            push(real_build.dump, endpoint, batch_size=3000, progress=stop_after_the_first_batch)
        assert "cannot reach" in str(failure.value) and "staging graphs" in str(failure.value)
    finally:
        oxigraph_server.start()
    assert graph_sizes(endpoint) == before == local_counts(real_build.dump)
    remote = store_module.open(oxigraph_server.query_url, credentials=Credentials())
    assert len(remote) == sum(before.values())  # the staging graphs left behind are not kzgraph's


def test_a_push_whose_staged_counts_do_not_match_removes_its_staging_graphs_and_changes_nothing(
        oxigraph_server, real_build):
    endpoint = push_endpoint(oxigraph_server)
    before, staging_before = graph_sizes(endpoint), graph_sizes(endpoint, STAGING_PREFIX)

    def meddle(sent, total):  # someone else writes into the staging graphs during the push
        if sent == total:
            ours = sorted(set(graph_sizes(endpoint, STAGING_PREFIX)) - set(staging_before))
            endpoint.update(f"INSERT DATA {{ GRAPH <{ours[0]}> {{ <urn:x:s> <urn:x:p> 'extra' }} }}")

    with pytest.raises(PushError, match="other counts than were sent") as failure:
        push(real_build.dump, endpoint, batch_size=20000, progress=meddle)
    assert "unchanged" in str(failure.value)
    assert graph_sizes(endpoint) == before == local_counts(real_build.dump)
    assert graph_sizes(endpoint, STAGING_PREFIX) == staging_before
