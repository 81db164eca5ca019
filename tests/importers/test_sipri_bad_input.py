"""A file that is not SIPRI's register as SIPRI exports it is refused with the line and the field, and
leaves the previous import exactly as it was. Every case is the fixture register changed in one place."""

from __future__ import annotations

import re

import pytest

from kzgraph.errors import DataError, ImportFormatError
from kzgraph.importers.sipri import read_register, store_import

from .sipri_files import (
    HEADER_LINE,
    line_number,
    sample_lines,
    sample_text,
    write,
    write_lines,
)


def refused(path) -> str:
    with pytest.raises(ImportFormatError) as caught:
        read_register(path)
    assert isinstance(caught.value, DataError) and caught.value.exit_code == 1
    return str(caught.value)


def replace_field(lines: list[str], start: str, index: int, value: str) -> tuple[list[str], int]:
    """The lines with field ``index`` of the first row starting with ``start`` set to ``value``."""
    number = line_number(lines, start)
    fields = lines[number - 1].split(",")
    fields[index] = value
    changed = list(lines)
    changed[number - 1] = ",".join(fields)
    return changed, number


def test_a_file_whose_last_row_lacks_fields_is_truncated(tmp_path):
    lines = sample_lines()
    lines[-1] = lines[-1].rsplit(",", 3)[0]
    message = refused(write_lines(tmp_path, lines))
    assert f"line {len(lines)}" in message
    assert "field 'Comments'" in message and "truncated" in message


def test_a_file_cut_in_the_middle_of_a_row_is_truncated(tmp_path):
    text = sample_text()
    cut = text[:text.index("Angola,Czechoslovakia") + len("Angola,Czechoslovakia,198")]
    message = refused(write(tmp_path, cut))
    assert "line 33" in message and "field 'Year of order'" in message


def test_a_file_that_ends_inside_the_preamble(tmp_path):
    lines = sample_lines()[:7]
    message = refused(write_lines(tmp_path, lines))
    assert "line 7" in message and "ends inside the preamble" in message


def test_a_file_without_the_generation_time(tmp_path):
    lines = [line for line in sample_lines() if not line.startswith("Data generated")]
    message = refused(write_lines(tmp_path, lines))
    assert "Data generated" in message and f"line {HEADER_LINE - 1}" in message


def test_an_unreadable_generation_time(tmp_path):
    lines = [("Data generated: 2 Febr 2O25 03:15:07 PM" if line.startswith("Data generated") else line)
             for line in sample_lines()]
    message = refused(write_lines(tmp_path, lines))
    assert f"line {HEADER_LINE - 1}, preamble" in message


def test_a_renamed_header_column(tmp_path):
    lines = sample_lines()
    lines[HEADER_LINE - 1] = lines[HEADER_LINE - 1].replace("Weapon designation", "Weapon")
    message = refused(write_lines(tmp_path, lines))
    assert f"line {HEADER_LINE}" in message and "'Weapon designation'" in message


def test_a_missing_header_column(tmp_path):
    lines = sample_lines()
    lines[HEADER_LINE - 1] = lines[HEADER_LINE - 1].replace(",status", "")
    message = refused(write_lines(tmp_path, lines))
    assert f"line {HEADER_LINE}" in message and "missing 'status'" in message and "15 columns" in message


def test_a_named_uncertainty_column(tmp_path):
    lines = sample_lines()
    lines[HEADER_LINE - 1] = lines[HEADER_LINE - 1].replace("Year of order, ,", "Year of order,Uncertain,")
    message = refused(write_lines(tmp_path, lines))
    assert f"line {HEADER_LINE}" in message and "'Uncertain'" in message


@pytest.mark.parametrize("index, value, field", [
    (13, "3,25", "SIPRI TIV per unit"),  # a decimal comma makes one more field
    (14, "n/a", "SIPRI TIV for total order"),
    (15, "-5", "SIPRI TIV of delivered weapons"),
    (15, "12 m", "SIPRI TIV of delivered weapons"),
])
def test_a_tiv_that_is_not_a_number(tmp_path, index, value, field):
    lines, number = replace_field(sample_lines(), "Kazakhstan,Germany,2010", index, value)
    message = refused(write_lines(tmp_path, lines))
    assert f"line {number}" in message
    if "," not in value:
        assert f"field '{field}'" in message and repr(value) in message


@pytest.mark.parametrize("index, value, field", [
    (2, "20l0", "Year of order"),
    (2, "1850", "Year of order"),
    (2, "2031", "Year of order"),
    (10, "2011; 20l2", "Year(s) of delivery"),
    (10, "2014-2012", "Year(s) of delivery"),
    (10, "2009; 2011", "Year(s) of delivery"),  # a delivery before the order of 2010
    (10, "2011/2012", "Year(s) of delivery"),
])
def test_a_bad_year(tmp_path, index, value, field):
    lines, number = replace_field(sample_lines(), "Kazakhstan,Germany,2010", index, value)
    message = refused(write_lines(tmp_path, lines))
    assert f"line {number}, field '{field}'" in message


