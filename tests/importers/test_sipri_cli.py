"""`kzgraph import sipri` and a build that includes the register: as a user runs them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from kzgraph import KZGraph, Settings
from kzgraph.errors import MissingPrerequisite

from ..helpers import kzgraph
from .sipri_files import SAMPLE, sample_lines, write_lines

ROOT = Path(__file__).resolve().parents[2]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_import_is_made_once_and_kept_when_the_same_file_comes_again(tmp_path):
    first = kzgraph("import", "sipri", str(SAMPLE), "--build-dir", str(tmp_path), build_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("created: 20 deals")
    data = tmp_path / "imports" / "sipri.nq"
    before = digest(data)
    again = kzgraph("import", "sipri", str(SAMPLE), "--build-dir", str(tmp_path), build_dir=tmp_path)
    assert again.returncode == 0 and again.stdout.startswith("unchanged: 20 deals") and digest(data) == before


def test_a_truncated_register_stops_at_its_line_and_leaves_the_import_as_it_was(tmp_path):
    assert kzgraph("import", "sipri", str(SAMPLE), "--build-dir", str(tmp_path), build_dir=tmp_path).returncode == 0
    data = tmp_path / "imports" / "sipri.nq"
    before = digest(data)
    lines = sample_lines()
    lines[-1] = ",".join(lines[-1].split(",")[:5])  # the last row cut short
    broken = write_lines(tmp_path, lines)
    result = kzgraph("import", "sipri", str(broken), "--build-dir", str(tmp_path), build_dir=tmp_path)
    assert result.returncode == 1 and f"line {len(lines)}" in result.stderr and "Traceback" not in result.stderr
    assert digest(data) == before


def test_a_missing_register_file_exits_3(tmp_path):
    result = kzgraph("import", "sipri", str(tmp_path / "none.csv"), "--build-dir", str(tmp_path), build_dir=tmp_path)
    assert result.returncode == 3 and "no such file" in result.stderr


@pytest.fixture(scope="module")
def configured_project(tmp_path_factory):
    """A project configured with the fixture register in its kzgraph.toml."""
    folder = tmp_path_factory.mktemp("project")
    for name in ("ontology", "data", "queries"):
        (folder / name).symlink_to(ROOT / name)
    (folder / "kzgraph.toml").write_text(f'[imports.sipri]\nregister = "{SAMPLE}"\n', encoding="utf-8")
    return folder


def test_the_build_of_a_project_configured_with_the_register_includes_it(configured_project, tmp_path):
    settings = Settings.load({}, build_dir=tmp_path / "build", workers=1, sources=ROOT.parent / "shared" / "seeds")
    with KZGraph(configured_project, settings=settings) as kg:
        result = kg.build()
        assert result.report.conforms
        [(deals,)] = list(kg.store.query("""SELECT (COUNT(?t) AS ?n) WHERE {
            GRAPH <https://w3id.org/kzgraph/graph/import/sipri> { ?t a kz:ArmsTransfer ; kz:registerRow ?row } }"""))
        assert int(deals) == 20
        [(curated,)] = list(kg.store.query("SELECT (COUNT(?t) AS ?n) WHERE { ?t a kz:ArmsTransfer FILTER NOT EXISTS "
                                           "{ ?t kz:registerRow ?row } }"))
        assert int(curated) > 0  # curated transfers are untouched beside the register


def test_a_configured_register_that_is_not_there_is_a_missing_prerequisite(tmp_path):
    for name in ("ontology", "data", "queries"):
        (tmp_path / name).symlink_to(ROOT / name)
    (tmp_path / "kzgraph.toml").write_text('[imports.sipri]\nregister = "nowhere.csv"\n', encoding="utf-8")
    with pytest.raises(MissingPrerequisite, match="no file at"):
        KZGraph(tmp_path, settings=Settings.load({}, build_dir=tmp_path / "build")).build()


@pytest.mark.parametrize("imported_before", [False, True], ids=["none-imported", "imported-before"])
def test_a_register_that_is_not_there_but_not_required_is_left_out_and_the_build_says_so(tmp_path, imported_before):
    for name in ("ontology", "data", "queries"):
        (tmp_path / name).symlink_to(ROOT / name)
    (tmp_path / "kzgraph.toml").write_text('[imports.sipri]\nregister = "nowhere.csv"\nrequired = false\n',
                                           encoding="utf-8")
    build = tmp_path / "build"
    if imported_before:
        assert kzgraph("import", "sipri", str(SAMPLE), "--project", str(tmp_path), build_dir=build).returncode == 0
    result = kzgraph("build", "--project", str(tmp_path), "--no-provenance", build_dir=build,
                     KZGRAPH_SOURCES=str(ROOT.parent / "shared" / "seeds"))
    assert result.returncode == 0, result.stderr
    assert f"note: the SIPRI register of kzgraph.toml is not at {tmp_path / 'nowhere.csv'}" in result.stderr
    if imported_before:
        assert "the build includes the register imported earlier (sipri.nq)" in result.stderr
    else:
        assert "built without it; `kzgraph import sipri FILE` adds it" in result.stderr
