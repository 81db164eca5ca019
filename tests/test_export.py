"""The exports on the hand-checked fixture graphs: GraphML valid against its XML Schema and read back by
networkx and igraph with the projection's nodes, edges and typed attributes; GEXF 1.3 with the years each
tie was in force; Cytoscape.js JSON; labels that need escaping; the whole graph as a property graph."""

from __future__ import annotations

import json
import math
import re

import igraph
import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kzgraph.analysis import metrics
from kzgraph.analysis.projections import Facts, project
from kzgraph.build.pipeline import assemble
from kzgraph.export import ExportError, export, stream
from kzgraph.export.elements import flatten, iri_of, node_id, typed
from kzgraph.store.loading import project_files

from .conftest import FIXTURES
from .export_checks import cyjs_problems, gexf_errors, gexf_problems, graphml_errors
from .export_checks import edge_key as key

ID = "https://w3id.org/kzgraph/id/"
KAZ, RUS, CHN, USA, TUR = (f"{ID}state/{c}" for c in ("KAZ", "RUS", "CHN", "USA", "TUR"))
NAMES = ("cooperation", "membership", "transfers")
TRICKY = "\"Shield & Sword\" <Қазақ Қару> Ltd's"
NMTOKEN = re.compile(r"[A-Za-z0-9._:-]+")


@pytest.fixture(scope="module")
def labels_graph():
    """tests/fixtures/export-labels.ttl with the ontology and reference names."""
    return assemble(project_files(data=[FIXTURES / "export-labels.ttl"]))


@pytest.fixture(scope="module")
def write(tmp_path_factory):
    """Export a graph to a file in a temporary folder and return its path."""
    folder = tmp_path_factory.mktemp("exports")
    count = iter(range(10**6))

    def make(kg, fmt: str, **options):
        path = folder / f"{next(count)}.{fmt}"
        export(kg, fmt, path, **options)
        return path

    return make


def expected(kg, name: str, **window) -> tuple[dict, dict, bool]:
    """The projection's nodes and edges by export id, with lists joined and empty values left out."""
    graph = project(kg, name, **window)
    clean = lambda d: {k: flatten(v) for k, v in d.items() if v not in (None, "") and k != "spans"}  # noqa: E731
    nodes = {node_id(n): clean(d) for n, d in graph.nodes(data=True)}
    edges = {key(node_id(u), node_id(v), d["relation"], graph.is_directed()): clean(d)
             for u, v, d in graph.edges(data=True)}
    return nodes, edges, graph.is_directed()


def read_networkx(path, directed: bool, gexf: bool = False) -> tuple[dict, dict]:
    graph = nx.read_gexf(path, version="1.3") if gexf else nx.read_graphml(path)
    nodes = {n: d for n, d in graph.nodes(data=True)}
    edges = {key(u, v, d["relation"], directed): d for u, v, d in graph.edges(data=True)}
    assert len(edges) == graph.number_of_edges()
    return nodes, edges


def read_igraph(path, directed: bool) -> tuple[dict, dict]:
    graph = igraph.Graph.Read_GraphML(str(path))
    ids = graph.vs["id"]
    nodes = {v["id"]: v.attributes() for v in graph.vs}
    edges = {key(ids[e.source], ids[e.target], e["relation"], directed): e.attributes() for e in graph.es}
    assert len(edges) == graph.ecount()
    return nodes, edges


def same(read: dict, wanted: dict, numbers_as_float: bool = False) -> None:
    """Every wanted attribute is read back with its value and type (igraph keeps numbers as floats)."""
    for name, value in wanted.items():
        got = read.get(name)
        if numbers_as_float and isinstance(value, (int, float)) and not isinstance(value, bool):
            assert isinstance(got, float) and got == float(value), (name, got, value)
        else:
            assert type(got) is type(value) and got == value, (name, got, value)


@pytest.mark.parametrize("name", NAMES)
def test_every_graphml_export_validates_against_the_graphml_schema(multivector_graph, write, name):
    assert graphml_errors(write(multivector_graph, "graphml", projection=name)) == []


