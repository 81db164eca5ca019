"""The exports of the real build: every projection and the whole graph, in every format, valid and read
back with the counts and values of the projections; windows give the projection's subsets."""

from __future__ import annotations

import json

import igraph
import networkx as nx
import pytest

from kzgraph.analysis.projections import project
from kzgraph.export import export
from kzgraph.export.elements import node_id

from .export_checks import cyjs_problems, edge_key, gexf_errors, gexf_problems, graphml_errors

NAMES = ("cooperation", "membership", "transfers")
GRAPHS = [{"projection": name} for name in NAMES] + [{"graph": "kg"}]


@pytest.fixture(scope="module")
def files(real_graph, tmp_path_factory):
    """Every projection and the whole graph exported once in every format."""
    folder = tmp_path_factory.mktemp("real-exports")
    made = {}
    for options in GRAPHS:
        name = options.get("projection") or options["graph"]
        for fmt in ("graphml", "gexf", "cyjs"):
            made[name, fmt] = folder / f"{name}.{fmt}"
            export(real_graph, fmt, made[name, fmt], **options)
    return made


def edge_ids(graph: nx.Graph) -> set:
    directed = graph.is_directed()
    return {edge_key(node_id(u), node_id(v), d["relation"], directed) for u, v, d in graph.edges(data=True)}


@pytest.mark.parametrize("name", [*NAMES, "kg"])
def test_every_graphml_file_of_the_real_build_validates_and_loads_alike_in_networkx_and_igraph(files, name):
    path = files[name, "graphml"]
    assert graphml_errors(path) == []
    ours, theirs = nx.read_graphml(path), igraph.Graph.Read_GraphML(str(path))
    assert (ours.number_of_nodes(), ours.number_of_edges()) == (theirs.vcount(), theirs.ecount())
    for vertex in theirs.vs:
        for attribute, value in ours.nodes[vertex["id"]].items():
            assert vertex[attribute] == (float(value) if isinstance(value, int) and not isinstance(value, bool)
                                         else value), (vertex["id"], attribute)


@pytest.mark.parametrize("name", NAMES)
def test_every_export_of_a_projection_has_the_projection_s_nodes_and_edges(real_graph, files, name):
    graph = project(real_graph, name)
    nodes = {node_id(n) for n in graph}
    read = nx.read_graphml(files[name, "graphml"])
    assert set(read) == nodes
    assert {n: read.nodes[n]["label"] for n in read} == {node_id(n): d["label"] for n, d in graph.nodes(data=True)}
    gexf = nx.read_gexf(files[name, "gexf"], version="1.3")
    assert set(gexf) == nodes and gexf.number_of_edges() == graph.number_of_edges()
    document = json.loads(files[name, "cyjs"].read_text(encoding="utf-8"))
    assert {n["data"]["id"] for n in document["elements"]["nodes"]} == nodes
    assert len(document["elements"]["edges"]) == graph.number_of_edges()


@pytest.mark.parametrize("name", [*NAMES, "kg"])
def test_every_gexf_and_cytoscape_file_of_the_real_build_follows_its_format(files, name):
    assert gexf_problems(files[name, "gexf"]) == []
    assert cyjs_problems(files[name, "cyjs"]) == []


def test_the_whole_graph_keeps_kazakhstan_s_memberships_as_edges_and_their_dates_as_attributes(files):
    graph = nx.read_graphml(files["kg", "graphml"])
    kaz_csto = [n for n, d in graph.nodes(data=True)
                if d.get("type") == "Membership" and graph.has_edge(n, "state:KAZ") and graph.has_edge(n, "org:CSTO")]
    assert kaz_csto, "a membership of Kazakhstan in the CSTO"
    membership = graph.nodes[kaz_csto[0]]
    assert membership["citations"] >= 1 and membership["sources"] >= 1 and "kz:startDate" in membership
    assert graph.has_edge("state:KAZ", "org:CSTO")  # the derived shortcut kz:memberOf
    assert graph.nodes["state:KAZ"]["label"] == "Kazakhstan"


@pytest.mark.parametrize("name, window", [("cooperation", {"start": 1992, "end": 2000}),
                                          ("transfers", {"start": 2010, "end": 2020}),
                                          ("membership", {"as_of": "2014-05-01"})])
def test_a_window_of_the_real_build_exports_exactly_the_projection_of_that_window(real_graph, tmp_path, name, window):
    path = tmp_path / f"{name}.gexf"
    export(real_graph, "gexf", path, projection=name, **window)
    assert gexf_problems(path) == []
    read = nx.read_gexf(path, version="1.3")
    expected = project(real_graph, name, **window)
    directed = expected.is_directed()
    got = {edge_key(u, v, d["relation"], directed) for u, v, d in read.edges(data=True)}
    assert got == edge_ids(expected)
    assert edge_ids(expected) <= edge_ids(project(real_graph, name))


@pytest.mark.parametrize("name", [*NAMES, "kg"])
def test_every_gexf_file_of_the_real_build_validates_against_the_gexf_1_3_schema(files, name):
    assert gexf_errors(files[name, "gexf"]) == []


@pytest.mark.parametrize("name", NAMES)
def test_first_and_last_years_spells_and_windows_agree_for_every_edge_and_every_year(real_graph, files, name):
    from kzgraph.analysis.projections import Facts

    facts = Facts.fetch(real_graph)
    everything = facts.project(name)
    multi = everything.is_multigraph()

    def keys(graph):
        edges = (graph.edges(keys=True, data=True) if multi
                 else ((u, v, d["relation"], d) for u, v, d in graph.edges(data=True)))
        return {edge_key(node_id(u), node_id(v), k, graph.is_directed()): d for u, v, k, d in edges}

    first, last = facts.years[0], facts.years[-1]
    per_year = {y: set(keys(facts.project(name, y, y))) for y in range(first, last + 1)}
    spells = {edge_key(u, v, d["relation"], everything.is_directed()):
              [(int(a[:4]), int(b[:4])) for a, b in d.get("spells", [])]
              for u, v, d in nx.read_gexf(files[name, "gexf"], version="1.3").edges(data=True)}
    for key, data in keys(everything).items():
        years = [y for y, present in per_year.items() if key in present]
        assert years == [y for y in per_year for a, b in spells[key] if a <= y <= b], key
        if years:
            assert data["first_year"] == years[0] == spells[key][0][0], key
            assert (data["last_year"] is None) == (years[-1] == last and data["spans"][-1][1] == float("inf")), key
            if data["last_year"] is not None:
                assert data["last_year"] == years[-1] == spells[key][-1][1], key
        else:
            assert not data["dated"] and spells[key] == [], key
    for year in (1995, 2005, 2014, 2022):  # a window holds exactly the edges of its years
        in_window = set(keys(facts.project(name, year, year + 2)))
        assert in_window == per_year[year] | per_year[year + 1] | per_year[year + 2]
