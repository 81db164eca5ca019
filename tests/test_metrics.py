"""The multivector metrics: index formulas on hand-computed distributions, and year rows of the fixture
graph tests/fixtures/multivector.ttl whose every number is worked out in the comments."""

from __future__ import annotations

import math

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kzgraph.analysis import metrics
from kzgraph.analysis.metrics import MetricsError, brokerage, effective_number, evenness, hhi, largest_share
from kzgraph.analysis.projections import Facts

ID = "https://w3id.org/kzgraph/id/"


def ln(x):
    return math.log(x)


# --- the indices -------------------------------------------------------------------------------------

def test_hhi_of_two_thirds_and_one_third_is_five_ninths():
    assert hhi({"RUS": 2, "CHN": 1}) == pytest.approx(5 / 9)
    assert effective_number({"RUS": 2, "CHN": 1}) == pytest.approx(1.8)
    assert largest_share({"RUS": 2, "CHN": 1}) == pytest.approx(2 / 3)


def test_a_single_supplier_is_full_concentration_and_equal_suppliers_the_least():
    assert hhi({"RUS": 7}) == 1.0
    assert hhi({"a": 1, "b": 1, "c": 1, "d": 1}) == pytest.approx(0.25)
    assert effective_number({"a": 3, "b": 3, "c": 3, "d": 3}) == pytest.approx(4.0)


def test_evenness_is_zero_for_one_vector_and_one_for_equal_shares():
    assert evenness({"R": 5}, 4) == 0.0
    assert evenness({"R": 1, "C": 1, "W": 1, "T": 1}, 4) == pytest.approx(1.0)
    assert evenness({"R": 5, "C": 3, "W": 1}, 4) == pytest.approx(
        -(5 / 9 * ln(5 / 9) + 3 / 9 * ln(3 / 9) + 1 / 9 * ln(1 / 9)) / ln(4))


@pytest.mark.parametrize("call, message", [
    (lambda: hhi({"RUS": -1, "CHN": 2}), "'RUS'"),
    (lambda: hhi({}), "no positive amounts"),
    (lambda: hhi({"RUS": float("nan")}), "'RUS'"),
    (lambda: evenness({"a": 1, "b": 1, "c": 1}, 2), "only 2 were declared"),
])
def test_bad_distributions_are_refused_with_the_reason(call, message):
    with pytest.raises(MetricsError, match=message):
        call()


def test_brokerage_counts_unlinked_neighbour_pairs_of_different_vectors():
    graph = nx.Graph([("ego", "r1"), ("ego", "r2"), ("ego", "c"), ("ego", "w"), ("c", "w"), ("ego", "x")])
    group = {"r1": "R", "r2": "R", "c": "C", "w": "W"}  # x has no vector
    # pairs of different vectors: r1-c, r1-w, r2-c, r2-w, c-w; c-w are linked -> 4
    assert brokerage(graph, "ego", group) == 4


amounts = st.dictionaries(st.text(min_size=1, max_size=5), st.floats(0.001, 1e6), min_size=1, max_size=12)


@given(amounts)
def test_hhi_lies_between_one_over_n_and_one(distribution):
    n = len(distribution)
    assert 1 / n - 1e-9 <= hhi(distribution) <= 1 + 1e-9
    assert effective_number(distribution) <= n + 1e-6


@given(amounts, st.integers(0, 5))
def test_evenness_lies_between_zero_and_one(distribution, extra):
    assert 0.0 <= evenness(distribution, len(distribution) + extra) <= 1.0


@given(amounts, st.randoms())
def test_permuting_or_renaming_partners_changes_nothing(distribution, random):
    items = list(distribution.items())
    random.shuffle(items)
    renamed = {f"p{i}": amount for i, (_, amount) in enumerate(items)}
    n = len(distribution) + 1
    assert hhi(renamed) == pytest.approx(hhi(distribution))
    assert largest_share(renamed) == pytest.approx(largest_share(distribution))
    assert evenness(renamed, n) == pytest.approx(evenness(distribution, n))


@given(amounts, st.floats(0.01, 1000))
def test_scaling_all_amounts_changes_nothing(distribution, factor):
    scaled = {k: v * factor for k, v in distribution.items()}
    assert hhi(scaled) == pytest.approx(hhi(distribution))


# --- the fixture graph -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def facts(multivector_graph):
    return Facts.fetch(multivector_graph)


@pytest.fixture(scope="module")
def years(facts):
    return {r["year"]: r for r in metrics.yearly(facts, "KAZ")}


def test_years_run_from_the_first_to_the_last_year_of_the_states_facts(years):
    assert list(years) == list(range(1992, 2013))  # CSTO 1992 ... t6 and the CSTO chair 2012


