"""Reading SIPRI's trade register as SIPRI exports it: the preamble, the header, the '?' columns, latin-1,
empty fields, lists and ranges of delivery years, the three statuses, comments that break a row, TIVs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from kzgraph.importers.sipri import COLUMNS, read_register, tiv_by_year
from kzgraph.importers.sipri.register import RegisterRow

from .sipri_files import HEADER_LINE, SAMPLE


@pytest.fixture(scope="module")
def register():
    return read_register(SAMPLE)


def row_of(register, recipient, designation):
    return next(r for r in register.rows if r.recipient == recipient and r.designation == designation)


def test_the_preamble_gives_the_title_and_the_generation_time(register):
    assert register.title == "Transfers of major conventional arms from All countries to All countries"
    assert register.generated == datetime(2025, 2, 2, 15, 15, 7)  # "2 Feb 2025 03:15:07 PM"
    assert register.preamble[-1] == "Data generated: 2 Feb 2025 03:15:07 PM"
    assert register.header_line == HEADER_LINE


def test_every_deal_is_a_row_numbered_from_one_with_the_lines_it_stands_on(register):
    assert len(register) == 20
    assert [r.row for r in register.rows] == list(range(1, 21))
    first = register.rows[0]
    assert (first.line_start, first.line_end) == (HEADER_LINE + 1, HEADER_LINE + 1)
    assert register.line_count == 33


def test_a_comment_with_a_line_break_joins_its_row_again_and_keeps_both_lines(register):
    casspir = row_of(register, "African Union**", "Casspir")
    assert (casspir.line_start, casspir.line_end) == (27, 28)
    assert casspir.comment == "Second-hand; for peacekeeping forces in Sudan"
    assert (casspir.tiv_per_unit, casspir.tiv_order, casspir.tiv_delivered) == (Decimal("0.13"), Decimal("2.6"),
                                                                              Decimal("2.6"))
    after = register.rows[casspir.row]
    assert after.line_start == 29


def test_the_question_mark_columns_qualify_the_value_before_them(register):
    cobra_40, cobra_7 = (r for r in register.rows if r.designation == "Cobra")
    assert (cobra_40.order_year_uncertain, cobra_40.number_ordered_uncertain, cobra_40.number_delivered_uncertain) \
        == (False, True, True)
    assert (cobra_7.order_year_uncertain, cobra_7.number_ordered_uncertain, cobra_7.number_delivered_uncertain) \
        == (True, False, False)


def test_latin_1_names_and_comments_are_read_as_sipri_wrote_them(register):
    assert any(r.recipient == "Côte d'Ivoire" for r in register.rows)
    assert register.actors["Côte d'Ivoire"].iri.endswith("/state/CIV")
    engine = row_of(register, "Kazakhstan", "vehicle engine")
    assert engine.comment == "For Cobra-2 from Türkiye"


def test_empty_fields_mean_not_known(register):
    anka = row_of(register, "Kazakhstan", "Anka")
    assert anka.number_ordered is None
    assert anka.number_delivered == 0
    assert anka.delivery_years == ()
    assert anka.comment.startswith("Assembled")
    cobra_2 = row_of(register, "Kazakhstan", "Cobra-2")
    assert cobra_2.comment == ""


def test_delivery_years_come_as_lists_and_ranges(register):
    assert row_of(register, "Kazakhstan", "C-295").delivery_years == (2013, 2014, 2015, 2017)  # "2013-2015; 2017"
    assert row_of(register, "Kazakhstan", "BTR-80A").delivery_years == (2007, 2008, 2010)  # "2007; 2008; 2010"
    assert row_of(register, "Kazakhstan", "Su-30MK").delivery_years == (2015,)


def test_the_three_statuses_and_second_hand(register):
    statuses = {r.status for r in register.rows}
    assert statuses == {"New", "Second hand", "Second hand but modernized"}
    assert row_of(register, "Afghanistan", "Mi-8T").second_hand
    assert row_of(register, "Serbia", "Igla-1").second_hand
    assert not row_of(register, "Kazakhstan", "EC145").second_hand


def test_tiv_values_are_decimals_in_millions_and_zero_with_deliveries_means_below_half_a_million(register):
    engine = row_of(register, "Kazakhstan", "aircraft engine")
    assert engine.tiv_delivered == 0 and engine.number_delivered == 1
    assert engine.tiv_delivered_below_half
    anka = row_of(register, "Kazakhstan", "Anka")  # nothing delivered yet: a 0 that means 0
    assert anka.tiv_delivered == 0 and not anka.tiv_delivered_below_half
    ec145 = row_of(register, "Kazakhstan", "EC145")
    assert (ec145.tiv_per_unit, ec145.tiv_order, ec145.tiv_delivered) == (Decimal("3.25"), Decimal(39), Decimal(39))


def test_the_header_is_sipris_with_three_unnamed_uncertainty_columns():
    assert len(COLUMNS) == 16
    assert [i for i, c in enumerate(COLUMNS) if c == " "] == [3, 5, 9]


def test_the_sample_register_holds_a_row_of_every_kind_of_actor(register):
    kinds = {actor.kind for actor in register.actors.values()}
    assert kinds == {"state", "historic-state", "user-assigned-state", "organisation", "non-state-actor", "unknown"}
    assert register.actors["Soviet Union"].iri.endswith("/state/SUN")
    assert register.actors["NATO**"].iri.endswith("/org/NATO")
    assert register.actors["unknown supplier(s)"].iri.endswith("/actor/sipri-unknown-supplier")
    assert register.actors["Hezbollah (Lebanon)*"].iri.endswith("/actor/sipri-hezbollah-lebanon")


def _row(years, delivered):
    return RegisterRow(1, 13, 13, "A", "B", 2010, False, 3, False, "X", "y", 3, False, years, "New", "",
                       Decimal(1), Decimal(3), delivered)


@pytest.mark.parametrize("years, delivered", [((2011,), Decimal(7)), ((2011, 2012, 2013), Decimal(10)),
                                              ((2011, 2013, 2020), Decimal("0.07")), ((2015, 2016), Decimal(0))])
def test_tiv_by_year_spreads_the_delivered_tiv_equally_and_adds_up_to_it(years, delivered):
    spread = tiv_by_year(_row(years, delivered))
    assert sorted(spread) == list(years)
    assert sum(spread.values()) == delivered
    shares = list(spread.values())
    assert max(shares) - min(shares) < Decimal("1e-20")


def test_tiv_by_year_is_empty_without_delivery_years_or_delivered_tiv():
    assert tiv_by_year(_row((), Decimal(5))) == {}
    assert tiv_by_year(_row((2012,), None)) == {}


def test_tiv_by_year_of_a_read_row(register):
    spread = tiv_by_year(row_of(register, "Kazakhstan", "C-295"))
    assert spread == {2013: Decimal(25), 2014: Decimal(25), 2015: Decimal(25), 2017: Decimal(25)}


def test_a_quotation_mark_is_a_character_as_sipri_never_quotes_fields(tmp_path):
    from .sipri_files import sample_lines, write_lines

    lines = [line.replace("Incl assembly in Kazakhstan", '"KH-145" version; 12.7" guns') for line in sample_lines()]
    register = read_register(write_lines(tmp_path, lines))
    assert register.rows[0].comment == '"KH-145" version; 12.7" guns'
    assert register.rows[0].tiv_delivered == Decimal(39)
