"""The catalogue's register queries on the curated data with the whole SIPRI register imported, checked
against figures computed from the register's CSV in the test, independently of the importer."""

from __future__ import annotations

from pathlib import Path

import pytest

from kzgraph.sparql.catalogue import load_catalogue

from ..test_projections_real import csv_tiv_by_supplier, register_csv

CATALOGUE = load_catalogue(Path(__file__).resolve().parents[2] / "queries")


def answer(graph, name: str, **params: str) -> list[dict[str, str]]:
    result = graph.query(CATALOGUE[name].bind(params))
    return [{str(v): str(row[v]) for v in result.vars if row[v] is not None} for row in result]


@pytest.mark.parametrize(("first", "last"), [(2010, 2014), (2015, 2019), (2020, 2024), (1992, 2024)])
def test_kazakhstans_suppliers_by_tiv_are_the_registers(real_register_graph, first, last):
    expected = csv_tiv_by_supplier(register_csv(), "Kazakhstan", first, last)
    rows = answer(real_register_graph, "register-suppliers-by-tiv", recipient="state:KAZ", **{"from": str(first),
                                                                                            "to": str(last)})
    got = {row["supplierLabel"]: float(row["tiv"]) for row in rows}
    assert rows[0]["supplierLabel"] == "Russian Federation" and max(expected, key=expected.get) == "Russia"
    assert sum(got.values()) == pytest.approx(sum(expected.values()), rel=1e-9)
    assert got["Russian Federation"] == pytest.approx(expected["Russia"], rel=1e-9)


def test_a_suppliers_recipients_add_up_to_what_it_delivered(real_register_graph):
    rows = register_csv()
    rows_of_russia = [row for row in rows if row["Supplier"] == "Russia"]
    recipients = {row["Recipient"] for row in rows_of_russia
                  if any(1992 <= int(y) <= 2024 for y in (row.get("Year(s) of delivery") or "").replace("?", "").split(";")
                         if y.strip()) and (row.get("SIPRI TIV of delivered weapons") or "").strip()}
    found = answer(real_register_graph, "register-recipients-of-supplier", supplier="state:RUS")
    assert len(found) == len(recipients)
    kazakhstan = next(row for row in found if row["recipient"].endswith("/state/KAZ"))
    assert float(kazakhstan["tiv"]) == pytest.approx(csv_tiv_by_supplier(rows, "Kazakhstan", 1992, 2024)["Russia"])


def test_the_ec145_deal_stands_beside_its_register_row(real_register_graph):
    rows = answer(real_register_graph, "register-beside-documents", recipient="state:KAZ")
    ec145 = [row for row in rows if row["transfer"].endswith("/transfer/deu-kaz-ec145-2010")]
    assert ec145 and {(row["quantity"], row["ordered"], row["delivered"], row["tiv"]) for row in ec145} == {
        ("12", "12", "12", "39")}
    deals = answer(real_register_graph, "register-deals-of-weapon", weapon="weapon:ec145")
    assert any(row["deal"] == ec145[0]["deal"] and row["recipient"].endswith("/state/KAZ") for row in deals)
