"""The benchmark command (benchmarks/serve_bench.py) on a small synthetic graph: kzgraph, the Oxigraph server
and pyoxigraph in process really load it, start and answer, and the Markdown it prints holds every figure
with ratios to the Oxigraph server; a system that cannot load within the bounds is reported with its reason.
Speed itself is not checked here."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks" / "serve_bench.py"

pytestmark = pytest.mark.xdist_group("serve-bench")


def bench(*arguments: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.run([sys.executable, str(BENCH), *arguments], capture_output=True, text=True, env=env,
                          timeout=600, cwd=ROOT)


def test_a_small_graph_measured_on_three_systems_with_ratios(tmp_path: Path) -> None:
    done = bench("--sizes", "3000", "--baselines", "oxigraph,pyoxigraph", "--repeat", "2", "--clients", "2",
                 "--requests", "3", "--json", str(tmp_path / "figures.json"))
    assert done.returncode == 0, done.stderr[-2000:]
    text = done.stdout
    assert "Command: `PYTHONPATH=src python benchmarks/serve_bench.py --sizes 3000" in text
    assert "| | kzgraph | Oxigraph server | pyoxigraph in process |" in text
    for label in ("load |", "start to first answer |", "point lookup (8 rows), p50 / p95 |",
                  "2-hop join, LIMIT 100 (100 rows), p50 / p95 |", "OPTIONALs (", "aggregate (8 rows), p50 / p95 |",
                  "concurrent point lookups, requests per second |",
                  "CPU time per point lookup meanwhile, all processes |"):
        assert f"\n| {label}" in text, label
    lookup = next(line for line in text.splitlines() if line.startswith("| point lookup"))
    cells = [cell.strip() for cell in lookup.strip("|").split("|")]
    assert re.fullmatch(r"[\d.,]+ / [\d.,]+ ms \([\d.]+×\)", cells[1]), cells  # kzgraph, with its ratio
    assert not any("rows" in cell for cell in cells[1:]) and "failed" not in text  # the same rows from all three
    assert "| every query within 1.5 × the Oxigraph server (p50) |" in text


def test_a_system_over_the_memory_bound_is_reported_with_the_reason() -> None:
    done = bench("--sizes", "3000", "--baselines", "rdflib", "--repeat", "1", "--memory-limit", "5",
                 "--clients", "1", "--requests", "1")
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"rdflib: not run: load: stopped at [\d,]+ MB, over the memory limit", done.stdout), done.stdout
