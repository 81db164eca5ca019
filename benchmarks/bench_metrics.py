"""How long the projections and metrics take on the last build (not part of the test suite).

    KZGRAPH_BUILD=... python benchmarks/bench_metrics.py [STATE]
"""

from __future__ import annotations

import sys
import time

from kzgraph.analysis import metrics
from kzgraph.analysis.projections import NAMES, Facts
from kzgraph.build.pipeline import open_build


def timed(label: str, call, repeat: int = 5):
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - started)
    print(f"{label:<40} {best * 1000:8.1f} ms (best of {repeat})")
    return result


def main(state: str = "KAZ") -> None:
    kg = open_build()
    facts = timed("fetch facts (4 SPARQL queries)", lambda: Facts.fetch(kg))
    for name in NAMES:
        graph = timed(f"project {name}", lambda name=name: facts.project(name))
        print(f"{'':<40} {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges")
    rows = timed(f"metrics per year for {state}", lambda: metrics.yearly(facts, state), repeat=3)
    print(f"{'':<40} {len(rows)} years")
    timed(f"compute (fetch + years + period) {state}", lambda: metrics.compute(kg, state), repeat=3)


if __name__ == "__main__":
    main(*sys.argv[1:])
