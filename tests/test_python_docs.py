"""docs/python.md is a notebook that runs: its examples are executed on the build of the curated data."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_python_guide_runs_as_written(real_build, monkeypatch):
    monkeypatch.setenv("KZGRAPH_BUILD", str(real_build.folder.parent))
    monkeypatch.chdir(ROOT)
    result = doctest.testfile(str(ROOT / "docs" / "python.md"), module_relative=False, verbose=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, report=True)
    assert result.attempted >= 30
    assert result.failed == 0, f"{result.failed} example(s) of docs/python.md failed (see the output above)"


def package_modules() -> list[str]:
    import pkgutil

    import kzgraph

    return sorted(m.name for m in pkgutil.walk_packages(kzgraph.__path__, "kzgraph.") if not m.name.endswith("__main__"))


@pytest.mark.parametrize("module", package_modules())
def test_the_docstring_examples_of_every_module_hold(module):
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_the_measures_and_the_value_readers_have_docstring_examples():
    import importlib

    for module in ["kzgraph.analysis.metrics", "kzgraph.analysis.projections", "kzgraph.build.provenance",
                   "kzgraph.sparql.frames"]:
        assert doctest.testmod(importlib.import_module(module)).attempted > 0, module
