"""The remote store client and `kzgraph push` without external servers: against kzgraph's own SPARQL
endpoint on a real uvicorn server, a closed port, and a small real HTTP server that plays a store."""

from __future__ import annotations

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from kzgraph.build.pipeline import open_build
from kzgraph.endpoint.app import create_app
from kzgraph.namespaces import STATE
from kzgraph.sparql.queries import QueryError
from kzgraph.store import local as store_module
from kzgraph.store.local import StoreError
from kzgraph.store.push import gsp_batches, insert_data, read_dump, update_batches
from kzgraph.store.remote import SKOLEM_PREFIX, Credentials, as_local_term, with_prologue

from .helpers import free_port, kzgraph, serving

KZ = "https://w3id.org/kzgraph/ontology#"


@pytest.fixture(scope="module")
def endpoint(multivector_graph):
    """kzgraph's own endpoint over the fixture graph: a SPARQL 1.1 store that ignores the dataset
    parameters and whose default graph is already the union."""
    with serving(create_app(multivector_graph)) as url:
        yield f"{url}/sparql"


def test_a_url_opens_a_remote_knowledge_graph_with_the_query_interface(endpoint, multivector_graph):
    kg = store_module.open(endpoint, credentials=Credentials())
    sparql = "SELECT ?org WHERE { state:KAZ kz:memberOf ?org } ORDER BY ?org"
    assert [row.org for row in kg.query(sparql)] == [row.org for row in multivector_graph.query(sparql)]
    assert kg.query("ASK { state:KAZ kz:memberOf ?org }").askAnswer is True
    graph = kg.query("CONSTRUCT { state:KAZ ?p ?o } WHERE { state:KAZ ?p ?o }").graph
    assert (URIRef("https://w3id.org/kzgraph/id/state/KAZ"), None, None) in graph


def test_unbound_variables_stay_unbound_and_literals_keep_datatype_and_language(endpoint):
    kg = store_module.open(endpoint, credentials=Credentials())
    [row] = kg.query('SELECT ?n ?l ?s ?none WHERE { BIND(42 AS ?n) BIND("Astana"@kk AS ?l) BIND("x" AS ?s) }')
    assert row.n == Literal(42) and row.n.datatype == XSD.integer
    assert row.l.language == "kk" and row.none is None
    assert row.s == Literal("x", datatype=XSD.string)


def test_bindings_pre_bind_variables_as_on_the_embedded_store(endpoint, multivector_graph):
    kg = store_module.open(endpoint, credentials=Credentials())
    sparql = "SELECT ?state ?org ?note WHERE { ?state kz:memberOf ?org } ORDER BY ?org"
    bindings = {"state": STATE.KAZ, "note": Literal("two\nlines\twith a tab")}
    here = [(row.org, row.note) for row in multivector_graph.query(sparql, bindings)]
    assert here and [(row.org, row.note) for row in kg.query(sparql, bindings)] == here


def test_skolem_iris_and_simple_literals_read_as_the_embedded_store_gives_them():
    assert as_local_term(URIRef(SKOLEM_PREFIX + "n1")) == BNode("n1")
    assert as_local_term(Literal("plain")) == Literal("plain", datatype=XSD.string)
    assert as_local_term(Literal("tag", lang="en")) == Literal("tag", lang="en")
    assert as_local_term(URIRef(KZ + "State")) == URIRef(KZ + "State")


def test_predeclared_prefixes_are_declared_only_where_the_query_does_not():
    text = with_prologue("PREFIX kz: <urn:other#>\nSELECT * WHERE { ?s a kz:X ; rdfs:label ?l }")
    assert text.count("PREFIX kz:") == 1 and "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>" in text


def test_a_closed_port_is_a_store_error_that_names_the_url():
    url = f"http://127.0.0.1:{free_port()}/sparql"
    with pytest.raises(StoreError, match=f"cannot reach the SPARQL store at {url}"):
        store_module.open(url, credentials=Credentials())


@pytest.fixture(scope="module")
def fussy_store():
    """A small HTTP server that behaves like a store with authentication and a broken query engine."""
    app = FastAPI()

    @app.post("/sparql")
    async def sparql(request: Request) -> Response:
        if request.headers.get("authorization") != "Bearer secret":
            return PlainTextResponse("who are you?", status_code=401)
        form = await request.form()
        if "BROKEN" in form.get("query", ""):
            return PlainTextResponse("engine exploded", status_code=500)
        if "WRONG" in form.get("query", ""):
            return PlainTextResponse("syntax error at WRONG", status_code=400)
        return JSONResponse({"head": {"vars": ["g", "n"]}, "results": {"bindings": []}},
                            media_type="application/sparql-results+json")

    with serving(app) as url:
        yield url


def test_refused_credentials_missing_endpoints_and_rejected_queries_say_what_and_where(fussy_store):
    with pytest.raises(StoreError, match="refused the credentials"):
        store_module.open(f"{fussy_store}/sparql", credentials=Credentials())
    with pytest.raises(StoreError, match="no SPARQL endpoint"):
        store_module.open(f"{fussy_store}/nothing", credentials=Credentials(token="secret"))
    kg = store_module.open(f"{fussy_store}/sparql", credentials=Credentials(token="secret"))
    with pytest.raises(QueryError, match=r"rejected the query \(HTTP 400\): syntax error at WRONG"):
        kg.query("SELECT * WHERE { WRONG }")
    with pytest.raises(QueryError, match=r"failed on the query \(HTTP 500\): engine exploded"):
        kg.query("SELECT * WHERE { BROKEN }")


