"""The whole SIPRI trade register (all states, generated 13 March 2025): its totals, computed here from the
CSV with pandas, are those that SPARQL finds in the imported graph; every transfer cites the line that holds
it; the deals that the curated documents also tell of are linked to their register rows."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pycountry
import pytest
from pyoxigraph import RdfFormat, Store
from rdflib import RDF

from kzgraph.importers.sipri import ACTORS_TABLE, REASONS, store_import
from kzgraph.namespaces import KZ

from .sipri_files import FULL_REGISTER

pytestmark = [pytest.mark.skipif(not FULL_REGISTER.is_file(), reason=f"{FULL_REGISTER} is not there"),
              pytest.mark.xdist_group("sipri-full-register")]  # one import of the whole register per run

PREFIXES = """PREFIX kz: <https://w3id.org/kzgraph/ontology#>
PREFIX transfer: <https://w3id.org/kzgraph/id/transfer/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
BASE = "https://w3id.org/kzgraph/id/"
DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def curated():
    from kzgraph.importers.sipri import load_curated

    return load_curated()


@pytest.fixture(scope="module")
def imported(tmp_path_factory, curated):
    return store_import(FULL_REGISTER, tmp_path_factory.mktemp("sipri"), curated)


@pytest.fixture(scope="module")
def store(imported):
    store = Store()
    store.bulk_load(path=str(imported.data), format=RdfFormat.N_QUADS)
    return store


def select(store, query):
    return [tuple(None if v is None else v.value for v in row) for row in
            store.query(PREFIXES + query, use_default_graph_as_union=True)]


@pytest.fixture(scope="module")
def frame():
    """The register read with pandas. SIPRI breaks a few rows with a line break in the comment; the
    continuation line starts with a comma, which is how this reading joins them again."""
    text = FULL_REGISTER.read_bytes().decode("latin-1")
    body = text[text.index("\nRecipient,Supplier,") + 1:]
    body = re.sub(r"\r?\n(?=,)", " ", body)
    return pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def iri_of():
    """SIPRI name → IRI by the documented rule: the table data/reference/sipri-actors.csv, else the ISO
    3166-1 country whose name pycountry knows exactly."""
    prefixes = {"state": BASE + "state/", "io": BASE + "org/", "actor": BASE + "actor/"}
    with ACTORS_TABLE.open(encoding="utf-8", newline="") as stream:
        table = {row["sipri_name"]: prefixes[row["iri"].split(":")[0]] + row["iri"].split(":", 1)[1]
                 for row in csv.DictReader(stream)}

    def iri(name: str) -> str:
        return table[name] if name in table else BASE + "state/" + pycountry.countries.lookup(name).alpha_3

    return iri


def test_the_register_has_29515_deals(frame, imported, store):
    assert len(frame) == 29515 == imported.rows
    assert select(store, "SELECT (COUNT(?t) AS ?n) WHERE { ?t a kz:ArmsTransfer }") == [("29515",)]
    assert imported.generated.isoformat() == "2025-03-13T10:02:49"


def test_rows_and_delivered_tiv_per_recipient_are_the_registers(frame, store, iri_of):
    expected_rows, expected_tiv = Counter(), defaultdict(Decimal)
    for recipient, tiv in zip(frame["Recipient"], frame["SIPRI TIV of delivered weapons"], strict=True):
        expected_rows[iri_of(recipient)] += 1
        expected_tiv[iri_of(recipient)] += Decimal(tiv or "0")
    found = select(store, """SELECT ?r (COUNT(?t) AS ?n) (SUM(COALESCE(?tiv, 0)) AS ?sum) WHERE {
        ?t a kz:ArmsTransfer ; kz:recipient ?r . OPTIONAL { ?t kz:tivDelivered ?tiv } } GROUP BY ?r""")
    assert {r: int(n) for r, n, _ in found} == dict(expected_rows)
    assert {r: Decimal(s) for r, _, s in found} == dict(expected_tiv)
    assert expected_rows[BASE + "state/KAZ"] == 92  # grep -c "^Kazakhstan," on the file


