"""Shared fixtures: the real build of the curated data, made once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from kzgraph.build.pipeline import build, open_build
from kzgraph.store.loading import DATA_DIR

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def real_build(tmp_path_factory):
    """The build of the whole curated graph (ontology and all of data/), in a temporary build folder."""
    out = tmp_path_factory.mktemp("build")
    result = build(out=out, data_dir=DATA_DIR)
    return result


@pytest.fixture(scope="session")
def real_graph(real_build):
    """The last build opened on the default embedded store."""
    return open_build(out=real_build.folder.parent)


@pytest.fixture
def small_data(tmp_path):
    """A data folder with the sources, the reference names and one small data file."""
    import shutil

    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(DATA_DIR / "sources.ttl", folder / "sources.ttl")
    shutil.copytree(DATA_DIR / "reference", folder / "reference")
    (folder / "facts").mkdir()
    shutil.copy(FIXTURES / "csto-1992.ttl", folder / "facts" / "csto-1992.ttl")
    return folder


@pytest.fixture(scope="session")
def multivector_graph():
    """The hand-checked fixture tests/fixtures/multivector.ttl with the ontology and reference names,
    assembled (derivations applied) on the default embedded store."""
    from kzgraph.build.pipeline import assemble
    from kzgraph.store.loading import project_files

    return assemble(project_files(data=[FIXTURES / "multivector.ttl"]))


@pytest.fixture(scope="session")
def fixture_build(multivector_graph, tmp_path_factory):
    """A build folder whose dump is the fixture graph, as `kzgraph build` would publish it."""
    from .helpers import publish_build

    return publish_build(multivector_graph, tmp_path_factory.mktemp("fixture-build"))


@pytest.fixture(scope="session")
def register_graph():
    """The fixture graph with the hand-made SIPRI register import tests/fixtures/register.trig (named
    graph graph/import/sipri) loaded on top."""
    from kzgraph.build.pipeline import assemble
    from kzgraph.store.loading import project_files

    kg = assemble(project_files(data=[FIXTURES / "multivector.ttl"]))
    kg.load(FIXTURES / "register.trig", format="trig")
    return kg


@pytest.fixture(scope="session")
def real_register_graph(tmp_path_factory):
    """The curated graph with the whole SIPRI trade register imported (../shared/reference/sipri), assembled
    as the build assembles it (skipped where the register is not there)."""
    from kzgraph.build.pipeline import assemble
    from kzgraph.importers.sipri import store_import

    register = ROOT.parent / "shared" / "reference" / "sipri" / "trade-register.csv"
    if not register.is_file():
        pytest.skip(f"no SIPRI trade register at {register}")
    imported = store_import(register, tmp_path_factory.mktemp("imports"))
    return assemble(extra=[imported.data])
