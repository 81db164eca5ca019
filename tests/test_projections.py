"""The projections: networkx graphs of states, memberships and arms transfers, each cut to a time window."""

from __future__ import annotations

import networkx as nx
import pytest

from kzgraph.analysis.projections import ProjectionError, as_year, project

STATE = "https://w3id.org/kzgraph/id/state/"
KAZ, RUS, CHN, USA, TUR, DEU = (STATE + c for c in ("KAZ", "RUS", "CHN", "USA", "TUR", "DEU"))
ORG = "https://w3id.org/kzgraph/id/org/"
PFP = "https://w3id.org/kzgraph/id/programme/PfP"
FACT = "https://w3id.org/kzgraph/id/"
BICC = "https://w3id.org/kzgraph/id/source/bicc-country-report-2025"


def test_transfers_are_directed_supplier_to_recipient_with_companies_standing_for_their_country(multivector_graph):
    graph = project(multivector_graph, "transfers")
    assert isinstance(graph, nx.DiGraph)
    assert set(graph.edges) == {(RUS, KAZ), (CHN, KAZ), (TUR, KAZ), (USA, KAZ)}
    tur = graph.edges[TUR, KAZ]
    assert tur["facts"] == [FACT + "transfer/t4", FACT + "transfer/t6"]
    assert (tur["weight"], tur["first_year"], tur["last_year"], tur["relation"]) == (2.0, 2011, 2012, "transfer")
    assert graph.edges[RUS, KAZ]["sources"] == 2  # t1 from the BICC report, t2 from the dissertation


def test_nodes_carry_label_type_iri_iso_and_vector(multivector_graph):
    graph = project(multivector_graph, "transfers")
    assert graph.nodes[RUS] == {"label": "Russian Federation", "type": "State", "iri": RUS, "iso": "RUS",
                                "vector": "Russia-led"}
    assert graph.nodes[KAZ]["vector"] == ""


def test_undated_facts_are_in_the_all_time_view_only(multivector_graph):
    assert project(multivector_graph, "transfers").has_edge(USA, KAZ)
    assert not project(multivector_graph, "transfers", 1900, 2100).has_edge(USA, KAZ)


def test_a_window_keeps_the_facts_whose_years_meet_it(multivector_graph):
    graph = project(multivector_graph, "transfers", start=2012, end=2012)
    assert set(graph.edges) == {(TUR, KAZ)}
    assert graph.edges[TUR, KAZ]["weight"] == 2.0
    assert set(project(multivector_graph, "transfers", end=2010).edges) == {(RUS, KAZ), (CHN, KAZ)}


def test_cooperation_is_a_multigraph_keyed_by_relation(multivector_graph):
    graph = project(multivector_graph, "cooperation")
    assert isinstance(graph, nx.MultiGraph)
    assert set(graph[KAZ][RUS]) == {"agreement", "transfer", "lease", "membership"}
    assert set(graph[KAZ][USA]) == {"exercise", "training", "transfer"}
    assert graph[CHN][RUS]["agreement"]["facts"] == [FACT + "agreement/a1"]
    shared = graph[KAZ][RUS]["membership"]
    assert shared["organisations"] == [ORG + "CSTO"] and shared["weight"] == 1.0
    assert not graph.has_edge(KAZ, DEU)  # DEU left the CSTO before KAZ joined


def test_as_of_keeps_what_was_in_force_and_what_happened_before(multivector_graph):
    graph = project(multivector_graph, "cooperation", as_of="2007-01-01")
    assert set(graph[KAZ][RUS]) == {"lease", "membership"}
    assert not graph.has_edge(KAZ, USA)  # the training ended in 2006
    assert set(project(multivector_graph, "cooperation", as_of=2006)[KAZ][USA]) == {"training"}


def test_membership_is_bipartite_without_applicants(multivector_graph):
    graph = project(multivector_graph, "membership")
    assert {n for n, d in graph.nodes(data=True) if d["bipartite"] == 1} == {ORG + "CSTO", ORG + "SCO", PFP}
    assert nx.is_bipartite(graph)
    assert graph.edges[KAZ, ORG + "CSTO"]["roles"] == ["chair", "founding-member"]
    assert graph.edges[KAZ, ORG + "CSTO"]["weight"] == 2.0
    assert graph.nodes[PFP]["type"] == "Programme"


@pytest.mark.parametrize("bad", [{"name": "trade"}, {"name": "transfers", "start": 2012, "end": 2010}])
def test_bad_requests_say_what_is_wrong(multivector_graph, bad):
    with pytest.raises(ProjectionError, match="trade|starts after"):
        project(multivector_graph, **bad)


def test_as_of_accepts_years_and_iso_dates_and_rejects_the_rest():
    assert as_year("2014-05-01") == as_year("2014-05") == as_year("2014") == as_year(2014) == 2014
    with pytest.raises(ProjectionError, match="01.05.2014"):
        as_year("01.05.2014")
