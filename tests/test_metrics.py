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
    assert list(years) == list(range(1992, 2015))  # CSTO 1992 ... t8, t10 and the partnership 2014


def test_2010_vector_balance(years):
    row = years[2010]
    # R: t1, t2, a1 (with RUS), lease l1, CSTO = 5; C: t3, a1 (with CHN), SCO = 3; W: PfP = 1; T: 0
    assert row["ties"] == 9 and row["tie_weight"] == 9.0
    assert (row["share_russia"], row["share_china"], row["share_west"], row["share_turkey"]) == \
        pytest.approx((5 / 9, 3 / 9, 1 / 9, 0))
    assert row["balance"] == pytest.approx(-(5 / 9 * ln(5 / 9) + 1 / 3 * ln(1 / 3) + 1 / 9 * ln(1 / 9)) / ln(4))
    assert row["dependency"] == pytest.approx(5 / 9) and row["top_vector"] == "Russia-led"
    assert row["facts"] == 8 and row["sources"] == 2 and row["thin"] is False
    assert (row["partners_russia"], row["partners_china"], row["partners_west"]) == (2, 2, 1)  # RUS+CSTO, CHN+SCO, PfP
    assert ID + "agreement/a1" in row["fact_iris"] and ID + "training/tr1" not in row["fact_iris"]


def test_a_treaty_is_in_force_after_its_year_and_a_declaration_is_an_event_of_its_year(years):
    # 2011: R a1, l1, CSTO = 3; C a1, SCO = 2; W PfP, e1 = 2; T t4 = 1 (the treaty a1 of 2010 still counts)
    row = years[2011]
    assert row["ties"] == 8 and (row["share_russia"], row["share_turkey"]) == pytest.approx((3 / 8, 1 / 8))
    assert ID + "agreement/a1" in row["fact_iris"]
    # 2013: R a1, l1, CSTO = 3; C a1, SCO, t7, t9 = 4; W PfP, d1 = 2; the declaration d1 is not in 2014
    assert years[2013]["ties"] == 9 and years[2013]["top_vector"] == "China"
    assert ID + "agreement/d1" in years[2013]["fact_iris"] and ID + "agreement/d1" not in years[2014]["fact_iris"]
    # 2014: R 3; C a1, SCO, t8 = 3; W PfP, t10, the partnership with the USA = 3: three vectors tie
    assert years[2014]["top_vector"] == "China / Russia-led / West"


def test_a_year_resting_on_one_fact_is_marked_thin(years):
    row = years[1992]  # the CSTO membership only: one fact, one source (thresholds 3 facts, 2 sources)
    assert (row["facts"], row["sources"], row["thin"]) == (1, 1, True)
    assert row["balance"] == 0.0 and row["dependency"] == 1.0


def test_2010_supplier_concentration_on_the_count_basis(years):
    row = years[2010]  # delivered deals: RUS 2 (t1, t2), CHN 1 (t3)
    assert (row["arms_basis"], row["arms_volume"], row["arms_suppliers"], row["arms_facts"]) == ("count", 3, 2, 3)
    assert row["arms_hhi"] == pytest.approx(5 / 9) and row["arms_effective_suppliers"] == pytest.approx(1.8)
    assert row["arms_top_supplier"] == "Russian Federation" and row["arms_top_share"] == pytest.approx(2 / 3)


def test_a_company_counts_as_its_country_and_a_deal_in_its_delivery_years(years):
    assert years[2011]["arms_volume"] == 0  # t4 was ordered in 2011 and delivered in 2012
    assert years[2012]["arms_volume"] == 2 and years[2012]["arms_top_supplier"] == "Türkiye"  # t4, t6 (a company)
    assert years[2012]["arms_hhi"] == 1.0 and years[2012]["arms_effective_suppliers"] == 1.0
    assert years[2009]["arms_hhi"] is None and years[2009]["arms_suppliers"] == 0


