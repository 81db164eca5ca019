"""The data of the benchmark and the queries asked of it.

* synthetic graphs of a given size (:func:`generate`), asked the fixed queries (:data:`QUERIES`);
* the real graph: ``kzgraph import sipri`` of the SIPRI trade register and ``kzgraph build`` into a fresh
  build folder (:func:`build_real`), asked every query of the catalogue (``queries/*.rq``) with the
  defaults of its parameters (:func:`catalogue_queries`).
"""

from __future__ import annotations

import json
import os
import random
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from processes import run
from systems import ROOT, python_command
from timing import timed

EX = "http://example.org/bench/"
GRAPH = "http://example.org/bench/graph"
KZ = "https://w3id.org/kzgraph/"

#: The fixed queries on the synthetic graphs, in this order (the most expensive last).
QUERIES = {
    "point lookup": f"SELECT ?p ?o WHERE {{ <{EX}person/42> ?p ?o }}",
    "2-hop join, LIMIT 100": f"SELECT ?a ?c WHERE {{ ?a <{EX}knows> ?b . ?b <{EX}worksFor> ?c }} LIMIT 100",
    "OPTIONALs": f"SELECT ?p ?name ?email ?city WHERE {{ ?p a <{EX}Person> ; <{EX}age> 42 ; <{EX}name> ?name "
                 f"OPTIONAL {{ ?p <{EX}email> ?email }} OPTIONAL {{ ?p <{EX}city> ?city }} }}",
    "aggregate": f"SELECT ?org (COUNT(?p) AS ?n) (AVG(?age) AS ?mean) WHERE {{ ?p <{EX}worksFor> ?org ; "
                 f"<{EX}age> ?age }} GROUP BY ?org ORDER BY DESC(?n) LIMIT 20",
}
#: The point lookup of the throughput measurement, on each kind of data.
SYNTHETIC_LOOKUP = QUERIES["point lookup"]
REAL_LOOKUP = f"SELECT ?p ?o WHERE {{ <{KZ}id/state/KAZ> ?p ?o }}"
PREPARED = "prepared.json"  # what was prepared in a folder, its size and the seconds it took
DUMP = Path("build") / "current" / "kzgraph.nq"


@dataclass
class Dataset:
    """One graph of the run: its name in the tables, its N-Quads dump, the queries asked of it."""

    name: str
    dump: Path
    triples: int
    queries: dict[str, str]
    lookup: str
    real: bool = False
    build: Path | None = None  # the build folder (KZGRAPH_BUILD) of the real graph
    prepared: dict[str, float] = field(default_factory=dict)  # seconds of its preparation steps

    @property
    def megabytes(self) -> float:
        return self.dump.stat().st_size / 2**20


def generate(triples: int, path: Path, seed: int = 7) -> int:
    """A synthetic social graph of about ``triples`` triples as N-Quads in one named graph: people (type,
    name, age, sometimes an email and a city, two `knows`, an employer) and organisations."""
    rng = random.Random(seed)
    people = max(10, round(triples / 6.85))  # 6.85 triples per person on average, organisations aside
    organisations = max(5, people // 50)
    written = 0
    g = f"<{GRAPH}>"
    with path.open("w", encoding="utf-8") as out:
        for i in range(organisations):
            out.write(f'<{EX}org/{i}> <{EX}label> "Organisation {i}" {g} .\n')
            written += 1
        for i in range(people):
            s = f"<{EX}person/{i}>"
            lines = [f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}Person> {g} .",
                     f'{s} <{EX}name> "Person {i}" {g} .',
                     f'{s} <{EX}age> "{18 + i % 60}"^^<http://www.w3.org/2001/XMLSchema#integer> {g} .',
                     f"{s} <{EX}worksFor> <{EX}org/{rng.randrange(organisations)}> {g} .",
                     f"{s} <{EX}knows> <{EX}person/{rng.randrange(people)}> {g} .",
                     f"{s} <{EX}knows> <{EX}person/{rng.randrange(people)}> {g} ."]
            if i % 2 == 0:
                lines.append(f'{s} <{EX}email> "p{i}@example.org" {g} .')
            if i % 3 == 0:
                lines.append(f'{s} <{EX}city> "City {i % 100}" {g} .')
            out.write("\n".join(lines) + "\n")
            written += len(lines)
    return written


