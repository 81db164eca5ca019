"""`kzgraph export` as scripts use it: real processes on a build of the fixture graph, files that only
appear whole, and the exit codes of the command line."""

from __future__ import annotations

import networkx as nx
import pytest

from .export_checks import gexf_problems, graphml_errors
from .helpers import kzgraph, publish_build


def test_export_writes_the_file_and_says_how_many_nodes_and_edges(fixture_build, tmp_path):
    out = tmp_path / "transfers.graphml"
    result = kzgraph("export", "--format", "graphml", "--output", str(out), "--projection", "transfers",
                     build_dir=fixture_build)
    assert result.returncode == 0, result.stderr
    assert f"wrote 5 nodes and 4 edges to {out}" in result.stdout
    assert graphml_errors(out) == []
    assert set(nx.read_graphml(out).edges()) == {("state:RUS", "state:KAZ"), ("state:CHN", "state:KAZ"),
                                                 ("state:TUR", "state:KAZ"), ("state:USA", "state:KAZ")}


def test_export_of_a_window_as_gexf_replaces_an_existing_file(fixture_build, tmp_path):
    out = tmp_path / "cooperation.gexf"
    out.write_text("an older export", encoding="utf-8")
    result = kzgraph("export", "-f", "gexf", "-o", str(out), "--from", "2011", "--to", "2012", "--state", "KAZ",
                     build_dir=fixture_build)
    assert result.returncode == 0, result.stderr
    assert gexf_problems(out) == []
    graph = nx.read_gexf(out, version="1.3")
    assert (graph.graph["start"], graph.graph["end"]) == ("2011-01-01", "2012-12-31")
    assert {d["relation"] for _, _, d in graph.edges(data=True)} == {"lease", "membership", "exercise", "transfer",
                                                                      "agreement"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cooperation.gexf"]


@pytest.mark.parametrize("args, message", [
    (["-f", "pdf"], "unknown format 'pdf'"),
    (["-f", "graphml", "--projection", "trade"], "unknown projection 'trade'"),
    (["-f", "graphml", "--from", "2012", "--to", "2010"], "starts after it ends"),
    (["-f", "cyjs", "--graph", "kg", "--as-of", "2010"], "without a time window"),
    (["-f", "gexf", "--undated", "hide"], "unknown choice for undated ties 'hide'"),
])
def test_wrong_usage_exits_2_with_the_reason_and_writes_nothing(fixture_build, tmp_path, args, message):
    result = kzgraph("export", *args, "-o", str(tmp_path / "out"), build_dir=fixture_build)
    assert result.returncode == 2 and message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_export_without_a_build_exits_3(tmp_path):
    result = kzgraph("export", "-f", "graphml", "-o", str(tmp_path / "out.graphml"), build_dir=tmp_path / "none")
    assert result.returncode == 3 and "no build" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_data_that_xml_cannot_hold_exits_1_and_keeps_the_existing_file(tmp_path):
    from kzgraph.build.pipeline import assemble
    from kzgraph.store.loading import project_files

    from .conftest import FIXTURES

    bad = tmp_path / "bad.ttl"
    bad.write_text(FIXTURES.joinpath("export-labels.ttl").read_text(encoding="utf-8")
                   .replace("Ltd's", "Ltd\\u0007s"), encoding="utf-8")
    build_dir = publish_build(assemble(project_files(data=[bad])), tmp_path / "build")
    out = tmp_path / "transfers.gexf"
    out.write_text("an older export", encoding="utf-8")
    result = kzgraph("export", "-f", "gexf", "-o", str(out), "--projection", "transfers", build_dir=build_dir)
    assert result.returncode == 1 and "node company:shield-and-sword" in result.stderr
    assert out.read_text(encoding="utf-8") == "an older export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.ttl", "build", "transfers.gexf"]


def test_undated_ties_left_out_of_a_gexf_timeline(fixture_build, tmp_path):
    out = tmp_path / "dated.gexf"
    result = kzgraph("export", "-f", "gexf", "-o", str(out), "--undated", "omit", build_dir=fixture_build)
    assert result.returncode == 0, result.stderr
    graph = nx.read_gexf(out, version="1.3")
    assert all(d.get("spells") for _, _, d in graph.edges(data=True)) and graph.graph["mode"] == "dynamic"
