"""An engine answering SPARQL in its own process, without HTTP: the in-process baselines of serve_bench.py.

    python benchmarks/inprocess.py pyoxigraph|rdflib DUMP.nq

loads the N-Quads dump (pyoxigraph: ``Store.bulk_load`` into a store in memory; rdflib: ``Dataset.parse``
into its memory store), writes ``{"seconds": …}`` as a line, then reads one query per line (a JSON string)
and answers each with a line ``{"seconds": …, "rows": …}``, the time of evaluating the query and reading
every solution, in this process (or ``{"error": …}``). The default graph is the union of the graphs, as
the servers are run.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from timing import timed


def pyoxigraph_engine(dump: Path) -> Callable[[str], int]:
    import pyoxigraph

    store = pyoxigraph.Store()
    store.bulk_load(path=str(dump), format=pyoxigraph.RdfFormat.N_QUADS)

    def answer(text: str) -> int:
        result = store.query(text, use_default_graph_as_union=True)
        if isinstance(result, pyoxigraph.QueryBoolean):
            return 1
        return sum(1 for _ in result)

    return answer


def rdflib_engine(dump: Path) -> Callable[[str], int]:
    from rdflib import Dataset

    dataset = Dataset(default_union=True)
    dataset.parse(str(dump), format="nquads")

    def answer(text: str) -> int:
        result = dataset.query(text)
        if result.type == "ASK":
            return 1
        return sum(1 for _ in result)

    return answer


ENGINES = {"pyoxigraph": pyoxigraph_engine, "rdflib": rdflib_engine}


def main() -> None:
    engine, dump = sys.argv[1], Path(sys.argv[2])
    seconds, answer = timed(partial(ENGINES[engine], dump))
    print(json.dumps({"seconds": seconds}), flush=True)
    for line in sys.stdin:
        try:
            seconds, rows = timed(partial(answer, json.loads(line)))
            print(json.dumps({"seconds": seconds, "rows": rows}), flush=True)
        except Exception as error:  # the message goes into the tables
            print(json.dumps({"error": f"{type(error).__name__}: {error}"[:300]}), flush=True)


if __name__ == "__main__":
    main()
