"""How long a query result takes to become a pandas DataFrame, against the query itself (not a test).

    KZGRAPH_BUILD=... python benchmarks/frames_bench.py [--repeat N]

On the last build: the whole graph (``SELECT ?s ?p ?o ?g``, every quad, through the guard as ``kg.query``
sends it) and a typed query (every literal with its datatype), each timed as

* the baseline: ``kg.query(q)`` with its rows read as strings (what a user wrote before ``to_frame``);
* ``result.to_frame()`` on the answer already there: the conversion alone;
* ``pandas.DataFrame(result)``: rdflib terms in named columns.

Times are medians of ``--repeat`` runs, printed in milliseconds and as multiples of the baseline.
"""

from __future__ import annotations

import argparse

import pandas as pd
from timing import median_seconds

from kzgraph import KZGraph, Settings

QUERIES = {
    "every quad": "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
    "every literal": "SELECT ?s ?o WHERE { ?s ?p ?o FILTER isLiteral(?o) }",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    with KZGraph(settings=Settings.load(max_rows=10_000_000, timeout=600.0, workers=1)) as kg:
        for label, query in QUERIES.items():
            result = kg.query(query)
            rows = len(result)
            baseline = median_seconds(lambda q=query: [tuple(map(str, row)) for row in kg.query(q)], repeat)
            convert = median_seconds(result.to_frame, repeat)
            plain = median_seconds(lambda r=result: pd.DataFrame(r), repeat)
            print(f"{label} ({rows} rows)")
            for name, seconds in [("query, rows as strings (baseline)", baseline),
                                  ("to_frame() of the answer", convert), ("pd.DataFrame(answer)", plain)]:
                print(f"  {name:<36} {seconds * 1000:9.1f} ms  {seconds / baseline:5.2f} x baseline")


if __name__ == "__main__":
    main()
