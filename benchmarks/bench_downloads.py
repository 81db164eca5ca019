"""Full downloads against the row-limited answer of /sparql, over HTTP on a local uvicorn server (not part
of the tests).

    PYTHONPATH=src python benchmarks/bench_downloads.py [--items 300,700] [--repeat 3]

A synthetic graph of N items (one 40-character literal each) is served with no row limit; the query pairs
every item with every other one (N² rows). Each case is timed from request to last byte (best of the
repeats) and reported in milliseconds, in MB/s and as a multiple of the baseline of the same run: the same
answer in CSV from ``/sparql``, which the worker writes whole and the server holds whole before sending it.
The ratio says what streaming the answer in pieces costs (or saves) against holding it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import httpx
from timing import timings  # benchmarks/timing.py, beside this script

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rdflib import Literal, URIRef
from tests.helpers import serving

from kzgraph.endpoint.app import create_app
from kzgraph.store.local import open as open_store

PAIRS = "SELECT ?a ?x ?b WHERE { ?a <http://example.org/value> ?x . ?b <http://example.org/value> ?y }"
CASES = [
    ("/sparql CSV, held whole (baseline)", "/sparql", "csv"),
    ("/sparql/download CSV, streamed", "/sparql/download", "csv"),
    ("/sparql/download TSV, streamed", "/sparql/download", "tsv"),
    ("/sparql/download JSON, streamed", "/sparql/download", "json"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", default="300,700", help="graph sizes (items; the answer has items² rows)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for items in (int(n) for n in args.items.split(",")):
        kg = open_store("oxigraph")
        graph = kg.graph(URIRef("http://example.org/graph/data"))
        for i in range(items):
            graph.add((URIRef(f"http://example.org/item/{i}"), URIRef("http://example.org/value"), Literal("x" * 40)))
        with serving(create_app(kg, max_rows=None, workers=2, timeout=600)) as url, \
                httpx.Client(timeout=600) as client:
            print(f"\n{items} items, {items * items} rows")
            print(f"{'case':<40} {'ms':>9} {'MB/s':>8} {'× baseline':>11}")
            baseline = None
            for label, path, name in CASES:
                size = 0

                def fetch(path: str = path, name: str = name) -> None:
                    nonlocal size
                    size = 0
                    with client.stream("GET", url + path, params={"query": PAIRS, "format": name}) as answer:
                        answer.raise_for_status()
                        for chunk in answer.iter_bytes():
                            size += len(chunk)

                best = min(timings(fetch, args.repeat))
                baseline = baseline or best
                print(f"{label:<40} {best * 1000:>9.0f} {size / best / 1e6:>8.1f} {best / baseline:>11.2f}")


if __name__ == "__main__":
    main()