def test_the_whole_graph_as_graphml_validates_against_the_graphml_schema(labels_graph, write):
    assert graphml_errors(write(labels_graph, "graphml", graph="kg")) == []


def test_the_schema_check_rejects_an_edge_to_a_node_that_is_not_there(multivector_graph, write, tmp_path):
    path = write(multivector_graph, "graphml", projection="transfers")
    broken = tmp_path / "broken.graphml"
    broken.write_text(path.read_text(encoding="utf-8").replace('target="state:KAZ"', 'target="state:XXX"', 1),
                      encoding="utf-8")
    assert any("edge_target_ref" in e for e in graphml_errors(broken))


@pytest.mark.parametrize("name", NAMES)
def test_graphml_loads_in_networkx_with_the_projection_s_nodes_edges_and_attribute_types(multivector_graph, write,
                                                                                          name):
    nodes, edges, directed = expected(multivector_graph, name)
    read_nodes, read_edges = read_networkx(write(multivector_graph, "graphml", projection=name), directed)
    assert set(read_nodes) == set(nodes) and set(read_edges) == set(edges)
    for n, attributes in nodes.items():
        same(read_nodes[n], attributes)
    for e, attributes in edges.items():
        same(read_edges[e], attributes)


@pytest.mark.parametrize("name", NAMES)
def test_graphml_loads_in_igraph_with_the_same_nodes_edges_and_values(multivector_graph, write, name):
    nodes, edges, directed = expected(multivector_graph, name)
    read_nodes, read_edges = read_igraph(write(multivector_graph, "graphml", projection=name), directed)
    assert set(read_nodes) == set(nodes) and set(read_edges) == set(edges)
    for n, attributes in nodes.items():
        same(read_nodes[n], attributes, numbers_as_float=True)
    for e, attributes in edges.items():
        same(read_edges[e], attributes, numbers_as_float=True)


def test_nodes_carry_the_metrics_of_the_metrics_module(multivector_graph, write):
    facts = Facts.fetch(multivector_graph)
    position = metrics.position(facts, KAZ)
    read_nodes, _ = read_networkx(write(multivector_graph, "graphml", projection="cooperation"), False)
    kaz = read_nodes["state:KAZ"]
    assert {k: kaz[k] for k in position} == position
    # partners RUS, CHN, USA, TUR in four vectors: six pairs, of which CHN-RUS are linked (agreement a1)
    assert kaz["degree"] == 4 and kaz["brokerage"] == 5


def test_directed_networks_carry_in_and_out_degree(multivector_graph, write):
    read_nodes, _ = read_networkx(write(multivector_graph, "graphml", projection="transfers"), True)
    assert (read_nodes["state:KAZ"]["in_degree"], read_nodes["state:KAZ"]["out_degree"]) == (4, 0)
    assert (read_nodes["state:RUS"]["in_degree"], read_nodes["state:RUS"]["out_degree"]) == (0, 1)
    assert "eigenvector" not in read_nodes["state:KAZ"]


def test_attribute_types_survive_the_round_trip_in_every_format(labels_graph, write):
    wanted = {"kz:quantity": 12, "kz:value": 1.5, "kz:secondHand": True, "kz:orderYear": "2015",
              "citations": 2, "sources": 2, "label": "x1",
              "lines": "source:bicc-country-report-2025 5-6; source:dissertation-diversification 7-7"}
    graphml = write(labels_graph, "graphml", graph="kg")
    same(nx.read_graphml(graphml).nodes["transfer:x1"], wanted)
    ig = igraph.Graph.Read_GraphML(str(graphml))
    same(ig.vs.find(id="transfer:x1").attributes(), wanted, numbers_as_float=True)
    same(nx.read_gexf(write(labels_graph, "gexf", graph="kg"), version="1.3").nodes["transfer:x1"], wanted)
    document = json.loads(write(labels_graph, "cyjs", graph="kg").read_text(encoding="utf-8"))
    [x1] = [n["data"] for n in document["elements"]["nodes"] if n["data"]["id"] == "transfer:x1"]
    same(x1, wanted)


