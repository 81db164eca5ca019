"""docs/python.md is a notebook that runs: its examples are executed on the build of the curated data."""

from __future__ import annotations

import doctest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_python_guide_runs_as_written(real_build, monkeypatch):
    monkeypatch.setenv("KZGRAPH_BUILD", str(real_build.folder.parent))
    monkeypatch.chdir(ROOT)
    result = doctest.testfile(str(ROOT / "docs" / "python.md"), module_relative=False, verbose=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, report=True)
    assert result.attempted >= 30
    assert result.failed == 0, f"{result.failed} example(s) of docs/python.md failed (see the output above)"
