"""kzgraph beside its baselines, on the same data, in one run: synthetic graphs and the real graph.

For each synthetic size (``--sizes``) the benchmark writes a synthetic graph as N-Quads; with ``--real`` it
also imports the SIPRI trade register and builds the project (``kzgraph import sipri``, ``kzgraph build``).
Each system (``--baselines``; kzgraph always) loads the dump and starts on 127.0.0.1 — kzgraph (``kzgraph
load``, ``kzgraph serve --store``), the Oxigraph server, raw pyoxigraph in process, Virtuoso, rdflib's
memory store in process, rdflib-endpoint — and is measured, the systems interleaved:

* load; start to first answer (``ASK {}``); peak memory of all of a system's processes (sum of RSS,
  sampled every 0.2 s) while loading and while serving, and the sum after the queries;
* the fixed lookup, join, OPTIONAL and aggregate queries (synthetic graphs) or every catalogue query with
  its defaults (real graph), SPARQL JSON through the protocol (in process for the in-process baselines):
  p50 and p95 of ``--repeat`` runs after a warm-up (fewer when they would take longer than ``--budget``; a
  query whose warm-up alone takes longer is timed by that run only);
* throughput of concurrent point lookups (``--clients`` threads × ``--requests``, keep-alive), and the CPU
  time all of a server's processes spent per request meanwhile (less disturbed by a busy machine);
* on the real graph, kzgraph's validation, metrics and exports (project_ops.py).

Ratios are against the Oxigraph server of the same run. A system that cannot load a size within the
bounds (``--load-timeout``, ``--memory-limit``), or whose figures at a smaller size of the run extrapolate
beyond them, is reported with the measured reason. The output is Markdown, for BENCHMARKS.md.

    PYTHONPATH=src python benchmarks/serve_bench.py --sizes 100000 --baselines all --repeat 5
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import project_ops
import report
from baseline_oxigraph import OxigraphServer, pyoxigraph
from baseline_rdflib import RdflibEndpoint, rdflib_memory
from baseline_virtuoso import Virtuoso
from datasets import Dataset, build_real, default_register, synthetic
from processes import Failed, TimedOut
from system_kzgraph import Kzgraph
from systems import Limits, System

BASELINES: dict[str, Callable[[], System]] = {
    "oxigraph": OxigraphServer, "pyoxigraph": pyoxigraph, "virtuoso": Virtuoso, "rdflib": rdflib_memory,
    "rdflib-endpoint": RdflibEndpoint,
}


@dataclass
class QueryFigures:
    rows: dict[str, int] = field(default_factory=dict)
    times: dict[str, list[float]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)


@dataclass
class Measurement:
    dataset: Dataset
    systems: list[System]
    not_run: dict[str, str] = field(default_factory=dict)  # system key → why
    queries: dict[str, QueryFigures] = field(default_factory=dict)
    throughput: dict[str, float | str] = field(default_factory=dict)
    cpu_per_request: dict[str, float] = field(default_factory=dict)  # seconds, during the throughput run
    memory: dict[str, float] = field(default_factory=dict)
    peak: dict[str, float] = field(default_factory=dict)
    operations: list[project_ops.Outcome] = field(default_factory=list)
    seconds: float = 0.0


def extrapolated(key: str, dataset: Dataset, history: dict[str, tuple[int, float, float]],
                 limits: Limits) -> str | None:
    """Why ``key`` is not run on ``dataset``, when its load time and peak memory at the largest smaller graph
    of this run, scaled by the number of triples, exceed the bounds; else None."""
    if key not in history:
        return None
    triples, seconds, peak = history[key]
    factor = dataset.triples / triples
    if factor <= 1 or (seconds * factor <= limits.load_seconds and peak * factor <= limits.memory_mb):
        return None
    return (f"not run: at {triples:,} triples it took {seconds:.1f} s to load and start and {peak:,.0f} MB; "
            f"scaled to {dataset.triples:,} triples, about {seconds * factor:,.0f} s and {peak * factor:,.0f} MB, "
            f"beyond the bounds of {limits.load_seconds:.0f} s and {limits.memory_mb:,.0f} MB")


def measure(dataset: Dataset, keys: list[str], work: Path, args: argparse.Namespace, limits: Limits,
            history: dict[str, tuple[int, float, float]]) -> Measurement:
    started = time.perf_counter()
    factories: dict[str, Callable[[], System]] = {"kzgraph": lambda: Kzgraph(workers=args.workers), **BASELINES}
    result = Measurement(dataset, [])
    for key in keys:
        reason = None if key == "kzgraph" else extrapolated(key, dataset, history, limits)
        if reason:
            result.not_run[key] = reason
            continue
        system = factories[key]()
        folder = work / key
        folder.mkdir(parents=True)
        progress(f"{dataset.name}: loading and starting {system.title}")
        try:
            system.open(dataset.dump, folder, limits)
        except Failed as failure:
            system.close()
            result.not_run[key] = f"not run: {failure}"
            continue
        result.systems.append(system)
        history[key] = (dataset.triples, (system.load or 0) + (system.startup or 0), system.peak())
    try:
        for name, text in dataset.queries.items():
            progress(f"{dataset.name}: {name}")
            result.queries[name] = ask(result.systems, text, args.repeat, args.budget, limits.query_seconds)
        for system in result.systems:
            if system.broken is None:
                try:
                    rate = system.throughput(dataset.lookup, args.clients, args.requests)
                    if rate is not None:
                        result.throughput[system.key], result.cpu_per_request[system.key] = rate
                except Failed as failure:
                    result.throughput[system.key] = str(failure)
            result.memory[system.key] = system.memory()
            result.peak[system.key] = system.peak()
    finally:
        for system in result.systems:
            system.close()
    if dataset.real and dataset.build is not None and not args.no_operations:
        progress(f"{dataset.name}: validation, metrics, exports")
        result.operations = project_ops.measure(dataset.build, work / "operations", args.operation_timeout,
                                                limits.memory_mb)
    result.seconds = time.perf_counter() - started
    return result


def ask(systems: list[System], text: str, repeat: int, budget: float, timeout: float) -> QueryFigures:
    """One query on every system still answering: a warm-up (its row count), then up to ``repeat`` runs,
    interleaved, each system's runs capped so that they take about ``budget`` seconds."""
    figures = QueryFigures()
    runs: dict[str, int] = {}
    live = [system for system in systems if system.broken is None]
    for system in live:
        try:
            seconds, figures.rows[system.key] = system.query(text, timeout)
            runs[system.key] = min(repeat, int(budget / max(seconds, 1e-6)))
            figures.times[system.key] = [] if runs[system.key] else [seconds]  # over the budget: this run only
        except Failed as failure:
            figures.failures[system.key] = str(failure)
            if isinstance(failure, TimedOut) and system.stuck_after_timeout:
                system.broken = f"answered no more queries after one that ran out of time ({failure})"
    for number in range(repeat):
        for system in live:
            if runs.get(system.key, 0) > number and system.key not in figures.failures:
                try:
                    figures.times[system.key].append(system.query(text, timeout)[0])
                except Failed as failure:
                    figures.failures[system.key] = str(failure)
    for system in systems:
        if system.broken is not None and system.key not in figures.failures and system not in live:
            figures.failures[system.key] = "not run: " + system.broken
    return figures


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="Synthetic graphs, in triples (comma-separated; "
                                                                   "empty: none).")
    parser.add_argument("--real", action="store_true", help="Also build the real graph with the SIPRI register.")
    parser.add_argument("--register", type=Path, default=None, help="The SIPRI trade register CSV (default: "
                        "$KZGRAPH_SHARED or shared/ beside the repository, reference/sipri/trade-register.csv).")
    parser.add_argument("--baselines", default="all",
                        help=f"all, none, or some of {','.join(BASELINES)} (kzgraph is always measured).")
    parser.add_argument("--baselines-at", action="append", default=[], metavar="SIZE=LIST",
                        help="Other baselines for sizes from SIZE triples up, e.g. 10000000=oxigraph.")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--budget", type=float, default=30, help="Seconds of timed runs per query and system.")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=25)
    parser.add_argument("--workers", type=int, default=2, help="kzgraph's query workers.")
    parser.add_argument("--load-timeout", type=float, default=900, help="Seconds to load and start a system.")
    parser.add_argument("--query-timeout", type=float, default=120, help="Seconds for one query.")
    parser.add_argument("--operation-timeout", type=float, default=900, help="Seconds for one operation.")
    parser.add_argument("--memory-limit", type=float, default=8192, help="MB of all of a system's processes.")
    parser.add_argument("--no-operations", action="store_true", help="Skip validation, metrics and exports.")
    parser.add_argument("--json", type=Path, default=None, help="Also write the figures as JSON here.")
    parser.add_argument("--data", type=Path, default=None,
                        help="Keep the generated graphs and the real build here, and reuse those already there.")
    parser.add_argument("--keep", type=Path, default=None, help="Work in this folder and keep it (logs, data).")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on the way out

    def chosen(text: str) -> list[str]:
        names = list(BASELINES) if text == "all" else [] if text == "none" else text.split(",")
        unknown = [name for name in names if name not in BASELINES]
        if unknown:
            parser.error(f"--baselines: unknown {', '.join(unknown)} (choose from {', '.join(BASELINES)})")
        return ["kzgraph", *names]

    default_keys = chosen(args.baselines)
    thresholds = sorted((int(size), chosen(names)) for size, names in (a.split("=", 1) for a in args.baselines_at))
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    limits = Limits(args.load_timeout, args.memory_limit, args.query_timeout)
    work = args.keep or Path(tempfile.mkdtemp(prefix="kzgraph-bench-"))
    started = time.perf_counter()
    print(report.header(), flush=True)
    results: list[Measurement] = []
    history: dict[str, tuple[int, float, float]] = {}
    try:
        register = args.register or default_register()
        data = args.data or work
        plans: list[tuple[str, Callable[[Path], Dataset]]] = [(f"synthetic-{size}", partial(synthetic, size))
                                                               for size in sizes]
        if args.real:  # before the synthetic graphs of a million triples and more
            plans.insert(sum(size < 1_000_000 for size in sizes),
                         ("real", partial(build_real, register=register, timeout=args.load_timeout)))
        for name, plan in plans:
            progress(f"preparing {name}")
            dataset = plan(data / name / "data")
            folder = work / name
            keys = next((names for size, names in reversed(thresholds) if dataset.triples >= size), default_keys)
            results.append(measure(dataset, keys, folder, args, limits, history))
            print(report.section(results[-1]), flush=True)  # each graph's tables as soon as they are measured
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(report.as_json(results), indent=2))
    print(report.footer(time.perf_counter() - started), flush=True)


if __name__ == "__main__":
    main()
