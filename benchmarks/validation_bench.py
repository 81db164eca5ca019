"""Time and peak memory of SHACL validation (W3C SHACL) with the sparql and the pyshacl engine.

Cases, each in its own Python process (so that peak memory is the case's own) with a time limit:

* ``curated-load`` — assemble() of the whole project (ontology, data/ and derived triples): the baseline;
* ``curated-sparql``, ``curated-pyshacl`` — validation of the curated graph with each engine;
* ``synthetic-load``, ``synthetic-sparql``, ``synthetic-pyshacl`` — the same on a synthetic graph of about
  ``--triples`` triples, made by repeating the curated data files (and the organisations they refer to)
  with renamed IRIs and fresh blank nodes, so that every copy keeps the curated data's shapes of facts,
  citations and memberships without overlapping the other copies. States, concepts and source documents
  are shared, as in the curated graph.
* ``synthetic-change`` — on the synthetic graph, a write of a few triples (an undated exercise added, a
  citation's first line removed, a membership's role replaced) validated with ``validate_changes``: only
  the focus nodes the change can affect, and every SHACL-SPARQL constraint, are checked again.

Results are printed as seconds and as ratios against the curated baseline of the same run.

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

from rdflib import BNode, Graph, Literal, URIRef

from kzgraph.build.pipeline import assemble
from kzgraph.namespaces import CONCEPT, KZ
from kzgraph.store.loading import DATA_DIR, data_files, load_files, project_files
from kzgraph.store.local import open as open_store
from kzgraph.validation.validator import shapes_graph, validate_changes, validate_store

ID = "https://w3id.org/kzgraph/id/"
SHARED = tuple(ID + kind for kind in ("state/", "concept/", "source/"))
CASES = ("curated-load", "curated-sparql", "curated-pyshacl", "synthetic-load", "synthetic-sparql", "synthetic-pyshacl",
         "synthetic-change")


def curated_pattern() -> Graph:
    """The curated facts and the organisations they refer to: what a synthetic copy repeats."""
    facts = [p for p in data_files() if "reference" not in p.parts and p.name != "sources.ttl"]
    return load_files([*facts, DATA_DIR / "reference" / "organisations.ttl"])


def synthetic_file(triples: int, folder: Path) -> Path:
    """An N-Triples file of about ``triples`` triples: renamed copies of the curated pattern."""
    pattern = curated_pattern()
    local = {s for s in pattern.subjects()
             if isinstance(s, URIRef) and str(s).startswith(ID) and not str(s).startswith(SHARED)}
    path = folder / "synthetic.nt"
    with path.open("w", encoding="utf-8") as out:
        for copy in range(math.ceil(triples / len(pattern))):
            blanks: dict = {}

            def rename(term, copy=copy, blanks=blanks):
                if term in local:
                    return URIRef(f"{term}-copy{copy}")
                if isinstance(term, BNode):
                    return blanks.setdefault(term, BNode())
                return term

            for s, p, o in pattern:
                out.write(f"{rename(s).n3()} {p.n3()} {rename(o).n3()} .\n")
    return path


def a_change(kg) -> tuple[list, list]:
    """A small write: an exercise without a date, a citation without its first line, a role replaced."""
    exercise = URIRef("https://w3id.org/kzgraph/id/exercise/benchmark-undated")
    citation = next(c for c in kg.dataset.objects(None, KZ.citation) if isinstance(c, BNode))
    membership = next(iter(kg.dataset.subjects(KZ.role, CONCEPT["role-member"])))
    removed = [(citation, KZ.lineStart, v) for v in kg.dataset.objects(citation, KZ.lineStart)]
    removed += [(membership, KZ.role, CONCEPT["role-member"])]
    added = [(exercise, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), KZ.MilitaryExercise),
             (exercise, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("Benchmark exercise", lang="en")),
             (membership, KZ.role, CONCEPT["role-observer"])]
    return added, removed


def run_case(case: str, triples: int, workdir: Path) -> dict:
    """Measure one case in this process: seconds per step and peak resident memory.

    ``synthetic-load`` writes the assembled synthetic graph to ``workdir`` as N-Quads; the later
    synthetic cases load that dump (step "load dump") instead of generating and assembling it again.
    """
    seconds = {}
    dump = workdir / "synthetic.nq"
    if case.startswith("synthetic") and case != "synthetic-load" and dump.is_file():
        started = time.perf_counter()
        kg = open_store("oxigraph")
        kg.load(dump)
        seconds["load dump"] = time.perf_counter() - started
    else:
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            files = (project_files() if case.startswith("curated")
                     else project_files(data=[synthetic_file(triples, Path(folder))]))
            seconds["generate"] = time.perf_counter() - started
            started = time.perf_counter()
            kg = assemble(files)
            seconds["load"] = time.perf_counter() - started
        if case == "synthetic-load":
            kg.dataset.serialize(destination=str(dump), format="nquads")
    shapes = shapes_graph()
    step = case.rsplit("-", 1)[1]
    report = None
    if step in ("sparql", "pyshacl"):
        started = time.perf_counter()
        report = validate_store(kg, shapes, engine=step)
        seconds["validate"] = time.perf_counter() - started
    elif step == "change":
        started = time.perf_counter()
        before = validate_store(kg, shapes)
        seconds["validate (before the change)"] = time.perf_counter() - started
        added, removed = a_change(kg)
        for triple in removed:
            kg.dataset.remove((*triple, None))
        changes = kg.graph(URIRef("urn:x-benchmark:changes"))
        changes.addN((s, p, o, changes) for s, p, o in added)
        started = time.perf_counter()
        report = validate_changes(kg, before, added, removed, shapes)
        seconds["validate the change"] = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {"case": case, "triples": len(kg), "seconds": seconds, "peak_mb": round(peak)}
    if report is not None:
        result["results"] = len(report.results)
        result["violations"] = len(report.violations)
    return result


def measure(case: str, triples: int, timeout: int, workdir: Path) -> dict:
    """Run a case in a child process; a case that exceeds ``timeout`` seconds is reported as unfinished."""
    command = [sys.executable, __file__, "--case", case, "--triples", str(triples), "--workdir", str(workdir)]
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
            if (step == "generate" and case.startswith("curated")) or (step == "load" and case != "synthetic-load" \
                    and case != "curated-load"):
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
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.triples, args.workdir)))
        return
    cases = ["curated-load"] + [c for c in args.cases if c != "curated-load"]
    if any(c.startswith("synthetic") for c in cases) and "synthetic-load" not in cases:
        cases.insert(cases.index(next(c for c in cases if c.startswith("synthetic"))), "synthetic-load")
    results = []
    with tempfile.TemporaryDirectory() as workdir:
        for case in cases:
            results.append(measure(case, args.triples, args.timeout, Path(workdir)))
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    print(report(results))


if __name__ == "__main__":
    main()