def test_credentials_must_be_whole(monkeypatch):
    with pytest.raises(ValueError, match="both a user and a password"):
        Credentials(user="dba")
    with pytest.raises(ValueError, match="unknown authentication"):
        Credentials("dba", "dba", scheme="kerberos")
    monkeypatch.setenv("KZGRAPH_STORE_USER", "dba")
    monkeypatch.delenv("KZGRAPH_STORE_PASSWORD", raising=False)
    with pytest.raises(StoreError, match="credentials in the environment"):
        store_module.open("http://127.0.0.1:1/sparql")


def test_batches_cover_every_quad_once_and_blank_nodes_become_skolem_iris(real_build):
    quads = read_dump(real_build.dump)
    assert not any(term.startswith("_:") for quad in quads for term in quad)
    assert any(SKOLEM_PREFIX in quad[1] for quad in quads)
    for batches in (list(update_batches(quads, 1000)), list(gsp_batches(quads, 1000))):
        assert sorted(q for batch in batches for q in batch) == sorted(quads)
        assert max(len(batch) for batch in batches) == 1000
    assert all(len({q[0] for q in batch}) == 1 for batch in gsp_batches(quads, 1000))
    request = insert_data(quads[:3], lambda graph: graph + "-staging")
    assert request.startswith("INSERT DATA {") and f"GRAPH <{quads[0][0]}-staging>" in request


@pytest.mark.parametrize("args, code, message", [
    (["http://127.0.0.1:1/sparql"], 3, "cannot reach the SPARQL store at http://127.0.0.1:1/sparql"),
    (["ftp://example.org/sparql"], 3, "not the http(s) URL"),
    (["http://127.0.0.1:1/sparql", "--method", "gsp"], 2, "--graph-store"),
    (["http://127.0.0.1:1/sparql", "--user", "dba"], 2, "both a user and a password"),
    (["http://127.0.0.1:1/sparql", "--batch-size", "0"], 2, "batch-size"),
])
def test_push_with_bad_arguments_or_an_unreachable_store_says_why(real_build, args, code, message):
    result = kzgraph("push", *args, build_dir=real_build.folder.parent)
    assert result.returncode == code and message in result.stderr, result.stderr


def test_push_without_a_build_exits_3(tmp_path):
    result = kzgraph("push", "http://127.0.0.1:1/sparql", build_dir=tmp_path)
    assert result.returncode == 3 and "kzgraph build" in result.stderr


def test_query_with_an_unreachable_store_url_exits_3(tmp_path):
    result = kzgraph("query", "pfp-accession-claims", "--store", "http://127.0.0.1:1/sparql", build_dir=tmp_path)
    assert result.returncode == 3 and "http://127.0.0.1:1/sparql" in result.stderr


def test_open_build_refuses_a_store_without_kzgraph_graphs(fussy_store, monkeypatch):
    monkeypatch.setenv("KZGRAPH_STORE_TOKEN", "secret")  # the credentials of --store URL
    with pytest.raises(StoreError, match=f"holds no kzgraph graphs; upload the build with `kzgraph push {fussy_store}"):
        open_build(f"{fussy_store}/sparql")


# --- the endpoint and the exports over a remote store ------------------------------------------------------

def test_the_endpoint_serves_a_remote_store_with_the_answers_of_the_local_one(endpoint, multivector_graph):
    import httpx

    remote = store_module.open(endpoint, credentials=Credentials())
    sparql = "SELECT ?org WHERE { state:KAZ kz:memberOf ?org } ORDER BY ?org"
    with serving(create_app(remote)) as url:
        answer = httpx.get(f"{url}/sparql", params={"query": sparql},
                           headers={"accept": "application/sparql-results+json"}, timeout=60)
        refused = httpx.get(f"{url}/sparql", params={"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> "
                                                              "{ ?s ?p ?o } }"}, timeout=60)
        page = httpx.get(f"{url}/id/state/KAZ", headers={"accept": "text/turtle"}, timeout=60)
    assert answer.status_code == 200
    served = [binding["org"]["value"] for binding in answer.json()["results"]["bindings"]]
    assert served == [str(row.org) for row in multivector_graph.query(sparql)] and served
    assert refused.status_code == 400 and "SERVICE" in refused.text
    assert page.status_code == 200
    assert (STATE.KAZ, URIRef(KZ + "memberOf"), None) in Graph().parse(data=page.text, format="turtle")


def test_a_remote_store_is_served_read_only(endpoint):
    from kzgraph.service.guarded import NotServable

    remote = store_module.open(endpoint, credentials=Credentials())
    with pytest.raises(NotServable, match="read-only"):
        create_app(remote, update_token="secret")


def test_the_whole_graph_exported_from_a_remote_store_equals_the_local_export(endpoint, multivector_graph):
    import io

    from kzgraph.export import stream, write

    remote = store_module.open(endpoint, credentials=Credentials())
    local_file, remote_file = io.BytesIO(), io.BytesIO()
    local_counts = write(stream(multivector_graph, "cyjs", graph="kg"), "cyjs", local_file)
    remote_counts = write(stream(remote, "cyjs", graph="kg"), "cyjs", remote_file)
    assert remote_counts == local_counts and local_counts[0] > 0
    assert remote_file.getvalue() == local_file.getvalue()
