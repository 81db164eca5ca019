"""The rdflib baselines: rdflib's memory store (``Dataset.parse`` and ``Dataset.query`` in a process of its
own, no HTTP) and rdflib-endpoint (PyPI ``rdflib-endpoint``, the ``bench`` extra: ``rdflib-endpoint serve
DUMP``, which parses the dump into an rdflib ``Dataset`` with the union default graph and serves it over
the SPARQL protocol; its load is part of its start)."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from processes import Failed, free_port
from systems import HttpSystem, Limits, PipeSystem


def rdflib_memory() -> PipeSystem:
    return PipeSystem(key="rdflib", title="rdflib memory store in process", engine="rdflib")


@dataclass
class RdflibEndpoint(HttpSystem):
    key: str = "rdflib-endpoint"
    title: str = "rdflib-endpoint"
    stuck_after_timeout: bool = True  # it evaluates a query on its event loop, which waits for the query

    def open(self, dump: Path, folder: Path, limits: Limits) -> None:
        command = shutil.which("rdflib-endpoint") or str(Path(sys.executable).with_name("rdflib-endpoint"))
        if not Path(command).is_file():
            raise Failed("rdflib-endpoint is not installed (pip install -e '.[bench]')")
        port = free_port()
        self.serve([command, "serve", str(dump), "--host", "127.0.0.1", "--port", str(port)],
                   f"http://127.0.0.1:{port}/", folder / "serve.log", limits)
        self.notes.append("its start includes parsing the dump")
