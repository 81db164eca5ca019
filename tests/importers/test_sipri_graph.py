"""The fixture register in kzgraph's model: one kz:ArmsTransfer per row with the curated data's state,
organisation and weapon IRIs, the register as the cited document, IRIs that do not depend on row order,
and a graph that passes the SHACL shapes together with the curated data."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from kzgraph.importers.sipri import (
    IMPORT_GRAPH,
    convert,
    load_curated,
    read_register,
    register_triples,
    transfer_iris,
)
from kzgraph.namespaces import CONCEPT, KZ, SOURCE, STATE

from .sipri_files import HEADER_LINE, SAMPLE, sample_lines, write_lines

ROOT = Path(__file__).resolve().parents[2]
TRANSFER = Namespace("https://w3id.org/kzgraph/id/transfer/")
WEAPON = Namespace("https://w3id.org/kzgraph/id/weapon/")
ORG = Namespace("https://w3id.org/kzgraph/id/org/")
ACTOR = Namespace("https://w3id.org/kzgraph/id/actor/")
DOCUMENT = SOURCE["sipri-trade-register-2025-02-02"]


@pytest.fixture(scope="module")
def curated():
    return load_curated()


@pytest.fixture(scope="module")
def conversion(curated):
    return convert(read_register(SAMPLE), curated)


@pytest.fixture(scope="module")
def graph(conversion):
    return conversion.graph()


@pytest.fixture(scope="module")
def rows(conversion):
    """The transfer IRI of each row, by the row's SIPRI recipient name and designation."""
    return {(r.recipient, r.designation): URIRef(name)
            for r, name in zip(conversion.register.rows, conversion.transfers, strict=True) if r.designation != "Cobra"}


def test_every_row_is_an_arms_transfer_citing_its_lines_of_the_register(graph):
    transfers = set(graph.subjects(RDF.type, KZ.ArmsTransfer))
    assert len(transfers) == 20
    rows = set()
    for t in transfers:
        (citation,) = graph.objects(t, KZ.citation)
        assert graph.value(citation, KZ.document) == DOCUMENT
        start, end = int(graph.value(citation, KZ.lineStart)), int(graph.value(citation, KZ.lineEnd))
        row = int(graph.value(t, KZ.registerRow))
        rows.add(row)
        assert start >= HEADER_LINE + row and end in (start, start + 1)
    assert rows == set(range(1, 21))
    casspir = TRANSFER["sipri-au-zaf-2005-casspir"]
    (citation,) = graph.objects(casspir, KZ.citation)
    assert (int(graph.value(citation, KZ.lineStart)), int(graph.value(citation, KZ.lineEnd))) == (27, 28)


def test_the_register_is_a_source_document_with_its_generation_time_and_address(graph):
    assert (DOCUMENT, RDF.type, KZ.SourceDocument) in graph
    assert graph.value(DOCUMENT, DCTERMS.created) == Literal("2025-02-02T15:15:07", datatype=XSD.dateTime)
    assert graph.value(DOCUMENT, DCTERMS.source) == URIRef("https://www.sipri.org/databases/armstransfers")
    assert "SIPRI" in str(graph.value(DOCUMENT, DCTERMS.publisher))
    assert int(graph.value(DOCUMENT, KZ.lineCount)) == 33
    assert str(graph.value(DOCUMENT, KZ.fileName)) == "trade-register-sample.csv"
    assert graph.value(DOCUMENT, KZ.documentKind) == CONCEPT["document-kind-database-export"]
    assert {label.language for label in graph.objects(DOCUMENT, RDFS.label)} == {"en", "de"}


def test_sipri_names_become_the_curated_data_s_states_organisations_and_actors(graph, rows):
    def parties(recipient, designation):
        t = rows[(recipient, designation)]
        return graph.value(t, KZ.recipient), graph.value(t, KZ.supplier)

    assert parties("Afghanistan", "Mi-8T") == (STATE.AFG, STATE.SUN)  # Soviet Union, ISO 3166-3
    assert parties("Côte d'Ivoire", "AS-365 Dauphin") == (STATE.CIV, STATE.FRA)  # read from latin-1
    assert parties("NATO**", "C-17A Globemaster-3") == (ORG.NATO, STATE.USA)
    assert parties("Kazakhstan", "vehicle engine") == (STATE.KAZ, ACTOR["sipri-unknown-supplier"])
    assert parties("Hezbollah (Lebanon)*", "Kowsar") == (ACTOR["sipri-hezbollah-lebanon"], STATE.IRN)
    assert parties("Kosovo", "Kirpi") == (STATE.XKX, STATE.TUR)  # "Turkiye"
    assert parties("Serbia", "Igla-1") == (STATE.SRB, STATE.KAZ)
    assert parties("Angola", "D-30") == (STATE.AGO, STATE.YUG)
    assert parties("South Yemen", "MiG-21MF") == (STATE.YMD, STATE.SUN)
    assert parties("African Union**", "Casspir") == (ORG.AU, STATE.ZAF)