def test_offers_plans_and_aid_are_not_deliveries_and_a_deal_told_twice_counts_once(years, facts):
    assert years[2013]["arms_volume"] == 0  # t7 planned, t9 offered
    row = years[2014]  # t7 (planned, BICC) and t8 (delivered, dissertation) are one deal; t10 is aid
    assert (row["arms_volume"], row["arms_top_supplier"], row["arms_facts"], row["arms_sources"]) == \
        (1, "China", 2, 2)
    asked = metrics.period(facts, "KAZ", 2013, 2014, options=metrics.Options(include=("offered", "aid")))
    assert asked["arms_volume"] == 3 and asked["arms_supplier_shares"] == {"China": 2 / 3, "United States": 1 / 3}


def test_overlapping_memberships_of_three_vectors(years):
    assert years[2005]["memberships"] == "CSTO; PfP; SCO" and years[2005]["membership_vectors"] == 3
    assert years[1995]["memberships"] == "CSTO; PfP" and years[1995]["membership_vectors"] == 2


def test_2011_network_positions_in_each_projection(years):
    row = years[2011]
    # cooperation in 2011: KAZ-RUS (treaty a1, lease, CSTO), KAZ-CHN (a1, SCO), RUS-CHN (a1), KAZ-USA (e1),
    # KAZ-TUR (t4). Pairs of the others: RUS-CHN linked, the other five go through KAZ.
    assert (row["cooperation_degree"], row["cooperation_weighted_degree"]) == (4, 7.0)
    assert row["cooperation_betweenness"] == pytest.approx(5 / 6)
    assert row["cooperation_brokerage"] == 5  # four neighbours of four vectors, one pair linked
    assert 0 < row["cooperation_eigenvector"] <= 1
    # membership in 2011: KAZ-CSTO-RUS, KAZ-SCO-CHN, KAZ-PfP; KAZ's three affiliations, three vectors
    assert (row["membership_degree"], row["membership_brokerage"]) == (3, 3)
    # 6 nodes; of the 10 pairs not involving KAZ, all but CSTO-RUS and SCO-CHN pass through KAZ
    assert row["membership_betweenness"] == pytest.approx(8 / 10)
    # transfers in 2011: TUR -> KAZ only
    assert (row["transfers_in_degree"], row["transfers_out_degree"], row["transfers_betweenness"]) == (1, 0, 0.0)


def test_2010_network_position_in_a_triangle(years):
    row = years[2010]  # KAZ-RUS 5 (a1, t1, t2, l1, CSTO), KAZ-CHN 3 (a1, t3, SCO), RUS-CHN 1 (a1)
    assert (row["cooperation_degree"], row["cooperation_weighted_degree"], row["cooperation_betweenness"],
            row["cooperation_brokerage"]) == (2, 8.0, 0.0, 0)


def test_the_all_time_row_counts_undated_facts(facts):
    row = metrics.period(facts, "KAZ")
    # t1-t10 (10), a1 with RUS and CHN (2), d1, e1, e2, l1, tr1, the partnership (6), CSTO, PfP, SCO (3)
    assert row["year"] == "all" and row["ties"] == 21
    # delivered deals: RUS 2 (t1, t2), CHN 2 (t3, t7 = t8), TUR 2 (t4, t6), USA 1 (t5, undated)
    assert row["arms_volume"] == 7 and row["arms_hhi"] == pytest.approx(13 / 49)
    assert row["arms_top_supplier"] == "China / Russian Federation / Türkiye"


def test_a_window_row_and_an_as_of_row(facts):
    window = metrics.period(facts, "KAZ", 2010, 2011)
    assert window["year"] == "2010-2011" and window["arms_volume"] == 3  # t1, t2, t3; t4 came in 2012
    as_of = metrics.period(facts, "KAZ", as_of=2007)
    assert as_of["year"] == "as of 2007" and as_of["memberships"] == "CSTO; PfP; SCO" and as_of["arms_volume"] == 0