def test_2010_vector_balance(years):
    row = years[2010]
    # R: t1, t2, a1 (with RUS), lease l1, CSTO = 5; C: t3, a1 (with CHN), SCO = 3; W: PfP = 1; T: 0
    assert row["ties"] == 9
    assert (row["share_russia"], row["share_china"], row["share_west"], row["share_turkey"]) == \
        pytest.approx((5 / 9, 3 / 9, 1 / 9, 0))
    assert row["balance"] == pytest.approx(-(5 / 9 * ln(5 / 9) + 1 / 3 * ln(1 / 3) + 1 / 9 * ln(1 / 9)) / ln(4))
    assert row["dependency"] == pytest.approx(5 / 9) and row["top_vector"] == "Russia-led"
    assert row["facts"] == 8 and row["sources"] == 2
    assert ID + "agreement/a1" in row["fact_iris"] and ID + "training/tr1" not in row["fact_iris"]


def test_2010_supplier_concentration(years):
    row = years[2010]  # RUS 2 (t1, t2), CHN 1 (t3)
    assert (row["imports"], row["suppliers"], row["hhi_basis"]) == (3.0, 2, "count")
    assert row["hhi"] == pytest.approx(5 / 9) and row["effective_suppliers"] == pytest.approx(1.8)
    assert row["top_supplier"] == "Russian Federation" and row["top_supplier_share"] == pytest.approx(2 / 3)


def test_a_company_counts_as_its_country_and_a_transfer_in_each_year_it_runs(years):
    assert years[2011]["top_supplier"] == years[2012]["top_supplier"] == "Türkiye"
    assert years[2011]["imports"] == 1.0 and years[2012]["imports"] == 2.0  # t4 (2011-2012), t6 (2012)
    assert years[2012]["hhi"] == 1.0 and years[2012]["effective_suppliers"] == 1.0
    assert years[2009]["hhi"] is None and years[2009]["suppliers"] == 0


def test_overlapping_memberships_of_three_vectors(years):
    assert years[2005]["memberships"] == "CSTO; PfP; SCO" and years[2005]["membership_vectors"] == 3
    assert years[1995]["memberships"] == "CSTO; PfP" and years[1995]["membership_vectors"] == 2


def test_2011_network_position_is_the_centre_of_a_star(years):
    row = years[2011]
    # cooperation in 2011: KAZ-RUS (lease, CSTO), KAZ-CHN (SCO), KAZ-USA (exercise), KAZ-TUR (t4)
    assert (row["degree"], row["weighted_degree"], row["betweenness"]) == (4, 5.0, pytest.approx(1.0))
    assert row["brokerage"] == 6  # four neighbours of four vectors, none linked: C(4, 2)
    assert 0 < row["eigenvector"] <= 1


def test_2010_network_position_in_a_triangle(years):
    row = years[2010]  # KAZ-RUS 5 (a1, t1, t2, l1, CSTO), KAZ-CHN 3 (a1, t3, SCO), RUS-CHN 1 (a1)
    assert (row["degree"], row["weighted_degree"], row["betweenness"], row["brokerage"]) == (2, 8.0, 0.0, 0)


def test_the_all_time_row_counts_undated_facts(facts):
    row = metrics.period(facts, "KAZ")
    # R 5, C 3, W: t5 (undated), e1, tr1, PfP = 4, T: t4, t6 = 2
    assert row["year"] == "all" and row["ties"] == 14
    assert row["hhi"] == pytest.approx(10 / 36) and row["effective_suppliers"] == pytest.approx(3.6)
    assert row["top_supplier"] == "Russian Federation"  # tied with Türkiye at 2; the first IRI wins


def test_a_window_row_and_an_as_of_row(facts):
    window = metrics.period(facts, "KAZ", 2010, 2011)
    assert window["year"] == "2010-2011" and window["imports"] == 4.0  # t1, t2, t3, t4
    as_of = metrics.period(facts, "KAZ", as_of=2007)
    assert as_of["year"] == "as of 2007" and as_of["memberships"] == "CSTO; PfP; SCO" and as_of["imports"] == 0


def test_any_state_of_the_graph_by_code_or_iri(facts):
    rus = metrics.period(facts, ID + "state/RUS")
    assert rus["memberships"] == "CSTO" and rus["suppliers"] == 0
    assert metrics.period(facts, "rus")["ties"] == rus["ties"]


@pytest.mark.parametrize("state, message", [("XYZ", "no state 'XYZ'"), ("Kazakhstan", "no state")])
def test_an_unknown_state_is_refused(facts, state, message):
    with pytest.raises(MetricsError, match=message):
        metrics.yearly(facts, state)


def test_a_reversed_window_is_refused(facts):
    with pytest.raises(MetricsError, match="from 2012 to 2010"):
        metrics.yearly(facts, "KAZ", 2012, 2010)


def test_table_is_a_dataframe(multivector_graph):
    frame = metrics.table(metrics.compute(multivector_graph, "KAZ", 2010, 2012))
    assert list(frame["year"]) == [2010, 2011, 2012, "2010-2012"]
    assert frame.loc[0, "hhi"] == pytest.approx(5 / 9)


def test_a_tie_for_the_largest_share_names_every_vector_that_holds_it(years):
    row = years[2005]  # R: lease l1, CSTO; W: training tr1, PfP; C: SCO; two ties each for R and W
    assert row["share_russia"] == row["share_west"] == pytest.approx(0.4)
    assert row["top_vector"] == "Russia-led / West"
    assert years[2010]["top_vector"] == "Russia-led"
