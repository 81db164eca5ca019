"""Storing an import: N-Quads in the named graph of the import and a manifest; the same file again changes
nothing, a newer export replaces the import, an older one is refused unless asked for."""

from __future__ import annotations

import json

import pytest
from pyoxigraph import NamedNode, RdfFormat, Store
from rdflib import Graph, URIRef

from kzgraph.errors import UsageError
from kzgraph.importers.sipri import (
    DATA_NAME,
    IMPORT_GRAPH,
    MANIFEST_NAME,
    read_register,
    store_import,
)

from .sipri_files import SAMPLE, sample_lines, write_lines


@pytest.fixture(scope="module")
def curated():
    from kzgraph.importers.sipri import load_curated

    return load_curated()


def snapshot(folder):
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def newer_export(tmp_path, name="newer.csv"):
    """The fixture as a later export: generated a day later, one more EC145 delivered, one row less."""
    lines = [line.replace("Data generated: 2 Feb 2025", "Data generated: 3 Feb 2025") for line in sample_lines()]
    lines = [line for line in lines if not line.startswith("Angola,Czechoslovakia")]
    return write_lines(tmp_path, lines, name)


def test_an_import_writes_the_graph_as_n_quads_and_a_manifest(tmp_path, curated):
    progress = []
    result = store_import(SAMPLE, tmp_path / "imports", curated,
                          progress=lambda done, total: progress.append((done, total)))
    assert result.status == "created" and result.changed
    assert result.data == tmp_path / "imports" / DATA_NAME and result.manifest == tmp_path / "imports" / MANIFEST_NAME
    assert sorted(p.name for p in result.folder.iterdir()) == sorted([DATA_NAME, MANIFEST_NAME])
    store = Store()
    store.load(path=str(result.data), format=RdfFormat.N_QUADS)
    assert len(store) == result.triples
    assert {q.graph_name for q in store} == {NamedNode(str(IMPORT_GRAPH))}
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    register = read_register(SAMPLE)
    assert manifest["source"]["sha256"] == register.sha256 == result.sha256
    assert manifest["source"]["path"] == str(SAMPLE.resolve())
    assert manifest["source"]["generated"] == "2025-02-02T15:15:07"
    assert manifest["source"]["rows"] == 20 == result.rows
    assert manifest["data"]["triples"] == result.triples
    assert manifest["seconds"] > 0
    assert manifest["graph"] == str(IMPORT_GRAPH)
    assert manifest["matches"]["curated"] == manifest["matches"]["matched"] + manifest["matches"]["unmatched"]
    assert progress[-1] == (20, 20)


def test_importing_the_same_file_again_changes_nothing(tmp_path, curated):
    folder = tmp_path / "imports"
    first = store_import(SAMPLE, folder, curated)
    before = snapshot(folder)
    again = store_import(SAMPLE, folder, curated)
    assert again.status == "unchanged" and not again.changed
    assert snapshot(folder) == before
    assert (again.rows, again.triples, again.sha256) == (first.rows, first.triples, first.sha256)
    assert again.matches == first.matches


def test_the_import_is_the_same_bytes_each_time(tmp_path, curated):
    one = store_import(SAMPLE, tmp_path / "one", curated)
    two = store_import(SAMPLE, tmp_path / "two", curated)
    assert one.data.read_bytes() == two.data.read_bytes()


def test_a_newer_export_replaces_the_import(tmp_path, curated):
    folder = tmp_path / "imports"
    store_import(SAMPLE, folder, curated)
    result = store_import(newer_export(tmp_path), folder, curated)
    assert result.status == "replaced" and result.rows == 19
    text = result.data.read_text(encoding="utf-8")
    assert "sipri-trade-register-2025-02-03" in text and "sipri-trade-register-2025-02-02" not in text
    assert "sipri-ago-csk-1985-d-30-122mm" not in text
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


def test_an_older_export_is_refused_unless_asked_for(tmp_path, curated):
    folder = tmp_path / "imports"
    store_import(newer_export(tmp_path), folder, curated)
    before = snapshot(folder)
    with pytest.raises(UsageError, match="before the register imported"):
        store_import(SAMPLE, folder, curated)
    assert snapshot(folder) == before
    assert store_import(SAMPLE, folder, curated, allow_older=True).status == "replaced"


def test_changed_curated_data_redoes_the_import_of_the_same_file(tmp_path, curated):
    folder = tmp_path / "imports"
    store_import(SAMPLE, folder, curated)
    fewer = Graph()
    for triple in curated:
        fewer.add(triple)
    fewer.remove((URIRef("https://w3id.org/kzgraph/id/transfer/deu-kaz-ec145-2010"), None, None))
    result = store_import(SAMPLE, folder, fewer)
    assert result.status == "replaced"
    assert "deu-kaz-ec145-2010" not in result.data.read_text(encoding="utf-8")


def test_a_hand_edited_import_is_redone(tmp_path, curated):
    folder = tmp_path / "imports"
    first = store_import(SAMPLE, folder, curated)
    first.data.write_bytes(first.data.read_bytes()[:-200])
    assert store_import(SAMPLE, folder, curated).status == "replaced"