def test_any_state_of_the_graph_by_code_or_iri(facts):
    rus = metrics.period(facts, ID + "state/RUS")
    assert rus["state"] == "RUS" and rus["memberships"] == "CSTO" and rus["arms_suppliers"] == 0
    assert metrics.period(facts, "rus")["ties"] == rus["ties"] == 6  # t1, t2, a1 with KAZ and CHN, l1, CSTO
    usa = metrics.period(facts, "USA")  # t5, t10, d1, e1, tr1, the partnership: all with KAZ, which this
    assert usa["ties"] == usa["unclassified"] == 6 and usa["share_west"] is None  # fixture leaves unclassified


@pytest.mark.parametrize("state, message", [("XYZ", "no state 'XYZ'"), ("Kazakhstan", "no state")])
def test_an_unknown_state_is_refused(facts, state, message):
    with pytest.raises(metrics.UnknownState, match=message):
        metrics.yearly(facts, state)


def test_a_reversed_window_is_refused(facts):
    with pytest.raises(MetricsError, match="from 2012 to 2010"):
        metrics.yearly(facts, "KAZ", 2012, 2010)


@pytest.mark.parametrize("options, message", [({"basis": "usd"}, "unknown basis 'usd'"),
                                              ({"view": "mine"}, "unknown view 'mine'"),
                                              ({"include": ["gifts"]}, "cannot include gifts"),
                                              ({"basis": "tiv"}, "SIPRI register import")])
def test_bad_options_are_usage_errors(multivector_graph, options, message):
    from kzgraph.errors import UsageError

    with pytest.raises(UsageError, match=message):
        metrics.compute(multivector_graph, "KAZ", **options)


def test_table_is_a_dataframe(multivector_graph):
    frame = metrics.table(metrics.compute(multivector_graph, "KAZ", 2010, 2012))
    assert list(frame["year"]) == [2010, 2011, 2012, "2010-2012"]
    assert frame.loc[0, "arms_hhi"] == pytest.approx(5 / 9)


def test_a_tie_for_the_largest_share_names_every_vector_that_holds_it(years):
    row = years[2005]  # R: lease l1, CSTO; W: training tr1, PfP; C: SCO; two ties each for R and W
    assert row["share_russia"] == row["share_west"] == pytest.approx(0.4)
    assert row["top_vector"] == "Russia-led / West"
    assert years[2010]["top_vector"] == "Russia-led"


# --- the tie model, the thresholds, the source views ----------------------------------------------------

def test_the_tie_model_is_data_a_researcher_can_change(multivector_graph, tmp_path):
    from kzgraph.analysis.projections import TIE_MODEL, TieModel

    text = TIE_MODEL.read_text(encoding="utf-8")
    changed = tmp_path / "model.csv"
    # memberships weigh nothing, treaties become events of their year
    changed.write_text(text.replace("membership,,interval,1,", "membership,,interval,0,")
                       .replace("agreement,Treaty,interval,1,", "agreement,Treaty,event,1,"), encoding="utf-8")
    facts = Facts.fetch(multivector_graph, TieModel.load(changed))
    row = metrics.yearly(facts, "KAZ", 2011, 2011)[0]
    # 2011 without the treaty a1 (an event of 2010 now) and with memberships of weight 0: l1 (R), e1 (W), t4 (T)
    assert row["tie_weight"] == 3.0 and row["share_russia"] == row["share_west"] == pytest.approx(1 / 3)
    assert row["ties"] == 6  # three memberships still listed as ties (weight 0)