def test_rows_and_ordered_tiv_per_supplier_are_the_registers(frame, store, iri_of):
    expected_rows, expected_tiv = Counter(), defaultdict(Decimal)
    for supplier, tiv in zip(frame["Supplier"], frame["SIPRI TIV for total order"], strict=True):
        expected_rows[iri_of(supplier)] += 1
        expected_tiv[iri_of(supplier)] += Decimal(tiv or "0")
    found = select(store, """SELECT ?s (COUNT(?t) AS ?n) (SUM(COALESCE(?tiv, 0)) AS ?sum) WHERE {
        ?t a kz:ArmsTransfer ; kz:supplier ?s . OPTIONAL { ?t kz:tivOrder ?tiv } } GROUP BY ?s""")
    assert {s: int(n) for s, n, _ in found} == dict(expected_rows)
    assert {s: Decimal(t) for s, _, t in found} == dict(expected_tiv)


def test_delivery_years_and_uncertainty_marks_are_the_registers(frame, store):
    years = sum(len([y for y in value.split("; ") if y]) for value in frame["Year(s) of delivery"])
    assert select(store, "SELECT (COUNT(*) AS ?n) WHERE { ?t kz:deliveryYear ?y }") == [(str(years),)]
    marked = (frame.iloc[:, 3] == "?").sum()
    assert select(store, "SELECT (COUNT(*) AS ?n) WHERE { ?t kz:orderYearUncertain true }") == [(str(marked),)]
    second_hand = (frame["status"] != "New").sum()
    assert select(store, "SELECT (COUNT(*) AS ?n) WHERE { ?t kz:secondHand true }") == [(str(second_hand),)]


def test_every_transfer_cites_the_lines_that_hold_its_row(frame, store):
    lines = FULL_REGISTER.read_bytes().decode("latin-1").split("\n")
    cited = select(store, """SELECT ?row ?start ?end WHERE {
        ?t kz:registerRow ?row ; kz:citation [ kz:lineStart ?start ; kz:lineEnd ?end ] }""")
    assert len(cited) == 29515
    for row, start, end in cited:
        deal = frame.iloc[int(row) - 1]
        text = "\n".join(lines[int(start) - 1:int(end)])
        assert text.startswith(f"{deal['Recipient']},{deal['Supplier']},{deal['Year of order']},")
        assert text.rstrip("\r").endswith(deal["SIPRI TIV of delivered weapons"])
    broken = [(int(s), int(e)) for _, s, e in cited if s != e]
    assert sorted(broken) == [(5432, 5433), (21488, 21489), (25178, 25179), (27955, 27956)]


def test_transfer_and_weapon_iris_are_distinct_and_weapons_have_one_english_label(store):
    assert select(store, "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t kz:registerRow ?r }") == [("29515",)]
    assert select(store, """SELECT ?w WHERE { ?w a kz:WeaponSystem ; rdfs:label ?a , ?b .
        FILTER(lang(?a) = "en" && lang(?b) = "en" && ?a != ?b) } LIMIT 1""") == []
    unlabelled = select(store, """SELECT (COUNT(?w) AS ?n) WHERE { ?w a kz:WeaponSystem .
        FILTER NOT EXISTS { ?w rdfs:label ?l } }""")
    assert unlabelled == [("0",)]


def test_curated_weapon_systems_are_used_not_redescribed(store, curated):
    from rdflib import URIRef

    shared = {w for (w,) in select(store, "SELECT DISTINCT ?w WHERE { ?t kz:registerRow ?r ; kz:weaponSystem ?w }")
              if (URIRef(w), RDF.type, KZ.WeaponSystem) in curated}
    assert {"ec145", "cobra-2", "su-24", "mig-29", "tigr"} <= {w.rsplit("/", 1)[1] for w in shared}
    for weapon in shared:
        assert select(store, f"SELECT ?p WHERE {{ <{weapon}> ?p ?o }} LIMIT 1") == []


def links(store, curated_name):
    return {r.rsplit("/", 1)[1] for (r,) in
            select(store, f"SELECT ?r WHERE {{ transfer:{curated_name} kz:sameDealAs ?r }}")}


