"""The Oxigraph baselines: the Oxigraph server (``oxigraph load``, then ``oxigraph serve-read-only
--union-default-graph``; the ``oxigraph`` command of the PyPI package, the same Oxigraph as pyoxigraph)
and raw pyoxigraph (``Store.bulk_load`` and ``Store.query`` in a process of its own, no HTTP)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from processes import free_port, run
from systems import HttpSystem, Limits, PipeSystem

OXIGRAPH = Path(sys.executable).with_name("oxigraph")


@dataclass
class OxigraphServer(HttpSystem):
    key: str = "oxigraph"
    title: str = "Oxigraph server"

    def open(self, dump: Path, folder: Path, limits: Limits) -> None:
        store = folder / "store"
        self.load, self.load_peak_mb = run([str(OXIGRAPH), "load", "--location", str(store), "--file", str(dump)],
                                           folder / "load.log", None, limits.load_seconds, limits.memory_mb)
        port = free_port()
        self.serve([str(OXIGRAPH), "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}",
                    "--union-default-graph"], f"http://127.0.0.1:{port}/query", folder / "serve.log", limits)


def pyoxigraph() -> PipeSystem:
    return PipeSystem(key="pyoxigraph", title="pyoxigraph in process", engine="pyoxigraph")