def test_a_tie_model_with_a_bad_row_is_refused_with_its_line(tmp_path):
    from kzgraph.analysis.projections import TieModel
    from kzgraph.errors import UsageError

    bad = tmp_path / "model.csv"
    bad.write_text("relation,class,kind,weight,definition\nlease,,forever,1,x\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"model\.csv:2"):
        TieModel.load(bad)


def test_the_thin_thresholds_come_from_the_settings_file(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text("setting,value,definition\nmin_facts,10,x\nmin_sources,1,y\n", encoding="utf-8")
    settings = metrics.Settings.load(path)
    assert (settings.min_facts, settings.min_sources) == (10, 1)
    assert settings.thin(9, 5) and not settings.thin(10, 1)
    assert metrics.Settings.load() == metrics.Settings(3, 2)  # data/settings/metrics.csv


def test_the_source_mean_view_weighs_every_document_the_same(facts):
    # 2013: BICC tells t7, t9 (China); the dissertation a1 x2 (R, C), l1 (R), CSTO (R), SCO (C), PfP (W), d1 (W)
    pooled = metrics.yearly(facts, "KAZ", 2013, 2013)[0]
    mean = metrics.yearly(facts, "KAZ", 2013, 2013, options=metrics.Options(view="source-mean"))[0]
    assert pooled["share_china"] == pytest.approx(4 / 9)
    assert (mean["share_russia"], mean["share_china"], mean["share_west"]) == \
        pytest.approx((3 / 14, (1 + 2 / 7) / 2, 1 / 7))


def test_the_per_source_view_gives_one_row_per_document(facts):
    rows = metrics.yearly(facts, "KAZ", 2013, 2013, options=metrics.Options(view="per-source"))
    by_source = {r["source"].rsplit("/", 1)[-1]: r for r in rows}
    assert set(by_source) == {"bicc-country-report-2025", "dissertation-diversification"}
    assert by_source["bicc-country-report-2025"]["share_china"] == 1.0
    assert by_source["bicc-country-report-2025"]["facts"] == 2 and by_source["bicc-country-report-2025"]["thin"]
    assert by_source["dissertation-diversification"]["share_russia"] == pytest.approx(3 / 7)


# --- the register basis (hand-made register tests/fixtures/register.trig) ---------------------------------

@pytest.fixture(scope="module")
def register(register_graph):
    return Facts.fetch(register_graph)


def test_tiv_is_spread_over_the_delivery_years_and_summed_per_supplier(register):
    rows = {r["year"]: r for r in metrics.yearly(register, "KAZ", 2019, 2024)}
    assert [rows[y]["arms_volume"] for y in range(2019, 2025)] == [150.0, 150.0, 150.0, 200.0, 70.0, 20.0]
    assert rows[2023]["arms_supplier_shares"] == pytest.approx({"Russian Federation": 50 / 70, "Türkiye": 20 / 70})
    assert all(r["arms_basis"] == "tiv" for r in rows.values())
    period = metrics.period(register, "KAZ", 2020, 2024)
    assert period["arms_volume"] == pytest.approx(590.0)
    assert period["arms_hhi"] == pytest.approx((550 / 590) ** 2 + (40 / 590) ** 2)
    assert period["arms_top_supplier"] == "Russian Federation" and period["arms_top_share"] == pytest.approx(550 / 590)
    assert period["arms_effective_suppliers"] == pytest.approx(1 / period["arms_hhi"])
    assert period["arms_facts"] == 3 and period["arms_sources"] == 1  # r1, r2, r4; the register
    assert period["arms_thin"] is False and rows[2024]["arms_thin"] is True  # 2024: r4 only


def test_a_row_with_nothing_delivered_and_a_state_as_supplier_are_left_out(register):
    everything = metrics.period(register, "KAZ")
    assert "Spain" not in everything["arms_supplier_shares"]  # r6: TIV 0, no delivery
    assert everything["arms_volume"] == pytest.approx(600 + 100 + 30 + 40 + 13)
    uzb = {r["year"]: r for r in metrics.yearly(register, "UZB", 2020, 2021)}
    assert uzb[2020]["arms_hhi"] == pytest.approx(5 / 9) and uzb[2020]["arms_top_supplier"] == "Russian Federation"
    assert uzb[2021]["arms_supplier_shares"] == pytest.approx({"China": 25 / 35, "Kazakhstan": 10 / 35})


def test_register_rows_are_volumes_not_cooperation_ties(register, facts):
    assert metrics.period(register, "KAZ", 2016, 2016)["ties"] == metrics.period(facts, "KAZ", 2016, 2016)["ties"]
    assert set(register.project("transfers").edges) == set(facts.project("transfers").edges)


def test_the_count_basis_stays_available_with_the_register(register_graph):
    rows = metrics.compute(register_graph, "KAZ", 2010, 2010, basis="count")
    assert rows[0]["arms_basis"] == "count" and rows[0]["arms_volume"] == 3


def test_states_side_by_side(register_graph):
    rows = metrics.compute(register_graph, "KAZ,UZB", 2020, 2021)
    assert [(r["state"], r["year"]) for r in rows] == [("KAZ", 2020), ("KAZ", 2021), ("KAZ", "2020-2021"),
                                                      ("UZB", 2020), ("UZB", 2021), ("UZB", "2020-2021")]
    text = metrics.render(rows, "table")
    assert "KAZ balance" in text and "UZB arms (TIV m)" in text


# --- invariants ------------------------------------------------------------------------------------------

@st.composite
def tie_lists(draw):
    vectors = ["R", "C", "W"]
    return [metrics.Tie(f"p{draw(st.integers(0, 5))}", draw(st.sampled_from([*vectors, "", "X"])), "x", [f"f{i}"],
                        set(draw(st.lists(st.sampled_from("abc"), max_size=2))),
                        weight=draw(st.sampled_from([0.5, 1.0, 2.0])))
            for i in range(draw(st.integers(1, 12)))]


@given(tie_lists(), st.sampled_from(["pooled", "source-mean"]))
def test_the_shares_of_a_row_sum_to_one_whenever_a_tie_is_classified(found, view):
    columns = {"r": "R", "c": "C", "w": "W"}
    row: dict = {}
    metrics._vector_columns(row, found, columns, view)
    shares = [row[f"share_{k}"] for k in columns]
    if any(shares):
        assert math.fsum(s for s in shares if s) == pytest.approx(1.0)
        assert 0 <= row["balance"] <= 1 and row["dependency"] == pytest.approx(max(s or 0 for s in shares))
    assert row["unclassified"] == sum(1 for t in found if t.vector not in columns.values())


@given(st.floats(0, 1e4), st.lists(st.integers(1950, 2024), max_size=8))
def test_tiv_by_year_keeps_the_total(tiv, years):
    spread = metrics.tiv_by_year(tiv, years)
    assert set(spread) == set(years)
    if years:
        assert math.fsum(spread.values()) == pytest.approx(tiv)


def test_gould_fernandez_roles_on_a_hand_drawn_network():
    # ego (group A) between u1 (A) -> ego -> v1 (A): coordinator; u2 (B) -> ego -> v2 (B): itinerant;
    # u2 (B) -> ego -> v1 (A): gatekeeper; u1 (A) -> ego -> v2 (B): representative; u3 (C) -> ego -> v2 (B):
    # liaison; u3 -> v1 is linked, so u3 -> ego -> v1 is no brokerage
    graph = nx.DiGraph([("u1", "ego"), ("u2", "ego"), ("u3", "ego"), ("ego", "v1"), ("ego", "v2"), ("u3", "v1")])
    group = {"ego": "A", "u1": "A", "v1": "A", "u2": "B", "v2": "B", "u3": "C"}
    assert metrics.gould_fernandez(graph, "ego", group) == {
        "coordinator": 1, "itinerant": 1, "gatekeeper": 1, "representative": 1, "liaison": 1}
    assert metrics.brokerage(graph, "ego", group) == 3  # gatekeeper, representative and liaison


def test_charts_for_several_states_name_their_state_basis_and_window(register_graph, tmp_path):
    from kzgraph.analysis import charts

    written = charts.render(register_graph, tmp_path, "KAZ,UZB", 2019, 2024)
    assert sorted(p.name for p in written if p.suffix == ".svg") == [
        "balance-KAZ.svg", "balance-UZB.svg", "ego-network-KAZ.svg", "ego-network-UZB.svg",
        "suppliers-KAZ.svg", "suppliers-UZB.svg"]
    text = (tmp_path / "suppliers-KAZ.svg").read_text(encoding="utf-8")
    assert "SIPRI TIV delivered" in text and "2019–2024" in text and "register rows" in text
    balance = (tmp_path / "balance-UZB.svg").read_text(encoding="utf-8")
    assert "Uzbekistan, 2019–2024" in balance and "thin year" in balance
    assert "Kazakhstan" in (tmp_path / "ego-network-KAZ.svg").read_text(encoding="utf-8")
