"""Throughput under load: many clients at once against `kzgraph serve` and the Oxigraph server, on the same data
and the same SPARQL mix, in one run.

    KZGRAPH_BUILD=... PYTHONPATH=src python benchmarks/load_bench.py [--clients 50] [--requests 20]

The last build's dump is loaded into an Oxigraph store (`oxigraph load`) for `oxigraph serve-read-only
--union-default-graph`, and `kzgraph serve` serves the build itself (its default two workers). ``--clients``
threads, each with its own keep-alive connection, send ``--requests`` requests each, all starting together,
going round this mix (each client starting at another place in it):

* a cheap SELECT (ten triples about Kazakhstan);
* a named query of the catalogue: ``/queries/NAME`` on kzgraph, its SPARQL text on Oxigraph;
* ``DESCRIBE`` of the CSTO, as Turtle;
* the HTML page of the CSTO (``/id/org/CSTO``) on kzgraph; on Oxigraph, which has no pages, the ``DESCRIBE``
  of the CSTO again: what the RDF forms of the page need.

It reports requests per second over the whole run (from the moment all clients start until the last answer),
p50 and p99 of the request times, errors (a status other than 200, or no answer) in all and for each kind, and
the ratios kzgraph / Oxigraph; the baseline of each kind, measured in the same run, is its median time with no
other client (``timing.median_seconds`` of five requests). The servers run one after the other, each alone on
the machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from baseline_oxigraph import OXIGRAPH  # the modules of benchmarks/, beside this script
from processes import HttpServer, free_port
from report import machine
from timing import (
    median_seconds,  # benchmarks/timing.py, beside this script
    percentile,
)

SRC = Path(__file__).resolve().parents[1] / "src"
BASE = "https://w3id.org/kzgraph/"
KAZ = f"{BASE}id/state/KAZ"
CSTO = f"{BASE}id/org/CSTO"
NAMED = "memberships-over-time"
CHEAP = f"SELECT ?p ?o WHERE {{ <{KAZ}> ?p ?o }} LIMIT 10"
DESCRIBE = f"DESCRIBE <{CSTO}>"
RESULTS_JSON = {"Accept": "application/sparql-results+json"}
TURTLE = {"Accept": "text/turtle"}
KINDS = ("cheap SELECT", "named query", "DESCRIBE", "HTML page")


def named_query_text(name: str) -> str:
    """The SPARQL a named query runs, its parameters at their defaults (as kzgraph resolves it)."""
    sys.path.insert(0, str(SRC))
    from kzgraph import KZGraph

    with KZGraph() as kg:
        return kg.resolve(name)


def requests_for(server: str, base: str) -> dict[str, tuple[str, dict[str, str], dict[str, str]]]:
    """Each kind of the mix as (URL, query parameters, headers) for one server."""
    if server == "kzgraph":
        sparql = f"{base}/sparql"
        return {"cheap SELECT": (sparql, {"query": CHEAP}, RESULTS_JSON),
                "named query": (f"{base}/queries/{NAMED}", {}, RESULTS_JSON),
                "DESCRIBE": (sparql, {"query": DESCRIBE}, TURTLE),
                "HTML page": (f"{base}/id/org/CSTO", {}, {"Accept": "text/html"})}
    sparql = f"{base}/query"
    return {"cheap SELECT": (sparql, {"query": CHEAP}, RESULTS_JSON),
            "named query": (sparql, {"query": named_query_text(NAMED)}, RESULTS_JSON),
            "DESCRIBE": (sparql, {"query": DESCRIBE}, TURTLE),
            "HTML page": (sparql, {"query": DESCRIBE}, TURTLE)}


def load(server: str, base: str, clients: int, requests: int) -> dict[str, object]:
    mix = requests_for(server, base)
    alone: dict[str, float] = {}  # the baseline: each kind's median time with no other client
    with httpx.Client(timeout=60) as warm:  # every kind answers before the clock starts
        for kind, (url, params, headers) in mix.items():
            answer = warm.get(url, params=params, headers=headers)
            if answer.status_code != 200:
                raise RuntimeError(f"{server}: {kind} answered {answer.status_code}: {answer.text[:300]}")
            alone[kind] = median_seconds(lambda url=url, params=params, headers=headers:
                                         warm.get(url, params=params, headers=headers), 5)
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    errors: dict[str, int] = {kind: 0 for kind in KINDS}
    failures: Counter[str] = Counter()  # what the errors were: a status, or the client's exception
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def client(number: int) -> None:
        with httpx.Client(timeout=120) as http:
            http.get(mix["cheap SELECT"][0], params={"query": "ASK {}"})  # connected before the start
            barrier.wait()
            for i in range(requests):
                kind = KINDS[(number + i) % len(KINDS)]
                url, params, headers = mix[kind]
                started = time.perf_counter()
                try:
                    status = http.get(url, params=params, headers=headers).status_code
                    failure = "" if status == 200 else f"HTTP {status}"
                except httpx.HTTPError as error:
                    failure = type(error).__name__
                ok = not failure
                elapsed = time.perf_counter() - started
                with lock:
                    times[kind].append(elapsed)
                    errors[kind] += 0 if ok else 1
                    if failure:
                        failures[failure] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    every = [t for kind in KINDS for t in times[kind]]
    return {"requests": len(every), "seconds": elapsed, "rate": len(every) / elapsed,
            "p50": percentile(every, 0.5), "p99": percentile(every, 0.99), "errors": sum(errors.values()),
            "failures": dict(failures),
            "kinds": {kind: {"p50": percentile(times[kind], 0.5), "p99": percentile(times[kind], 0.99),
                             "errors": errors[kind], "alone": alone[kind]} for kind in KINDS}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, str(SRC))
    from kzgraph.build.pipeline import DUMP_NAME, current_build

    dump = current_build() / DUMP_NAME
    if not dump.is_file():
        raise SystemExit(f"no build at {dump}: run `kzgraph build` first (or set KZGRAPH_BUILD)")
    work = Path(tempfile.mkdtemp(prefix="kzgraph-load-bench-"))
    env = {"PYTHONPATH": str(SRC)}
    results: dict[str, dict[str, object]] = {}
    try:
        subprocess.run([str(OXIGRAPH), "load", "--location", str(work / "ox"), "--file", str(dump)], check=True,
                       capture_output=True)
        port = free_port()
        kz = HttpServer("kzgraph", [sys.executable, "-m", "kzgraph", "serve", "--port", str(port), "--workers",
                                    str(args.workers)], f"http://127.0.0.1:{port}/sparql", work / "kzgraph.log", env)
        try:
            results["kzgraph"] = load("kzgraph", f"http://127.0.0.1:{port}", args.clients, args.requests)
        finally:
            kz.stop()
        port = free_port()
        ox = HttpServer("oxigraph", [str(OXIGRAPH), "serve-read-only", "--location", str(work / "ox"), "--bind",
                                     f"127.0.0.1:{port}", "--union-default-graph"], f"http://127.0.0.1:{port}/query",
                        work / "oxigraph.log")
        try:
            results["oxigraph"] = load("oxigraph", f"http://127.0.0.1:{port}", args.clients, args.requests)
        finally:
            ox.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(report(results, args, os.path.getsize(dump)))


def report(results: dict[str, dict[str, object]], args: argparse.Namespace, dump_bytes: int) -> str:
    kz, ox = results["kzgraph"], results["oxigraph"]
    lines = [f"Machine: {machine()}", "",
             f"Command: `PYTHONPATH=src python benchmarks/load_bench.py --clients {args.clients} --requests "
             f"{args.requests} --workers {args.workers}` (the build's dump: {dump_bytes / 2**20:.1f} MB)", "",
             "| | kzgraph | Oxigraph server | ratio |", "|---|---|---|---|"]

    def number(result: dict[str, object], key: str) -> float:
        value = result[key]
        assert isinstance(value, int | float)
        return float(value)

    lines.append(f"| requests | {kz['requests']} | {ox['requests']} | |")
    lines.append(f"| requests per second | {number(kz, 'rate'):.0f} | {number(ox, 'rate'):.0f} | "
                 f"{number(kz, 'rate') / number(ox, 'rate'):.2f} |")
    for key in ("p50", "p99"):
        lines.append(f"| {key} | {number(kz, key) * 1000:.0f} ms | {number(ox, key) * 1000:.0f} ms | "
                     f"{number(kz, key) / number(ox, key):.1f} |")
    lines.append(f"| errors | {kz['errors']} {kz['failures'] or ''} | {ox['errors']} {ox['failures'] or ''} | |")
    kz_kinds, ox_kinds = kz["kinds"], ox["kinds"]
    assert isinstance(kz_kinds, dict) and isinstance(ox_kinds, dict)
    for kind in KINDS:
        a, b = kz_kinds[kind], ox_kinds[kind]
        lines.append(f"| {kind}: p50 / p99 under load (errors); alone | {a['p50'] * 1000:.0f} / "
                     f"{a['p99'] * 1000:.0f} ms ({a['errors']}); {a['alone'] * 1000:.1f} ms | {b['p50'] * 1000:.0f} / "
                     f"{b['p99'] * 1000:.0f} ms ({b['errors']}); {b['alone'] * 1000:.1f} ms | "
                     f"{a['p50'] / b['p50']:.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
