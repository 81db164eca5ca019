"""Endpoint benchmark: what the guard and HTTP add to a query on the last build.

Runs the same queries three ways, several times each, and reports medians and each figure as a ratio to the
first way measured in the same run:

* ``store``: ``KnowledgeGraph.query`` on the embedded Oxigraph store (the baseline);
* ``guarded``: ``GuardedStore.query`` — parsing and inspecting the query, evaluating it in a worker process,
  sending the rows back;
* ``http``: ``GET /sparql`` on a real uvicorn server of ``create_app``, SPARQL JSON answered and decoded.

Also reports how long the endpoint takes from start to its first answer (snapshot, workers, loading).

    .venv/bin/python benchmarks/endpoint_bench.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import httpx
from timing import median_seconds  # benchmarks/timing.py, beside this script

from kzgraph.build.pipeline import open_build
from kzgraph.endpoint.app import create_app
from kzgraph.service.guarded import GuardedStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.helpers import serving

QUERIES = {
    "memberships of KAZ": "SELECT ?org WHERE { state:KAZ kz:memberOf ?org }",
    "transfers by supplier": "SELECT ?s (COUNT(?t) AS ?n) WHERE { ?t a kz:ArmsTransfer ; kz:supplier ?s } GROUP BY ?s",
    "facts per source": "SELECT ?doc (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f kz:citation/kz:document ?doc } "
                        "GROUP BY ?doc",
    "5000 labels": "SELECT ?x ?l WHERE { ?x rdfs:label ?l } LIMIT 5000",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    kg = open_build()
    rows = []
    started = time.perf_counter()
    with GuardedStore(kg) as guarded:
        guarded.query("ASK {}")
        rows.append(("start to first answer", "guarded", time.perf_counter() - started))
        for name, sparql in QUERIES.items():
            rows.append((name, "store", median_seconds(lambda sparql=sparql: list(kg.query(sparql)), args.repeat)))
            rows.append((name, "guarded",
                         median_seconds(lambda sparql=sparql: list(guarded.query(sparql)), args.repeat)))
    with serving(create_app(kg)) as url:
        client = httpx.Client(timeout=120)
        for name, sparql in QUERIES.items():
            rows.append((name, "http", median_seconds(
                lambda sparql=sparql: client.get(f"{url}/sparql", params={"query": sparql}).json(), args.repeat)))
    baseline = {name: seconds for name, way, seconds in rows if way == "store"}
    print(f"{'task':<24} {'way':<8} {'median s':>10} {'vs store':>10}")
    for name, way, seconds in sorted(rows, key=lambda r: (list(QUERIES).index(r[0]) if r[0] in QUERIES else -1)):
        ratio = f"{seconds / baseline[name]:>9.1f}x" if name in baseline else f"{'':>10}"
        print(f"{name:<24} {way:<8} {seconds:>10.4f} {ratio}")


if __name__ == "__main__":
    main()