@pytest.mark.parametrize("options", [{"projection": "transfers"}, {"graph": "kg"}])
def test_labels_with_quotes_ampersands_angle_brackets_and_cyrillic_survive_every_format(labels_graph, write, options):
    company = "company:shield-and-sword"
    graphml = write(labels_graph, "graphml", **options)
    assert nx.read_graphml(graphml).nodes[company]["label"] == TRICKY
    assert igraph.Graph.Read_GraphML(str(graphml)).vs.find(id=company)["label"] == TRICKY
    assert nx.read_gexf(write(labels_graph, "gexf", **options), version="1.3").nodes[company]["label"] == TRICKY
    document = json.loads(write(labels_graph, "cyjs", **options).read_text(encoding="utf-8"))
    [data] = [n["data"] for n in document["elements"]["nodes"] if n["data"]["id"] == company]
    assert data["label"] == data["name"] == TRICKY


@pytest.mark.parametrize("name", NAMES)
def test_the_gexf_export_follows_the_gexf_1_3_rules_and_loads_in_networkx(multivector_graph, write, name):
    nodes, edges, directed = expected(multivector_graph, name)
    path = write(multivector_graph, "gexf", projection=name)
    assert gexf_problems(path) == [] and gexf_errors(path) == []
    read_nodes, read_edges = read_networkx(path, directed, gexf=True)
    assert set(read_nodes) == set(nodes) and set(read_edges) == set(edges)
    for e, attributes in edges.items():
        same(read_edges[e], attributes)
    assert nx.read_gexf(path, version="1.3").graph["mode"] == "dynamic"


def test_the_gexf_checks_find_an_undeclared_attribute_and_a_reversed_spell(multivector_graph, write, tmp_path):
    text = write(multivector_graph, "gexf", projection="transfers").read_text(encoding="utf-8")
    broken = tmp_path / "broken.gexf"
    broken.write_text(text.replace('for="iri"', 'for="nowhere"', 1)
                      .replace('start="2011-01-01" end="2012-12-31"', 'start="2012-01-01" end="2011-12-31"'),
                      encoding="utf-8")
    problems = gexf_problems(broken)
    assert any("undeclared attribute 'nowhere'" in p for p in problems)
    assert any("reversed" in p for p in problems)


def test_the_gexf_checks_find_an_attribute_that_gexf_1_3_no_longer_defines(multivector_graph, write, tmp_path):
    text = write(multivector_graph, "gexf", projection="transfers").read_text(encoding="utf-8")
    broken = tmp_path / "gexf-1.2-mode.gexf"
    broken.write_text(text.replace('<attributes class="node"', '<attributes class="node" mode="static"', 1),
                      encoding="utf-8")
    assert gexf_problems(broken) == [
        "line 8: attributes has attributes the GEXF 1.3 grammar does not define: ['mode']"]


def years(spells) -> list[tuple[int, int]]:
    return [(int(a[:4]), int(b[:4])) for a, b in spells]