def test_the_ec145_helicopters_ordered_in_2010(store):
    assert links(store, "deu-kaz-ec145-2010") == {"sipri-kaz-deu-2010-ec145"}


def test_the_su_30sm_fighters_delivered_and_still_to_be_delivered(store):
    assert links(store, "rus-kaz-su-30sm-delivered-bicc") == {
        "sipri-kaz-rus-2014-su-30mk", "sipri-kaz-rus-2015-su-30mk", "sipri-kaz-rus-2018-su-30mk",
        "sipri-kaz-rus-2021-su-30mk"}  # 4 + 8 + 12 + 8 delivered = 32
    assert links(store, "rus-kaz-su-30sm-outstanding-bicc") == {"sipri-kaz-rus-2021-su-30mk"}  # 12 ordered, 8 delivered


def test_the_btr_80_of_2007(store):
    assert links(store, "rus-kaz-btr-80-2007") == {"sipri-kaz-rus-2007-btr-80a"}  # 79, delivered 2007-2010


def test_the_cobra_2_of_2024(store):
    assert links(store, "tur-kaz-cobra-2-2024") == {"sipri-kaz-tur-2024-cobra-2"}


def test_every_link_is_stated_both_ways(store):
    assert select(store, """SELECT ?a ?b WHERE { ?a kz:sameDealAs ?b .
        FILTER NOT EXISTS { ?b kz:sameDealAs ?a } } LIMIT 1""") == []


def test_a_query_puts_the_curated_and_the_register_record_side_by_side(imported):
    both = Store()
    both.bulk_load(path=str(imported.data), format=RdfFormat.N_QUADS)
    for path in sorted(DATA.rglob("*.ttl")):
        both.bulk_load(path=str(path), format=RdfFormat.TURTLE)
    rows = [tuple(v.value for v in row) for row in both.query(PREFIXES + """
        SELECT ?quantity ?ordered ?delivered ?first ?last ?tiv WHERE {
            transfer:deu-kaz-ec145-2010 kz:quantity ?quantity ; kz:sameDealAs ?row .
            ?row kz:numberOrdered ?ordered ; kz:numberDelivered ?delivered ; kz:deliveryStartYear ?first ;
                 kz:deliveryEndYear ?last ; kz:tivDelivered ?tiv }""", use_default_graph_as_union=True)]
    assert rows == [("12", "12", "12", "2011", "2017", "39")]


def test_the_match_report_accounts_for_every_curated_transfer(imported, curated):
    report = imported.matches
    curated_transfers = set(curated.subjects(RDF.type, KZ.ArmsTransfer))
    assert report.curated == len(curated_transfers) == len(report.matched) + len(report.unmatched)
    assert len(report.matched) >= 20
    assert {m.reason for m in report.unmatched} <= set(REASONS)
    reasons = {m.curated.rsplit("/", 1)[1]: m.reason for m in report.unmatched}
    assert reasons["chn-kaz-ar-3"] == "offer-or-plan"
    assert reasons["kpe-kaz-arlan-2018"] == "domestic"
    merged = {m.curated for m in (*report.matched, *report.unmatched)}
    assert "https://w3id.org/kzgraph/id/transfer/airbus-helicopters-kaz-ec145-licensed" not in merged  # one EC145 deal
    assert reasons["kaz-usa-soviet-combat-aircraft"] == "no-row-for-parties"
    assert reasons["usa-kaz-c-130"] == "no-row-for-designation"


def test_the_manifest_holds_the_match_report(imported):
    import json

    manifest = json.loads(imported.manifest.read_text(encoding="utf-8"))
    assert manifest["matches"]["matched"] == len(imported.matches.matched)
    assert {m["curated"] for m in manifest["matches"]["misses"]} == {m.curated for m in imported.matches.unmatched}
    assert manifest["source"]["rows"] == 29515 and manifest["data"]["triples"] == imported.triples


def test_every_imported_transfer_agrees_with_the_lines_it_cites(store):
    from kzgraph.importers.sipri import check_citations

    assert check_citations(store, FULL_REGISTER) == []
