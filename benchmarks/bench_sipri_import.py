"""How long the import of SIPRI's trade register takes, step by step, against reading the file with
Python's csv module (not part of the test suite).

    .venv/bin/python benchmarks/bench_sipri_import.py [CSV] [--repeat N]

CSV defaults to ../shared/reference/sipri/trade-register.csv beside the project. Each step is timed N
times (3 by default) and its median printed in seconds and as a multiple of the baseline of the same run:
decoding the file as latin-1 and splitting it into fields with ``csv.reader``, the least any importer does.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
from pathlib import Path

from timing import median_seconds  # benchmarks/timing.py, beside this script

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from kzgraph.importers.sipri import convert, load_curated, read_register, store_import
from kzgraph.importers.sipri.matching import Curated

ROOT = Path(__file__).resolve().parents[1]

DEFAULT = ROOT.parent / "shared" / "reference" / "sipri" / "trade-register.csv"


def baseline(path: Path) -> int:
    rows = 0
    for _ in csv.reader(io.StringIO(path.read_bytes().decode("latin-1"), newline="")):
        rows += 1
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args(argv)
    path, repeat = options.csv, options.repeat

    base = median_seconds(lambda: baseline(path), repeat)
    register = read_register(path)
    graph = load_curated()
    curated = Curated.from_graph(graph)
    conversion = convert(register, curated)
    print(f"{path}: {len(register)} rows, {len(conversion)} triples; "
          f"{len(conversion.matches.matched)} of {conversion.matches.curated} curated transfers linked")
    print(f"{'step':<64} {'seconds':>8} {'x baseline':>11}")

    def show(label: str, seconds: float) -> None:
        print(f"{label:<64} {seconds:8.2f} {seconds / base:11.1f}")

    show("baseline: latin-1 decode and csv.reader", base)
    show("read_register (parse, check, map names)", median_seconds(lambda: read_register(path), repeat))
    show("load the curated data (data/*.ttl, rdflib)", median_seconds(load_curated, repeat))
    show("convert (N-Triples statements, links)", median_seconds(lambda: convert(register, curated), repeat))

    def fresh_import():
        with tempfile.TemporaryDirectory() as folder:
            store_import(path, folder, graph)

    show("store_import into an empty folder (all of the above, written)", median_seconds(fresh_import, repeat))
    with tempfile.TemporaryDirectory() as folder:
        store_import(path, folder, graph)
        show("store_import of the same file again (unchanged)",
             median_seconds(lambda: store_import(path, folder, graph), repeat))


if __name__ == "__main__":
    main()