def test_gexf_spells_are_the_years_each_tie_was_in_force(multivector_graph, write):
    graph = nx.read_gexf(write(multivector_graph, "gexf", projection="cooperation"), version="1.3")
    assert (graph.graph["start"], graph.graph["end"]) == ("1990-01-01", "2014-12-31")
    spells = {(u, v, d["relation"]): years(d.get("spells", [])) for u, v, d in graph.edges(data=True)}
    assert spells["state:KAZ", "state:RUS", "lease"] == [(1994, 2014)]  # ongoing: to the end of the frame
    assert spells["state:KAZ", "state:RUS", "membership"] == [(1992, 2014)]
    assert spells["state:KAZ", "state:RUS", "agreement"] == [(2010, 2014)]  # a treaty in force from 2010
    assert spells["state:KAZ", "state:USA", "agreement"] == [(2013, 2013)]  # a declaration: an event
    assert spells["state:KAZ", "state:USA", "training"] == [(2005, 2006)]
    assert spells["state:KAZ", "state:USA", "transfer"] == [(2014, 2014)]  # t10; t5 is undated
    assert spells["state:KAZ", "state:USA", "partnership"] == [(2014, 2014)]
    assert spells["state:KAZ", "state:TUR", "exercise"] == []  # e2 is undated: no spell, present throughout
    assert years(graph.nodes["state:USA"]["spells"]) == [(2005, 2006), (2011, 2011), (2013, 2014)]
    assert years(graph.nodes["state:KAZ"]["spells"]) == [(1992, 2014)]
    assert graph.nodes["state:KAZ"]["label"] == "Kazakhstan"
    edges = {(u, v, d["relation"]): d for u, v, d in graph.edges(data=True)}
    assert edges["state:KAZ", "state:USA", "transfer"]["undated_facts"] == 1
    assert edges["state:KAZ", "state:TUR", "exercise"]["dated"] is False


def test_ongoing_edges_have_no_last_year_and_first_years_are_the_first_spells(multivector_graph, write):
    graph = nx.read_graphml(write(multivector_graph, "graphml", projection="cooperation"))
    edges = {(u, v, d["relation"]): d for u, v, d in graph.edges(data=True)}
    lease = edges["state:KAZ", "state:RUS", "lease"]
    assert lease["first_year"] == 1994 and "last_year" not in lease  # ongoing
    shared = edges["state:CHN", "state:KAZ", "membership"]  # KAZ in the SCO from 2001, CHN from 2001
    assert shared["first_year"] == 2001 and "last_year" not in shared
    assert edges["state:KAZ", "state:TUR", "transfer"]["last_year"] == 2012


def test_gexf_carries_the_weight_and_degree_of_each_year_as_dynamic_attributes(multivector_graph, write):
    from lxml import etree

    root = etree.parse(str(write(multivector_graph, "gexf", projection="transfers"))).getroot()
    ns = {"g": "http://gexf.net/1.3"}
    [tur] = root.xpath("//g:edge[@id='state:TUR--transfer--state:KAZ']", namespaces=ns)
    assert tur.get("weight") == "2.0"  # the total of the export: t4 and t6
    weights = [(a.get("start")[:4], a.get("end")[:4], a.get("value"))
               for a in tur.xpath("g:attvalues/g:attvalue[@for='weight']", namespaces=ns)]
    assert weights == [("2011", "2011", "1.0"), ("2012", "2012", "2.0")]  # t4 2011-2012, t6 2012
    [kaz] = root.xpath("//g:node[@id='state:KAZ']", namespaces=ns)
    degrees = [(a.get("start")[:4], a.get("value")) for a in kaz.xpath("g:attvalues/g:attvalue[@for='year_degree']",
                                                                       namespaces=ns)]
    # 2010 RUS, CHN; 2011-2012 TUR; 2013 CHN (t7, t9): one supplier, joined; 2014 CHN (t8), USA (t10)
    assert degrees == [("2010", "2"), ("2011", "1"), ("2014", "2")]


def test_undated_ties_can_be_left_out_of_a_timeline(multivector_graph, write):
    kept = nx.read_gexf(write(multivector_graph, "gexf", projection="cooperation"), version="1.3")
    omitted = nx.read_gexf(write(multivector_graph, "gexf", projection="cooperation", undated="omit"), version="1.3")
    dropped = {(u, v, d["relation"]) for u, v, d in kept.edges(data=True)} - \
        {(u, v, d["relation"]) for u, v, d in omitted.edges(data=True)}
    assert dropped == {("state:KAZ", "state:TUR", "exercise")}
    assert all(d.get("spells") for _, _, d in omitted.edges(data=True))
    assert all(d.get("spells") for _, d in omitted.nodes(data=True))


