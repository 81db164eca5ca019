"""The provenance check: every fact's numbers, dates and a name stand in the lines it cites."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import XSD

from kzgraph.build.provenance import (
    MAX_CITATION_LINES,
    check_graph,
    date_in,
    name_in,
    normalise,
    numbers_in,
    sources_folder,
)
from kzgraph.store.loading import load_files, project_files

FIXTURES = Path(__file__).parent / "fixtures"


def test_every_fact_in_the_curated_data_stands_in_its_cited_lines():
    graph = load_files(project_files())
    problems = check_graph(graph)
    assert [str(p) for p in problems] == []


def test_the_sources_folder_holds_the_five_documents():
    assert len(list(sources_folder().glob("*.txt"))) == 5


@pytest.mark.parametrize("text, value", [
    ("39.000 Soldaten", "39000"), ("39 000", "39000"), ("2,5 Mio. Euro", "2.5"), ("1,500 units", "1500"),
    ("87,5 %", "87.5"), ("im Jahre 1993", "1993"), ("zwischen 2020 und 2024", "2024"), ("drei Bataillone", "3"),
    ("1990er Jahre", "1990"),
    ("Vierzehntes Kriterium", "14"), ("sechszehn Kriterien", "16"), ("mit hunderten Pistolen", "100"),
    ("von 2010-\n2014", "2010"), ("von 2010-\n2014", "2014"), ("700-\n1.000 Kämpfer", "700"), ("700-\n1.000", "1000"),
])
def test_numbers_are_read_in_german_and_english_notation_and_as_words(text, value):
    assert Decimal(value) in numbers_in(normalise(text))


@pytest.mark.parametrize("text, date, found", [
    ("am 15. Mai 1992 in Taschkent", "1992-05-15", True),
    ("vom 15.05.1992", "1992-05-15", True),
    ("vom 16.05.1992", "1992-05-15", False),
    ("am 15. Juni 1992", "1992-05-15", False),
    ("im Mai 1992", "1992-05", True),
    ("im Jänner 2022", "2022-01", True),
    ("1993", "1992", False),
])
def test_dates_need_their_year_month_and_day(text, date, found):
    datatype = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}[len(date)]
    text = normalise(text)
    assert date_in(Literal(date, datatype=datatype), text, numbers_in(text)) is found


@pytest.mark.parametrize("text, name, found", [
    ("die Zusammen-\narbeit", "zusammenarbeit", True),
    ("der OVKS-\nStaaten", "ovks", True),
    ("Kasachs-\ntans Armee", "kasachstan", True),
    ("OVKSStaaten", "ovks", False),
    ("in Sankt-Petersburg", "sankt petersburg", True),
    ("des Rats der Verteidigungsminister", "rat der verteidigungsminister", True),
    ("der Eurasischen Wirtschaftsgemeinschaft", "eurasische wirtschaftsgemeinschaft", True),
    ("der Ratgeber der Verteidigungsminister", "rat der verteidigungsminister", False),
])
def test_a_word_broken_at_a_line_end_is_joined_and_a_compound_keeps_its_parts(text, name, found):
    assert name_in(name, normalise(text)) is found


def check_fixture(tmp_path, turtle: str):
    path = tmp_path / "fact.ttl"
    path.write_text((FIXTURES / "csto-1992.ttl").read_text(encoding="utf-8").split("agreement:collective")[0] + turtle,
                    encoding="utf-8")
    return [str(p) for p in check_graph(load_files(project_files(data=[path])))]


def test_the_reference_fixture_passes(tmp_path):
    assert check_graph(load_files(project_files(data=[FIXTURES / "csto-1992.ttl"]))) == []


def test_a_wrong_year_is_reported_with_node_and_property(tmp_path):
    problems = check_fixture(tmp_path, """
membership:x a kz:Membership ; kz:member state:KAZ ; kz:organisation io:CSTO ; kz:startDate "1994"^^xsd:gYear ;
    kz:citation [ kz:document src:dissertation-diversification ; kz:lineStart 6491 ; kz:lineEnd 6500 ] .
""")
    assert problems == [
        "<https://w3id.org/kzgraph/id/membership/x>: kz:startDate 1994 does not occur in the cited lines"]


def test_a_fact_whose_names_are_not_in_the_lines_is_reported(tmp_path):
    problems = check_fixture(tmp_path, """
membership:x a kz:Membership ; kz:member state:DEU ; kz:organisation io:NATO ; kz:startDate "1992"^^xsd:gYear ;
    kz:citation [ kz:document src:dissertation-diversification ; kz:lineStart 6491 ; kz:lineEnd 6500 ] .
""")
    assert len(problems) == 1 and "none of its names" in problems[0]


def test_a_fact_without_citation_is_reported(tmp_path):
    problems = check_fixture(tmp_path, "membership:x a kz:Membership ; kz:member state:KAZ .\n")
    assert problems == ["<https://w3id.org/kzgraph/id/membership/x>: has no kz:citation"]


@pytest.mark.parametrize("start, end, message", [
    (21440, 21460, "outside"), (100, 100 + MAX_CITATION_LINES, "spans more than"),
])
def test_line_ranges_must_lie_inside_the_document_and_stay_short(tmp_path, start, end, message):
    problems = check_fixture(tmp_path, f"""
membership:x a kz:Membership ; kz:member state:KAZ ;
    kz:citation [ kz:document src:dissertation-diversification ; kz:lineStart {start} ; kz:lineEnd {end} ] .
""")
    assert len(problems) == 1 and message in problems[0]


@pytest.mark.parametrize("text, date", [
    ("am 10-11.06.2010 in Taschkent", "2010-06-10"),
    ("vom 13.09. bis 24.09.2010", "2010-09-13"),
    ("vom 8 bis 17.10.2012", "2012-10-08"),
])
def test_dates_inside_ranges_are_found(text, date):
    text = normalise(text)
    assert date_in(Literal(date, datatype=XSD.date), text, numbers_in(text))


def test_number_words_in_german_and_english():
    assert {Decimal(90), Decimal(6)} <= numbers_in(normalise("neunzig Maßnahmen, six deaths"))


@pytest.mark.parametrize("text, value", [
    ("die zweitgrößte Nuklearmacht", "2"), ("erstmals in Zentralasien", "1"), ("die 10. Sitzung", "10"),
    ("the third-largest investor", "3"), ("der vierte Staat", "4"), ("das allererste Land", "1"),
])
def test_ordinals_are_read_as_numbers_also_inside_compounds(text, value):
    assert Decimal(value) in numbers_in(normalise(text))