def test_only_what_the_curated_data_does_not_declare_is_declared_by_the_import(graph):
    assert (STATE.KAZ, RDF.type, KZ.State) not in graph  # data/reference/states.ttl declares it
    assert (ORG.NATO, RDF.type, KZ.InternationalOrganisation) not in graph
    assert (STATE.YMD, RDF.type, KZ.State) in graph  # South Yemen: ISO 3166-3, not in states.ttl
    assert {str(label) for label in graph.objects(STATE.YMD, RDFS.label)} == {
        "Yemen, Democratic, People's Democratic Republic of", "Jemen, Demokratische Volksrepublik Jemen"}
    assert graph.value(STATE.XKX, KZ.isoCode) == Literal("XKX", datatype=XSD.string)
    assert graph.value(STATE.XKX, RDFS.label) == Literal("Kosovo", lang="en")
    assert (ORG.AU, RDF.type, KZ.InternationalOrganisation) in graph
    assert (ACTOR["sipri-hezbollah-lebanon"], RDF.type, KZ.ArmedGroup) in graph
    assert (ACTOR["sipri-unknown-supplier"], RDF.type, KZ.Agent) in graph


def test_weapon_systems_are_shared_with_the_curated_data_where_the_designation_is_the_same(graph, rows):
    assert graph.value(rows[('Kazakhstan', "Cobra-2")], KZ.weaponSystem) == WEAPON["cobra-2"]
    assert graph.value(rows[("Kazakhstan", "EC145")], KZ.weaponSystem) == WEAPON.ec145
    assert graph.value(rows[("Afghanistan", "Mi-8T")], KZ.weaponSystem) == WEAPON["mi-8t"]
    assert (WEAPON.ec145, RDFS.label, None) not in graph  # the curated node keeps its one English label
    su = rows[('Kazakhstan', "Su-30MK")]
    assert graph.value(su, KZ.weaponSystem) == WEAPON["sipri-su-30mk-fga-aircraft"]
    assert graph.value(WEAPON["sipri-su-30mk-fga-aircraft"], KZ.weaponCategory) == CONCEPT["weapon-aircraft"]


def test_a_designation_that_names_another_thing_is_not_shared(graph, rows, curated):
    assert (WEAPON["d-30"], KZ.weaponCategory, CONCEPT["weapon-artillery"]) in curated  # the howitzer
    engine = rows[('Angola', "D-30")]  # SIPRI's D-30 of this row is a turbofan
    assert graph.value(engine, KZ.weaponSystem) == WEAPON["sipri-d-30-turbofan"]
    assert graph.value(WEAPON["sipri-d-30-turbofan"], KZ.weaponCategory) == CONCEPT["weapon-engines"]
    assert graph.value(WEAPON["sipri-vehicle-engine"], RDFS.label) == Literal("vehicle engine", lang="en")


def test_numbers_years_marks_condition_and_comment_of_a_row(graph, rows):
    c295 = rows[('Kazakhstan', "C-295")]
    assert sorted(int(str(y)) for y in graph.objects(c295, KZ.deliveryYear)) == [2013, 2014, 2015, 2017]
    assert graph.value(c295, KZ.deliveryStartYear) == Literal("2013", datatype=XSD.gYear)
    assert graph.value(c295, KZ.deliveryEndYear) == Literal("2017", datatype=XSD.gYear)
    assert graph.value(c295, KZ.tivOrder) == Literal(Decimal(100))
    mi8 = rows[('Afghanistan', "Mi-8T")]
    assert graph.value(mi8, KZ.equipmentCondition) == CONCEPT["condition-second-hand-modernised"]
    assert graph.value(mi8, KZ.secondHand) == Literal(True)
    assert graph.value(mi8, KZ.orderYearUncertain) == Literal(True)
    assert graph.value(mi8, KZ.numberDeliveredUncertain) == Literal(True)
    assert graph.value(mi8, KZ.weaponDescription) == Literal("transport helicopter", datatype=XSD.string)
    anka = rows[('Kazakhstan', "Anka")]
    assert graph.value(anka, KZ.numberOrdered) is None and graph.value(anka, KZ.numberDelivered) == Literal(0)
    assert graph.value(anka, KZ.deliveryYear) is None
    engine = rows[('Kazakhstan', "vehicle engine")]
    assert graph.value(engine, KZ.registerComment) == Literal("For Cobra-2 from Türkiye", datatype=XSD.string)


def test_the_below_half_a_million_flag(graph, rows):
    flagged = set(graph.subjects(KZ.tivDeliveredBelowHalf, Literal(True)))
    assert flagged == {rows[('Kazakhstan', "aircraft engine")]}
    assert graph.value(rows[('Kazakhstan', "Anka")], KZ.tivDeliveredBelowHalf) == Literal(False)


