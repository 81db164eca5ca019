"""Time and peak memory of SHACL validation (W3C SHACL) with the hybrid and the pyshacl engine.

Cases, each in its own Python process (so that peak memory is the case's own) with a time limit:

* ``curated-load`` — assemble() of the whole project and its union graph: the baseline;
* ``curated-hybrid``, ``curated-pyshacl`` — validation of the curated graph with each engine;
* ``synthetic-load``, ``synthetic-hybrid``, ``synthetic-pyshacl`` — the same on a synthetic graph of about
  ``--triples`` triples, made by repeating the curated data files (and the organisations they refer to)
  with renamed IRIs and fresh blank nodes, so that every copy keeps the curated data's shapes of facts,
  citations and memberships without overlapping the other copies. States, concepts and source documents
  are shared, as in the curated graph.

The hybrid cases also time their two parts: pyshacl on the SHACL Core shapes, and the SHACL-SPARQL
constraints run once each over the whole graph on the store. Results are printed as seconds and as
ratios against the curated baseline of the same run.

    .venv/bin/python benchmarks/validation_bench.py [--triples 1000000] [--timeout 600]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rdflib import BNode, Graph, URIRef

from kzgraph.build import assemble, union_graph
from kzgraph.loading import DATA_DIR, data_files, load_files, project_files
from kzgraph.validation import core_shapes, run_sparql_constraints, shapes_graph, sparql_constraints, validate_graph

ID = "https://w3id.org/kzgraph/id/"
SHARED = tuple(ID + kind for kind in ("state/", "concept/", "source/"))
CASES = ("curated-load", "curated-hybrid", "curated-pyshacl", "synthetic-load", "synthetic-hybrid", "synthetic-pyshacl")


def curated_pattern() -> Graph:
    """The curated facts and the organisations they refer to: what a synthetic copy repeats."""
    facts = [p for p in data_files() if "reference" not in p.parts and p.name != "sources.ttl"]
    return load_files(facts + [DATA_DIR / "reference" / "organisations.ttl"])


def synthetic_file(triples: int, folder: Path) -> Path:
    """An N-Triples file of about ``triples`` triples: renamed copies of the curated pattern."""
    pattern = curated_pattern()
    local = {s for s in pattern.subjects() if isinstance(s, URIRef) and s.startswith(ID) and not s.startswith(SHARED)}
    path = folder / "synthetic.nt"
    with path.open("w", encoding="utf-8") as out:
        for copy in range(math.ceil(triples / len(pattern))):
            blanks: dict = {}

            def rename(term):
                if term in local:
                    return URIRef(f"{term}-copy{copy}")
                if isinstance(term, BNode):
                    return blanks.setdefault(term, BNode())
                return term

            for s, p, o in pattern:
                out.write(f"{rename(s).n3()} {p.n3()} {rename(o).n3()} .\n")
    return path


def run_case(case: str, triples: int) -> dict:
    """Measure one case in this process: seconds per step and peak resident memory."""
    seconds = {}
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        files = project_files() if case.startswith("curated") else project_files(data=[synthetic_file(triples, Path(folder))])
        seconds["generate"] = time.perf_counter() - started
        started = time.perf_counter()
        kg = assemble(files)
        graph = union_graph(kg)
        seconds["load"] = time.perf_counter() - started
        shapes = shapes_graph()
        engine = case.rsplit("-", 1)[1]
        if engine != "load":
            started = time.perf_counter()
            report = validate_graph(graph, shapes, engine=engine, query=kg.query)
            seconds["validate"] = time.perf_counter() - started
            if engine == "hybrid":
                from pyshacl import validate as shacl_validate

                started = time.perf_counter()
                shacl_validate(graph, shacl_graph=core_shapes(shapes), inference="none", advanced=True,
                               allow_warnings=True, meta_shacl=False)
                seconds["core part"] = time.perf_counter() - started
                started = time.perf_counter()
                run_sparql_constraints(kg.query, sparql_constraints(shapes))
                seconds["sparql part"] = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {"case": case, "triples": len(graph), "seconds": seconds, "peak_mb": round(peak)}
    if engine != "load":
        result["results"] = len(report.results)
        result["violations"] = len(report.violations)
    return result


def measure(case: str, triples: int, timeout: int) -> dict:
    """Run a case in a child process; a case that exceeds ``timeout`` seconds is reported as unfinished."""
    command = [sys.executable, __file__, "--case", case, "--triples", str(triples)]
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return {"case": case, "unfinished": f"did not finish in {timeout} s"}
    except subprocess.CalledProcessError as error:
        return {"case": case, "unfinished": f"failed: {error.stderr.strip().splitlines()[-1]}"}
    return json.loads(run.stdout.strip().splitlines()[-1])


def report(results: list[dict]) -> str:
    by_case = {r["case"]: r for r in results}
    baseline = by_case["curated-load"]["seconds"]["load"]
    lines = [f"baseline: assembling the curated graph ({by_case['curated-load']['triples']} triples) "
             f"took {baseline:.1f} s", "",
             "| case | triples | step | seconds | × baseline | peak MB | results (violations) |",
             "|---|---|---|---|---|---|---|"]
    for case in CASES:
        result = by_case.get(case)
        if result is None:
            continue
        if "unfinished" in result:
            lines.append(f"| {case} | | | {result['unfinished']} | | | |")
            continue
        found = f"{result['results']} ({result['violations']})" if "results" in result else ""
        for step, value in result["seconds"].items():
            if step == "generate" and case.startswith("curated"):
                continue
            lines.append(f"| {case} | {result['triples']} | {step} | {value:.1f} | {value / baseline:.1f} | "
                         f"{result['peak_mb']} | {found} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="size of the synthetic graph")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per case")
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=CASES)
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.triples)))
        return
    cases = ["curated-load"] + [c for c in args.cases if c != "curated-load"]
    results = []
    for case in cases:
        results.append(measure(case, args.triples, args.timeout))
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    print(report(results))


if __name__ == "__main__":
    main()
