"""kzgraph's own work on the real graph, each operation a command in a process of its own, timed with the
peak memory of its processes: SHACL validation, the metrics and the exports, beside the baseline of the
same run, opening the build (``kzgraph query "ASK {}"``: the dump loaded into a store in memory), which
every command on the last build pays first.

Validation: ``kzgraph validate`` checks the curated data (ontology, data/ and the derived triples, not the
register), with the ``sparql`` engine and with pySHACL (``--engine pyshacl``); the whole build, register
included, is validated through the Python API (``validate_store`` on ``KZGraph.store``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from processes import Failed, run
from systems import ROOT, python_command

VALIDATE_BUILD = ("from kzgraph import KZGraph\n"
                  "from kzgraph.validation.validator import shapes_graph, validate_store\n"
                  "kg = KZGraph()\n"
                  "report = validate_store(kg.store, shapes_graph(kg.project.shapes_dir), engine='sparql')\n"
                  "print(report.conforms, len(report.results))\n")

#: name → the command's arguments after ``python``; exit code 1 of a validation (violations) is an answer.
OPERATIONS = {
    "baseline: open the build (`kzgraph query \"ASK {}\"`)": ["-m", "kzgraph", "query", "ASK {}"],
    "`kzgraph validate` (curated data, sparql engine)": ["-m", "kzgraph", "validate"],
    "`kzgraph validate --engine pyshacl` (curated data)": ["-m", "kzgraph", "validate", "--engine", "pyshacl"],
    "SHACL validation of the whole build (`validate_store`, sparql engine)": ["-c", VALIDATE_BUILD],
    "`kzgraph metrics` (KAZ, every year)": ["-m", "kzgraph", "metrics"],
    "`kzgraph export -f graphml` (cooperation projection)": ["-m", "kzgraph", "export", "-f", "graphml", "-o",
                                                             "{out}/cooperation.graphml"],
    "`kzgraph export -f gexf` (cooperation projection)": ["-m", "kzgraph", "export", "-f", "gexf", "-o",
                                                          "{out}/cooperation.gexf"],
    "`kzgraph export -f cyjs --graph kg` (the whole graph)": ["-m", "kzgraph", "export", "-f", "cyjs", "--graph",
                                                              "kg", "-o", "{out}/kg.cyjs"],
}


@dataclass
class Outcome:
    name: str
    seconds: float | None
    peak_mb: float | None
    failure: str | None = None


def measure(build: Path, folder: Path, timeout: float, memory_mb: float) -> list[Outcome]:
    """Every operation on the real graph's build folder (``KZGRAPH_BUILD``), in order."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {"PYTHONPATH": str(ROOT / "src"), "KZGRAPH_BUILD": str(build), "KZGRAPH_PROJECT": str(ROOT)}
    outcomes = []
    for number, (name, arguments) in enumerate(OPERATIONS.items()):
        command = python_command(*(argument.replace("{out}", str(folder)) for argument in arguments))
        try:
            seconds, peak = run(command, folder / f"operation-{number}.log", env, timeout, memory_mb,
                                ok_codes=(0, 1) if "validat" in name else (0,))
            outcomes.append(Outcome(name, seconds, peak))
        except Failed as failure:
            outcomes.append(Outcome(name, None, None, str(failure)))
    return outcomes