def test_rows_with_the_same_parties_year_and_designation_are_numbered_by_their_content(graph):
    forty, seven = TRANSFER["sipri-kaz-tur-2012-cobra"], TRANSFER["sipri-kaz-tur-2012-cobra--2"]
    # "Kazakhstan,Turkiye,2012,," (order year certain) comes before "…,2012,?," in the order of the content
    assert graph.value(forty, KZ.numberOrdered) == Literal(40)
    assert graph.value(seven, KZ.numberOrdered) == Literal(7)


def test_transfer_iris_do_not_depend_on_the_order_of_the_rows(tmp_path):
    lines = sample_lines()
    head, rows = lines[:HEADER_LINE], lines[HEADER_LINE:]
    records, index = [], 0
    while index < len(rows):  # a row broken by its comment stays in one piece
        take = 2 if rows[index].endswith("\r") else 1
        records.append(rows[index:index + take])
        index += take
    for seed in (1, 2, 3):
        shuffled = list(records)
        random.Random(seed).shuffle(shuffled)
        path = write_lines(tmp_path, head + [line for record in shuffled for line in record], f"shuffled-{seed}.csv")
        original, moved = read_register(SAMPLE), read_register(path)

        def by_content(register):
            return {name: (r.recipient, r.supplier, r.designation, r.number_ordered)
                    for name, r in zip(transfer_iris(register), register.rows, strict=True)}

        assert by_content(moved) == by_content(original)


def test_register_triples_is_the_conversion_as_an_rdflib_graph_named_for_the_import(graph, conversion, curated):
    result = register_triples(read_register(SAMPLE), curated)
    assert result.identifier == IMPORT_GRAPH == URIRef("https://w3id.org/kzgraph/graph/import/sipri")
    assert len(result) == len(conversion) == len(graph)


def test_without_curated_data_every_party_is_declared_and_nothing_is_shared_or_linked():
    alone = convert(read_register(SAMPLE), Graph())
    graph = alone.graph()
    assert (STATE.KAZ, RDF.type, KZ.State) in graph
    assert Literal("Kazakhstan", lang="en") in set(graph.objects(STATE.KAZ, RDFS.label))
    assert not list(graph.subjects(KZ.weaponSystem, WEAPON.ec145))
    assert alone.matches.curated == 0 and not list(graph.subjects(KZ.sameDealAs, None))


def test_the_fixture_import_links_the_deals_the_curated_data_also_tells_of(graph):
    links = {(str(s).rsplit("/", 1)[1], str(o).rsplit("/", 1)[1]) for s, o in graph.subject_objects(KZ.sameDealAs)}
    assert ("deu-kaz-ec145-2010", "sipri-kaz-deu-2010-ec145") in links
    assert ("sipri-kaz-deu-2010-ec145", "deu-kaz-ec145-2010") in links  # stated both ways
    assert ("tur-kaz-cobra-2-2024", "sipri-kaz-tur-2024-cobra-2") in links
    assert ("rus-kaz-btr-80-2007", "sipri-kaz-rus-2007-btr-80a") in links


def _with_derivations(*graphs: Graph) -> Graph:
    union = Graph(store="Oxigraph")
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        union.parse(path, format="ox-turtle")
    for path in sorted((ROOT / "data").rglob("*.ttl")):
        union.parse(path, format="ox-turtle")
    for graph in graphs:
        union.addN((s, p, o, union) for s, p, o in graph)
    for rule in sorted((ROOT / "ontology" / "derivations").glob("*.rq")):
        derived = list(union.query(rule.read_text(encoding="utf-8")))
        union.addN((s, p, o, union) for s, p, o in derived)
    return union


def test_the_import_of_the_fixture_passes_the_shapes_with_the_curated_data(graph):
    from kzgraph.validation.validator import validate_graph

    report = validate_graph(_with_derivations(graph))
    imported = {str(s) for s in graph.subjects()}
    mine = [r for r in report.results if str(r.focus) in imported]
    assert report.violations == []
    assert [(r.severity, r.focus, r.path, r.message) for r in mine if "Info" not in str(r.severity)] == []


def test_every_transfer_agrees_with_the_lines_it_cites(graph):
    from kzgraph.importers.sipri import check_citations

    assert check_citations(graph, SAMPLE) == []


def test_a_value_that_is_not_in_the_cited_line_is_a_provenance_problem(conversion):
    from kzgraph.importers.sipri import check_citations

    changed = conversion.graph()
    c295 = URIRef(next(n for r, n in zip(conversion.register.rows, conversion.transfers, strict=True)
                       if r.designation == "C-295"))
    changed.remove((c295, KZ.tivDelivered, None))
    changed.add((c295, KZ.tivDelivered, Literal(Decimal(101))))
    changed.remove((c295, KZ.deliveryYear, Literal("2017", datatype=XSD.gYear)))
    problems = check_citations(changed, SAMPLE)
    assert len(problems) == 2
    assert all(p.startswith(f"<{c295}>: ") and "line 20 of trade-register-sample.csv" in p for p in problems)