def synthetic(size: int, folder: Path) -> Dataset:
    """The synthetic graph of ``size`` triples in ``folder`` (the one of an earlier run when it is there)."""
    dump = folder / "data.nq"
    reused = prepared(folder)
    if reused is None:
        folder.mkdir(parents=True, exist_ok=True)
        seconds, triples = timed(partial(generate, size, dump))
        reused = {"triples": triples, "steps": {"generation": seconds}}
        (folder / PREPARED).write_text(json.dumps(reused))
    triples = int(str(reused["triples"]))
    dataset = Dataset(f"synthetic, {triples:,} triples", dump, triples, dict(QUERIES), SYNTHETIC_LOOKUP)
    dataset.prepared = steps(reused)
    return dataset


def prepared(folder: Path) -> dict[str, object] | None:
    """What an earlier run prepared in ``folder`` (``--data``), with the steps marked as reused; or None."""
    if not (folder / PREPARED).is_file():
        return None
    earlier: dict[str, object] = json.loads((folder / PREPARED).read_text())
    earlier["reused"] = True
    return earlier


def steps(prepared: dict[str, object]) -> dict[str, float]:
    named = prepared["steps"]
    assert isinstance(named, dict)
    suffix = " (in an earlier run, reused)" if prepared.get("reused") else ""
    return {f"{step}{suffix}": float(seconds) for step, seconds in named.items()}


def default_register() -> Path:
    """The SIPRI trade register: ``$KZGRAPH_SHARED/reference/sipri/trade-register.csv``, else in ``shared``
    beside the repository."""
    shared = Path(os.environ["KZGRAPH_SHARED"]) if os.environ.get("KZGRAPH_SHARED") else ROOT.parent / "shared"
    return shared / "reference" / "sipri" / "trade-register.csv"


def build_real(folder: Path, register: Path, timeout: float) -> Dataset:
    """The real graph: the register imported and the project built into ``folder/build`` (its source documents
    from ``KZGRAPH_SOURCES``, else ``shared/seeds`` beside the repository), timed; the build of an earlier run
    when it is there."""
    reused = prepared(folder)
    if reused is None:
        if not register.is_file():
            raise FileNotFoundError(f"--register: no SIPRI trade register at {register}")
        folder.mkdir(parents=True, exist_ok=True)
        sources = os.environ.get("KZGRAPH_SOURCES") or str(register.parents[2] / "seeds")
        env = {"PYTHONPATH": str(ROOT / "src"), "KZGRAPH_BUILD": str(folder / "build"), "KZGRAPH_SOURCES": sources}
        taken = {}
        taken["import"], _ = run(python_command("-m", "kzgraph", "import", "sipri", str(register)),
                                 folder / "import.log", env, timeout)
        taken["build"], _ = run(python_command("-m", "kzgraph", "build", "--project", str(ROOT)),
                                folder / "build.log", env, timeout)
        built = re.search(r"built (\d+) triples", (folder / "build.log").read_text())
        triples = int(built.group(1)) if built else sum(1 for _ in (folder / DUMP).open("rb"))
        reused = {"triples": triples, "steps": taken}
        (folder / PREPARED).write_text(json.dumps(reused))
    triples = int(str(reused["triples"]))
    dataset = Dataset(f"real graph with the SIPRI register, {triples:,} triples", folder / DUMP, triples,
                      catalogue_queries(), REAL_LOOKUP, real=True, build=folder / "build")
    dataset.prepared = steps(reused)
    return dataset


def catalogue_queries() -> dict[str, str]:
    """Every named query of the project's catalogue, its parameters bound to their defaults."""
    from kzgraph import KZGraph

    kg = KZGraph(ROOT)
    return {name: kg.resolve(name) for name in sorted(kg.catalogue)}
