"""kzgraph: ``kzgraph load DUMP --store FOLDER``, then ``kzgraph serve --store FOLDER`` (its query workers)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from processes import free_port, run
from systems import ROOT, HttpSystem, Limits, python_command


@dataclass
class Kzgraph(HttpSystem):
    key: str = "kzgraph"
    title: str = "kzgraph"
    workers: int = 2

    def open(self, dump: Path, folder: Path, limits: Limits) -> None:
        env = {"PYTHONPATH": str(ROOT / "src"), "KZGRAPH_BUILD": str(folder / "build")}
        store = folder / "store"
        self.load, self.load_peak_mb = run(python_command("-m", "kzgraph", "load", str(dump), "--store", str(store)),
                                           folder / "load.log", env, limits.load_seconds, limits.memory_mb)
        port = free_port()
        self.serve(python_command("-m", "kzgraph", "serve", "--store", str(store), "--host", "127.0.0.1", "--port",
                                  str(port), "--workers", str(self.workers), "--timeout", str(limits.query_seconds),
                                  "--max-rows", "0"),
                   f"http://127.0.0.1:{port}/sparql", folder / "serve.log", limits, env)