@pytest.mark.parametrize("index, value, field", [
    (4, "12?", "Number ordered"),
    (8, "twelve", "Number delivered"),
    (3, "x", "uncertainty mark of Year of order"),
    (5, "??", "uncertainty mark of Number ordered"),
    (11, "Used", "status"),
    (6, "", "Weapon designation"),
])
def test_a_bad_number_mark_status_or_designation(tmp_path, index, value, field):
    lines, number = replace_field(sample_lines(), "Kazakhstan,Germany,2010", index, value)
    message = refused(write_lines(tmp_path, lines))
    assert f"line {number}, field '{field}'" in message


@pytest.mark.parametrize("index, name, field", [(0, "Kazakstan", "Recipient"), (1, "Soviet Unoin", "Supplier"),
                                                (1, "Atlantis", "Supplier")])
def test_an_unknown_name(tmp_path, index, name, field):
    lines, number = replace_field(sample_lines(), "Kazakhstan,Germany,2010", index, name)
    message = refused(write_lines(tmp_path, lines))
    assert f"line {number}, field '{field}'" in message and repr(name) in message
    assert "sipri-actors.csv" in message


def test_a_supplier_that_is_also_the_recipient(tmp_path):
    lines, number = replace_field(sample_lines(), "Kazakhstan,Germany,2010", 1, "Kazakhstan")
    assert f"line {number}, field 'Supplier'" in refused(write_lines(tmp_path, lines))


def test_a_utf_8_file_is_recognised_by_its_byte_sequences(tmp_path):
    text = sample_text()
    message = refused(write(tmp_path, text, encoding="utf-8"))
    number = line_number(text.split("\n"), "Kazakhstan,unknown supplier(s)")
    assert number < line_number(text.split("\n"), "Côte d'Ivoire")  # 'Türkiye' comes first
    assert f"line {number}, field 'Comments'" in message and "UTF-8" in message and "'ü'" in message


def test_a_utf_8_byte_order_mark(tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(b"\xef\xbb\xbf" + sample_text().encode("latin-1"))
    assert "line 1" in refused(path) and "byte-order mark" in refused(path)


def test_a_utf_8_name_in_the_recipient_column(tmp_path):
    lines, number = replace_field(sample_lines(), "Kazakhstan,Germany,2010", 0, "CÃ´te d'Ivoire")
    path = tmp_path / "register.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    message = refused(path)
    assert f"line {number}, field 'Recipient'" in message and "'ô'" in message


def test_an_empty_line_among_the_rows(tmp_path):
    lines = sample_lines()
    lines.insert(20, "")
    assert "line 21" in refused(write_lines(tmp_path, lines))


def test_a_row_with_a_field_too_many(tmp_path):
    lines = sample_lines()
    lines[14] = lines[14] + ",1"
    message = refused(write_lines(tmp_path, lines))
    assert "line 15" in message and "17 fields" in message


def test_a_broken_row_that_the_next_line_does_not_complete(tmp_path):
    lines = sample_lines()
    number = line_number(lines, "African Union**")
    del lines[number]  # the continuation line ",0.13,2.6,2.6"
    message = refused(write_lines(tmp_path, lines))
    assert f"line {number}" in message and "does not complete it" in message


def test_a_header_without_rows(tmp_path):
    assert "no rows" in refused(write_lines(tmp_path, sample_lines()[:HEADER_LINE]))


BAD_FILES = {
    "truncated": lambda lines: [*lines[:-1], lines[-1][:20]],
    "header": lambda lines: [*lines[:HEADER_LINE - 1], lines[HEADER_LINE - 1].replace("status", "Status"),
                             *lines[HEADER_LINE:]],
    "tiv": lambda lines: replace_field(lines, "Kazakhstan,Spain", 15, "1OO")[0],
    "name": lambda lines: replace_field(lines, "Kazakhstan,Spain", 1, "Espania")[0],
    "year": lambda lines: replace_field(lines, "Kazakhstan,Spain", 2, "12")[0],
}


@pytest.fixture(scope="module")
def curated():
    from kzgraph.importers.sipri import load_curated

    return load_curated()


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_leaves_the_previous_import_exactly_as_it_was(tmp_path, case, curated):
    good = write_lines(tmp_path, sample_lines(), "good.csv")
    folder = tmp_path / "imports"
    store_import(good, folder, curated)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    changed = [re.sub("2 Feb 2025", "3 Feb 2025", line) for line in BAD_FILES[case](sample_lines())]
    bad = write_lines(tmp_path, changed, "bad.csv")
    with pytest.raises(ImportFormatError):
        store_import(bad, folder, curated)
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    assert after == before  # nothing half-written, no staging file left behind
