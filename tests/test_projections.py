"""The projections: networkx graphs of states, memberships and arms transfers, each cut to a time window."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kzgraph.analysis.projections import Fact, Facts, Node, ProjectionError, as_year, project

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
    assert graph.edges[CHN, KAZ]["facts"] == [FACT + f"transfer/t{i}" for i in (3, 7, 8, 9)]  # every status
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
    assert FACT + "transfer/t5" in project(multivector_graph, "transfers")[USA][KAZ]["facts"]
    assert project(multivector_graph, "transfers", 1900, 2100)[USA][KAZ]["facts"] == [FACT + "transfer/t10"]
    everything = project(multivector_graph, "cooperation")
    window = project(multivector_graph, "cooperation", 1900, 2100)
    assert everything[KAZ][TUR]["exercise"]["dated"] is False and "exercise" not in window[KAZ][TUR]


def test_a_window_keeps_the_facts_whose_years_meet_it(multivector_graph):
    graph = project(multivector_graph, "transfers", start=2012, end=2012)
    assert set(graph.edges) == {(TUR, KAZ)}
    assert graph.edges[TUR, KAZ]["weight"] == 2.0
    assert set(project(multivector_graph, "transfers", end=2010).edges) == {(RUS, KAZ), (CHN, KAZ)}


def test_cooperation_is_a_multigraph_keyed_by_relation(multivector_graph):
    graph = project(multivector_graph, "cooperation")
    assert isinstance(graph, nx.MultiGraph)
    assert set(graph[KAZ][RUS]) == {"agreement", "transfer", "lease", "membership"}
    assert set(graph[KAZ][USA]) == {"agreement", "exercise", "training", "transfer", "partnership"}
    assert graph[CHN][RUS]["agreement"]["facts"] == [FACT + "agreement/a1"]
    shared = graph[KAZ][RUS]["membership"]
    assert shared["organisations"] == [ORG + "CSTO"] and shared["weight"] == 1.0
    assert not graph.has_edge(KAZ, DEU)  # DEU left the CSTO before KAZ joined


def test_as_of_keeps_what_was_in_force_and_what_happened_before(multivector_graph):
    graph = project(multivector_graph, "cooperation", as_of="2007-01-01")
    assert set(graph[KAZ][RUS]) == {"lease", "membership"}
    assert set(graph[KAZ][USA]) == {"training"}  # an event (2005-2006) that happened before
    later = project(multivector_graph, "cooperation", as_of=2016)
    assert set(later[KAZ][RUS]) == {"lease", "membership", "agreement", "transfer"}  # the treaty is in force
    assert set(later[KAZ][USA]) == {"training", "exercise", "agreement", "transfer", "partnership"}
    assert later[KAZ][RUS]["agreement"]["last_year"] is None  # ongoing


def test_membership_is_bipartite_without_applicants_or_partnerships(multivector_graph):
    graph = project(multivector_graph, "membership")
    assert {n for n, d in graph.nodes(data=True) if d["bipartite"] == 1} == {ORG + "CSTO", ORG + "SCO", PFP}
    assert nx.is_bipartite(graph) and not graph.has_edge(USA, KAZ)  # the partnership is a state-state tie
    assert graph.edges[KAZ, ORG + "CSTO"]["roles"] == ["chair", "founding-member"]
    assert graph.edges[KAZ, ORG + "CSTO"]["weight"] == 2.0
    assert graph.nodes[PFP]["type"] == "Programme"


@pytest.mark.parametrize("bad", [{"name": "trade"}, {"name": "transfers", "start": 2012, "end": 2010}])
def test_bad_requests_say_what_is_wrong(multivector_graph, bad):
    with pytest.raises(ProjectionError, match=r"trade|starts after"):
        project(multivector_graph, **bad)


def test_as_of_accepts_years_and_iso_dates_and_rejects_the_rest():
    assert as_year("2014-05-01") == as_year("2014-05") == as_year("2014") == as_year(2014) == 2014
    with pytest.raises(ProjectionError, match=r"01\.05\.2014"):
        as_year("01.05.2014")


def test_a_strategic_partnership_is_a_state_state_tie_in_force_from_its_start(multivector_graph):
    edge = project(multivector_graph, "cooperation")[KAZ][USA]["partnership"]
    assert (edge["first_year"], edge["last_year"], edge["spans"]) == (2014, None, [(2014, float("inf"))])
    assert "partnership" not in project(multivector_graph, "cooperation", 2010, 2013)[KAZ].get(USA, {})


def test_common_membership_must_fall_in_the_window():
    # A: member of O 1990-2010, B: 2000-2010; in 1990-1995 both are members of O, but never at once
    nodes = ({i: Node(i, i, "State", i, "", "") for i in ("A", "B")}
             | {"O": Node("O", "O", "InternationalOrganisation", "", "", "")})
    memberships = [Fact("ma", "membership", "A", "O", 1990, 2010, frozenset(), kind="interval"),
                   Fact("mb", "membership", "B", "O", 2000, 2010, frozenset(), kind="interval")]
    facts = Facts([], memberships, nodes)
    assert not facts.project("cooperation", 1990, 1995).has_edge("A", "B")
    assert facts.project("cooperation", 1995, 2000)["A"]["B"]["membership"]["spans"] == [(2000, 2010)]


# --- invariants: one definition of when a tie exists -----------------------------------------------------

YEARS = st.integers(1990, 2000)
STATES = ("S1", "S2", "S3", "S4")
ORGS = ("O1", "O2")


@st.composite
def random_facts(draw):
    """Random facts of every relation and kind: dated, undated, ongoing, with an end only."""
    ties, memberships = [], []
    for i in range(draw(st.integers(0, 8))):
        a, b = draw(st.sampled_from(STATES)), draw(st.sampled_from(STATES))
        if a == b:
            continue
        first, last = draw(st.one_of(st.none(), YEARS)), draw(st.one_of(st.none(), YEARS))
        if first is not None and last is not None and last < first:
            first, last = last, first
        relation, kind = draw(st.sampled_from([("agreement", "interval"), ("exercise", "event"), ("lease", "interval"),
                                               ("transfer", "event"), ("partnership", "interval")]))
        ties.append(Fact(f"t{i}", relation, a, b, first, last, frozenset({draw(st.sampled_from("xy"))}), kind=kind))
    for i in range(draw(st.integers(0, 6))):
        member = draw(st.sampled_from((*STATES, "C1")))  # C1: a company, not a state
        organisation = draw(st.sampled_from((*ORGS, "S1")))  # S1 as organisation: a partnership in the data
        first, last = draw(st.one_of(st.none(), YEARS)), draw(st.one_of(st.none(), YEARS))
        if first is not None and last is not None and last < first:
            first, last = last, first
        memberships.append(Fact(f"m{i}", "membership", member, organisation, first, last, frozenset({"x"}),
                                kind="interval"))
    nodes = {s: Node(s, s, "State", s, "", "") for s in STATES}
    nodes |= {o: Node(o, o, "InternationalOrganisation", "", "", "") for o in ORGS}
    nodes["C1"] = Node("C1", "C1", "Company", "", "", "")
    return Facts(ties, memberships, nodes)


def edge_keys(graph):
    if graph.is_multigraph():
        return {(frozenset((u, v)), k): d for u, v, k, d in graph.edges(keys=True, data=True)}
    return {(frozenset((u, v)) if not graph.is_directed() else (u, v)): d for u, v, d in graph.edges(data=True)}


@settings(max_examples=60, deadline=None)
@given(random_facts(), st.sampled_from(("cooperation", "membership", "transfers")))
def test_every_edge_exists_in_exactly_the_years_of_its_spans_and_first_and_last_year_agree(facts, name):
    everything = edge_keys(facts.project(name))
    years = {year: edge_keys(facts.project(name, year, year)) for year in range(1988, 2003)}
    for key, data in everything.items():
        in_force = [y for y, edges in years.items() if key in edges]
        from_spans = [y for y in years if any(low <= y <= high for low, high in data["spans"])]
        assert in_force == from_spans, (key, data)
        if data["dated"]:
            assert data["first_year"] == data["spans"][0][0]
            assert data["last_year"] == (None if data["spans"][-1][1] == float("inf") else data["spans"][-1][1])
        else:
            assert in_force == [] and data["first_year"] is None and data["last_year"] is None
    for edges in years.values():
        assert set(edges) <= set(everything)


@settings(max_examples=60, deadline=None)
@given(random_facts(), YEARS, YEARS)
def test_a_window_holds_an_edge_exactly_when_one_of_its_years_does(facts, a, b):
    start, end = min(a, b), max(a, b)
    window = edge_keys(facts.project("cooperation", start, end))
    union = set().union(*(edge_keys(facts.project("cooperation", y, y)) for y in range(start, end + 1)))
    assert set(window) == union


@settings(max_examples=60, deadline=None)
@given(random_facts())
def test_the_membership_network_is_strictly_bipartite(facts):
    graph = facts.project("membership")
    assert nx.is_bipartite(graph)
    for n, side in graph.nodes(data="bipartite"):
        assert (side == 0) == (graph.nodes[n]["type"] == "State")
    for u, v in graph.edges:
        assert {graph.nodes[u]["bipartite"], graph.nodes[v]["bipartite"]} == {0, 1}