def test_a_window_exports_its_subset_and_frames_the_spells_in_it(multivector_graph, write):
    transfers = nx.read_gexf(write(multivector_graph, "gexf", projection="transfers", start=2012, end=2012),
                             version="1.3")
    assert set(transfers.edges()) == {("state:TUR", "state:KAZ")}
    [(_, _, tur)] = transfers.edges(data=True)
    assert (tur["weight"], years(tur["spells"])) == (2.0, [(2012, 2012)])
    cooperation = nx.read_graphml(write(multivector_graph, "graphml", projection="cooperation", as_of="2007-01-01"))
    assert {(tuple(sorted((u, v))), k) for u, v, k in cooperation.edges(keys=True)} == {
        (("state:KAZ", "state:RUS"), "state:KAZ--lease--state:RUS"),
        (("state:KAZ", "state:RUS"), "state:KAZ--membership--state:RUS"),
        (("state:CHN", "state:KAZ"), "state:CHN--membership--state:KAZ"),
        (("state:KAZ", "state:USA"), "state:KAZ--training--state:USA"),  # an event before 2007
    }
    assert cooperation.graph["as_of"] == 2007
    dynamic = nx.read_gexf(write(multivector_graph, "gexf", projection="cooperation", as_of=2007), version="1.3")
    assert dynamic.graph["end"] == "2007-12-31"
    lease = [d for u, v, d in dynamic.edges(data=True) if d["relation"] == "lease"]
    assert years(lease[0]["spells"]) == [(1994, 2007)]


def test_the_state_option_keeps_the_state_s_ego_network(multivector_graph, write):
    graph = nx.read_graphml(write(multivector_graph, "graphml", projection="transfers", state="TUR"))
    assert set(graph) == {"state:TUR", "state:KAZ"} and graph.number_of_edges() == 1
    assert graph.nodes["state:KAZ"]["in_degree"] == 4  # positions are those in the whole network
    assert graph.graph["state"] == TUR


def test_cytoscape_json_holds_elements_with_data_and_the_projection_s_counts(multivector_graph, write):
    nodes, edges, _ = expected(multivector_graph, "cooperation")
    path = write(multivector_graph, "cyjs", projection="cooperation")
    assert cyjs_problems(path) == []
    document = json.loads(path.read_text(encoding="utf-8"))
    assert (document["directed"], document["multigraph"]) == (False, True)
    assert document["data"]["projection"] == "cooperation"
    assert len(document["elements"]["nodes"]) == len(nodes) and len(document["elements"]["edges"]) == len(edges)
    [kaz] = [n["data"] for n in document["elements"]["nodes"] if n["data"]["id"] == "state:KAZ"]
    assert kaz["iri"] == KAZ and kaz["name"] == "Kazakhstan" and isinstance(kaz["degree"], int)
    assert "vector" not in kaz  # Kazakhstan has no policy vector: missing values are left out


def test_the_whole_graph_turns_literals_into_attributes_and_resources_into_nodes_and_edges(labels_graph, write):
    graph = nx.read_graphml(write(labels_graph, "graphml", graph="kg"))
    company = graph.nodes["company:shield-and-sword"]
    assert company["rdfs:label.de"] == "Schild & Schwert GmbH" and company["type"] == "Company"
    resources = labels_graph.query("""SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {
        GRAPH ?g { ?s ?p ?o } FILTER(?g != <https://w3id.org/kzgraph/graph/ontology/kzgraph>)
        VALUES ?side { 0 1 } BIND(IF(?side = 0, ?s, IF(?p != rdf:type, ?o, ?nothing)) AS ?x) FILTER(isIRI(?x)) }""")
    assert graph.number_of_nodes() == int(next(iter(resources))[0])
    edges = {(u, v, d["relation"]) for u, v, d in graph.edges(data=True)}
    assert ("transfer:x1", "company:shield-and-sword", "kz:supplier") in edges
    assert ("transfer:x1", "concept:unit-EUR", "kz:unit") in edges
    assert not any(r in ("rdf:type", "kz:citation", "kz:document") for _, _, r in edges)
    triples = labels_graph.query("""SELECT (COUNT(*) AS ?n) WHERE { { SELECT DISTINCT ?s ?p ?o WHERE {
        GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s) && isIRI(?o) && ?p != rdf:type
                                     && ?g != <https://w3id.org/kzgraph/graph/ontology/kzgraph>) } } }""")
    assert graph.number_of_edges() == int(next(iter(triples))[0])
    assert graph.nodes["transfer:x1"]["documents"] == (f"{ID}source/bicc-country-report-2025 "
                                                       f"{ID}source/dissertation-diversification")


