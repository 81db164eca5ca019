"""Embedded store benchmark: Oxigraph (through oxrdflib) against rdflib's memory store.

Loads the last build's dump into each backend and runs a set of representative queries, several times,
reporting medians and each figure as a ratio to rdflib's memory store measured in the same run.

    .venv/bin/python benchmarks/store_bench.py [--repeat 5]
"""

from __future__ import annotations

import argparse

from timing import median_seconds  # benchmarks/timing.py, beside this script

from kzgraph.build.pipeline import DUMP_NAME, current_build
from kzgraph.store.local import open as open_store

QUERIES = {
    "memberships of KAZ": """SELECT ?org ?role ?start WHERE {
        ?m a kz:Membership ; kz:member state:KAZ ; kz:organisation ?org ; kz:role ?role .
        OPTIONAL { ?m kz:startDate ?start } } ORDER BY ?start""",
    "facts per source": """SELECT ?doc (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f kz:citation/kz:document ?doc } """
                        """GROUP BY ?doc""",
    "transfers by supplier": """SELECT ?s (COUNT(?t) AS ?n) WHERE { ?t a kz:ArmsTransfer ; kz:supplier ?s } """
                             """GROUP BY ?s""",
    "labels by regex": """SELECT ?x ?l WHERE { ?x rdfs:label ?l FILTER(REGEX(?l, "peace", "i")) }""",
    "two-hop partners": """SELECT DISTINCT ?a ?b WHERE { ?f kz:party ?a , ?b . FILTER(STR(?a) < STR(?b)) }""",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    dump = current_build() / DUMP_NAME
    if not dump.exists():
        raise SystemExit("no build: run `kzgraph build` first")
    stores, rows = {}, []

    for backend in ("memory", "oxigraph"):
        def load(backend=backend):
            stores[backend] = open_store(backend, dump=dump)
        rows.append(("load dump", backend, median_seconds(load, max(1, args.repeat // 2))))
    for name, sparql in QUERIES.items():
        for backend in ("memory", "oxigraph"):
            def run(backend: str = backend, sparql: str = sparql) -> list[object]:
                return list(stores[backend].query(sparql))

            rows.append((name, backend, median_seconds(run, args.repeat)))

    baseline = {name: seconds for name, backend, seconds in rows if backend == "memory"}
    print(f"{'task':<24} {'backend':<9} {'median s':>10} {'vs rdflib memory':>18}")
    for name, backend, seconds in rows:
        print(f"{name:<24} {backend:<9} {seconds:>10.4f} {seconds / baseline[name]:>17.3f}x")


if __name__ == "__main__":
    main()
