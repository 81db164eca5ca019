"""The metrics through every door: the `kzgraph metrics` command, the HTTP router on a real uvicorn server,
and the projections and metrics computed from a remote store over the SPARQL protocol."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ElementTree

import httpx
import pytest
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from kzgraph.analysis import metrics
from kzgraph.analysis.projections import project
from kzgraph.endpoint.app import create_app
from kzgraph.endpoint.routes import metrics as metrics_api

from .helpers import kzgraph, serving

ID = "https://w3id.org/kzgraph/id/"


def test_metrics_prints_the_hand_computed_rows_as_csv(fixture_build):
    result = kzgraph("metrics", "--state", "KAZ", "--from", "2010", "--to", "2012", "--format", "csv",
                     build_dir=fixture_build)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["year"] for r in rows] == ["2010", "2011", "2012", "2010-2012"]
    assert float(rows[0]["arms_hhi"]) == pytest.approx(5 / 9, abs=1e-5)
    assert rows[0]["arms_basis"] == "count" and rows[0]["arms_top_supplier"] == "Russian Federation"
    assert rows[0]["state"] == "KAZ" and rows[0]["facts"] == "8" and rows[0]["thin"] == ""
    assert ID + "transfer/t1" in rows[0]["fact_iris"].split()


def test_metrics_as_json_traces_every_row_to_its_facts(fixture_build):
    result = kzgraph("metrics", "--format", "json", "--as-of", "2010-06-01", build_dir=fixture_build)
    assert result.returncode == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert row["year"] == "as of 2010" and ID + "membership/kaz-sco" in row["fact_iris"]
    assert row["source_iris"] == [ID + "source/bicc-country-report-2025", ID + "source/dissertation-diversification"]


def test_metrics_table_and_charts(fixture_build, tmp_path):
    result = kzgraph("metrics", "--chart", str(tmp_path / "charts"), build_dir=fixture_build)
    assert result.returncode == 0, result.stderr
    assert "Russian Federation" in result.stdout and "2012" in result.stdout and "all" in result.stdout
    written = sorted(p.name for p in (tmp_path / "charts").iterdir())
    assert written == ["balance.png", "balance.svg", "ego-network.png", "ego-network.svg", "suppliers.png",
                       "suppliers.svg"]
    for name in ("balance", "ego-network", "suppliers"):
        assert (tmp_path / "charts" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert ElementTree.parse(tmp_path / "charts" / f"{name}.svg").getroot().tag.endswith("svg")


def test_several_states_side_by_side_and_the_new_options(fixture_build):
    result = kzgraph("metrics", "--state", "KAZ,RUS", "--from", "2013", "--to", "2014", "--include", "offered,aid",
                     "--view", "source-mean", build_dir=fixture_build)
    assert result.returncode == 0, result.stderr
    assert "KAZ balance" in result.stdout and "RUS balance" in result.stdout and "arms (deals)" in result.stdout
    rows = json.loads(kzgraph("metrics", "--state", "KAZ", "--from", "2013", "--to", "2014", "--include", "offered",
                              "--format", "json", build_dir=fixture_build).stdout)
    assert rows[0]["arms_volume"] == 1 and rows[0]["arms_top_supplier"] == "China"  # t9, the offer of 2013


@pytest.mark.parametrize("args, code, message", [
    (["--state", "XYZ"], 2, "no state 'XYZ'"),
    (["--state", "KAZ,XYZ"], 2, "no state 'XYZ'"),
    (["--basis", "usd"], 2, "unknown basis 'usd'"),
    (["--basis", "tiv"], 2, "SIPRI register import"),
    (["--include", "gifts"], 2, "cannot include gifts"),
    (["--from", "2012", "--to", "2010"], 2, "from 2012 to 2010"),
    (["--as-of", "May 2014"], 2, "May 2014"),
])
def test_bad_arguments_exit_2_and_say_why(fixture_build, args, code, message):
    result = kzgraph("metrics", *args, build_dir=fixture_build)
    assert result.returncode == code and message in result.stderr


def test_metrics_without_a_build_exits_3(tmp_path):
    result = kzgraph("metrics", build_dir=tmp_path)
    assert result.returncode == 3 and "kzgraph build" in result.stderr


@pytest.fixture(scope="module")
def server(multivector_graph):
    """The SPARQL endpoint with the metrics router."""
    app = create_app(multivector_graph)
    with serving(app) as url:
        yield url


def test_http_metrics_answer_the_same_rows_as_the_python_api(server, multivector_graph):
    answer = httpx.get(f"{server}/metrics", params={"state": "KAZ", "from": 2010, "to": 2011})
    assert answer.status_code == 200
    assert answer.json() == json.loads(json.dumps(metrics.compute(multivector_graph, "KAZ", 2010, 2011)))
    assert answer.json()[0]["arms_hhi"] == pytest.approx(5 / 9)


def test_http_metrics_of_several_states_on_a_stated_basis(server, multivector_graph):
    answer = httpx.get(f"{server}/metrics", params={"state": "KAZ,RUS", "from": 2010, "to": 2010, "basis": "count"})
    assert answer.status_code == 200
    assert [(r["state"], r["year"]) for r in answer.json()] == [("KAZ", 2010), ("KAZ", "2010-2010"),
                                                                 ("RUS", 2010), ("RUS", "2010-2010")]
    assert {r["arms_basis"] for r in answer.json()} == {"count"}


def test_http_metrics_as_csv(server):
    answer = httpx.get(f"{server}/metrics", params={"from": 2012, "to": 2012, "format": "csv"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert next(csv.DictReader(io.StringIO(answer.text)))["arms_top_supplier"] == "Türkiye"


@pytest.mark.parametrize("params, message", [({"state": "XYZ"}, "no state 'XYZ'"),
                                             ({"basis": "tiv"}, "SIPRI register import"),
                                             ({"view": "mine"}, "unknown view"),
                                             ({"format": "xml"}, "unknown format"),
                                             ({"as_of": "yesterday"}, "yesterday"),
                                             ({"as_of": "2014-02-30"}, "day is out of range for month"),
                                             ({"as_of": "2014-13-01"}, "there is no month 13")])
def test_http_bad_parameters_get_400_with_the_reason(server, params, message):
    answer = httpx.get(f"{server}/metrics", params=params)
    assert answer.status_code == 400 and message in answer.json()["detail"]


def test_a_router_without_a_store_answers_503():
    from fastapi import FastAPI

    app = FastAPI()
    app.include_router(metrics_api.router)
    with serving(app) as url:
        answer = httpx.get(f"{url}/metrics")
    assert answer.status_code == 503 and "app.state.kg" in answer.json()["detail"]


def test_an_app_can_supply_the_store_by_overriding_the_dependency(multivector_graph):
    from fastapi import FastAPI

    app = FastAPI()
    app.include_router(metrics_api.router)
    app.dependency_overrides[metrics_api.get_store] = lambda: multivector_graph
    with serving(app) as url:
        answer = httpx.get(f"{url}/metrics", params={"from": 2011, "to": 2011})
    assert answer.status_code == 200 and answer.json()[0]["cooperation_brokerage"] == 5


@pytest.fixture(scope="module")
def remote(server):
    return Graph(store=SPARQLStore(f"{server}/sparql", returnFormat="json"))


@pytest.mark.parametrize("name", ["cooperation", "membership", "transfers"])
def test_projections_of_a_remote_store_equal_the_local_ones(remote, multivector_graph, name):
    local, far = project(multivector_graph, name), project(remote, name)
    assert dict(far.nodes(data=True)) == dict(local.nodes(data=True))
    # an undirected edge is the same edge either way round (its orientation follows the rows' order)
    pair = (lambda e: (e[0], e[1])) if local.is_directed() else (lambda e: tuple(sorted((e[0], e[1]))))
    key = (lambda e: (*pair(e), e[2])) if local.is_multigraph() else pair

    def edges(g):
        return {key(e): e[-1] for e in (g.edges(keys=True, data=True) if g.is_multigraph() else g.edges(data=True))}

    assert edges(far) == edges(local) and len(local.edges) > 0


def test_metrics_of_a_remote_store_equal_the_local_ones(remote, multivector_graph):
    assert metrics.compute(remote, "KAZ") == metrics.compute(multivector_graph, "KAZ")