def test_bad_requests_say_what_is_wrong(multivector_graph, tmp_path):
    for options, message in [({"projection": "trade"}, "unknown projection 'trade'"),
                             ({"start": 2012, "end": 2010}, "starts after it ends"),
                             ({"as_of": "20xx"}, "not a date or year"),
                             ({"graph": "kg", "start": 2010}, "without a time window"),
                             ({"graph": "rdf"}, "unknown graph 'rdf'"),
                             ({"state": "XYZ"}, "no state 'XYZ'")]:
        with pytest.raises(ExportError, match=re.escape(message)):
            stream(multivector_graph, "graphml", **options)
    with pytest.raises(ExportError, match="unknown format 'pdf'"):
        export(multivector_graph, "pdf", tmp_path / "x.pdf")
    with pytest.raises(ExportError, match="does not exist"):
        export(multivector_graph, "graphml", tmp_path / "missing" / "x.graphml")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_export_keeps_the_existing_file_and_leaves_no_temporary_file(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text(FIXTURES.joinpath("export-labels.ttl").read_text(encoding="utf-8")
                   .replace("Ltd's", "Ltd\\u0007s"), encoding="utf-8")
    kg = assemble(project_files(data=[bad]))
    target = tmp_path / "out.graphml"
    target.write_text("previous export", encoding="utf-8")
    with pytest.raises(ValueError, match="node company:shield-and-sword"):
        export(kg, "graphml", target, graph="kg")
    assert target.read_text(encoding="utf-8") == "previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.ttl", "out.graphml"]


@given(st.one_of(
    st.from_regex(r"https://w3id\.org/kzgraph/id/[a-z][a-z-]{0,8}/[A-Za-z0-9.-]{1,12}", fullmatch=True),
    st.builds(lambda tail: "http://example.org/" + tail, st.text(min_size=0, max_size=20)),
))
def test_node_ids_are_xml_name_tokens_that_give_back_their_iri(iri):
    identifier = node_id(iri)
    assert NMTOKEN.fullmatch(identifier) and iri_of(identifier) == iri


def test_values_are_typed_and_missing_ones_left_out():
    schema = {"a": "int", "b": "double", "c": "string", "d": "boolean", "e": "string"}
    assert typed({"a": 3, "b": 2, "c": ["x", "y"], "d": False, "e": "", "f": 1, "g": math.nan}, schema) == \
        {"a": 3, "b": 2.0, "c": "x y", "d": False}


def test_a_window_after_the_last_dated_year_keeps_what_is_still_in_force(multivector_graph, write):
    graph = nx.read_gexf(write(multivector_graph, "gexf", projection="cooperation", start=2020), version="1.3")
    assert (graph.graph["start"], graph.graph["end"]) == ("2020-01-01", "2020-12-31")
    assert {(u, v, d["relation"]): years(d["spells"]) for u, v, d in graph.edges(data=True)} == {
        ("state:KAZ", "state:RUS", "lease"): [(2020, 2020)],
        ("state:KAZ", "state:RUS", "membership"): [(2020, 2020)],
        ("state:CHN", "state:KAZ", "membership"): [(2020, 2020)],
        ("state:KAZ", "state:RUS", "agreement"): [(2020, 2020)],  # the treaty a1 is in force
        ("state:CHN", "state:KAZ", "agreement"): [(2020, 2020)],
        ("state:CHN", "state:RUS", "agreement"): [(2020, 2020)],
        ("state:KAZ", "state:USA", "partnership"): [(2020, 2020)],
    }
